import { inspect } from 'node:util';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testSecrets } from '../factors/test-support/harness.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { KeyStore } from '../tokens/keys.js';
import { issueMfaToken, type MfaTokenInput, type UsedTokenStore } from '../tokens/mfa-token.js';
import { AuthenticationClient, type AuthenticationClientOptions } from './index.js';
import {
  APP_ID,
  APP_SECRET,
  manualClock,
  problem,
  recordingLogger,
  refusedUrl,
  reply,
  startHangingServer,
  startServer,
  type TestServer,
} from './test-support/servers.js';

const JWKS_PATH = '/.well-known/jwks.json';
const CLAIMS: MfaTokenInput = {
  appId: APP_ID,
  originalIdentity: 'u1',
  amr: ['otp'],
  acr: 'urn:camfa:acr:mfa',
  authTime: 1_700_000_000_000 - 10_000,
  workflowId: 'transfer',
  triggerId: 'trig-1',
};

let storage: Storage;
let clock: ReturnType<typeof manualClock>;
let keys: KeyStore;
const servers: TestServer[] = [];

beforeEach(async () => {
  clock = manualClock();
  storage = await openStorage({ url: ':memory:' });
  keys = new KeyStore(storage, clock.now, { keyring: testSecrets().keyring });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await storage.close();
});

type Answer = (res: ServerResponse) => void;

/**
 * The backend's JWKS endpoint (under any path prefix), serving the test KeyStore's keys with
 * `cacheControl`; while `breakWith` holds an answer, that answer replaces it (an outage, a wrong body).
 */
async function jwksServer(options: { cacheControl?: string; breakWith?: Answer } = {}) {
  let broken = options.breakWith;
  const server = await startServer((request, res) => {
    if (!request.path.endsWith(JWKS_PATH)) return problem(res, 404, 'not_found', 'No such route');
    if (broken) return broken(res);
    void keys.jwks().then((jwks) => {
      if (options.cacheControl !== undefined) res.setHeader('cache-control', options.cacheControl);
      reply(res, 200, jwks);
    });
  });
  servers.push(server);
  const fetches = () => server.requests.filter((request) => request.path.endsWith(JWKS_PATH)).length;
  return { server, fetches, breakWith: (answer: Answer | undefined) => (broken = answer) };
}

function client(host: string, options: Partial<AuthenticationClientOptions> = {}) {
  const logger = recordingLogger();
  const auth = new AuthenticationClient({ host, appId: APP_ID, appSecret: APP_SECRET, logger, clock: clock.now, ...options });
  return { auth, logger };
}

async function issue(issuer: string, claims: Partial<MfaTokenInput> = {}) {
  return issueMfaToken({ keys, issuer, clock: clock.now, claims: { ...CLAIMS, ...claims } });
}

describe('auth.verify', () => {
  it('verifies a token locally and answers its data; the JWKS is fetched once for many tokens', async () => {
    const { server, fetches } = await jwksServer({ cacheControl: 'public, max-age=300' });
    const { auth } = client(server.url);
    const { token, jti } = await issue(server.url, { extra: { channel: 'email' } });
    expect(await auth.verify(token)).toEqual({
      status: true,
      data: {
        originalIdentity: 'u1',
        amr: ['otp'],
        acr: 'urn:camfa:acr:mfa',
        workflowId: 'transfer',
        triggerId: 'trig-1',
        authTime: '2023-11-14T22:13:10.000Z',
        jti,
        expiresAt: '2023-11-14T22:18:20.000Z',
        extra: { channel: 'email' },
      },
    });
    for (let i = 0; i < 5; i++) expect(await auth.verify((await issue(server.url)).token)).toMatchObject({ status: true });
    expect(fetches()).toBe(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: JWKS_PATH, body: undefined });
  });

  it('passes the token check codes through, and never puts the token in the message', async () => {
    const { server } = await jwksServer();
    const { auth } = client(server.url);
    const forOtherApp = (await issue(server.url, { appId: 'other-app' })).token;
    const fromOtherIssuer = (await issue('https://elsewhere.example')).token;
    const [header, body, signature] = (await issue(server.url)).token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${signature}`;
    for (const [token, code] of [
      [forOtherApp, 'wrong_audience'],
      [fromOtherIssuer, 'wrong_issuer'],
      [tampered, 'bad_signature'],
      ['not-a-token', 'malformed'],
    ] as const) {
      const result = await auth.verify(token);
      expect(result).toMatchObject({ status: false, code });
      expect(JSON.stringify(result)).not.toContain(signature);
    }
  });

  it('refuses an expired token by the client clock', async () => {
    const { server } = await jwksServer();
    const { auth } = client(server.url);
    const { token } = await issue(server.url);
    clock.advance(300_000);
    expect(await auth.verify(token)).toMatchObject({ status: false, code: 'expired' });
    expect(await client(server.url, { clockToleranceSeconds: 10 }).auth.verify(token)).toMatchObject({ status: true });
    expect(() => client(server.url, { clockToleranceSeconds: 31 })).toThrow(TypeError);
  });

  it('expects the issuer to be host, unless the issuer option says otherwise', async () => {
    const { server } = await jwksServer();
    const publicUrl = 'https://mfa.example.com';
    const { token } = await issue(publicUrl);
    expect(await client(server.url).auth.verify(token)).toMatchObject({ status: false, code: 'wrong_issuer' });
    expect(await client(server.url, { issuer: publicUrl }).auth.verify(token)).toMatchObject({ status: true });
    // A path prefix in host is part of the issuer, a trailing slash is not.
    const prefixed = await issue(`${server.url}/mfa`);
    expect(await client(`${server.url}/mfa/`).auth.verify(prefixed.token)).toMatchObject({ status: true });
    expect(server.requests.at(-1)?.path).toBe(`/mfa${JWKS_PATH}`);
  });

  it('spends the token with usedTokens: the second verify answers token_already_used', async () => {
    const { server } = await jwksServer();
    const { auth } = client(server.url);
    const used = new Map<string, number>();
    const usedTokens: UsedTokenStore = { consume: async (jti, expiresAt) => !used.has(jti) && Boolean(used.set(jti, expiresAt)) };
    const { token, jti, expiresAt } = await issue(server.url);
    expect(await auth.verify(token, { usedTokens })).toMatchObject({ status: true });
    expect(await auth.verify(token, { usedTokens })).toMatchObject({ status: false, code: 'token_already_used' });
    expect([...used]).toEqual([[jti, expiresAt]]);
    // Without a store, verification alone does not spend it.
    expect(await auth.verify(token)).toMatchObject({ status: true });
  });
});

describe('auth.verify key cache', () => {
  it('keeps the JWKS for its max-age, then fetches it again', async () => {
    const { server, fetches } = await jwksServer({ cacheControl: 'public, max-age=60' });
    const { auth } = client(server.url);
    const { token } = await issue(server.url);
    await auth.verify(token);
    clock.advance(59_999);
    await auth.verify(token);
    expect(fetches()).toBe(1);
    clock.advance(1);
    expect(await auth.verify((await issue(server.url)).token)).toMatchObject({ status: true });
    expect(fetches()).toBe(2);
  });

  it.each([
    [undefined, 300_000],
    ['no-store', 30_000],
    ['max-age=0', 30_000],
    ['max-age=31536000', 86_400_000],
  ])('cache-control %s keeps the JWKS %i ms', async (cacheControl, lifetime) => {
    const { server, fetches } = await jwksServer({ cacheControl });
    const { auth } = client(server.url, { clockToleranceSeconds: 0 });
    const verifyFresh = async () => auth.verify((await issue(server.url)).token);
    await verifyFresh();
    clock.advance(lifetime - 1);
    await verifyFresh();
    expect(fetches()).toBe(1);
    clock.advance(1);
    await verifyFresh();
    expect(fetches()).toBe(2);
  });

  it('fetches once for concurrent verifies on a cold cache', async () => {
    const { server, fetches } = await jwksServer();
    const { auth } = client(server.url);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => issue(server.url)));
    const results = await Promise.all(tokens.map(({ token }) => auth.verify(token)));
    expect(results.every((result) => result.status)).toBe(true);
    expect(fetches()).toBe(1);
  });

  it('refetches once when a token names a new key (rotation), at most every 30 s', async () => {
    const { server, fetches } = await jwksServer();
    const { auth } = client(server.url);
    expect(await auth.verify((await issue(server.url)).token)).toMatchObject({ status: true });
    await keys.rotate();
    const afterRotation = (await issue(server.url)).token;

    // Right after a fetch, a new kid is not worth another request.
    clock.advance(29_999);
    expect(await auth.verify(afterRotation)).toMatchObject({ status: false, code: 'unknown_key' });
    expect(fetches()).toBe(1);

    clock.advance(1);
    expect(await auth.verify(afterRotation)).toMatchObject({ status: true });
    expect(fetches()).toBe(2);
  });

  it('cannot be used as an amplifier: a flood of unknown kids costs one request per 30 s', async () => {
    const { server, fetches } = await jwksServer();
    const { auth } = client(server.url);
    await auth.verify((await issue(server.url)).token);
    const foreignStorage = await openStorage({ url: ':memory:' });
    const forged = await issueMfaToken({
      keys: new KeyStore(foreignStorage, clock.now, { keyring: testSecrets().keyring }),
      issuer: server.url,
      clock: clock.now,
      claims: CLAIMS,
    });
    await foreignStorage.close();
    clock.advance(30_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.verify(forged.token)));
    expect(results.every((result) => !result.status && result.code === 'unknown_key')).toBe(true);
    for (let i = 0; i < 20; i++) await auth.verify(forged.token);
    expect(fetches()).toBe(2);
  });
});

describe('auth.verify without the backend', () => {
  it('answers backend_unavailable when the backend refuses connections, and logs it', async () => {
    const host = await refusedUrl();
    const { auth, logger } = client(host, { failMode: 'open' });
    const { token } = await issue(host);
    const result = await auth.verify(token);
    expect(result).toMatchObject({ status: false, code: 'backend_unavailable' });
    expect(!result.status && result.message).toContain('ECONNREFUSED');
    expect(logger.lines[0]).toMatch(/backend unavailable \(network\) for app shop: verify fails closed/);
    expect(inspect(result) + logger.lines.join('\n')).not.toContain(APP_SECRET);
  });

  it('answers backend_unavailable within timeoutMs when the backend hangs', async () => {
    const server = await startHangingServer();
    servers.push(server);
    const { auth } = client(server.url, { timeoutMs: 200 });
    const { token } = await issue(server.url);
    const started = performance.now();
    expect(await auth.verify(token)).toMatchObject({ status: false, code: 'backend_unavailable' });
    expect(performance.now() - started).toBeLessThan(400);
  });

  it.each([
    ['a 404', (res: ServerResponse) => problem(res, 404, 'not_found', 'No such route')],
    ['a 500', (res: ServerResponse) => problem(res, 500, 'internal', 'Boom')],
    ['a body that is not a JWKS', (res: ServerResponse) => reply(res, 200, { keys: 'none' })],
  ])('answers backend_unavailable for %s', async (_label, breakWith) => {
    const { server } = await jwksServer({ breakWith });
    const { auth, logger } = client(server.url);
    expect(await auth.verify((await issue(server.url)).token)).toMatchObject({ status: false, code: 'backend_unavailable' });
    expect(logger.lines[0]).toMatch(/backend unavailable \((server_error|invalid_response)\) for app shop: verify fails closed/);
  });

  it('never falls back to an expired JWKS, and recovers with the backend', async () => {
    const { server, fetches, breakWith } = await jwksServer({ cacheControl: 'max-age=60' });
    const { auth } = client(server.url);
    const { token } = await issue(server.url);
    expect(await auth.verify(token)).toMatchObject({ status: true });
    breakWith((res) => problem(res, 503, 'unavailable', 'Down'));
    clock.advance(60_000);
    expect(await auth.verify(token)).toMatchObject({ status: false, code: 'backend_unavailable' });
    expect(fetches()).toBe(2);
    breakWith(undefined);
    expect(await auth.verify(token)).toMatchObject({ status: true });
  });

  it('still refuses a malformed token as malformed, with no request', async () => {
    const host = await refusedUrl();
    const { auth } = client(host);
    expect(await auth.verify('a.b')).toMatchObject({ status: false, code: 'malformed' });
    expect(await auth.verify(undefined as unknown as string)).toMatchObject({ status: false, code: 'malformed' });
  });
});
