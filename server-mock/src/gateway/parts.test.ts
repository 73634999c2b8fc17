import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { originalRequest } from './forwarded.js';
import { runGatewayCommand } from './nginx-command.js';
import { routeFor } from './rules.js';

const headers = (values: Record<string, string>) => (name: string) => values[name];
const envoyCheck = { method: 'DELETE', pathAfterPrefix: '/orders/7?force=1', host: 'shop.example', proto: 'http' };

describe('the original request, by each gateway’s convention', () => {
  it('reads nginx’s X-Original-*, Traefik’s and Caddy’s X-Forwarded-*, and Envoy’s check request itself', () => {
    const forwarded = { 'x-forwarded-host': 'Shop.Example', 'x-forwarded-proto': 'https' };
    expect(originalRequest(headers({ ...forwarded, 'x-original-method': 'post', 'x-original-uri': '/a?b=1' }), { ...envoyCheck, pathAfterPrefix: '' })).toEqual(
      {
        method: 'POST',
        uri: '/a?b=1',
        path: '/a',
        host: 'shop.example',
        proto: 'https',
      },
    );
    expect(
      originalRequest(headers({ ...forwarded, 'x-forwarded-method': 'PUT', 'x-forwarded-uri': '/c' }), { ...envoyCheck, pathAfterPrefix: '' }),
    ).toMatchObject({
      method: 'PUT',
      uri: '/c',
    });
    expect(originalRequest(headers({}), envoyCheck)).toEqual({
      method: 'DELETE',
      uri: '/orders/7?force=1',
      path: '/orders/7',
      host: 'shop.example',
      proto: 'http',
    });
    expect(originalRequest(headers({}), { ...envoyCheck, pathAfterPrefix: '' }), 'no URI anywhere').toBe(null);
  });
});

describe('route rules', () => {
  const gateway = configSchema.shape.apps.element.shape.gateway.unwrap().parse({
    hosts: ['shop.example'],
    routes: [
      { path: '/admin/', access: 'sensitive' },
      { path: '/admin/help/', access: 'public' },
    ],
  });

  it('picks the longest matching prefix, and a session for the rest', () => {
    expect(routeFor(gateway, '/admin/help/faq').access).toBe('public');
    expect(routeFor(gateway, '/admin/users').access).toBe('sensitive');
    expect(routeFor(gateway, '/orders')).toMatchObject({ access: 'session', failMode: 'closed' });
  });

  it('refuses a path twice and a rule over the hosted pages', () => {
    const parse = (routes: unknown[]) => configSchema.shape.apps.element.shape.gateway.unwrap().safeParse({ hosts: ['shop.example'], routes }).success;
    expect(parse([{ path: '/a/' }, { path: '/a/' }])).toBe(false);
    expect(parse([{ path: '/gateway/login' }])).toBe(false);
  });
});

describe('camfa-guard gateway nginx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camfa-gateway-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a location per rule: public ones never ask the backend, each other one falls back by its fail mode', () => {
    const file = join(dir, 'camfa.json');
    const routes = [
      { path: '/static/', access: 'public' },
      { path: '/status/', failMode: 'open' },
    ];
    const secret = 'shop-secret-0123456789-abcdefghijklmnop';
    writeFileSync(
      file,
      JSON.stringify({ publicUrl: 'http://camfa.internal:8787', apps: [{ id: 'shop', secret, gateway: { hosts: ['shop.example'], routes } }] }),
    );
    let printed = '';
    expect(runGatewayCommand(['nginx', '--config', file, '--app', 'shop', '--upstream', 'http://127.0.0.1:3000'], (text) => (printed += text))).toBe(0);
    const location = (path: string) => /location [^{]+\{[^}]*\}/g.exec(printed.slice(printed.indexOf(`location ${path} {`)))![0];
    expect(printed).toContain('proxy_pass http://camfa.internal:8787/v1/gateway/check?app=shop&via=nginx;');
    expect(location('/static/')).not.toContain('auth_request');
    expect(location('/status/')).toContain('error_page 500 502 503 504 = @camfa_open;');
    expect(location('/')).toContain('error_page 500 502 503 504 = @camfa_closed;');
    expect(() => runGatewayCommand(['nginx', '--config', file, '--app', 'crm', '--upstream', 'http://x'], () => {})).toThrow('no app "crm"');
  });
});
