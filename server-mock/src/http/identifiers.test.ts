/**
 * Identifiers a client sends (user ids, logins, device ids, app ids, challenge and enrolment ids, roles)
 * are refused with 400 `invalid_identifier` when they hold a control character or an unpaired surrogate,
 * on every endpoint and on both stores: SQLite would store a NUL that PostgreSQL refuses with a 500.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';

/** NUL, another C0 (ESC), DEL, a C1 (NEL) and a lone high surrogate; U+FFFD-free, so nothing is "repaired" on the way. */
const UNSAFE = ['a\u0000b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\ud800b'];
/** The same characters percent-encoded for a URL (a lone surrogate has no UTF-8 form to send there). */
const UNSAFE_IN_URL = ['a%00b', 'a%1Bb', 'a%7Fb', 'a%C2%85b'];

/** `path` takes the value already percent-encoded when the value goes into the URL (`body` absent or not using it). */
type Case = {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (value: string) => string;
  body?: (value: string) => unknown;
  as?: 'app' | 'browser';
  inUrl?: true;
};

const state = 'not-a-state-token';
const BODY_CASES: Case[] = [
  { name: 'event originalIdentity', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: v }) },
  { name: 'event deviceId', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: 'ids-user', deviceId: v }) },
  { name: 'trigger metadata eventId', path: () => '/v1/workflows/geo/trigger', body: (v) => ({ metadata: { originalIdentity: 'ids-user', eventId: v } }) },
  { name: 'status originalIdentity', path: () => '/v1/mfa/status', body: (v) => ({ originalIdentity: v }) },
  { name: 'status clear originalIdentity', path: () => '/v1/mfa/status/clear', body: (v) => ({ originalIdentity: v }) },
  { name: 'subscription originalIdentity', path: () => '/v1/subscriptions', body: (v) => ({ originalIdentity: v }) },
  { name: 'step-up originalIdentity', path: () => '/v1/stepup', body: (v) => ({ originalIdentity: v }) },
  { name: 'step-up metadata originalIdentity', path: () => '/v1/stepup', body: (v) => ({ originalIdentity: 'ids-user', metadata: { originalIdentity: v } }) },
  { name: 'new user originalIdentity', path: () => '/v1/users', body: (v) => ({ originalIdentity: v }) },
  { name: 'new user role', path: () => '/v1/users', body: (v) => ({ originalIdentity: `ids-${randomBytes(4).toString('hex')}`, roles: [v] }) },
  { name: 'user group', method: 'PATCH', path: () => '/v1/users/ids-user', body: (v) => ({ groups: [v] }) },
  { name: 'login appId', as: 'browser', path: () => '/v1/login', body: (v) => ({ appId: v, login: 'ids-user', password: 'a password' }) },
  { name: 'login name', as: 'browser', path: () => '/v1/login', body: (v) => ({ appId: APP.id, login: v, password: 'a password' }) },
  {
    name: 'login deviceId',
    as: 'browser',
    path: () => '/v1/login',
    body: (v) => ({ appId: APP.id, login: 'ids-user', password: 'a password', metadata: { deviceId: v } }),
  },
  { name: 'code login name', as: 'browser', path: () => '/v1/login/code/send', body: (v) => ({ appId: APP.id, login: v }) },
  {
    name: 'code login challengeId',
    as: 'browser',
    path: () => '/v1/login/code/verify',
    body: (v) => ({ appId: APP.id, login: 'a@example.com', challengeId: v, code: '1' }),
  },
  { name: 'passkey login appId', as: 'browser', path: () => '/v1/login/passkey/options', body: (v) => ({ appId: v }) },
  { name: 'step-up enrolmentId', as: 'browser', path: () => '/v1/stepup/totp/verify', body: (v) => ({ stateToken: state, code: '1', enrolmentId: v }) },
  {
    name: 'step-up deviceId',
    as: 'browser',
    path: () => '/v1/stepup/totp/verify',
    body: (v) => ({ stateToken: state, code: '1', trustDevice: true, deviceId: v }),
  },
  {
    name: 'step-up resend challengeId',
    as: 'browser',
    path: () => '/v1/stepup/otp/resend',
    body: (v) => ({ stateToken: state, channel: 'sms', challengeId: v }),
  },
  {
    name: 'step-up verify challengeId',
    as: 'browser',
    path: () => '/v1/stepup/otp/verify',
    body: (v) => ({ stateToken: state, channel: 'sms', challengeId: v, code: '1' }),
  },
  { name: 'events query originalIdentity', method: 'GET', inUrl: true, path: (v) => `/v1/ueba/events?originalIdentity=${v}` },
  { name: 'decisions query originalIdentity', method: 'GET', inUrl: true, path: (v) => `/v1/decisions?originalIdentity=${v}` },
  { name: 'users page cursor', method: 'GET', inUrl: true, path: (v) => `/v1/users?after=${v}` },
];
/** Answered before any stream opens, so it has no harmless control request. */
const STREAM_CASE: Case = { name: 'stream query originalIdentity', method: 'GET', inUrl: true, path: (v) => `/v1/events/stream?originalIdentity=${v}` };
const PATH_CASES: Case[] = [
  { name: 'user', method: 'GET', inUrl: true, path: (v) => `/v1/users/${v}` },
  { name: 'user update', method: 'PATCH', inUrl: true, path: (v) => `/v1/users/${v}`, body: () => ({ department: 'Ops' }) },
  { name: 'user delete', method: 'DELETE', inUrl: true, path: (v) => `/v1/users/${v}` },
  { name: 'user factors', method: 'GET', inUrl: true, path: (v) => `/v1/users/${v}/factors` },
  { name: 'user recovery codes', inUrl: true, path: (v) => `/v1/users/${v}/recovery-codes` },
  { name: 'user factor id', method: 'DELETE', inUrl: true, path: (v) => `/v1/users/ids-user/factors/${v}` },
  { name: 'workflow trigger', inUrl: true, path: (v) => `/v1/workflows/${v}/trigger`, body: () => ({ metadata: { originalIdentity: 'ids-user' } }) },
  { name: 'workflow put', method: 'PUT', inUrl: true, path: (v) => `/v1/admin/workflows/${v}`, body: () => ({ id: 'other' }) },
  { name: 'workflow delete', method: 'DELETE', inUrl: true, path: (v) => `/v1/admin/workflows/${v}` },
];
const unsafeFor = (test: Case) => (test.inUrl ? UNSAFE_IN_URL : UNSAFE);
/** Free text that is stored: only NUL is refused there (a tab or a newline may be real content). */
const TEXT_CASES: Case[] = [
  { name: 'event ua', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: 'ids-user', ua: v }) },
  { name: 'event behaviorType', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: 'ids-user', behaviorType: v }) },
  { name: 'event custom value', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: 'ids-user', custom: { note: v } }) },
  { name: 'user department', method: 'PATCH', path: () => '/v1/users/ids-user', body: (v) => ({ department: v }) },
  { name: 'step-up message', path: () => '/v1/stepup', body: (v) => ({ originalIdentity: 'ids-user', message: v }) },
  {
    name: 'login custom value',
    as: 'browser',
    path: () => '/v1/login/code/verify',
    body: (v) => ({ appId: APP.id, login: 'ids@example.com', challengeId: 'x', code: '1', metadata: { custom: { note: v } } }),
  },
];

const { DATABASE_URL } = process.env;
const pgSchema = `camfa_ids_${randomBytes(4).toString('hex')}`;

for (const store of ['SQLite', 'PostgreSQL'] as const) {
  const suite = store === 'SQLite' || DATABASE_URL ? describe : describe.skip;
  suite(store === 'SQLite' || DATABASE_URL ? `identifiers on ${store}` : 'skipped: no DATABASE_URL', () => {
    let backend: TestBackend;
    beforeAll(async () => {
      backend = await startTestBackend({
        ...(store === 'PostgreSQL' ? { databaseUrl: DATABASE_URL, databaseSchema: pgSchema } : {}),
        // A shared store needs the one issuer every instance would use.
        config: {
          publicUrl: 'http://camfa.test',
          policies: { documents: [{ document: { id: 'geo', name: 'Unusual country', modes: ['api'], uses: [{ template: 'unusual-country' }] } }] },
        },
      });
      expect((await send({ name: 'seed', path: () => '/v1/users', body: () => ({ originalIdentity: 'ids-user' }) }, '')).status).toBe(201);
    });
    afterAll(async () => {
      await backend?.close();
      if (store !== 'PostgreSQL') return;
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${pgSchema}" cascade`);
      await client.end();
    });

    async function send(test: Case, value: string): Promise<{ status: number; type: string | null; body: { code?: string; errors?: unknown } }> {
      const authorization = test.as === 'browser' ? undefined : backend.basicAuth();
      const response = await fetch(`${backend.url}${test.path(value)}`, {
        method: test.method ?? 'POST',
        headers: { ...(authorization ? { authorization } : {}), ...(test.body ? { 'content-type': 'application/json' } : {}) },
        ...(test.body ? { body: JSON.stringify(test.body(value)) } : {}),
      });
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type'), body: text ? (JSON.parse(text) as { code?: string }) : {} };
    }

    const expectRefused = async (test: Case, value: string, code = 'invalid_identifier') => {
      const answer = await send(test, value);
      expect({ case: test.name, value: JSON.stringify(value), status: answer.status, code: answer.body.code }).toEqual({
        case: test.name,
        value: JSON.stringify(value),
        status: 400,
        code,
      });
      expect(answer.type).toBe('application/problem+json');
    };

    it('refuses control characters and lone surrogates in every identifier of a body or query', { timeout: 60_000 }, async () => {
      for (const test of [...BODY_CASES, STREAM_CASE]) for (const value of unsafeFor(test)) await expectRefused(test, value);
    });

    it('refuses them in user and factor ids in paths', async () => {
      for (const test of PATH_CASES) for (const value of unsafeFor(test)) await expectRefused(test, value);
    });

    it('refuses a NUL in stored free text, and keeps its tabs and newlines', async () => {
      for (const test of TEXT_CASES) {
        await expectRefused(test, 'a\u0000b', 'invalid_text');
        const kept = await send(test, 'a\tb\nc');
        expect(kept.status, test.name).toBeLessThan(500);
        // Answered on its merits (the login's code is wrong), never as bad input.
        expect(['invalid_text', 'invalid_request'], test.name).not.toContain(kept.body.code);
      }
    });

    it('refuses nothing else: the same requests with a clean or non-Latin name are answered on their merits', { timeout: 60_000 }, async () => {
      for (const test of [...BODY_CASES, ...PATH_CASES]) {
        for (const value of ['ab', 'Zoë-😀-用户']) {
          const answer = await send(test, test.inUrl ? encodeURIComponent(value) : value);
          expect(answer.status, `${test.name} ${value}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
          expect(answer.body.code, test.name).not.toBe('invalid_identifier');
        }
      }
      // And what was stored comes back as sent, on this store too.
      expect((await send({ name: 'capture', path: () => '/v1/ueba/events', body: (v) => ({ originalIdentity: v }) }, 'Zoë-😀-用户')).status).toBe(201);
      const listed = await send({ name: 'list', method: 'GET', path: (v) => `/v1/ueba/events?originalIdentity=${v}` }, encodeURIComponent('Zoë-😀-用户'));
      expect((listed.body as { events?: { originalIdentity: string }[] }).events?.[0]?.originalIdentity).toBe('Zoë-😀-用户');
    });
  });
}
