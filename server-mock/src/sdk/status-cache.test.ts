import { afterEach, describe, expect, it } from 'vitest';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { CHROME_UA, PLACES, manualClock } from '../test-support/fixtures.js';
import type { CaptureResult } from './metadata-client.js';
import { MetadataManagementClient, type MetadataManagementClientOptions } from './index.js';
import { recordingLogger, waitFor } from './test-support/servers.js';

const backends: TestBackend[] = [];
const clients: MetadataManagementClient[] = [];
afterEach(async () => {
  for (const meta of clients.splice(0)) meta.close();
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
});

/** A real backend whose event-mode workflow steps up every login from outside the office network. */
async function backend(): Promise<TestBackend> {
  const started = await startTestBackend({
    config: { policies: { documents: [{ document: { id: 'network', name: 'Outside the office', modes: ['event'], uses: [{ template: 'extranet' }] } }] } },
  });
  backends.push(started);
  return started;
}

/** A promise to hold something back with, open until `close()` and again after `open()`. */
function gate() {
  let held = Promise.resolve();
  let open = () => {};
  return {
    passed: () => held,
    close: () => void (held = new Promise((resolve) => (open = resolve))),
    open: () => open(),
  };
}

/**
 * A caching client whose `fetch` records the user of every status request the backend receives, and can
 * hold back the backend's status answers or its events, so a test can act while a read or an event is on its way.
 */
async function cachingClient(server: TestBackend, options: Partial<MetadataManagementClientOptions> = {}) {
  const statusReads: string[] = [];
  const statusAnswers = gate();
  const events = gate();
  const recordingFetch: typeof fetch = async (input, init) => {
    const isStatus = new URL(String(input)).pathname === '/v1/mfa/status';
    if (isStatus) statusReads.push((JSON.parse(String(init?.body)) as { originalIdentity: string }).originalIdentity);
    const response = await fetch(input, init);
    if (isStatus) await statusAnswers.passed();
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    const delayed = new TransformStream<Uint8Array, Uint8Array>({ transform: async (chunk, stream) => (await events.passed(), stream.enqueue(chunk)) });
    return new Response(response.body!.pipeThrough(delayed), response);
  };
  const meta = new MetadataManagementClient({
    host: server.url,
    appId: APP.id,
    appSecret: APP.secret,
    timeoutMs: 5000,
    logger: recordingLogger(),
    fetch: recordingFetch,
    statusCache: { ttlMs: 60_000, maxUsers: 100 },
    ...options,
  });
  clients.push(meta);
  await waitFor(() => meta.statusCache!.isLive);
  return { meta, statusReads, statusAnswers, events };
}

/** A login from New York, captured by another instance of the business app: only the event stream tells this one. */
async function stepUpElsewhere(server: TestBackend, originalIdentity: string): Promise<CaptureResult> {
  const login = { originalIdentity, ip: PLACES.newYork.ip, ua: CHROME_UA, behaviorType: 'login', behaviorResult: 'success' };
  const { status, body } = await server.post<CaptureResult>('/v1/ueba/events', login, { authorization: server.basicAuth() });
  expect(status).toBe(201);
  expect(body.published).toHaveLength(1);
  return body;
}

describe('statusCache: checkUserStatus from memory while the event stream is live', () => {
  it('answers a kept status without asking the backend again, frozen so no caller can change it for the others', async () => {
    const { meta, statusReads } = await cachingClient(await backend());
    const first = await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    const second = await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    expect(second).toEqual({ mfaVerified: true });
    expect(statusReads).toEqual(['alice']);
    expect(second).toBe(first);
    expect(() => Object.assign(second, { mfaVerified: false })).toThrow(TypeError);
  });

  it("drops a user's answer on each MFA event for them: the next answer is the backend's, pending then cleared", async () => {
    const server = await backend();
    const { meta, statusReads } = await cachingClient(server);
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    await meta.ueba.checkUserStatus({ originalIdentity: 'bob' });

    const { published } = await stepUpElsewhere(server, 'alice');
    await waitFor(() => meta.statusCache!.size === 1);
    const pending = await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    expect(pending).toEqual({ mfaVerified: false, pending: published[0]!.trigger });
    // Bob had no event: still answered from memory.
    await meta.ueba.checkUserStatus({ originalIdentity: 'bob' });
    expect(statusReads).toEqual(['alice', 'bob', 'alice']);

    const cleared = await server.post('/v1/mfa/status/clear', { originalIdentity: 'alice' }, { authorization: server.basicAuth() });
    expect(cleared.status).toBe(200);
    await waitFor(() => meta.statusCache!.size === 1);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: true });
    expect(statusReads).toEqual(['alice', 'bob', 'alice', 'alice']);
  });

  it('sees its own changes at once, without waiting for their events', async () => {
    const server = await backend();
    const { meta, statusReads, events } = await cachingClient(server);
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    events.close();
    const { published } = await meta.ueba.capture({ originalIdentity: 'alice', ip: PLACES.newYork.ip, ua: CHROME_UA, behaviorType: 'login' });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: false, pending: published[0]!.trigger });
    await meta.ueba.clearUserStatus({ originalIdentity: 'alice' });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: true });
    expect(statusReads).toEqual(['alice', 'alice', 'alice']);
  });

  it('answers nothing from memory once the stream dropped: a stopped backend gives the fail-mode decision, not the kept "verified"', async () => {
    const server = await backend();
    const { meta } = await cachingClient(server, { failMode: 'closed' });
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: true });
    await server.close();
    backends.splice(backends.indexOf(server), 1);
    await waitFor(() => !meta.statusCache!.isLive);
    expect(meta.statusCache!.size).toBe(0);
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: false, degraded: true });
  });

  it('close() ends the stream: every answer comes from the backend again', async () => {
    const { meta, statusReads } = await cachingClient(await backend());
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    meta.close();
    expect(meta.statusCache!.isLive).toBe(false);
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    expect(statusReads).toEqual(['alice', 'alice']);
  });

  it('does not keep an answer whose read was in flight when an event for its user arrived', async () => {
    const server = await backend();
    const { meta, statusReads, statusAnswers } = await cachingClient(server);
    await meta.ueba.checkUserStatus({ originalIdentity: 'bob' });
    statusAnswers.close();
    const inFlight = meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    await waitFor(() => statusReads.length === 2);
    const { published } = await stepUpElsewhere(server, 'alice');
    // Events arrive in order: once bob's is in, alice's was handled before it.
    await stepUpElsewhere(server, 'bob');
    await waitFor(() => meta.statusCache!.size === 0);
    statusAnswers.open();
    // Its callers get what the backend said when they asked...
    expect(await inFlight).toEqual({ mfaVerified: true });
    // ...but it is not what later callers get.
    expect(await meta.ueba.checkUserStatus({ originalIdentity: 'alice' })).toEqual({ mfaVerified: false, pending: published[0]!.trigger });
    expect(statusReads).toEqual(['bob', 'alice', 'alice']);
  });

  it('makes one backend request for concurrent misses of one user', async () => {
    const { meta, statusReads } = await cachingClient(await backend());
    const users = [...Array.from({ length: 20 }, () => 'alice'), 'bob'];
    const answers = await Promise.all(users.map((originalIdentity) => meta.ueba.checkUserStatus({ originalIdentity })));
    expect(answers.every((answer) => answer.mfaVerified && !answer.degraded)).toBe(true);
    expect(statusReads.sort()).toEqual(['alice', 'bob']);
  });

  it('keeps at most maxUsers answers, dropping the least recently used', async () => {
    const { meta, statusReads } = await cachingClient(await backend(), { statusCache: { maxUsers: 2 } });
    for (const originalIdentity of ['a', 'b', 'a', 'c', 'a', 'b']) await meta.ueba.checkUserStatus({ originalIdentity });
    expect(statusReads).toEqual(['a', 'b', 'c', 'b']);
    expect(meta.statusCache!.size).toBe(2);
  });

  it('asks again once an answer is ttlMs old, on the injected clock', async () => {
    const clock = manualClock();
    const { meta, statusReads } = await cachingClient(await backend(), { clock, statusCache: { ttlMs: 1000 } });
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    clock.advance(999);
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    expect(statusReads).toEqual(['alice']);
    clock.advance(1);
    await meta.ueba.checkUserStatus({ originalIdentity: 'alice' });
    expect(statusReads).toEqual(['alice', 'alice']);
  });

  it('refuses unusable tuning', () => {
    const base = { host: 'http://127.0.0.1:1', appId: APP.id, appSecret: APP.secret };
    for (const statusCache of [{ ttlMs: 0 }, { ttlMs: Number.NaN }, { maxUsers: 0 }, { maxUsers: 1.5 }]) {
      expect(() => new MetadataManagementClient({ ...base, statusCache }), JSON.stringify(statusCache)).toThrow(TypeError);
    }
  });
});
