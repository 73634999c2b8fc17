import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CamfaError, MetadataManagementClient } from './index.js';
import type { CamfaClientOptions } from './http.js';
import {
  APP_ID,
  APP_SECRET,
  BASIC,
  TRIGGER,
  authorized,
  manualClock,
  problem,
  recordingLogger,
  refusedUrl,
  reply,
  startHangingServer,
  startServer,
  type Handler,
  type TestServer,
} from './test-support/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

async function hanging(): Promise<TestServer> {
  const server = await startHangingServer();
  servers.push(server);
  return server;
}

/** A backend that knows user `locked` is pending and everyone else is verified. */
const healthy: Handler = (request, res) => {
  if (!authorized(request, res)) return;
  const { originalIdentity } = request.body as { originalIdentity: string };
  if (request.path === '/v1/mfa/status') {
    return reply(res, 200, originalIdentity === 'locked' ? { mfaVerified: false, pending: TRIGGER } : { mfaVerified: true });
  }
  if (request.path === '/v1/mfa/status/clear') return reply(res, 200, { mfaVerified: true });
  if (request.path === '/v1/ueba/events') return reply(res, 201, { id: 'ev-1', published: [] });
  problem(res, 404, 'not_found', `No route ${request.path}`);
};

const failing: Handler = (_request, res) => problem(res, 500, 'internal_error', 'boom');

function client(host: string, options: Partial<CamfaClientOptions> = {}) {
  const logger = recordingLogger();
  const meta = new MetadataManagementClient({ host, appId: APP_ID, appSecret: APP_SECRET, logger, ...options });
  return { meta, logger };
}

/** Nothing the SDK shows or logs may contain the secret, raw or as the Basic credential. */
function expectNoSecret(text: string): void {
  expect(text).not.toContain(APP_SECRET);
  expect(text).not.toContain(BASIC);
}

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const started = performance.now();
  const result = await call();
  return { result, elapsed: performance.now() - started };
}

describe('MetadataManagementClient against a healthy backend', () => {
  it('asks for the status with Basic auth and JSON, and returns the answer', async () => {
    const server = await serve(healthy);
    const { meta } = client(server.url);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).toEqual({ mfaVerified: true });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'locked' })).toEqual({ mfaVerified: false, pending: TRIGGER });
    const [first] = server.requests;
    expect(first).toMatchObject({ method: 'POST', path: '/v1/mfa/status', body: { originalIdentity: 'u1' } });
    expect(first!.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(first!.headers['content-type']).toBe('application/json');
  });

  it("accepts the seed's { originalId } spelling", async () => {
    const server = await serve(healthy);
    const { meta } = client(server.url);
    expect(await meta.ueba.checkUserStatus({ originalId: 'locked' })).toMatchObject({ mfaVerified: false });
    expect(server.requests[0]!.body).toEqual({ originalIdentity: 'locked' });
  });

  it('captures events and clears a status', async () => {
    const server = await serve(healthy);
    const { meta } = client(`${server.url}/`);
    expect(await meta.ueba.capture({ originalIdentity: 'u1', ip: '1.2.3.4', behaviorType: 'login' })).toEqual({ id: 'ev-1', published: [] });
    expect(await meta.ueba.clearUserStatus({ originalIdentity: 'u1' })).toEqual({ mfaVerified: true });
    expect(server.requests.map((request) => [request.path, request.body])).toEqual([
      ['/v1/ueba/events', { originalIdentity: 'u1', ip: '1.2.3.4', behaviorType: 'login' }],
      ['/v1/mfa/status/clear', { originalIdentity: 'u1' }],
    ]);
  });

  it('keeps a path prefix of host', async () => {
    const server = await serve((request, res) => reply(res, 200, { mfaVerified: request.path === '/camfa/v1/mfa/status' }));
    const { meta } = client(`${server.url}/camfa/`);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).toEqual({ mfaVerified: true });
  });

  it('refuses an empty user id instead of asking about nobody', async () => {
    const server = await serve(healthy);
    const { meta } = client(server.url);
    await expect(meta.ueba.checkUserStatus({ originalIdentity: '' })).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('checkUserStatus when the backend cannot answer (seed 7.2)', () => {
  const timeoutMs = 300;
  const outages: Array<[string, () => Promise<string>, string]> = [
    ['refuses connections', refusedUrl, 'network'],
    ['hangs forever', async () => (await hanging()).url, 'timeout'],
    ['answers 500', async () => (await serve(failing)).url, 'server_error'],
    [
      'answers 200 with HTML',
      async () => (await serve((_r, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>maintenance</h1>'))).url,
      'invalid_response',
    ],
  ];

  for (const [name, start, reason] of outages) {
    it(`${name}: lets the user through under failMode open, within timeoutMs + 100 ms, and logs why`, async () => {
      const { meta, logger } = client(await start(), { timeoutMs, failMode: 'open' });
      const { result, elapsed } = await timed(() => meta.ueba.checkUserStatus({ originalIdentity: 'u1' }));
      expect(result).toEqual({ mfaVerified: true, degraded: true });
      expect(elapsed).toBeLessThan(timeoutMs + 100);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toContain(APP_ID);
      expect(logger.lines[0]).toContain(`(${reason})`);
      expectNoSecret(logger.lines.join('\n'));
    });

    it(`${name}: refuses the user under failMode closed`, async () => {
      const { meta, logger } = client(await start(), { timeoutMs, failMode: 'closed' });
      const { result, elapsed } = await timed(() => meta.ueba.checkUserStatus({ originalIdentity: 'u1' }));
      expect(result).toEqual({ mfaVerified: false, degraded: true });
      expect(elapsed).toBeLessThan(timeoutMs + 100);
      expect(logger.lines[0]).toContain('fails closed');
    });
  }

  it('really waits for the backend up to timeoutMs (the hanging server is not refused early)', async () => {
    const server = await hanging();
    const { meta } = client(server.url, { timeoutMs });
    const { elapsed } = await timed(() => meta.ueba.checkUserStatus({ originalIdentity: 'u1' }));
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(server.requests).toHaveLength(1);
  });

  it('answers within the default 1000 ms + 100 ms when headers arrive but the body stalls', async () => {
    const server = await serve((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"mfaVerified":');
    });
    const { meta } = client(server.url);
    const { result, elapsed } = await timed(() => meta.ueba.checkUserStatus({ originalIdentity: 'u1' }));
    expect(result).toEqual({ mfaVerified: true, degraded: true });
    expect(elapsed).toBeLessThan(1100);
    expect(elapsed).toBeGreaterThanOrEqual(995);
  });

  it('logs through a pino logger as given', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const meta = new MetadataManagementClient({ host: await refusedUrl(), appId: APP_ID, appSecret: APP_SECRET, logger: pino(destination) });
    await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, appId: APP_ID, reason: 'network', failMode: 'open', operation: 'checkUserStatus' });
    expectNoSecret(lines.join(''));
  });

  it('lets one call override the failMode of the client', async () => {
    const { meta } = client(await refusedUrl(), { failMode: 'open' });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'u1' }, { failMode: 'closed' })).toEqual({ mfaVerified: false, degraded: true });
  });
});

describe('answers that are not outages', () => {
  it('throws CamfaError for a 4xx (wrong secret) even under failMode open, without the secret in it', async () => {
    const server = await serve(healthy);
    const logger = recordingLogger();
    const meta = new MetadataManagementClient({ host: server.url, appId: APP_ID, appSecret: 'wrong-secret', logger, failMode: 'open' });
    const error = await meta.ueba.checkUserStatus({ originalIdentity: 'u1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CamfaError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_client', detail: 'Unknown app or wrong secret' });
    expect((error as CamfaError).unavailable).toBe(false);
    expect(logger.lines).toEqual([]);
    const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${String(error)}`;
    expect(shown).not.toContain('wrong-secret');
    expect(shown).not.toContain(Buffer.from(`${APP_ID}:wrong-secret`).toString('base64'));
  });

  it('names the status when a 4xx is not a problem document', async () => {
    const server = await serve((_request, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>no</h1>'));
    const { meta } = client(server.url);
    await expect(meta.ueba.capture({ originalIdentity: 'u1' })).rejects.toMatchObject({ status: 404, code: 'http_error' });
  });

  it('does not follow redirects, so the secret is not replayed elsewhere', async () => {
    const elsewhere = await serve(healthy);
    const server = await serve((_request, res) => res.writeHead(307, { location: `${elsewhere.url}/v1/mfa/status` }).end());
    const { meta } = client(server.url);
    await expect(meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).rejects.toMatchObject({ status: 307, code: 'http_error' });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('capture does not fail open: an outage is a CamfaError the caller sees', async () => {
    const { meta } = client(await refusedUrl());
    const error = await meta.ueba.capture({ originalIdentity: 'u1' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'backend_unavailable', status: 503, reason: 'network' });
    expectNoSecret(inspect(error, { depth: 10 }));
  });
});

describe('circuit breaker in front of the backend', () => {
  it('stops calling a failing backend after 5 failures and probes again after the cool-down', async () => {
    let healthyNow = false;
    const server = await serve((request, res) => (healthyNow ? healthy : failing)(request, res));
    const clock = manualClock();
    const { meta, logger } = client(server.url, { clock: clock.now });

    for (let i = 0; i < 5; i++) expect(await meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).toMatchObject({ degraded: true });
    expect(server.requests).toHaveLength(5);
    expect(logger.lines.some((line) => line.includes('circuit opened'))).toBe(true);

    // Open: answered at once, the backend is left alone.
    const { result, elapsed } = await timed(() => meta.ueba.checkUserStatus({ originalIdentity: 'u1' }));
    expect(result).toEqual({ mfaVerified: true, degraded: true });
    expect(elapsed).toBeLessThan(50);
    expect(logger.lines.at(-1)).toContain('(circuit_open)');
    clock.advance(9_999);
    await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
    expect(server.requests).toHaveLength(5);

    // Half-open: one probe; it fails, so the circuit opens again.
    clock.advance(1);
    await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
    expect(server.requests).toHaveLength(6);
    await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
    expect(server.requests).toHaveLength(6);

    // The backend recovers: the next probe closes the circuit and real answers flow again.
    healthyNow = true;
    clock.advance(10_000);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'locked' })).toEqual({ mfaVerified: false, pending: TRIGGER });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).toEqual({ mfaVerified: true });
    expect(server.requests).toHaveLength(8);
    expectNoSecret(logger.lines.join('\n'));
  });

  it('honours its tuning', async () => {
    const server = await serve(failing);
    const { meta } = client(server.url, { breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 4; i++) await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
    expect(server.requests).toHaveLength(2);
  });

  it('does not count 4xx answers as failures', async () => {
    const server = await serve((_request, res) => problem(res, 400, 'invalid_request', 'originalIdentity: too long'));
    const { meta } = client(server.url);
    for (let i = 0; i < 7; i++) await expect(meta.ueba.checkUserStatus({ originalIdentity: 'u1' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(server.requests).toHaveLength(7);
  });
});

describe('options', () => {
  it('refuses unusable options with errors that do not echo the secret', () => {
    const base = { host: 'http://127.0.0.1:1', appId: APP_ID, appSecret: APP_SECRET };
    const attempts: Array<Partial<CamfaClientOptions>> = [
      { host: 'not a url' },
      { host: 'ftp://example.com' },
      { appId: 'a:b' },
      { appSecret: '' },
      { timeoutMs: 0 },
      { failMode: 'maybe' as never },
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        new MetadataManagementClient({ ...base, ...attempt });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(attempt)).toBeInstanceOf(TypeError);
      expectNoSecret(String(thrown));
    }
  });
});
