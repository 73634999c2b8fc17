import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { MfaEvent } from '../protocol/index.js';

/** What instances tell each other: a published MFA event, or that workflow documents or stored apps changed. */
export type BusMessage =
  | { kind: 'mfa'; event: MfaEvent }
  | { kind: 'workflows-changed' }
  | { kind: 'apps-changed' }
  /** Local only: the Redis subscription came back after a break, so messages may have been missed meanwhile. */
  | { kind: 'reconnected' };

/**
 * Fan-out of published events to every SSE connection and instance. The event log in storage is the
 * source of truth (replay reads it); the bus only carries live notifications, so a lost message costs
 * latency until the next reconnect, never data.
 */
export interface EventBus {
  /** Whether a message reaches every instance (Redis), or only this process: what per-process caches may rely on. */
  readonly reachesEveryInstance: boolean;
  publish(message: BusMessage): Promise<void>;
  subscribe(listener: (message: BusMessage) => void): () => void;
  close(): Promise<void>;
}

function localEmitter() {
  const emitter = new EventEmitter();
  // One listener per open SSE connection: thousands are normal, not a leak.
  emitter.setMaxListeners(0);
  return {
    emit: (message: BusMessage) => emitter.emit('message', message),
    subscribe(listener: (message: BusMessage) => void) {
      emitter.on('message', listener);
      return () => void emitter.off('message', listener);
    },
  };
}

/** Single instance: delivery stays in the process. */
export function memoryBus(): EventBus {
  const local = localEmitter();
  return {
    reachesEveryInstance: false,
    async publish(message) {
      local.emit(message);
    },
    subscribe: local.subscribe,
    async close() {},
  };
}

export interface RedisBusOptions {
  url: string;
  /**
   * Namespace of the channel (`<prefix>:events`). Pub/sub channels are global to a Redis server (database
   * numbers do not separate them), so deployments sharing one must use different prefixes.
   */
  prefix: string;
  /** Reports connection and message errors once connected; ioredis reconnects by itself. */
  onError: (error: Error) => void;
}

/** ioredis bounds only the TCP handshake; a server that accepts and never answers would hang the start. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Several instances: every message goes through Redis pub/sub, including back to its own publisher,
 * so all instances deliver in the same way.
 */
export async function redisBus({ url, prefix, onError }: RedisBusOptions): Promise<EventBus> {
  const channel = `${prefix}:events`;
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true });
  try {
    await Promise.all([connectWithin(publisher, CONNECT_TIMEOUT_MS), connectWithin(subscriber, CONNECT_TIMEOUT_MS)]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }
  publisher.on('error', onError);
  subscriber.on('error', onError);
  const local = localEmitter();
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      local.emit(JSON.parse(text) as BusMessage);
    } catch (error) {
      onError(error as Error);
    }
  });
  await subscriber.subscribe(channel);
  // ioredis re-subscribes by itself after a break; what was published meanwhile is gone.
  subscriber.on('ready', () => local.emit({ kind: 'reconnected' }));
  return {
    reachesEveryInstance: true,
    async publish(message) {
      await publisher.publish(channel, JSON.stringify(message));
    },
    subscribe: local.subscribe,
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

/** Connects or fails within `ms`, with the reason ioredis reports as an error event (its rejection only says "Connection is closed"). */
async function connectWithin(client: Redis, ms: number): Promise<void> {
  let reason: Error | undefined;
  const remember = (error: Error) => void (reason ??= error);
  client.on('error', remember);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (error) {
    throw new Error(`cannot connect: ${(reason ?? (error as Error)).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}
