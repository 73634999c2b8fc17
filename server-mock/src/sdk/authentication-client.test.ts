import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { MfaEvent, MfaTriggerData } from '../protocol/index.js';
import { AuthenticationClient, CamfaError } from './index.js';
import type { CamfaClientOptions } from './http.js';
import {
  APP_ID,
  APP_SECRET,
  BASIC,
  TRIGGER,
  authorized,
  openStream,
  problem,
  recordingLogger,
  refusedUrl,
  reply,
  sseMessage,
  startHangingServer,
  startServer,
  waitFor,
  type Handler,
  type TestServer,
} from './test-support/servers.js';

const servers: TestServer[] = [];
const stops: Array<() => void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function client(host: string, options: Partial<CamfaClientOptions> = {}) {
  const logger = recordingLogger();
  const auth = new AuthenticationClient({ host, appId: APP_ID, appSecret: APP_SECRET, logger, ...options });
  return { auth, logger };
}

function mfaEvent(id: string, type: MfaEvent['type'] = 'security.mfa', trigger: MfaTriggerData = { ...TRIGGER, stateToken: `st-${id}` }): MfaEvent {
  return { id, type, appId: APP_ID, originalIdentity: 'u1', publishedAt: '2030-01-01T00:00:00.000Z', ...(type === 'security.mfa' ? { trigger } : {}) };
}

describe('triggerWorkflow', () => {
  it('posts the metadata to the workflow and returns its trigger, or null', async () => {
    const server = await serve((request, res) => {
      if (!authorized(request, res)) return;
      const { metadata } = request.body as { metadata: { originalIdentity: string } };
      reply(res, 200, { trigger: metadata.originalIdentity === 'risky' ? TRIGGER : null, decisionId: 'd-1' });
    });
    const { auth } = client(server.url);
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'pay out/1', metadata: { originalIdentity: 'risky', ip: '1.2.3.4' } })).toEqual(TRIGGER);
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity: 'u1', eventId: 'ev-9' } })).toBeNull();
    expect(server.requests.map((request) => [request.path, request.body])).toEqual([
      ['/v1/workflows/pay%20out%2F1/trigger', { metadata: { originalIdentity: 'risky', ip: '1.2.3.4' } }],
      ['/v1/workflows/login/trigger', { metadata: { originalIdentity: 'u1', eventId: 'ev-9' } }],
    ]);
  });

  it('fails open to null, in time and logged, when the backend hangs', async () => {
    const server = await startHangingServer();
    servers.push(server);
    const { auth, logger } = client(server.url, { timeoutMs: 200 });
    const started = performance.now();
    expect(await auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity: 'u1' } })).toBeNull();
    expect(performance.now() - started).toBeLessThan(300);
    expect(logger.lines[0]).toMatch(/backend unavailable \(timeout\) for app shop: triggerWorkflow fails open/);
  });

  it('fails closed with backend_unavailable, per client or per call', async () => {
    const host = await refusedUrl();
    const closedClient = client(host, { failMode: 'closed' });
    const error = await closedClient.auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity: 'u1' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CamfaError);
    expect(error).toMatchObject({ code: 'backend_unavailable', status: 503, reason: 'network' });
    expect(String(error)).toContain('ECONNREFUSED');
    expect(inspect(error, { depth: 10 })).not.toContain(APP_SECRET);

    const openClient = client(host, { failMode: 'open' });
    await expect(
      openClient.auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { originalIdentity: 'u1' } }, { failMode: 'closed' }),
    ).rejects.toMatchObject({ code: 'backend_unavailable' });
  });

  it('throws the 4xx of an unknown workflow even under failMode open', async () => {
    const server = await serve((_request, res) => problem(res, 404, 'workflow_not_found', 'No active workflow "nope"'));
    const { auth } = client(server.url, { failMode: 'open' });
    await expect(auth.mfa.triggerWorkflow({ workflowId: 'nope', metadata: { originalIdentity: 'u1' } })).rejects.toMatchObject({
      status: 404,
      code: 'workflow_not_found',
    });
  });
});

describe('createSubscriptionToken', () => {
  it('mints a token for one user', async () => {
    const server = await serve((request, res) => authorized(request, res) && reply(res, 201, { token: 'sub-token', expiresAt: '2030-01-01T00:10:00.000Z' }));
    const { auth } = client(server.url);
    expect(await auth.mfa.createSubscriptionToken({ originalIdentity: 'u1', ttlSeconds: 60 })).toEqual({
      token: 'sub-token',
      expiresAt: '2030-01-01T00:10:00.000Z',
    });
    expect(await auth.mfa.createSubscriptionToken({ originalIdentity: 'u2' })).toMatchObject({ token: 'sub-token' });
    expect(server.requests.map((request) => [request.path, request.body])).toEqual([
      ['/v1/subscriptions', { originalIdentity: 'u1', ttlSeconds: 60 }],
      ['/v1/subscriptions', { originalIdentity: 'u2' }],
    ]);
  });
});

describe('subscribe', () => {
  function subscribe(auth: AuthenticationClient, topic: string, options: Parameters<AuthenticationClient['mfa']['subscribe']>[2] = {}) {
    const triggers: MfaTriggerData[] = [];
    const events: MfaEvent[] = [];
    const stop = auth.mfa.subscribe(topic, (trigger) => void triggers.push(trigger), { retryMs: 20, onEvent: (event) => void events.push(event), ...options });
    stops.push(stop);
    return { triggers, events, stop };
  }

  it("asks for one user's stream with the app's credentials", async () => {
    const server = await serve((_request, res) => openStream(res));
    const { auth } = client(server.url);
    subscribe(auth, 'security.mfa?originalIdentity=u%201');
    await waitFor(() => server.requests.length === 1);
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/events/stream');
    expect(Object.fromEntries(request!.query)).toEqual({ topic: 'security.mfa', originalIdentity: 'u 1' });
    expect(request!.headers.authorization).toBe(`Basic ${BASIC}`);
    expect(request!.headers.accept).toBe('text/event-stream');
    expect(request!.headers['last-event-id']).toBeUndefined();
  });

  it('asks for the whole app with the bare topic', async () => {
    const server = await serve((_request, res) => openStream(res));
    const { auth } = client(server.url);
    subscribe(auth, 'security.mfa');
    await waitFor(() => server.requests.length === 1);
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({ topic: 'security.mfa' });
  });

  it('refuses topics it cannot serve, before connecting', () => {
    const { auth } = client('http://127.0.0.1:1');
    expect(() => auth.mfa.subscribe('authing.security.mfa', () => {})).toThrow(TypeError);
    expect(() => auth.mfa.subscribe('security.mfa?user=u1', () => {})).toThrow(/originalIdentity/);
    expect(() => auth.mfa.subscribe('security.mfa?originalIdentity=', () => {})).toThrow(TypeError);
  });

  it('delivers triggers, passes every event to onEvent, and resumes after a drop with Last-Event-ID', async () => {
    const server = await serve((request, res) => {
      openStream(res);
      if (server.requests.length === 1) {
        res.write('retry: 20\n\n: ping\n\n');
        res.write(sseMessage({ id: '1', event: 'security.mfa', data: mfaEvent('1') }));
        res.write(sseMessage({ id: '2', event: 'security.mfa.resolved', data: mfaEvent('2', 'security.mfa.resolved') }));
        // Half an event, then the connection dies: the half must not be delivered.
        res.write('id: 99\nevent: security.mfa\ndata: {"id":');
        setTimeout(() => res.destroy(), 20);
      } else {
        res.write(sseMessage({ id: String(Number(request.headers['last-event-id']) + 1), event: 'security.mfa', data: mfaEvent('3') }));
      }
    });
    const { auth } = client(server.url);
    const { triggers, events } = subscribe(auth, 'security.mfa?originalIdentity=u1');
    await waitFor(() => events.length === 3);
    expect(server.requests[1]!.headers['last-event-id']).toBe('2');
    expect(events.map((event) => [event.id, event.type])).toEqual([
      ['1', 'security.mfa'],
      ['2', 'security.mfa.resolved'],
      ['3', 'security.mfa'],
    ]);
    expect(triggers.map((trigger) => trigger.stateToken)).toEqual(['st-1', 'st-3']);
  });

  it('sends the last complete id it saw, and none when the only event had no id', async () => {
    const server = await serve((_request, res) => {
      openStream(res);
      // The backend sends a pending step-up without an id (seed 7.1), then drops.
      if (server.requests.length === 1) res.write(sseMessage({ event: 'security.mfa', data: mfaEvent('0') }));
      if (server.requests.length === 2) res.write(sseMessage({ id: '5', event: 'security.mfa', data: mfaEvent('5') }));
      if (server.requests.length <= 2) setTimeout(() => res.end(), 10);
    });
    const { auth } = client(server.url);
    const { triggers } = subscribe(auth, 'security.mfa?originalIdentity=u1');
    await waitFor(() => server.requests.length === 3);
    expect(server.requests.map((request) => request.headers['last-event-id'])).toEqual([undefined, undefined, '5']);
    expect(triggers.map((trigger) => trigger.stateToken)).toEqual(['st-0', 'st-5']);
  });

  it('starts from lastEventId when given one', async () => {
    const server = await serve((_request, res) => openStream(res));
    const { auth } = client(server.url);
    subscribe(auth, 'security.mfa', { lastEventId: '41' });
    await waitFor(() => server.requests.length === 1);
    expect(server.requests[0]!.headers['last-event-id']).toBe('41');
  });

  it('stop() closes the connection and nothing reconnects afterwards', async () => {
    const closed: boolean[] = [];
    const server = await serve((_request, res) => {
      openStream(res);
      res.write(sseMessage({ id: String(server.requests.length), event: 'security.mfa', data: mfaEvent('1') }));
      res.on('close', () => closed.push(true));
      // Every second connection is dropped at once, so the client spends time waiting to reconnect.
      if (server.requests.length % 2 === 1) res.end();
    });
    const { auth } = client(server.url);
    const { stop, triggers } = subscribe(auth, 'security.mfa');
    await waitFor(() => server.requests.length === 2);
    stop();
    await waitFor(() => closed.length === 2);
    const delivered = triggers.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.requests).toHaveLength(2);
    expect(triggers).toHaveLength(delivered);
  });

  it('delivers nothing after stop(), even events that arrived in the same chunk', async () => {
    const server = await serve((_request, res) => {
      openStream(res);
      res.write(sseMessage({ id: '1', event: 'security.mfa', data: mfaEvent('1') }) + sseMessage({ id: '2', event: 'security.mfa', data: mfaEvent('2') }));
    });
    const { auth } = client(server.url);
    const seen: string[] = [];
    const stop = auth.mfa.subscribe('security.mfa', (trigger) => {
      seen.push(trigger.stateToken);
      stop();
    });
    stops.push(stop);
    await waitFor(() => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['st-1']);
  });

  it('stop() during the back-off wait cancels the reconnection', async () => {
    const server = await serve((_request, res) => problem(res, 503, 'unavailable', 'restarting'));
    const { auth } = client(server.url);
    const errors: CamfaError[] = [];
    const { stop } = subscribe(auth, 'security.mfa', { retryMs: 50, onError: (error) => void errors.push(error) });
    await waitFor(() => server.requests.length === 1 && errors.length === 1);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.requests).toHaveLength(1);
  });

  it('retries a failing backend with back-off, telling onError it will retry', async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length <= 2) return problem(res, 500, 'internal_error', 'boom');
      openStream(res);
      res.write(sseMessage({ id: '1', event: 'security.mfa', data: mfaEvent('1') }));
    });
    const { auth } = client(server.url);
    const failures: Array<[string | undefined, boolean]> = [];
    const { triggers } = subscribe(auth, 'security.mfa', { onError: (error, willRetry) => void failures.push([error.reason, willRetry]) });
    await waitFor(() => triggers.length === 1);
    expect(failures).toEqual([
      ['server_error', true],
      ['server_error', true],
    ]);
  });

  it('gives up on a 4xx (wrong secret) and says so', async () => {
    const server = await serve((request, res) => authorized(request, res) && openStream(res));
    const logger = recordingLogger();
    const auth = new AuthenticationClient({ host: server.url, appId: APP_ID, appSecret: 'wrong-secret', logger });
    stops.push(auth.mfa.subscribe('security.mfa', () => {}, { retryMs: 10 }));
    await waitFor(() => logger.lines.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toHaveLength(1);
    expect(logger.lines[0]).toContain('refused, stopped');
    expect(logger.lines[0]).toContain('invalid_client');
    expect(logger.lines[0]).not.toContain('wrong-secret');
  });

  it('reconnects when a connection goes silent past idleTimeoutMs', async () => {
    const server = await serve((_request, res) => openStream(res));
    const { auth } = client(server.url);
    subscribe(auth, 'security.mfa', { idleTimeoutMs: 80 });
    await waitFor(() => server.requests.length === 2);
  });

  it('keeps delivering when the callback throws, and logs it without the secret', async () => {
    const server = await serve((_request, res) => {
      openStream(res);
      res.write(sseMessage({ id: '1', event: 'security.mfa', data: mfaEvent('1') }));
      res.write(sseMessage({ id: '2', event: 'security.mfa', data: mfaEvent('2') }));
    });
    const { auth, logger } = client(server.url);
    const seen: string[] = [];
    stops.push(
      auth.mfa.subscribe('security.mfa', async (trigger) => {
        seen.push(trigger.stateToken);
        throw new Error(`cannot handle ${trigger.stateToken}`);
      }),
    );
    await waitFor(() => seen.length === 2 && logger.lines.length === 2);
    expect(logger.lines[0]).toContain('cannot handle st-1');
    expect(logger.lines.join('\n')).not.toContain(APP_SECRET);
  });

  it('survives an onError that throws', async () => {
    const server = await serve((_request, res) => {
      if (server.requests.length === 1) return problem(res, 500, 'internal_error', 'boom');
      openStream(res);
      res.write(sseMessage({ id: '1', event: 'security.mfa', data: mfaEvent('1') }));
    });
    const { auth, logger } = client(server.url);
    const { triggers } = subscribe(auth, 'security.mfa', {
      onError: () => {
        throw new Error('handler bug');
      },
    });
    await waitFor(() => triggers.length === 1);
    expect(logger.lines[0]).toContain('handler bug');
  });

  it('reports connection failures through the logger by default', async () => {
    const { auth, logger } = client(await refusedUrl());
    stops.push(auth.mfa.subscribe('security.mfa', () => {}, { retryMs: 1000 }));
    await waitFor(() => logger.lines.length === 1);
    expect(logger.lines[0]).toContain('failed to connect, will retry');
    expect(logger.lines[0]).toContain('ECONNREFUSED');
    expect(logger.lines[0]).not.toContain(APP_SECRET);
    expect(logger.lines[0]).not.toContain(BASIC);
  });
});
