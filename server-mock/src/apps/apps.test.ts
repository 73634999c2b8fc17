/**
 * Issue 12, apps: an app created at run time works for the SDK at once, its factor switches decide what a
 * step-up offers, a rotated secret or a removed app stops authenticating at once, and it survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../backend.js';
import type { ConfigInput } from '../config/schema.js';
import { AuthenticationClient, MetadataManagementClient } from '../sdk/index.js';
import { ADMIN_TOKEN, APP, testConfig } from '../test-support/backend.js';
import { PLACES } from '../test-support/fixtures.js';
import type { ConsoleApp } from '../protocol/index.js';

/** A global workflow in both modes: every app, created ones included, inherits it. */
const OUTSIDE: Partial<ConfigInput> = {
  policies: {
    documents: [
      {
        document: { id: 'outside', name: 'Outside', modes: ['api', 'event'], uses: [{ template: 'extranet', params: { factors: ['sms', 'totp', 'email'] } }] },
      },
    ],
  },
};

const dataDir = mkdtempSync(join(tmpdir(), 'camfa-apps-'));
const start = () =>
  startBackend({
    port: 0,
    hostname: '127.0.0.1',
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    geo: { [PLACES.newYork.ip]: PLACES.newYork.geo },
    logLevel: 'silent',
    config: testConfig(OUTSIDE),
  });

let backend: RunningBackend;
beforeAll(async () => {
  backend = await start();
});
afterAll(async () => {
  await backend?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Answer = { status: number; type: string | null; etag: string | null; body: Record<string, unknown> & { code?: string } };

/** The admin API's apps endpoints, as automation would call them. */
async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${backend.url}/v1/admin/apps${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), etag: response.headers.get('etag'), body: text ? JSON.parse(text) : {} };
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
/** checkUserStatus with these credentials: 200, or 401 when they are refused. */
const statusWith = (id: string, secret: string) =>
  fetch(`${backend.url}/v1/mfa/status`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/json' },
    body: JSON.stringify({ originalIdentity: 'nobody' }),
  }).then((response) => response.status);
/** The origin a step-up preflight from `origin` is allowed for, or null. */
const corsOrigin = async (origin: string) =>
  (await fetch(`${backend.url}/v1/stepup/factors`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get(
    'access-control-allow-origin',
  );
const browserPost = (path: string, body: unknown) =>
  fetch(`${backend.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sdk = (id: string, secret: string) => ({
  meta: new MetadataManagementClient({ host: backend.url, appId: id, appSecret: secret }),
  auth: new AuthenticationClient({ host: backend.url, appId: id, appSecret: secret }),
});
const offersTrustDevice = async (stateToken: string) =>
  ((await (await browserPost('/v1/stepup/factors', { stateToken })).json()) as { trustDevice: boolean }).trustDevice;
const stepUpFactors = async (stateToken: string) => {
  const response = await browserPost('/v1/stepup/factors', { stateToken });
  return ((await response.json()) as { factors: { type: string }[] }).factors.map((factor) => factor.type);
};

describe('apps created at run time', () => {
  let secret: string;
  let version: number;

  it('creates an app whose secret the SDK captures and triggers with at once', async () => {
    const created = await admin('POST', '', { id: 'payroll', name: 'Payroll', origins: ['https://payroll.example.com'], factors: ['sms', 'email'] });
    expect(created.status).toBe(201);
    expect(created.body.app).toEqual({
      id: 'payroll',
      name: 'Payroll',
      origins: ['https://payroll.example.com'],
      factors: ['sms', 'email'],
      trustDeviceDays: null,
      failMode: 'open',
      source: 'console',
      version: 1,
    } satisfies ConsoleApp);
    secret = created.body.secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // Its browsers may call the step-up from the origin it declared.
    expect(await corsOrigin('https://payroll.example.com')).toBe('https://payroll.example.com');

    const { meta, auth } = sdk('payroll', secret);
    const { published } = await meta.ueba.capture({ originalIdentity: 'pat', ip: PLACES.newYork.ip });
    expect(published).toHaveLength(1);
    const trigger = await auth.mfa.triggerWorkflow({ workflowId: 'outside', metadata: { originalIdentity: 'pat', ip: PLACES.newYork.ip } });
    expect(trigger?.appId).toBe('payroll');
    // The workflow names SMS, TOTP and e-mail; the app has only SMS and e-mail switched on.
    expect(trigger?.factors.map((factor) => factor.type)).toEqual(['sms', 'email']);
  });

  it('lists config apps read-only beside it, and never a secret', async () => {
    const listed = await admin('GET', '');
    const apps = listed.body.apps as ConsoleApp[];
    expect(apps.map((app) => [app.id, app.source])).toEqual([
      ['shop', 'config'],
      ['crm', 'config'],
      ['payroll', 'console'],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(APP.secret);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
  });

  it('offers only the switched-on factors once SMS is off and TOTP on, on open step-ups too', async () => {
    const { auth } = sdk('payroll', secret);
    const before = await auth.mfa.triggerWorkflow({ workflowId: 'outside', metadata: { originalIdentity: 'sam', ip: PLACES.newYork.ip } });
    expect(await stepUpFactors(before!.stateToken)).toEqual(['sms', 'email']);
    expect(await offersTrustDevice(before!.stateToken)).toBe(false);

    const patched = await admin('PATCH', '/payroll', { factors: ['totp', 'email'], trustDeviceDays: 30, failMode: 'closed' }, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);
    expect(patched.body.app).toMatchObject({ factors: ['totp', 'email'], trustDeviceDays: 30, failMode: 'closed', version: 2 });
    expect(patched.etag).toBe('"2"');
    version = 2;

    const after = await auth.mfa.triggerWorkflow({ workflowId: 'outside', metadata: { originalIdentity: 'sam', ip: PLACES.newYork.ip } });
    expect(after?.factors.map((factor) => factor.type)).toEqual(['totp', 'email']);
    expect(await stepUpFactors(after!.stateToken)).toEqual(['totp', 'email']);
    expect(await offersTrustDevice(after!.stateToken)).toBe(true);
    // The step-up opened before the change no longer offers SMS, and refuses to send one.
    expect(await stepUpFactors(before!.stateToken)).toEqual(['email']);
    // checkUserStatus's pending step-up (published in event mode before the change) says the same.
    const pending = await sdk('payroll', secret).meta.ueba.checkUserStatus({ originalIdentity: 'pat' });
    expect(pending.pending?.factors.map((factor) => factor.type)).toEqual(['email']);
    const send = await browserPost('/v1/stepup/otp/send', { stateToken: before!.stateToken, channel: 'sms' });
    expect(((await send.json()) as { code: string }).code).toBe('factor_not_offered');
  });

  it('refuses a stale edit, an edit without If-Match and any edit of a config app, changing nothing', async () => {
    const stale = await admin('PATCH', '/payroll', { name: 'Old copy' }, { 'if-match': '"1"' });
    expect([stale.status, stale.body.code, stale.body.currentVersion]).toEqual([409, 'edit_conflict', 2]);
    expect(stale.type).toBe('application/problem+json');
    expect((await admin('PATCH', '/payroll', { name: 'No version' })).status).toBe(428);
    for (const [method, path, body] of [
      ['PATCH', '/shop', { name: 'Renamed' }],
      ['POST', '/shop/secret', undefined],
      ['DELETE', '/shop', undefined],
    ] as const) {
      const refused = await admin(method, path, body, { 'if-match': '"0"' });
      expect([refused.status, refused.body.code]).toEqual([409, 'app_read_only']);
    }
    expect((await admin('POST', '', { id: 'shop', name: 'Shop again' })).body.code).toBe('app_exists');
    expect((await admin('POST', '', { id: 'payroll', name: 'Payroll again' })).body.code).toBe('app_exists');
    expect(await statusWith(APP.id, APP.secret)).toBe(200);
    expect(((await admin('GET', '/payroll')).body.app as ConsoleApp).name).toBe('Payroll');
  });

  it('answers malformed input with a 4xx problem, never a 5xx', async () => {
    const bad: [string, string, unknown, Record<string, string>?][] = [
      ['POST', '', '{not json'],
      ['POST', '', { id: 'x y', name: 'Spaces' }],
      ['POST', '', { id: 'ok', name: 'a\u0000b' }],
      ['POST', '', { id: 'ok', name: 'Ok', origins: ['https://a.example/path'] }],
      ['POST', '', { id: 'ok', name: 'Ok', factors: [] }],
      ['POST', '', { id: 'ok', name: 'Ok', factors: ['sms', 'sms'] }],
      ['POST', '', { id: 'ok', name: 'Ok', factors: ['carrier-pigeon'] }],
      ['POST', '', { id: 'ok', name: 'Ok', secret: 'chosen-by-the-caller-0123456789abcdef' }],
      ['POST', '', { id: 'ok', name: 'Ok', trustDeviceDays: 0 }],
      ['POST', '', [1, 2]],
      ['PATCH', '/payroll', { failMode: 'sideways' }, { 'if-match': `"${version}"` }],
      ['PATCH', '/payroll', { name: 'Fine' }, { 'if-match': 'yesterday' }],
      ['PATCH', '/nobody', { name: 'Fine' }, { 'if-match': '"1"' }],
      ['GET', '/a%00b', undefined],
      ['DELETE', '/nobody', undefined],
    ];
    for (const [method, path, body, headers] of bad) {
      const answer = await admin(method, path, body, headers);
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.type).toBe('application/problem+json');
      expect(answer.body.code).toEqual(expect.any(String));
    }
    const unauthenticated = await fetch(`${backend.url}/v1/admin/apps`, { headers: { authorization: basic(APP.id, APP.secret) } });
    expect(unauthenticated.status).toBe(401);
  });

  it('survives generated bad bodies on create and edit', async () => {
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    const body = fc.oneof(
      fc
        .record({ id: junk, name: junk, origins: junk, factors: junk, trustDeviceDays: junk, failMode: junk }, { requiredKeys: [] })
        .map((value) => JSON.stringify(value)),
      fc.anything().map((value) => JSON.stringify(value) ?? 'undefined'),
      fc.string(),
    );
    // Its own app: a generated body that happens to be a valid edit changes nothing the other cases rely on.
    expect((await admin('POST', '', { id: 'fuzzed', name: 'Fuzzed' })).status).toBe(201);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'PATCH'), body, fc.option(fc.string({ maxLength: 12 })), async (method, text, ifMatch) => {
        const answer = await admin(method, method === 'POST' ? '' : '/fuzzed', text, ifMatch === null ? {} : { 'if-match': ifMatch });
        // A body that happens to be valid is fine; anything else must be a 4xx problem.
        if (answer.status < 300) return;
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
        expect(answer.type).toBe('application/problem+json');
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('documents the apps endpoints in /openapi.json', async () => {
    const { paths } = (await (await fetch(`${backend.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, object>> };
    expect(Object.keys(paths['/v1/admin/apps'] ?? {})).toEqual(['get', 'post']);
    expect(Object.keys(paths['/v1/admin/apps/{id}'] ?? {})).toEqual(['get', 'patch', 'delete']);
    expect(Object.keys(paths['/v1/admin/apps/{id}/secret'] ?? {})).toEqual(['post']);
  });

  it('refuses the old secret from the moment it is rotated', async () => {
    expect(await statusWith('payroll', secret)).toBe(200);
    const rotated = await admin('POST', '/payroll/secret', undefined, { 'if-match': `"${version}"` });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(secret);
    expect(await statusWith('payroll', secret)).toBe(401);
    expect(await statusWith('payroll', fresh)).toBe(200);
    secret = fresh;
  });

  it('keeps a stored app, its switches and its secret across a restart', async () => {
    await backend.close();
    backend = await start();
    expect(await statusWith('payroll', secret)).toBe(200);
    expect((await admin('GET', '/payroll')).body.app).toMatchObject({ factors: ['totp', 'email'], trustDeviceDays: 30, failMode: 'closed', version: 3 });
    const trigger = await sdk('payroll', secret).auth.mfa.triggerWorkflow({
      workflowId: 'outside',
      metadata: { originalIdentity: 'ray', ip: PLACES.newYork.ip },
    });
    expect(trigger?.factors.map((factor) => factor.type)).toEqual(['totp', 'email']);
  });

  it('stops authenticating a removed app at once', async () => {
    expect((await admin('DELETE', '/payroll')).status).toBe(204);
    expect(await statusWith('payroll', secret)).toBe(401);
    expect((await admin('GET', '/payroll')).status).toBe(404);
    expect(await corsOrigin('https://payroll.example.com')).toBeNull();
  });
});
