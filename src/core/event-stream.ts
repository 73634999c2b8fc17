import { GuardError } from './errors.js';

/** One event of the stream: its SSE `event:` name, parsed `data:` and `id:`. */
export interface StreamEvent<T = unknown> {
  type: string;
  data: T;
  id: string;
}

export interface EventStreamOptions<T> {
  /** The stream URL for a given resume point (`lastEventId` is '' on the first connection). */
  url(lastEventId: string): string | Promise<string>;
  /** SSE event names to deliver; others are ignored. */
  types: readonly string[];
  onEvent(event: StreamEvent<T>): void;
  /** Called on every failed or dropped connection; the helper keeps reconnecting until stopped. */
  onError?(error: GuardError): void;
  /** First delay after the browser gave up on a connection; doubles up to `maxRetryMs`. Default 1 s. */
  retryMs?: number;
  /** Default 30 s. */
  maxRetryMs?: number;
  /** For tests and non-browser hosts. */
  EventSource?: typeof EventSource;
}

/**
 * A subscription that survives drops. While a connection lives, the browser's own EventSource reconnects
 * and sends `Last-Event-ID` itself. When the browser gives up (an HTTP error such as an expired token
 * answers 401, or a non-event-stream answer), the EventSource is closed for good: this helper then opens a
 * new one after a growing delay, passing the last id it saw in the URL (a new EventSource starts without
 * one) and asking `url()` again so an expired token can be renewed.
 *
 * Returns `stop()`.
 */
export function subscribeEventStream<T>(options: EventStreamOptions<T>): () => void {
  const Source = options.EventSource ?? globalThis.EventSource;
  const initialDelay = options.retryMs ?? 1000;
  const maxDelay = options.maxRetryMs ?? 30_000;
  let lastEventId = '';
  let delay = initialDelay;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const deliver = (message: MessageEvent<string>) => {
    if (message.lastEventId) lastEventId = message.lastEventId;
    // A healthy event resets the backoff: the next drop is a new incident.
    delay = initialDelay;
    let data: T;
    try {
      data = JSON.parse(message.data) as T;
    } catch (error) {
      options.onError?.(new GuardError('invalid_json', 'An event was not JSON', { cause: error }));
      return;
    }
    options.onEvent({ type: message.type, data, id: message.lastEventId });
  };

  const connect = async () => {
    let url: string;
    try {
      url = await options.url(lastEventId);
    } catch (error) {
      options.onError?.(GuardError.from(error));
      return retry();
    }
    if (stopped) return;
    source = new Source(url);
    for (const type of options.types) source.addEventListener(type, deliver as EventListener);
    source.onopen = () => {
      delay = initialDelay;
    };
    source.onerror = () => {
      options.onError?.(new GuardError('network', 'The event stream dropped'));
      // CONNECTING: the browser is already reconnecting with Last-Event-ID. CLOSED: it gave up; take over.
      if (source?.readyState === Source.CLOSED) {
        source = null;
        retry();
      }
    };
  };

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, maxDelay);
  };

  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    source = null;
  };
}
