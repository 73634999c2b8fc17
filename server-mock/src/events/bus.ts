import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { MfaEvent } from '../types.js';

/** What instances tell each other: a published MFA event, or that workflow documents changed. */
export type BusMessage = { kind: 'mfa'; event: MfaEvent } | { kind: 'workflows-changed' };

/**
 * Fan-out of published events to every SSE connection and instance. The event log in storage is the
 * source of truth (replay reads it); the bus only carries live notifications, so a lost message costs
 * latency until the next reconnect, never data.
 */
export interface EventBus {
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
    async publish(message) {
      local.emit(message);
    },
    subscribe: local.subscribe,
    async close() {},
  };
}

const CHANNEL = 'camfa-guard:events';

/**
 * Several instances: every message goes through Redis pub/sub, including back to its own publisher,
 * so all instances deliver in the same way.
 */
export async function redisBus(url: string, onError: (error: Error) => void): Promise<EventBus> {
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const local = localEmitter();
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      local.emit(JSON.parse(text) as BusMessage);
    } catch (error) {
      onError(error as Error);
    }
  });
  await subscriber.subscribe(CHANNEL);
  return {
    async publish(message) {
      await publisher.publish(CHANNEL, JSON.stringify(message));
    },
    subscribe: local.subscribe,
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
