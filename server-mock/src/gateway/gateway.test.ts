/**
 * Gateway access through the real backend on a port: the check as a gateway on loopback (a trusted proxy) asks
 * it, the hosted pages' session endpoint, and every refusal (forged and other-app cookies, a return to a host
 * the app does not list, a page posted from elsewhere, a proxy that is not trusted). The clock is injected, so
 * a sensitive route's `max_age` runs out without waiting.
 */
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_PATHS, type MfaTriggerData } from '../protocol/index.js';
import { APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { manualClock, PLACES } from '../test-support/fixtures.js';
import { newCountryWorkflow } from '../test-support/gateway.js';

const HOST = 'shop.test';
const gateway = {
  hosts: [HOST],
  routes: [
    { path: '/assets/', access: 'public' as const },
    { path: '/admin/', access: 'sensitive' as const, maxAgeSeconds: 300, behaviorType: 'admin' },
    { path: '/admin/transfer', access: 'sensitive' as const, everyUse: true },
  ],
};
const RISK = newCountryWorkflow(['totp']);

/** An app whose upstream login already says who the user is, in a header the gateway sets. */
const WIKI = { id: 'wiki', secret: 'wiki-secret-0123456789-abcdefghijklmno', gateway: { hosts: ['wiki.test'], identityHeader: 'X-Remote-User' } };

const clock = manualClock();
let backend: TestBackend;
let untrusted: TestBackend;

beforeAll(async () => {
  const apps = [{ ...APP, gateway }, { ...OTHER_APP, gateway: { hosts: ['crm.test'] } }, WIKI];
  const policies = { documents: [{ app: APP.id, document: RISK }] };
  [backend, untrusted] = await Promise.all([
    startTestBackend({ clock, config: { apps, policies, trustedProxies: ['127.0.0.0/8'] } }),
    startTestBackend({ clock, config: { apps, trustedProxies: ['10.0.0.0/8'] } }),
  ]);
  for (const app of [APP, OTHER_APP]) {
    const created = await backend.post(
      '/v1/users',
      { originalIdentity: 'alice', username: 'alice', password: 'correct horse battery' },
      { authorization: backend.basicAuth(app) },
    );
    expect(created.status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await untrusted?.close();
});

interface Ask {
  cookie?: string;
  accept?: string;
  ip?: string;
  host?: string;
  via?: 'nginx';
  app?: string;
}

/** The check as nginx asks it: the original URI, host and scheme in headers, the browser's address in X-Forwarded-For. */
function check(uri: string, ask: Ask = {}, on = backend): Promise<Response> {
  const query = new URLSearchParams({ app: ask.app ?? APP.id, ...(ask.via ? { via: ask.via } : {}) });
  return fetch(`${on.url}${GATEWAY_PATHS.check}?${query}`, {
    redirect: 'manual',
    headers: {
      'x-original-method': 'GET',
      'x-original-uri': uri,
      'x-forwarded-host': ask.host ?? HOST,
      'x-forwarded-proto': 'https',
      accept: ask.accept ?? 'text/html,application/xhtml+xml',
      ...(ask.ip ? { 'x-forwarded-for': ask.ip } : {}),
      ...(ask.cookie ? { cookie: ask.cookie } : {}),
    },
  });
}

async function passwordToken(app = APP, ip = PLACES.london.ip): Promise<string> {
  const login = await backend.post<{ token: string }>(
    '/v1/login',
    { appId: app.id, login: 'alice', password: 'correct horse battery' },
    { 'x-forwarded-for': ip },
  );
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return login.body.token;
}

/** POST /gateway/session as the hosted page does; the cookie it set (`name=value`) and where it returns. */
async function startSession(token: string, options: { app?: string; rd?: string; origin?: string; cookie?: string } = {}) {
  const response = await fetch(`${backend.url}${GATEWAY_PATHS.session}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: options.origin ?? `https://${HOST}`,
      'x-forwarded-proto': 'https',
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    body: JSON.stringify({ app: options.app ?? APP.id, token, rd: options.rd ?? `https://${HOST}/orders?page=2` }),
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { status: response.status, body: (await response.json()) as { location?: string; code?: string }, setCookie, cookie: setCookie.split(';')[0]! };
}

async function stepUpWithTotp(cookie: string, rd: string, secret?: string): Promise<{ token: string; secret: string }> {
  const page = await fetch(`${backend.url}${GATEWAY_PATHS.stepUp}?${new URLSearchParams({ app: APP.id, rd })}`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const config = JSON.parse(/<script id="camfa-gateway" type="application\/json">(.*?)<\/script>/s.exec(await page.text())![1]!) as { trigger: MfaTriggerData };
  const { stateToken } = config.trigger;
  let enrolmentId: string | undefined;
  if (!secret) {
    const enrolment = await backend.post<{ enrolmentId: string; secret: string }>('/v1/stepup/totp/enroll', { stateToken });
    ({ enrolmentId, secret } = enrolment.body);
  }
  const code = new TOTP({ secret: Secret.fromBase32(secret!) }).generate({ timestamp: clock() });
  const verified = await backend.post<{ mfaToken: string }>('/v1/stepup/totp/verify', { stateToken, code, ...(enrolmentId ? { enrolmentId } : {}) });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { token: verified.body.mfaToken, secret: secret! };
}

describe('the gateway check', () => {
  let cookie = '';
  let totpSecret = '';

  it('sends a browser without a session to the hosted sign-in, an API client a 401 problem, and lets public routes pass', async () => {
    const browser = await check('/orders?page=2');
    expect(browser.status).toBe(302);
    const location = new URL(browser.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`https://${HOST}${GATEWAY_PATHS.login}`);
    expect(location.searchParams.get('rd')).toBe(`https://${HOST}/orders?page=2`);

    const api = await check('/api/orders', { accept: 'application/json' });
    expect(api.status).toBe(401);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    expect(((await api.json()) as { code: string }).code).toBe('gateway_session_required');

    const nginx = await check('/orders', { via: 'nginx' });
    expect(nginx.status).toBe(401);
    expect(nginx.headers.get('x-camfa-denial')).toBe('login');
    expect(nginx.headers.get('x-camfa-location')).toContain(GATEWAY_PATHS.login);

    const asset = await check('/assets/app.css');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('x-camfa-user')).toBe(null);
  });

  it('passes a signed-in user with identity headers, after a session cookie set HttpOnly, SameSite=Lax, Secure on https', async () => {
    const session = await startSession(await passwordToken());
    expect(session.status).toBe(200);
    expect(session.body.location).toBe(`https://${HOST}/orders?page=2`);
    expect(session.setCookie).toMatch(/^camfa_gateway_shop=v1\./);
    expect(session.setCookie).toContain('HttpOnly');
    expect(session.setCookie).toContain('SameSite=Lax');
    expect(session.setCookie).toContain('Secure');
    cookie = session.cookie;

    const passed = await check('/orders', { cookie, ip: PLACES.london.ip });
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-camfa-user')).toBe('alice');
    expect(passed.headers.get('x-camfa-amr')).toBe('pwd');
  });

  it('steps a user up on a new country (an event-mode workflow on the captured request), then passes', async () => {
    const abroad = await check('/orders', { cookie, ip: PLACES.newYork.ip, accept: 'application/json' });
    expect(abroad.status).toBe(401);
    expect(abroad.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_user_authentication"/);
    expect(((await abroad.json()) as { code: string }).code).toBe('insufficient_user_authentication');
    expect(new URL((await check('/orders', { cookie, ip: PLACES.newYork.ip })).headers.get('location')!).pathname).toBe(GATEWAY_PATHS.stepUp);

    const steppedUp = await stepUpWithTotp(cookie, `https://${HOST}/orders`);
    totpSecret = steppedUp.secret;
    cookie = (await startSession(steppedUp.token, { rd: `https://${HOST}/orders`, cookie })).cookie;
    const passed = await check('/orders', { cookie, ip: PLACES.newYork.ip });
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-camfa-amr'), 'the sign-in’s method and the step-up’s').toBe('pwd otp');
  });

  it('steps up on a sensitive route once the last step-up is older than its max_age', async () => {
    const fresh = await check('/admin/users', { cookie, ip: PLACES.newYork.ip });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-camfa-auth-time')).toBe(String(Math.floor(clock() / 1000)));

    clock.advance(301_000);
    const stale = await check('/admin/users', { cookie, ip: PLACES.newYork.ip, accept: 'application/json' });
    expect(stale.status).toBe(401);
    expect(stale.headers.get('www-authenticate')).toContain('max_age="300"');
    expect((await check('/orders', { cookie, ip: PLACES.newYork.ip })).status, 'the rest of the app still passes').toBe(200);

    clock.advance(30_000);
    const again = await stepUpWithTotp(cookie, `https://${HOST}/admin/users`, totpSecret);
    cookie = (await startSession(again.token, { rd: `https://${HOST}/admin/users` })).cookie;
    expect((await check('/admin/users', { cookie, ip: PLACES.newYork.ip })).status).toBe(200);
  });

  it('opens an every-use route once per step-up', async () => {
    expect((await check('/admin/transfer', { cookie, ip: PLACES.newYork.ip })).status, 'the step-up just made').toBe(200);
    expect((await check('/admin/transfer', { cookie, ip: PLACES.newYork.ip })).status, 'spent').toBe(302);
    expect((await check('/admin/users', { cookie, ip: PLACES.newYork.ip })).status, 'max_age routes still pass').toBe(200);
    clock.advance(30_000);
    const again = await stepUpWithTotp(cookie, `https://${HOST}/admin/transfer`, totpSecret);
    cookie = (await startSession(again.token, { rd: `https://${HOST}/admin/transfer`, cookie })).cookie;
    expect((await check('/admin/transfer', { cookie, ip: PLACES.newYork.ip })).status).toBe(200);
  });
});

describe('gateway refusals', () => {
  it('treats a forged cookie and another app’s cookie as no session', async () => {
    const { cookie } = await startSession(await passwordToken());
    const [name, value] = cookie.split('=') as [string, string];
    const [version, payload, mac] = value.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, originalIdentity: 'mallory' })).toString('base64url');
    expect((await check('/orders', { cookie: `${name}=${version}.${forged}.${mac}` })).status).toBe(302);

    const crm = await startSession(await passwordToken(OTHER_APP), { app: OTHER_APP.id, rd: 'https://crm.test/', origin: 'https://crm.test' });
    expect(crm.status).toBe(200);
    const otherValue = crm.cookie.split('=')[1]!;
    expect((await check('/orders', { cookie: `${name}=${otherValue}` })).status).toBe(302);
  });

  it('refuses a return to a host the app does not list, a session posted from elsewhere, and a token of another app', async () => {
    const page = await fetch(`${backend.url}${GATEWAY_PATHS.login}?${new URLSearchParams({ app: APP.id, rd: 'https://evil.example/' })}`);
    expect(page.status).toBe(400);
    expect(((await page.json()) as { code: string }).code).toBe('gateway_redirect_not_allowed');
    expect((await startSession(await passwordToken(), { rd: 'https://evil.example/' })).body.code).toBe('gateway_redirect_not_allowed');
    expect((await startSession(await passwordToken(), { rd: `//evil.example/${HOST}` })).body.code).toBe('gateway_redirect_not_allowed');
    expect((await startSession(await passwordToken(), { origin: 'https://evil.example' })).body.code).toBe('gateway_origin_not_allowed');
    const foreign = await startSession(await passwordToken(OTHER_APP));
    expect(foreign.status).toBe(401);
    expect(foreign.body.code).toBe('gateway_sign_in_refused');
  });

  it('answers Envoy’s ext_authz, which sends the original method and path under the check’s prefix and the app in a header', async () => {
    const { cookie } = await startSession(await passwordToken());
    const envoy = (path: string, headers: Record<string, string>) =>
      fetch(`${backend.url}${GATEWAY_PATHS.check}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'x-forwarded-host': HOST, 'x-forwarded-proto': 'https', ...headers },
      });
    const passed = await envoy('/orders?page=2', { 'x-camfa-app': APP.id, cookie, 'x-forwarded-for': PLACES.london.ip });
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-camfa-user')).toBe('alice');
    const anonymous = await envoy('/orders?page=2', { 'x-camfa-app': APP.id });
    expect(new URL(anonymous.headers.get('location')!).searchParams.get('rd')).toBe(`https://${HOST}/orders?page=2`);
    expect(((await (await envoy('/orders', {})).json()) as { code: string }).code).toBe('gateway_not_configured');
  });

  it('believes a configured identity header from the trusted gateway instead of a session cookie', async () => {
    const ask = (headers: Record<string, string>) =>
      fetch(`${backend.url}${GATEWAY_PATHS.check}?app=${WIKI.id}`, {
        redirect: 'manual',
        headers: { 'x-original-uri': '/page', 'x-forwarded-host': 'wiki.test', 'x-forwarded-for': PLACES.london.ip, ...headers },
      });
    const passed = await ask({ 'x-remote-user': 'bob' });
    expect(passed.status).toBe(200);
    expect(passed.headers.get('x-camfa-user')).toBe('bob');
    expect((await ask({})).status, 'no header: not signed in').toBe(302);
    expect((await ask({ 'x-remote-user': 'x'.repeat(300) })).status, 'not an identifier: no one').toBe(302);
  });

  it('serves the hosted pages under a CSP without inline script, their config inert whatever rd holds', async () => {
    const rd = `https://${HOST}/</script><script>alert(1)</script>`;
    const page = await fetch(`${backend.url}${GATEWAY_PATHS.login}?${new URLSearchParams({ app: APP.id, rd })}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).not.toContain('<script>alert');
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it('refuses a check from a peer that is not a trusted proxy, and a host the app does not list', async () => {
    const direct = await check('/orders', { ip: PLACES.london.ip }, untrusted);
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { code: string }).code).toBe('gateway_untrusted_proxy');
    const nothingForwarded = await fetch(`${backend.url}${GATEWAY_PATHS.check}?app=${APP.id}`);
    expect(nothingForwarded.status).toBe(400);
    expect(((await nothingForwarded.json()) as { code: string }).code).toBe('invalid_request');
    const elsewhere = await check('/orders', { host: 'evil.example' });
    expect(elsewhere.status).toBe(403);
    expect(((await elsewhere.json()) as { code: string }).code).toBe('gateway_host_not_allowed');
  });
});
