/**
 * The console's administrators, sessions, CSRF protection, roles and audit log, through the public surface:
 * the `admin create` command, `app.request()` against a backend, and the guards other console routes mount.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Hono } from 'hono';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { DomainError } from '../errors.js';
import type { Env } from './context.js';
import { HttpError, problem } from './errors.js';
import { consoleAdmin, consoleGuards } from './routes/console.js';
import { mountConsoleStatic } from './routes/console-static.js';
import { ADMIN_TOKEN, APP, startTestBackend, testConfig, type TestBackend } from '../test-support/backend.js';
import { manualClock } from '../test-support/fixtures.js';
import { issueMfaToken } from '../tokens/mfa-token.js';
import type { MfaTriggerData } from '../protocol/index.js';
import { runAdminCommand } from '../console/admin-command.js';
import { AuditLog } from '../console/audit.js';
import { CONSOLE_APP_ID, CONSOLE_LOGIN_WORKFLOW_ID } from '../console/definition.js';
import { ConsoleSessions, SESSION_IDLE_MS } from '../console/sessions.js';

const clock = manualClock();
const dir = mkdtempSync(join(tmpdir(), 'camfa-console-'));
const configFile = join(dir, 'camfa.json');
const consoleDir = join(dir, 'console-dist');
let backend: TestBackend;
let editorPassword = '';
const totpSecrets = new Map<string, string>();

/** Runs `camfa-guard admin create …` against this suite's config and data folder; what it printed and its exit code. */
async function adminCreate(args: string[], stdin = '') {
  let stdout = '';
  const code = await runAdminCommand(['create', ...args, '--config', configFile, '--data', dir], {
    stdout: (text) => (stdout += text),
    readStdin: async () => stdin,
    // The CI's DATABASE_URL must not send the command to another store than the backend below.
    env: {},
  });
  return { code, stdout };
}

beforeAll(async () => {
  writeFileSync(configFile, JSON.stringify(testConfig()));
  mkdirSync(consoleDir);
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="./app.js"></script>');
  writeFileSync(join(consoleDir, 'app.js'), 'export {};');
  const created = await adminCreate(['Root', '--role', 'editor']);
  expect(created.code).toBe(0);
  editorPassword = /Password \(shown once[^)]*\): (\S+)/.exec(created.stdout)![1]!;
  expect((await adminCreate(['vera', '--role', 'viewer', '--password-stdin'], 'viewer-password-123\n')).stdout).not.toContain('viewer-password');
  backend = await startTestBackend({ clock, dataDir: dir, consoleDir });
});
afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (path: string, init: RequestInit = {}) => backend.camfa.app.request(`http://backend${path}`, init);
const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const post = async <T = Record<string, unknown>>(path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await request(path, json('POST', body, headers));
  return { status: response.status, headers: response.headers, body: (await response.json()) as T & { code?: string } };
};

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(((await response.json()) as { code: string }).code).toBe(code);
}

const totpCode = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: clock() });

/** Password, then the console's step-up with TOTP (enrolled at the first sign-in): the mfaToken `<guard-login>` ends with. */
async function consoleToken(login: string, password: string): Promise<string> {
  const signIn = await post<{ status: string; mfa: MfaTriggerData }>('/v1/login', { appId: CONSOLE_APP_ID, login, password });
  expect(signIn.body.status).toBe('mfa_required');
  const { stateToken, factors } = signIn.body.mfa;
  expect(factors.map((factor) => factor.type)).toEqual(['totp', 'webauthn']);
  // A code is accepted once per time step; each sign-in here uses the next step.
  clock.advance(30_000);
  let enrolmentId: string | undefined;
  if (!totpSecrets.has(login)) {
    const enrolment = await post<{ enrolmentId: string; secret: string }>('/v1/stepup/totp/enroll', { stateToken });
    expect(enrolment.status).toBe(200);
    totpSecrets.set(login, enrolment.body.secret);
    enrolmentId = enrolment.body.enrolmentId;
  }
  const verified = await post<{ mfaToken: string }>('/v1/stepup/totp/verify', {
    stateToken,
    code: totpCode(totpSecrets.get(login)!),
    ...(enrolmentId ? { enrolmentId } : {}),
  });
  expect(verified.status).toBe(200);
  return verified.body.mfaToken;
}

/** A signed-in session: its cookie header and CSRF token. */
async function signIn(login: string, password: string) {
  const response = await request('/console/api/session', json('POST', { token: await consoleToken(login, password) }));
  expect(response.status).toBe(200);
  const body = (await response.json()) as { admin: { name: string; role: string }; csrfToken: string };
  const cookie = /camfa_console=[^;]+/.exec(response.headers.get('set-cookie') ?? '')![0];
  return { ...body, cookie, setCookie: response.headers.get('set-cookie')! };
}

/** A change route as the other console parts mount theirs: behind the session (with CSRF) and the editor role, recorded. */
function probeApp() {
  const { requireConsoleSession, requireEditor } = consoleGuards({ sessions: new ConsoleSessions({ storage: backend.storage, clock }) });
  const audit = new AuditLog({ storage: backend.storage, clock });
  const app = new Hono<Env>();
  app.post('/console/api/probe', requireConsoleSession, requireEditor, async (c) => {
    await audit.record({ actor: consoleAdmin(c).name, action: 'probe.change', target: 'probe:1', before: { on: false }, after: { on: true } });
    return c.json({ changed: true });
  });
  app.onError((error, c) => (error instanceof DomainError || error instanceof HttpError ? problem(c, error) : c.text('unexpected', 500)));
  return app;
}

describe('admin create', () => {
  it('refuses a taken name, a bad role and a bad name clearly', async () => {
    await expect(adminCreate(['root', '--role', 'viewer'])).rejects.toMatchObject({
      code: 'admin_exists',
      message: 'An administrator named "root" already exists',
    });
    await expect(adminCreate(['someone', '--role', 'owner'])).rejects.toThrow('--role must be editor or viewer');
    await expect(adminCreate(['bad name', '--role', 'viewer'])).rejects.toMatchObject({ code: 'invalid_admin' });
    await expect(adminCreate(['short', '--role', 'viewer', '--password-stdin'], 'short\n')).rejects.toMatchObject({ code: 'invalid_admin' });
  });
});

describe('sign-in', () => {
  it('signs an administrator in with password and TOTP into an HttpOnly, SameSite=Strict session cookie', async () => {
    const session = await signIn('root', editorPassword);
    expect(session.admin).toEqual({ name: 'root', role: 'editor' });
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Strict/);
    expect(session.setCookie).toMatch(/Path=\/console/);
    // publicUrl is http here; an https publicUrl makes the cookie Secure.
    expect(session.setCookie).not.toMatch(/Secure/);
    const resumed = await request('/console/api/session', { headers: { cookie: session.cookie } });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get('cache-control')).toBe('no-store');
    expect(await resumed.json()).toEqual({ admin: { name: 'root', role: 'editor' }, csrfToken: session.csrfToken });
    await expectProblem(await request('/console/api/session'), 401, 'console_session_required');
    await expectProblem(await request('/console/api/session', { headers: { cookie: 'camfa_console=made-up' } }), 401, 'console_session_required');
    // Only the hash of the cookie value is stored, never the value itself.
    expect(await backend.storage.getConsoleSession(session.cookie.split('=')[1]!)).toBeNull();
  });

  it('refuses a spent token, a token of another app, and one without a TOTP or passkey step-up', async () => {
    const token = await consoleToken('root', editorPassword);
    expect((await post('/console/api/session', { token })).status).toBe(200);
    expect((await post('/console/api/session', { token })).body.code).toBe('console_sign_in_refused');

    expect(
      (await post('/v1/users', { originalIdentity: 'shopper', username: 'shopper', password: 'shopper-password' }, { authorization: backend.basicAuth() }))
        .status,
    ).toBe(201);
    const shop = await post<{ status: string; token: string }>('/v1/login', { appId: APP.id, login: 'shopper', password: 'shopper-password' });
    expect(shop.body.status).toBe('authenticated');
    expect((await post('/console/api/session', { token: shop.body.token })).body.code).toBe('console_sign_in_refused');

    const forged = async (originalIdentity: string, amr: string[]) =>
      (
        await issueMfaToken({
          keys: backend.camfa.keys,
          issuer: backend.url,
          clock,
          claims: {
            appId: CONSOLE_APP_ID,
            originalIdentity,
            amr,
            acr: 'urn:camfa:acr:pwd',
            authTime: clock(),
            workflowId: CONSOLE_LOGIN_WORKFLOW_ID,
            triggerId: 't',
          },
        })
      ).token;
    expect((await post('/console/api/session', { token: await forged('root', ['pwd']) })).body.code).toBe('console_sign_in_refused');
    expect((await post('/console/api/session', { token: await forged('root', ['otp']) })).body.code).toBe('console_sign_in_refused');
    expect((await post('/console/api/session', { token: await forged('nobody', ['pwd', 'otp', 'mfa']) })).body.code).toBe('console_sign_in_refused');
    // Why is logged; the token, a credential until it expires, is not.
    expect(backend.logs.some((line) => line.includes('not_an_administrator'))).toBe(true);
    expect(backend.logs.some((line) => line.includes(token))).toBe(false);
    // The same checks pass a token that has what a console step-up adds: the refusals above are those checks.
    expect((await post('/console/api/session', { token: await forged('root', ['pwd', 'otp', 'mfa']) })).status).toBe(200);
  });

  it('keeps the console login workflow out of reach of the admin token', async () => {
    const put = await request(`/v1/admin/workflows/${CONSOLE_LOGIN_WORKFLOW_ID}?app=${CONSOLE_APP_ID}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' },
      body: `id: ${CONSOLE_LOGIN_WORKFLOW_ID}\nname: off\nmodes: [api]\nrules: [{ id: never, when: 'false', then: { factors: [email] } }]\n`,
    });
    await expectProblem(put, 404, 'unknown_app');
    expect(() => parseConfig(testConfig({ apps: [{ ...APP, id: CONSOLE_APP_ID }] }))).toThrow(/built-in admin console/);
  });
});

describe('changes', () => {
  it('needs the session, its CSRF token and the editor role; the change is audited with before and after', async () => {
    const probe = probeApp();
    const change = (headers: Record<string, string>) => probe.request('http://backend/console/api/probe', { method: 'POST', headers });
    const editor = await signIn('root', editorPassword);
    await expectProblem(await change({}), 401, 'console_session_required');
    await expectProblem(await change({ cookie: editor.cookie }), 403, 'csrf_token_invalid');
    await expectProblem(await change({ cookie: editor.cookie, 'x-csrf-token': `${editor.csrfToken.slice(0, -1)}A` }), 403, 'csrf_token_invalid');
    const viewer = await signIn('vera', 'viewer-password-123');
    expect(viewer.admin).toEqual({ name: 'vera', role: 'viewer' });
    await expectProblem(await change({ cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken }), 403, 'console_role_forbidden');
    // Another session's token is not this session's.
    await expectProblem(await change({ cookie: editor.cookie, 'x-csrf-token': viewer.csrfToken }), 403, 'csrf_token_invalid');
    expect((await change({ cookie: editor.cookie, 'x-csrf-token': editor.csrfToken })).status).toBe(200);

    const audit = await request('/console/api/audit?limit=2', { headers: { cookie: viewer.cookie } });
    const { entries } = (await audit.json()) as {
      entries: { id: number; actor: string; action: string; target: string; before: unknown; after: unknown; at: string }[];
    };
    expect(entries[0]).toMatchObject({
      actor: 'root',
      action: 'probe.change',
      target: 'probe:1',
      before: { on: false },
      after: { on: true },
      at: new Date(clock()).toISOString(),
    });
    expect(entries[1]).toMatchObject({ actor: 'vera', action: 'session.start', target: 'admin:vera' });
    const older = (await (await request(`/console/api/audit?before=${entries[1]!.id}`, { headers: { cookie: viewer.cookie } })).json()) as {
      entries: { id: number; action: string }[];
    };
    expect(older.entries.length).toBeGreaterThan(0);
    expect(older.entries.every((entry) => entry.id < entries[1]!.id)).toBe(true);
  });

  it('signs out with the CSRF token only, on every instance', async () => {
    const session = await signIn('vera', 'viewer-password-123');
    await expectProblem(await request('/console/api/session', { method: 'DELETE', headers: { cookie: session.cookie } }), 403, 'csrf_token_invalid');
    const out = await request('/console/api/session', { method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/camfa_console=;.*Max-Age=0/);
    await expectProblem(await request('/console/api/session', { headers: { cookie: session.cookie } }), 401, 'console_session_required');
    // Another instance over the same store (the probe's guards) no longer knows the session either.
    const elsewhere = await probeApp().request('http://backend/console/api/probe', {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    await expectProblem(elsewhere, 401, 'console_session_required');
  });
});

describe('session lifetime', () => {
  it('ends a session after 30 idle minutes', async () => {
    const session = await signIn('root', editorPassword);
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await request('/console/api/session', { headers: { cookie: session.cookie } })).status).toBe(200);
    clock.advance(SESSION_IDLE_MS - 1);
    expect((await request('/console/api/session', { headers: { cookie: session.cookie } })).status).toBe(200);
    clock.advance(SESSION_IDLE_MS);
    await expectProblem(await request('/console/api/session', { headers: { cookie: session.cookie } }), 401, 'console_session_required');
  });

  it('ends a session 12 hours after sign-in however busy it is', async () => {
    const session = await signIn('root', editorPassword);
    for (let elapsed = 0; elapsed < 12 * 60; elapsed += 20) {
      expect((await request('/console/api/session', { headers: { cookie: session.cookie } })).status).toBe(200);
      clock.advance(20 * 60_000);
    }
    await expectProblem(await request('/console/api/session', { headers: { cookie: session.cookie } }), 401, 'console_session_required');
  });

  it('ends the session of an administrator who was disabled', async () => {
    const session = await signIn('vera', 'viewer-password-123');
    const vera = (await backend.storage.getUser(CONSOLE_APP_ID, 'vera'))!;
    await backend.storage.saveUser({ ...vera, disabled: true });
    await expectProblem(await request('/console/api/session', { headers: { cookie: session.cookie } }), 401, 'console_session_required');
    await backend.storage.saveUser(vera);
    await expectProblem(await request('/console/api/session', { headers: { cookie: session.cookie } }), 401, 'console_session_required');
  });
});

describe('bad input', () => {
  it('answers malformed sign-ins and queries with a 4xx problem, never a 5xx', async () => {
    for (const body of [
      'not json',
      '[]',
      '{}',
      '{"token":5}',
      '{"token":""}',
      '{"token":"a.b.c","extra":1}',
      JSON.stringify({ token: 'x'.repeat(5000) }),
      '{"token":"\\u0000"}',
    ]) {
      const response = await request('/console/api/session', json('POST', body));
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    // Generated tokens: junk of every JSON type, and strings shaped like a compact JWS.
    const segment = fc.string({ unit: fc.constantFrom(...'ABCabc019-_=.'.split('')), maxLength: 40 });
    const token = fc.oneof(
      fc.anything(),
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
    );
    await fc.assert(
      fc.asyncProperty(token, async (value) => {
        const response = await request('/console/api/session', json('POST', JSON.stringify({ token: value }) ?? 'undefined'));
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }),
      { numRuns: 300 },
    );
    const { cookie } = await signIn('root', editorPassword);
    for (const query of ['limit=abc', 'limit=0', 'limit=100000', 'before=-1', 'before=1.5', 'before=%00']) {
      await expectProblem(await request(`/console/api/audit?${query}`, { headers: { cookie } }), 400, 'invalid_query');
    }
  });
});

describe('static console', () => {
  it('serves the built files with a strict CSP, the page for unknown paths, and never a page for /console/api/', async () => {
    const page = await request('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('<title>console</title>');
    expect((await request('/console/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await (await request('/console/apps/shop/users')).text()).toContain('<title>console</title>');
    expect((await request('/console')).headers.get('location')).toBe('/console/');
    // The config beside the console's folder holds the app secrets: no spelling of ".." reaches it.
    for (const escape of ['%2e%2e/camfa.json', '..%2fcamfa.json', '%2e%2e%2fcamfa.json', '..%5ccamfa.json', '%2e%2e%2f%2e%2e%2fcamfa.json']) {
      expect(await (await request(`/console/${escape}`)).text(), escape).not.toContain(APP.secret);
    }
    expect((await request('/console/%E0%A4%A')).status).toBe(404);
    await expectProblem(await request('/console/api/no-such-endpoint'), 404, 'not_found');
  });

  it('says clearly when the console is not built', async () => {
    const app = new Hono<Env>();
    mountConsoleStatic(app, join(dir, 'not-built'));
    const response = await app.request('http://backend/console/');
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/not built.*npm run build/);
  });

  it('describes the console endpoints in /openapi.json', async () => {
    const document = (await (await request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/console/api/session']!).sort()).toEqual(['delete', 'get', 'post']);
    expect(document.paths['/console/api/audit']!.get).toBeDefined();
  });
});
