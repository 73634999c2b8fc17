/**
 * The console's Users endpoints through the public surface: a backend with a real console session (an editor and
 * a viewer signed in with password and TOTP), the Node SDK capturing behaviour, and its express middleware.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactorLockout } from '../factors/lockout.js';
import { MetadataManagementClient, mfaAuthMiddleware } from '../sdk/index.js';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { signInConsoleAdmin, type ConsoleSignedIn } from '../test-support/console.js';
import { CHROME_UA, PLACES, manualClock } from '../test-support/fixtures.js';
import type { DecisionRecord } from '../storage/types.js';
import type { UebaEvent } from '../protocol/index.js';

const clock = manualClock();
let backend: TestBackend;
let editor: ConsoleSignedIn;
let viewer: ConsoleSignedIn;
let meta: MetadataManagementClient;

beforeAll(async () => {
  backend = await startTestBackend({
    clock,
    config: { policies: { documents: [{ document: { id: 'outside', name: 'Outside the office', modes: ['event'], uses: [{ template: 'extranet' }] } }] } },
  });
  editor = await signInConsoleAdmin(backend, { name: 'erin', role: 'editor', clock, advance: clock.advance });
  viewer = await signInConsoleAdmin(backend, { name: 'vic', role: 'viewer', clock, advance: clock.advance });
  meta = new MetadataManagementClient({ host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 2000 });
});
afterAll(async () => {
  await backend?.close();
});

const users = `/console/api/apps/${APP.id}/users`;
const call = async (method: string, path: string, headers: Record<string, string>) => {
  const response = await backend.camfa.app.request(`http://backend${path}`, { method, headers });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
};
const get = (path: string, who: ConsoleSignedIn = viewer) => call('GET', path, who.read);
const expectProblem = (answer: Awaited<ReturnType<typeof call>>, status: number, code: string) => {
  expect({ status: answer.status, type: answer.type, code: answer.body.code }).toEqual({ status, type: 'application/problem+json', code });
};
const auditActions = async () =>
  ((await get('/console/api/audit?limit=200')).body.entries as { action: string; target: string; before: unknown }[]).filter((entry) =>
    entry.target.startsWith('user:'),
  );

const visit = (originalIdentity: string, ip: string) =>
  meta.ueba.capture({ originalIdentity, ip, ua: CHROME_UA, behaviorType: 'login', behaviorResult: 'success' });

describe('the directory of an app', () => {
  it('lists and pages users without password hashes, and shows one', async () => {
    for (const id of ['ann', 'bob', 'cy']) {
      expect(
        (await backend.post('/v1/users', { originalIdentity: id, username: id, password: `${id}-password-123` }, { authorization: backend.basicAuth() }))
          .status,
      ).toBe(201);
    }
    const first = await get(`${users}?limit=2`);
    expect((first.body.users as { originalIdentity: string }[]).map((user) => user.originalIdentity)).toEqual(['ann', 'bob']);
    expect(JSON.stringify(first.body)).not.toContain('passwordHash');
    expect(first.body.users).toEqual([expect.objectContaining({ hasPassword: true, username: 'ann' }), expect.anything()]);
    expect((await get(`${users}?after=bob`)).body.users).toEqual([expect.objectContaining({ originalIdentity: 'cy' })]);
    expect((await get(`${users}/bob`)).body).toMatchObject({ originalIdentity: 'bob', username: 'bob' });
    expectProblem(await get(`${users}/nobody`), 404, 'user_not_found');
  });

  it('is 404 for an unknown app and for the console itself, 400 for malformed input, 401 without a session', async () => {
    expectProblem(await get('/console/api/apps/nope/users'), 404, 'unknown_app');
    expectProblem(await get('/console/api/apps/camfa-console/users'), 404, 'unknown_app');
    expectProblem(await get('/console/api/apps/camfa-console/users/erin/factors'), 404, 'unknown_app');
    expectProblem(await get('/console/api/apps/camfa-console/events'), 404, 'unknown_app');
    expectProblem(await get(`${users}?limit=lots`), 400, 'invalid_query');
    expectProblem(await get(`${users}?limit=0`), 400, 'invalid_query');
    expectProblem(await get(`${users}/a%00b/factors`), 400, 'invalid_identifier');
    expectProblem(await get(`/console/api/apps/${'x'.repeat(65)}/users`), 400, 'invalid_request');
    expectProblem(await call('GET', users, {}), 401, 'console_session_required');
    expectProblem(await call('GET', users, { cookie: 'camfa_console=forged' }), 401, 'console_session_required');
  });
});

describe("a user's factors", () => {
  it('lists them without secrets; a viewer or a change without the CSRF token cannot remove one; an editor can, audited', async () => {
    await backend.storage.insertFactorEnrolment({
      id: 'enr-dora-totp',
      appId: APP.id,
      originalIdentity: 'dora',
      type: 'totp',
      status: 'active',
      secret: 'v1.k1.sealed-seed',
      destination: null,
      lastUsedStep: null,
      createdAt: clock(),
      activatedAt: clock(),
    });
    const path = `${users}/dora/factors`;
    const listed = await get(path);
    expect(listed.body).toEqual({ factors: [expect.objectContaining({ id: 'enr-dora-totp', type: 'totp', status: 'active' })], recoveryCodesLeft: 0 });
    expect(JSON.stringify(listed.body)).not.toContain('sealed-seed');

    expectProblem(await call('DELETE', `${path}/enr-dora-totp`, viewer.change), 403, 'console_role_forbidden');
    expectProblem(await call('DELETE', `${path}/enr-dora-totp`, editor.read), 403, 'csrf_token_invalid');
    expectProblem(await call('DELETE', `${path}/enr-dora-totp`, { ...editor.read, 'x-csrf-token': viewer.csrfToken }), 403, 'csrf_token_invalid');
    // Another user's factor is not this user's to remove.
    expectProblem(await call('DELETE', `${users}/ann/factors/enr-dora-totp`, editor.change), 404, 'factor_not_found');
    expect((await get(path)).body.factors).toHaveLength(1);

    expect((await call('DELETE', `${path}/enr-dora-totp`, editor.change)).status).toBe(204);
    expect((await get(path)).body.factors).toEqual([]);
    expectProblem(await call('DELETE', `${path}/enr-dora-totp`, editor.change), 404, 'factor_not_found');
    expect((await auditActions()).filter((entry) => entry.action === 'user.factor.remove')).toEqual([
      expect.objectContaining({ actor: 'erin', target: 'user:shop/dora', before: expect.objectContaining({ id: 'enr-dora-totp', type: 'totp' }), after: null }),
    ]);
  });
});

/** A business API guarded by the SDK's middleware, the user named by a header. */
async function businessApi() {
  const app = express();
  app.get('/api', mfaAuthMiddleware({ client: meta, getUserId: (req) => req.header('x-user') }), (_req, res) => void res.send('done'));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { call: (user: string) => fetch(`${base}/api`, { headers: { 'x-user': user } }), close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the MFA status of a user', () => {
  it('shows the pending step-up and why (no stateToken); clearing it lets the middleware pass the next request', async () => {
    const api = await businessApi();
    try {
      await visit('eve', PLACES.office.ip);
      expect((await get(`${users}/eve/mfa-status`)).body).toEqual({ mfaVerified: true });
      const { published } = await visit('eve', PLACES.london.ip);
      expect(published).toHaveLength(1);
      expect((await api.call('eve')).status).toBe(401);

      const status = await get(`${users}/eve/mfa-status`);
      expect(status.body).toMatchObject({
        mfaVerified: false,
        pending: { reason: { ruleId: published[0]!.trigger!.reason.ruleId }, expired: false, workflowId: 'outside' },
      });
      expect(JSON.stringify(status.body)).not.toContain(published[0]!.trigger!.stateToken);

      expectProblem(await call('POST', `${users}/eve/mfa-status/clear`, viewer.change), 403, 'console_role_forbidden');
      expectProblem(await call('POST', `${users}/eve/mfa-status/clear`, editor.read), 403, 'csrf_token_invalid');
      expect((await api.call('eve')).status).toBe(401);

      const cleared = await call('POST', `${users}/eve/mfa-status/clear`, editor.change);
      expect(cleared).toMatchObject({ status: 200, body: { mfaVerified: true } });
      expect((await api.call('eve')).status).toBe(200);
      // Nothing pending any more: the same answer, and no second audit entry.
      expect((await call('POST', `${users}/eve/mfa-status/clear`, editor.change)).body).toEqual({ mfaVerified: true });
      expect((await auditActions()).filter((entry) => entry.action === 'user.mfa_status.clear')).toEqual([
        expect.objectContaining({ target: 'user:shop/eve', before: expect.objectContaining({ workflowId: 'outside' }), after: null }),
      ]);
    } finally {
      await api.close();
    }
  });
});

describe("a user's lockouts", () => {
  it('resets a locked step-up factor and a locked password sign-in; a viewer cannot', async () => {
    const login = (password: string) => backend.post('/v1/login', { appId: APP.id, login: 'cy', password });
    for (let i = 0; i < 10; i++) expect((await login('wrong-password-000')).status).toBe(401);
    expect((await login('cy-password-123')).body.code).toBe('locked');
    const lockout = new FactorLockout({ storage: backend.storage, clock });
    for (let i = 0; i < 10; i++) await lockout.attempt({ appId: APP.id, originalIdentity: 'cy', factor: 'totp' }, async () => ({ verified: false }));
    expect(await lockout.status({ appId: APP.id, originalIdentity: 'cy', factor: 'totp' })).toMatchObject({ locked: true });
    await lockout.attempt({ appId: APP.id, originalIdentity: 'cy', factor: 'sms' }, async () => ({ verified: false }));

    // A viewer reads them: each counter failing or locked, the sign-in by the user's username named by its field.
    const listed = await get(`${users}/cy/lockouts`);
    expect(listed).toMatchObject({ status: 200 });
    expect(listed.body.lockouts).toEqual([
      { factor: 'totp', failures: 10, locked: true, retryAt: clock() + 60_000 },
      { factor: 'sms', failures: 1, locked: false, retryAt: null },
      { factor: 'password', login: 'username', failures: 10, locked: true, retryAt: expect.any(Number) },
    ]);
    expect((await get(`${users}/ann/lockouts`)).body).toEqual({ lockouts: [] });

    expectProblem(await call('POST', `${users}/cy/lockouts/reset`, viewer.change), 403, 'console_role_forbidden');
    const reset = await call('POST', `${users}/cy/lockouts/reset`, editor.change);
    expect(reset).toMatchObject({ status: 200, body: { reset: ['totp', 'sms', 'password:username'] } });
    expect((await get(`${users}/cy/lockouts`)).body).toEqual({ lockouts: [] });
    expect(await lockout.status({ appId: APP.id, originalIdentity: 'cy', factor: 'totp' })).toEqual({ locked: false });
    expect((await login('cy-password-123')).status).toBe(200);
    expect((await call('POST', `${users}/cy/lockouts/reset`, editor.change)).body).toEqual({ reset: [] });
    expect((await auditActions()).filter((entry) => entry.action === 'user.lockouts.reset')).toEqual([
      expect.objectContaining({ target: 'user:shop/cy', before: { locked: ['totp', 'sms', 'password:username'] }, after: { locked: [] } }),
    ]);
  });
});

describe("a user's and an app's recent events and decisions", () => {
  it('lists events with what the backend derived and decisions with their explanation, newest first', async () => {
    await visit('finn', PLACES.office.ip);
    clock.advance(1000);
    await visit('finn', PLACES.shanghai.ip);
    await visit('gil', PLACES.london.ip);

    const events = (await get(`${users}/finn/events?limit=10`)).body.events as UebaEvent[];
    expect(events.map(({ city, intranet, browserType }) => ({ city, intranet, browserType }))).toEqual([
      { city: 'Shanghai', intranet: false, browserType: 'Chrome' },
      { city: null, intranet: true, browserType: 'Chrome' },
    ]);
    const decisions = (await get(`${users}/finn/decisions`)).body.decisions as DecisionRecord[];
    expect(decisions.map(({ hit, eventId }) => ({ hit, eventId }))).toEqual([
      { hit: true, eventId: events[0]!.id },
      { hit: false, eventId: events[1]!.id },
    ]);
    expect(decisions[0]!.explanation).toBeTruthy();
    expect((await get(`${users}/finn/events?limit=1`)).body.events).toEqual([events[0]]);

    const appEvents = (await get(`/console/api/apps/${APP.id}/events?limit=2`)).body.events as UebaEvent[];
    expect(appEvents.map((event) => event.originalIdentity)).toEqual(['gil', 'finn']);
    expect((await get(`/console/api/apps/${APP.id}/events?originalIdentity=finn&limit=500`)).body.events).toEqual(events);
    expectProblem(await get(`/console/api/apps/${APP.id}/events?limit=501`), 400, 'invalid_query');
    expectProblem(await get(`${users}/finn/decisions?limit=-1`), 400, 'invalid_query');
  });
});

describe('the console users endpoints as a whole', () => {
  it('answer any path segment and query with a 2xx or a 4xx problem, never a 5xx', async () => {
    const routes: [string, string, Record<string, string>][] = [
      ['GET', '/:id', viewer.read],
      ['GET', '/:id/factors', viewer.read],
      ['GET', '/:id/mfa-status', viewer.read],
      ['GET', '/:id/lockouts', viewer.read],
      ['GET', '/:id/events', viewer.read],
      ['GET', '/:id/decisions', viewer.read],
      ['DELETE', '/:id/factors/:id', editor.change],
      ['POST', '/:id/mfa-status/clear', editor.change],
      ['POST', '/:id/lockouts/reset', editor.change],
    ];
    const query = fc.dictionary(fc.constantFrom('limit', 'after', 'originalIdentity'), fc.string({ maxLength: 300 }), { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.string({ maxLength: 300 }),
        fc.constantFrom(APP.id, 'camfa-console', '', 'x%00'),
        query,
        async ([method, suffix, headers], segment, app, params) => {
          const path = `/console/api/apps/${app}/users${suffix.replaceAll(':id', encodeURIComponent(segment))}?${new URLSearchParams(params)}`;
          const answer = await call(method, path, headers);
          if (answer.status < 300) return;
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          expect(answer.type).toBe('application/problem+json');
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);

  it('are documented in /openapi.json behind the console session', async () => {
    const { paths } = (await (await fetch(`${backend.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security: unknown }>> };
    const base = '/console/api/apps/{appId}/users/{originalIdentity}';
    expect(Object.keys(paths[`${base}/factors/{factorId}`] ?? {})).toEqual(['delete']);
    expect(Object.keys(paths[`${base}/lockouts/reset`] ?? {})).toEqual(['post']);
    expect(Object.keys(paths[`${base}/lockouts`] ?? {})).toEqual(['get']);
    expect(Object.keys(paths['/console/api/apps/{appId}/events'] ?? {})).toEqual(['get']);
    expect(paths['/console/api/live']?.get?.security).toEqual([{ console: [] }]);
  });
});
