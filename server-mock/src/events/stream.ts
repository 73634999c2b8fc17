import type { SSEStreamingApi } from 'hono/streaming';
import type { KeyStore } from '../tokens/keys.js';
import type { Clock } from '../types.js';
import type { MfaEvent } from '../protocol/index.js';
import type { EventBus } from './bus.js';
import type { MfaService } from './mfa.js';
import { toSecurityEventToken } from './set.js';

export interface StreamOptions {
  appId: string;
  /** One user's events, or (server SDK) the whole app's. */
  originalIdentity?: string;
  /** From `Last-Event-ID`: replay every event after it before going live. */
  afterSeq?: number;
  format: 'json' | 'set';
  mfa: MfaService;
  bus: EventBus;
  keys: KeyStore;
  issuer: string;
  heartbeatMs: number;
  clock: Clock;
}

/**
 * Serves one SSE connection. It listens to the bus before it reads storage, and drops what it already
 * sent, so an event published during the replay is delivered exactly once. A browser that (re)connects
 * without `Last-Event-ID` is sent the user's pending step-up first (seed step 7.1: a refreshed page
 * must lock again).
 */
export async function openStream(stream: SSEStreamingApi, options: StreamOptions): Promise<void> {
  const { appId, originalIdentity } = options;
  const matches = (event: MfaEvent) => event.appId === appId && (originalIdentity === undefined || event.originalIdentity === originalIdentity);

  let lastSent = options.afterSeq ?? 0;
  let sentPendingToken: string | undefined;
  const send = async (event: MfaEvent, withId = true) => {
    const data = options.format === 'set' ? await toSecurityEventToken(event, options.keys, options.issuer) : JSON.stringify(event);
    await stream.writeSSE({ event: event.type, data, ...(withId ? { id: event.id } : {}) });
  };

  const buffered: MfaEvent[] = [];
  let live = false;
  let chain = Promise.resolve();
  const deliver = (event: MfaEvent) => {
    // Serialised so events leave in log order even when signing a SET takes a moment.
    chain = chain.then(async () => {
      const seq = Number(event.id);
      if (seq <= lastSent || (event.trigger && event.trigger.stateToken === sentPendingToken)) return;
      lastSent = seq;
      await send(event);
    });
    return chain;
  };
  const unsubscribe = options.bus.subscribe((message) => {
    if (message.kind !== 'mfa' || !matches(message.event)) return;
    if (live) void deliver(message.event).catch(() => stream.abort());
    else buffered.push(message.event);
  });

  const heartbeat = setInterval(() => void stream.write(': ping\n\n').catch(() => stream.abort()), options.heartbeatMs);
  const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
  try {
    // Tell EventSource how soon to come back after a drop.
    await stream.write('retry: 2000\n\n');
    if (options.afterSeq !== undefined) {
      let page: MfaEvent[];
      do {
        page = await options.mfa.replay({ appId, originalIdentity, afterSeq: lastSent });
        for (const event of page) await deliver(event);
      } while (page.length === 500);
    } else if (originalIdentity !== undefined) {
      const status = await options.mfa.status(appId, originalIdentity);
      if (status.pending) {
        // No id: the client's Last-Event-ID stays where it was, so a reconnect replays from the log.
        sentPendingToken = status.pending.stateToken;
        await send(
          { id: '0', type: 'security.mfa', appId, originalIdentity, publishedAt: new Date(options.clock()).toISOString(), trigger: status.pending },
          false,
        );
      }
    }
    live = true;
    for (const event of buffered.splice(0)) await deliver(event);
    await closed;
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
  }
}
