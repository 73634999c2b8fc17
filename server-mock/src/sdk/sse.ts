import { CamfaError, unavailable } from './errors.js';
import { describeNetworkError, parseProblem } from './http.js';

/** One dispatched Server-Sent Event. */
export interface EventStreamMessage {
  /** The `event:` field, `'message'` when absent. */
  type: string;
  /** Every `data:` line of the event joined by `\n`. */
  data: string;
  /** The id this event acknowledges: its own `id:`, or the last one before it (ids persist, as in EventSource). */
  lastEventId: string;
}

/**
 * Incremental `text/event-stream` parser following the WHATWG HTML "event stream interpretation":
 * CR, LF and CRLF line ends (also split across chunks), `:` comments, `data` over several lines,
 * `id` that persists and ignores values with NUL, numeric `retry`, unknown fields ignored, and an
 * unterminated event at the end of the stream discarded.
 */
export class EventStreamParser {
  /**
   * The id to resume after (the spec's "last event ID string"): committed only when an event is
   * dispatched, so an `id:` line of an event cut off by a drop is not acknowledged.
   */
  lastEventId = '';
  private idBuffer = '';
  private partialLine = '';
  private data = '';
  private eventType = '';
  private skipLeadingLineFeed = false;

  constructor(
    private readonly onMessage: (message: EventStreamMessage) => void,
    private readonly onRetry: (milliseconds: number) => void = () => {},
  ) {}

  /** Feeds decoded text; complete events are dispatched synchronously. */
  push(chunk: string): void {
    let start = 0;
    // A CR ending the previous chunk may be the first half of a CRLF.
    if (this.skipLeadingLineFeed && chunk.startsWith('\n')) start = 1;
    this.skipLeadingLineFeed = false;
    for (let index = start; index < chunk.length; index++) {
      const char = chunk[index];
      if (char !== '\r' && char !== '\n') continue;
      const line = this.partialLine + chunk.slice(start, index);
      this.partialLine = '';
      if (char === '\r') {
        if (index + 1 === chunk.length) this.skipLeadingLineFeed = true;
        else if (chunk[index + 1] === '\n') index++;
      }
      start = index + 1;
      this.processLine(line);
    }
    this.partialLine += chunk.slice(start);
  }

  /** Forgets a half-received event (the connection it came on is gone); keeps `lastEventId`. */
  reset(): void {
    this.idBuffer = this.lastEventId;
    this.partialLine = '';
    this.data = '';
    this.eventType = '';
    this.skipLeadingLineFeed = false;
  }

  private processLine(line: string): void {
    if (line === '') return this.dispatch();
    // A comment (`: ping`) has an empty field name, so it falls through as an unknown field.
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data += `${value}\n`;
        break;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry(Number(value));
        break;
    }
  }

  private dispatch(): void {
    // Even an event without data acknowledges its id (WHATWG dispatch step 1 comes before the data check).
    this.lastEventId = this.idBuffer;
    const { data, eventType } = this;
    this.data = '';
    this.eventType = '';
    if (data === '') return;
    this.onMessage({ type: eventType || 'message', data: data.slice(0, -1), lastEventId: this.lastEventId });
  }
}

/** Options of {@link openEventStream}. */
export interface EventStreamOptions {
  url: URL;
  /** Sent on every (re)connection; `accept` and `last-event-id` are added. */
  headers: Record<string, string>;
  fetch: typeof fetch;
  onMessage(message: EventStreamMessage): void;
  /** A (re)connection failed. `willRetry` is false for answers that will not change (4xx): the stream is over. */
  onError(error: CamfaError, willRetry: boolean): void;
  /**
   * `true` when a connection's first bytes arrive, `false` when that connection ends (a reconnection
   * follows); never called after `close()`. The first bytes rather than the headers: the backend writes
   * them once it listens to its bus, so from then on no published event can miss this connection.
   */
  onLive?(live: boolean): void;
  /** Resume after this id, as if the last connection had seen it. */
  lastEventId?: string;
  /** First reconnection delay until the server sends `retry:`. Default 1000 ms. */
  retryMs?: number;
  /** Ceiling of the exponential back-off after consecutive failures. Default 30 000 ms. */
  maxRetryMs?: number;
  /**
   * Reconnect when nothing (not even a `: ping`) arrived for this long; also bounds connecting.
   * Catches connections that died without a FIN. Default 45 000 ms (three of the backend's heartbeats).
   */
  idleTimeoutMs?: number;
}

/** Marks our own aborts so they are told apart from the network failing. */
const IDLE = Symbol('idle');

/**
 * A fetch-based EventSource for Node: custom headers (Basic auth), `Last-Event-ID` on every
 * reconnection so the backend replays what was missed, exponential back-off with jitter while it keeps
 * failing, and a watchdog for silent connections. Returns `close()`, after which nothing reconnects.
 */
export function openEventStream(options: EventStreamOptions): () => void {
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  let retryMs = options.retryMs ?? 1000;
  const parser = new EventStreamParser(options.onMessage, (milliseconds) => (retryMs = milliseconds));
  parser.lastEventId = options.lastEventId ?? '';

  let closed = false;
  let connection: AbortController | undefined;
  let wakeUp: (() => void) | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  /** Resolves true to go on, false when the stream is over. */
  async function connectOnce(): Promise<boolean> {
    const controller = new AbortController();
    connection = controller;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(IDLE), idleTimeoutMs);
    };
    arm();
    let opened = false;
    let live = false;
    try {
      const headers: Record<string, string> = { ...options.headers, accept: 'text/event-stream', 'cache-control': 'no-store' };
      if (parser.lastEventId !== '') headers['last-event-id'] = parser.lastEventId;
      const response = await options.fetch(options.url, { headers, signal: controller.signal, redirect: 'manual' });
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status !== 200 || !/^text\/event-stream/i.test(contentType) || !response.body) {
        const error = refusal(response.status, contentType, await response.text().catch(() => ''));
        options.onError(error, error.unavailable);
        return error.unavailable;
      }
      opened = true;
      parser.reset();
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        arm();
        // A chunk already read when close() ran must not make a closed stream look live.
        if (!live && !closed) {
          live = true;
          options.onLive?.(true);
        }
        parser.push(decoder.decode(read.value, { stream: true }));
      }
      return true;
    } catch (error) {
      if (closed) return false;
      // A drop after the stream was open is routine (proxies cut long requests): reconnect quietly.
      if (!opened) options.onError(connectionFailure(error, controller.signal, idleTimeoutMs), true);
      return true;
    } finally {
      clearTimeout(watchdog);
      if (live && !closed) options.onLive?.(false);
      if (!opened) failures++;
      else failures = 0;
    }
  }

  async function run(): Promise<void> {
    while (!closed && (await connectOnce())) {
      const backoff = Math.min(maxRetryMs, retryMs * 2 ** Math.max(0, failures - 1));
      // Jitter spreads out many SDK instances reconnecting after the same backend restart.
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        retryTimer = setTimeout(resolve, backoff * (0.8 + Math.random() * 0.4));
      });
    }
  }
  void run();

  return () => {
    closed = true;
    // End the back-off wait now: a stopped stream must not hold a timer that keeps the process alive.
    clearTimeout(retryTimer);
    wakeUp?.();
    connection?.abort();
  };
}

/** A non-stream answer: 4xx are final (wrong secret, bad topic), 5xx and odd answers are retried. */
function refusal(status: number, contentType: string, text: string): CamfaError {
  const problem = parseProblem(contentType, text);
  if (status >= 500) return unavailable('server_error', `stream answered ${status}${problem ? ` ${problem.code}` : ''}`);
  if (status >= 400) return new CamfaError({ status, code: problem?.code ?? 'http_error', detail: problem?.detail ?? `stream answered ${status}` });
  return unavailable('invalid_response', `stream answered ${status} ${contentType || 'without a content type'}`);
}

function connectionFailure(error: unknown, signal: AbortSignal, idleTimeoutMs: number): CamfaError {
  if (signal.reason === IDLE) return unavailable('timeout', `stream did not open within ${idleTimeoutMs} ms`);
  return unavailable('network', `stream connection failed: ${describeNetworkError(error)}`, error);
}
