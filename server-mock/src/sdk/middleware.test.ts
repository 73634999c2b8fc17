import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailMode } from '../protocol/index.js';
import { CamfaError, MetadataManagementClient, mfaAuthMiddleware, stepUpChallenge } from './index.js';
import { APP_ID, APP_SECRET, BASIC, TRIGGER, authorized, recordingLogger, refusedUrl, reply, startServer, type TestServer } from './test-support/servers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** The RFC 9470 challenge, byte for byte. */
const CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:camfa:acr:mfa"';

/** A backend where `locked` has a pending step-up and everyone else is verified. */
async function statusBackend(): Promise<TestServer> {
  const server = await startServer((request, res) => {
    if (!authorized(request, res)) return;
    const { originalIdentity } = request.body as { originalIdentity: string };
    reply(res, 200, originalIdentity === 'locked' ? { mfaVerified: false, pending: TRIGGER } : { mfaVerified: true });
  });
  closers.push(() => server.close());
  return server;
}

/**
 * A real express app: `/default` uses the client's failMode, `/open` and `/closed` override it.
 * The user comes from the `x-user` header (through an async lookup, as a session store would be).
 */
async function businessApp(client: MetadataManagementClient, logger = recordingLogger()) {
  const app = express();
  const getUserId = async (req: express.Request) => req.header('x-user');
  const ok: express.RequestHandler = (_req, res) => void res.send('business done');
  app.get('/default', mfaAuthMiddleware({ client, getUserId }), ok);
  for (const failMode of ['open', 'closed'] as FailMode[]) {
    app.get(`/${failMode}`, mfaAuthMiddleware({ client, getUserId, failMode, logger }), ok);
  }
  app.get(
    '/broken-session',
    mfaAuthMiddleware({
      client,
      getUserId: () => {
        throw new Error('session store down');
      },
    }),
    ok,
  );
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ name: error.name, code: error instanceof CamfaError ? error.code : undefined, message: error.message });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    logger,
    get: (path: string, user?: string) => fetch(base + path, { headers: user ? { 'x-user': user } : {} }),
  };
}

function clientFor(host: string, options: { failMode?: FailMode; appSecret?: string } = {}) {
  return new MetadataManagementClient({ host, appId: APP_ID, appSecret: APP_SECRET, timeoutMs: 200, logger: recordingLogger(), ...options });
}

describe('mfaAuthMiddleware with a reachable backend', () => {
  it('lets verified users through', async () => {
    const { get } = await businessApp(clientFor((await statusBackend()).url));
    const res = await get('/default', 'u1');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('business done');
  });

  it('locks a pending user with the exact RFC 9470 challenge and the trigger in a problem document', async () => {
    const { get } = await businessApp(clientFor((await statusBackend()).url));
    const res = await get('/default', 'locked');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      type: 'https://camfa-guard.dev/problems/insufficient_user_authentication',
      title: 'Unauthorized',
      status: 401,
      code: 'insufficient_user_authentication',
      detail: 'A different authentication level is required',
      trigger: TRIGGER,
    });
  });

  it('passes anonymous requests without asking the backend', async () => {
    const backend = await statusBackend();
    const { get } = await businessApp(clientFor(backend.url));
    expect((await get('/closed')).status).toBe(200);
    expect(backend.requests).toHaveLength(0);
  });

  it('hands a misconfiguration (wrong secret) to the error handler instead of failing open', async () => {
    const { get } = await businessApp(clientFor((await statusBackend()).url, { appSecret: 'wrong-secret', failMode: 'open' }));
    const res = await get('/open', 'u1');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { name: string; code: string; message: string };
    expect(body).toMatchObject({ name: 'CamfaError', code: 'invalid_client' });
    expect(JSON.stringify(body)).not.toContain('wrong-secret');
  });

  it('hands a failing getUserId to the error handler', async () => {
    const { get } = await businessApp(clientFor((await statusBackend()).url));
    const res = await get('/broken-session', 'u1');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ message: 'session store down' });
  });
});

describe('mfaAuthMiddleware with the backend down', () => {
  it("honours each route's failMode over the client's", async () => {
    const host = await refusedUrl();
    const closedApp = await businessApp(clientFor(host, { failMode: 'closed' }));
    expect((await closedApp.get('/default', 'u1')).status).toBe(503);
    expect((await closedApp.get('/open', 'u1')).status).toBe(200);

    const openApp = await businessApp(clientFor(host, { failMode: 'open' }));
    expect((await openApp.get('/default', 'u1')).status).toBe(200);
    const refused = await openApp.get('/closed', 'u1');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await refused.json()).toMatchObject({ status: 503, code: 'backend_unavailable' });
  });

  it('logs degraded decisions through the logger given to the middleware, without the secret', async () => {
    const { get, logger } = await businessApp(clientFor(await refusedUrl()));
    await get('/open', 'u1');
    await get('/closed', 'u1');
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]).toContain('checkUserStatus fails open');
    expect(logger.lines[1]).toContain('checkUserStatus fails closed');
    for (const line of logger.lines) {
      expect(line).toContain(APP_ID);
      expect(line).not.toContain(APP_SECRET);
      expect(line).not.toContain(BASIC);
    }
  });
});

describe('stepUpChallenge', () => {
  it('builds the challenge without express', () => {
    const challenge = stepUpChallenge({ trigger: TRIGGER });
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(CHALLENGE);
    expect(challenge.body.trigger).toEqual(TRIGGER);
  });

  it('lets acr and detail be chosen, and leaves acr_values out when there is none', () => {
    expect(stepUpChallenge({ trigger: TRIGGER, acr: 'phr', detail: 'Payments need a passkey' }).headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="Payments need a passkey", acr_values="phr"',
    );
    const bare = stepUpChallenge();
    expect(bare.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required"',
    );
    expect(bare.body).not.toHaveProperty('trigger');
  });

  it('keeps header values within RFC 6750 characters (no quote, backslash, CR/LF or non-ASCII) but the body intact', () => {
    const detail = 'Say "hi"\\\r\nSet-Cookie: x=1 请验证';
    const challenge = stepUpChallenge({ detail, acr: 'a"b' });
    const header = challenge.headers['www-authenticate']!;
    expect(header).toBe('Bearer error="insufficient_user_authentication", error_description="Say  hi    Set-Cookie: x=1", acr_values="a b"');
    expect(challenge.body.detail).toBe(detail);
    // Node itself must accept the header.
    expect(() => new Headers({ 'www-authenticate': header })).not.toThrow();
  });
});
