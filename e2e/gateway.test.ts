/**
 * Gateway access end to end (issue 14): Debian's nginx, started here on a free port with a config generated from
 * the app's gateway rules (`nginxServer`), fronts a tiny node:http app whose code knows nothing of camfa-guard and
 * asks `camfa-guard serve` (its own process, the offline geo database) through `auth_request`. In Chromium: the
 * hosted sign-in, a sensitive route's step-up, a request from a new country (via a trusted X-Forwarded-For)
 * stepped up on the next navigation, each back at the URL first asked for. API clients through nginx get 401
 * problem+json with the RFC 9470 challenge. With the backend stopped, `open` routes pass and `closed` ones refuse.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySchema } from '../server-mock/src/config/schema.js';
import { nginxServer } from '../server-mock/src/gateway/nginx.js';
import { APP_PATHS } from '../server-mock/src/protocol/index.js';
import { newCountryWorkflow } from '../server-mock/src/test-support/gateway.js';
import { enrolTotp, startConsoleBackend, totpCode, type ConsoleBackend } from './console-support.js';
import { freePort, launchBrowser, NGINX, openDialog, runNginx, screenshots } from './support.js';

/** Addresses the offline geo database places: alice's usual country, and one she has never been seen in. */
const IN_GB = '81.2.69.142';
const IN_US = '8.8.8.8';
const IN_DE = '5.9.0.1';
const PASSWORD = 'correct horse battery staple';
/** Judges every request the gateway captures: a country the user was not seen in steps them up. */
const RISK = newCountryWorkflow(['totp', 'recovery_code']);
const ROUTES = [
  { path: '/public/', access: 'public' as const },
  { path: '/admin/', access: 'sensitive' as const, maxAgeSeconds: 600, behaviorType: 'admin' },
  { path: '/open/', access: 'session' as const, failMode: 'open' as const },
];

let backend: ConsoleBackend;
let upstream: Server;
let nginx: { url: string; stop(): Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Where the browser is, as the load balancer in front of nginx says. */
let browserAddress = IN_GB;

/** The app behind nginx: says which page it is and who the gateway said the user is. */
function startUpstream(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const user = request.headers['x-camfa-user'] ?? '';
    if (request.url?.startsWith('/api/')) return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user }));
    const body = `<!doctype html><html lang="en"><title>Shop</title><h1 id="path">${request.url}</h1><p id="user">${String(user)}</p></html>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  return new Promise((listening) => server.listen(port, '127.0.0.1', () => listening(server)));
}

/** nginx fronting the upstream with the shop's gateway rules, on `port`. */
function startNginx(port: number, backendUrl: string, upstreamPort: number, hosts: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const server = nginxServer({
    appId: 'shop',
    gateway: gatewaySchema.parse({ hosts, routes: ROUTES }),
    listen: `127.0.0.1:${port}`,
    backend: backendUrl,
    upstream: `http://127.0.0.1:${upstreamPort}`,
  });
  return runNginx(server, `http://localhost:${port}`, '/public/ready');
}

beforeAll(async () => {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install -y nginx (.ci/run does)`);
  const [nginxPort, upstreamPort] = [await freePort(), await freePort()];
  const hosts = [`localhost:${nginxPort}`];
  const shop = {
    id: 'shop',
    name: 'Shop',
    secret: 'shop-secret-0123456789-abcdefghijklmnop',
    origins: [`http://localhost:${nginxPort}`],
    gateway: { hosts, routes: ROUTES },
  };
  [backend, upstream, browser] = await Promise.all([
    startConsoleBackend({
      apps: [shop],
      policies: { documents: [{ app: 'shop', document: RISK }] },
      geo: { provider: 'geoip-lite' },
      trustedProxies: ['127.0.0.1/32'],
    }),
    startUpstream(upstreamPort),
    launchBrowser(),
  ]);
  nginx = await startNginx(nginxPort, backend.url, upstreamPort, hosts);
  const created = await fetch(`${backend.url}${APP_PATHS.users}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${shop.id}:${shop.secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ originalIdentity: 'alice', username: 'alice', password: PASSWORD }),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(20_000);
  // An outer load balancer in front of nginx says where the browser is; nginx and the backend trust it on loopback.
  // Added to nginx's requests only: on the page's calls to the backend it would be a header CORS refuses.
  await context.route(`${nginx.url}/**`, (route) => route.continue({ headers: { ...route.request().headers(), 'x-forwarded-for': browserAddress } }));
  page = await context.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await backend?.stop();
  await new Promise((closed) => (upstream ? upstream.close(closed) : closed(undefined)));
});

/** The session cookie the browser holds for nginx's host, for API calls made from here. */
async function sessionCookie(): Promise<string> {
  return (await context.cookies(nginx.url)).map(({ name, value }) => `${name}=${value}`).join('; ');
}

/** The upstream page the browser is on: its path and the user nginx passed. */
async function upstreamPage(): Promise<{ path: string; user: string }> {
  await page.locator('#user').waitFor({ state: 'attached' });
  return { path: (await page.locator('#path').textContent())!, user: (await page.locator('#user').textContent())! };
}

describe('gateway access through nginx auth_request', () => {
  let totpSecret = '';

  it('signs in on the hosted page, steps up a sensitive route, then a new country, each time back at the URL asked for', { timeout: 120_000 }, async () => {
    const shot = screenshots(page, 'gateway');
    await page.goto(`${nginx.url}/orders?page=2`);
    await page.waitForURL((url) => url.pathname === '/gateway/login');
    expect(new URL(page.url()).searchParams.get('rd')).toBe(`${nginx.url}/orders?page=2`);
    await page.locator('guard-login input[autocomplete~="username"]').fill('alice');
    const password = page.locator('guard-login input[autocomplete="current-password"]');
    await password.fill(PASSWORD);
    await shot('hosted-login');
    await password.press('Enter');
    await page.waitForURL(`${nginx.url}/orders?page=2`);
    expect(await upstreamPage()).toEqual({ path: '/orders?page=2', user: 'alice' });
    const cookie = (await context.cookies(nginx.url)).find(({ name }) => name === 'camfa_gateway_shop');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // A sensitive route: no step-up since sign-in is older than any max_age.
    await page.goto(`${nginx.url}/admin/users`);
    await page.waitForURL((url) => url.pathname === '/gateway/stepup');
    await openDialog(page).waitFor();
    await shot('hosted-step-up');
    ({ secret: totpSecret } = await enrolTotp(page));
    await page.waitForURL(`${nginx.url}/admin/users`);
    expect(await upstreamPage()).toEqual({ path: '/admin/users', user: 'alice' });

    // The same user from another country: the next navigation's captured request steps her up.
    browserAddress = IN_US;
    await page.goto(`${nginx.url}/orders?page=3`);
    await page.waitForURL((url) => url.pathname === '/gateway/stepup');
    await openDialog(page)
      .getByRole('button', { name: /^Authenticator app/ })
      .click();
    // The next time step's code (TOTP accepts one step of clock skew): this step's was spent on the enrolment.
    const nextStep = totpCode(totpSecret, Date.now() + 30_000);
    await shot('new-country-step-up');
    await page.locator('guard-step-up input[autocomplete="one-time-code"]').fill(nextStep);
    await page.waitForURL(`${nginx.url}/orders?page=3`);
    expect(await upstreamPage()).toEqual({ path: '/orders?page=3', user: 'alice' });
  });

  it('answers API clients 401 problem+json with the RFC 9470 challenge, never a redirect', async () => {
    const anonymous = await fetch(`${nginx.url}/api/orders`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(((await anonymous.json()) as { code: string }).code).toBe('gateway_session_required');

    // A session, and a request from yet another country: the step-up is owed.
    const owed = await fetch(`${nginx.url}/api/orders`, {
      headers: { accept: 'application/json', cookie: await sessionCookie(), 'x-forwarded-for': IN_DE },
      redirect: 'manual',
    });
    expect(owed.status).toBe(401);
    expect(owed.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_user_authentication"/);
    expect(owed.headers.get('content-type')).toBe('application/problem+json');
    expect(((await owed.json()) as { code: string }).code).toBe('insufficient_user_authentication');
  });

  it('with the backend stopped, passes open routes and refuses closed ones, as nginx sees it', async () => {
    await backend.stop();
    const open = await fetch(`${nginx.url}/open/report`, { headers: { cookie: await sessionCookie() } });
    expect(open.status).toBe(200);
    expect(await open.text(), 'no identity while the backend cannot say who').toContain('<p id="user"></p>');
    const closed = await fetch(`${nginx.url}/orders`, { headers: { cookie: await sessionCookie(), accept: 'application/json' } });
    expect(closed.status).toBe(503);
    expect(((await closed.json()) as { code: string }).code).toBe('backend_unavailable');
    expect((await fetch(`${nginx.url}/public/about`)).status).toBe(200);
  });
});
