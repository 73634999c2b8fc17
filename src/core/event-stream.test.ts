import { expect } from 'chai';
import type { GuardError } from './errors.js';
import { subscribeEventStream, type StreamEvent } from './event-stream.js';

/** Resolves once `condition` holds, polling; fails the test after `ms`. */
async function until(condition: () => boolean, ms = 4000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('subscribeEventStream (real EventSource against src/test-support/sse-server.mjs)', () => {
  it('resumes after drops: the browser sends Last-Event-ID, and after it gives up the helper reconnects with the id in the URL', async () => {
    const key = crypto.randomUUID();
    const events: StreamEvent<{ n: number }>[] = [];
    const errors: GuardError[] = [];
    const urls: string[] = [];
    const stop = subscribeEventStream<{ n: number }>({
      url: (lastEventId) => {
        const url = `/__sse/stream?key=${key}${lastEventId ? `&lastEventId=${lastEventId}` : ''}`;
        urls.push(url);
        return url;
      },
      types: ['security.mfa', 'security.mfa.resolved'],
      onEvent: (event) => events.push(event),
      onError: (error) => errors.push(error),
      retryMs: 20,
    });
    try {
      await until(() => events.length === 2);
    } finally {
      stop();
    }
    expect(events).to.deep.equal([
      { type: 'security.mfa', data: { n: 1 }, id: '1' },
      { type: 'security.mfa.resolved', data: { n: 2 }, id: '2' },
    ]);
    const log = await (await fetch(`/__sse/log?key=${key}`)).json();
    expect(log.slice(0, 3)).to.deep.equal([
      { lastEventIdHeader: null, lastEventIdQuery: null },
      // The browser's own reconnect after the stream ended.
      { lastEventIdHeader: '1', lastEventIdQuery: null },
      // The 401 closed that EventSource; ours resumes from the query.
      { lastEventIdHeader: null, lastEventIdQuery: '1' },
    ]);
    expect(urls).to.have.length(2);
    expect(errors.every((error) => error.code === 'network')).to.equal(true);
  });

  it('stops reconnecting once stopped', async () => {
    const key = crypto.randomUUID();
    let connections = 0;
    const stop = subscribeEventStream({
      url: () => {
        connections++;
        return `/__sse/stream?key=${key}`;
      },
      types: ['security.mfa'],
      onEvent: () => stop(),
      retryMs: 10,
    });
    await until(() => connections === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = await (await fetch(`/__sse/log?key=${key}`)).json();
    expect(log).to.have.length(1);
    expect(connections).to.equal(1);
  });

  it('asks for the URL again on each new connection, so an expired token can be renewed', async () => {
    const opened: string[] = [];
    class FakeEventSource extends EventTarget {
      static readonly CLOSED = 2;
      readyState = 0;
      onerror: (() => void) | null = null;
      onopen: (() => void) | null = null;
      constructor(url: string) {
        super();
        opened.push(url);
        // The server refuses every connection: the browser would close the source.
        setTimeout(() => {
          this.readyState = FakeEventSource.CLOSED;
          this.onerror?.();
        });
      }
      close() {
        this.readyState = FakeEventSource.CLOSED;
      }
    }
    let token = 0;
    const stop = subscribeEventStream({
      url: async () => `https://mfa.example.com/stream?access_token=t${++token}`,
      types: ['security.mfa'],
      onEvent: () => {},
      retryMs: 5,
      maxRetryMs: 10,
      EventSource: FakeEventSource as unknown as typeof EventSource,
    });
    await until(() => opened.length >= 3);
    stop();
    expect(opened.slice(0, 3)).to.deep.equal([1, 2, 3].map((n) => `https://mfa.example.com/stream?access_token=t${n}`));
  });
});
