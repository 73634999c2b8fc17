import { EVENT_STREAM_PATH, type MfaEvent, type UserMfaStatus } from '../protocol/index.js';
import type { Clock } from '../types.js';
import type { StatusCacheOptions, Transport } from './http.js';
import { openEventStream, type EventStreamMessage } from './sse.js';

interface Entry {
  status: UserMfaStatus;
  expiresAt: number;
}

/** One backend read that every concurrent miss for its user awaits; kept only while it is the user's current read. */
interface Flight {
  answer: Promise<UserMfaStatus>;
}

/**
 * `checkUserStatus` answers kept in memory while the backend's app-wide MFA event stream is live: every
 * event names its user, whose entry is dropped, so a kept answer is the backend's until an event says
 * otherwise. Built by {@link MetadataManagementClient} with its `statusCache` option.
 *
 * - Nothing is answered from memory while the stream is not live, and everything is forgotten when it opens
 *   or drops: events of those moments may be lost, so only the backend knows.
 * - A read overlapped by an event for its user, or by the stream opening or dropping, is returned to its
 *   callers but not kept: it may have read the status before the change.
 * - Only answers of the backend are kept; a degraded decision never reaches the cache (it is made by the
 *   caller when the read throws), so a cache cannot turn "backend down" into "verified".
 * - Concurrent misses for one user share one backend request: a cold cache under load must not storm the
 *   backend into timeouts and an open circuit.
 * - Entries expire after `ttlMs` (and a pending step-up when its `expiresAt` passes, since the backend then
 *   re-arms it); beyond `maxUsers` the least recently used goes first.
 */
export class StatusCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  private readonly ttlMs: number;
  private readonly maxUsers: number;
  private live = false;
  private readonly closeStream: () => void;

  /** @internal Use the `statusCache` option of {@link MetadataManagementClient}. */
  constructor(
    transport: Transport,
    options: StatusCacheOptions,
    private readonly clock: Clock,
  ) {
    const { ttlMs = 30_000, maxUsers = 10_000 } = options;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError('statusCache.ttlMs must be a positive number');
    if (!Number.isInteger(maxUsers) || maxUsers <= 0) throw new TypeError('statusCache.maxUsers must be a positive integer');
    this.ttlMs = ttlMs;
    this.maxUsers = maxUsers;
    const { logger, appId } = transport;
    this.closeStream = openEventStream({
      url: transport.url(EVENT_STREAM_PATH, { topic: 'security.mfa' }),
      headers: transport.headers(),
      fetch: transport.fetch,
      onMessage: (message) => this.onMessage(message),
      onLive: (live) => this.setLive(live),
      onError: (error, willRetry) =>
        logger.warn(
          { appId, reason: error.reason, code: error.code, detail: error.detail },
          `camfa-guard status cache: event stream ${willRetry ? 'failed to connect, will retry' : 'refused, every status is asked of the backend'}`,
        ),
    });
  }

  /** Whether answers may come from memory: the event stream is open and the backend is sending on it. */
  get isLive(): boolean {
    return this.live;
  }

  /** How many users' answers are held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The user's status: the kept answer while live and fresh, otherwise `read()`'s (shared with every
   * concurrent miss for the user). `read` throws when the backend cannot answer; that is never kept.
   * @internal Called by `meta.ueba.checkUserStatus`.
   */
  get(originalIdentity: string, read: () => Promise<UserMfaStatus>): Promise<UserMfaStatus> {
    if (!this.live) return read();
    const entry = this.entries.get(originalIdentity);
    if (entry) {
      // Re-inserted on every hit so the Map's first key is the least recently used.
      this.entries.delete(originalIdentity);
      if (entry.expiresAt > this.clock()) {
        this.entries.set(originalIdentity, entry);
        return Promise.resolve(entry.status);
      }
    }
    return (this.flights.get(originalIdentity) ?? this.fly(originalIdentity, read)).answer;
  }

  /**
   * Drops the user's answer and any read in flight for them: their status changed (or may have).
   * @internal Called for every event on the stream, and by this client's own calls that change a status,
   * so the process that caused a change sees it without waiting for the event to come back.
   */
  invalidate(originalIdentity: string): void {
    this.entries.delete(originalIdentity);
    this.flights.delete(originalIdentity);
  }

  /** Closes the event stream; from then on every status is asked of the backend. */
  close(): void {
    this.closeStream();
    this.setLive(false);
  }

  private fly(originalIdentity: string, read: () => Promise<UserMfaStatus>): Flight {
    const flight = {} as Flight;
    flight.answer = this.settle(originalIdentity, read, flight);
    this.flights.set(originalIdentity, flight);
    return flight;
  }

  private async settle(originalIdentity: string, read: () => Promise<UserMfaStatus>, flight: Flight): Promise<UserMfaStatus> {
    const readAt = this.clock();
    try {
      // Frozen: one object is handed to every caller that shares it, so none may change it for the others.
      const status = deepFreeze(await read());
      // An event for the user, or the stream opening or dropping, removed this flight: the answer may predate it.
      if (this.flights.get(originalIdentity) === flight) this.keep(originalIdentity, status, readAt);
      return status;
    } finally {
      if (this.flights.get(originalIdentity) === flight) this.flights.delete(originalIdentity);
    }
  }

  private keep(originalIdentity: string, status: UserMfaStatus, readAt: number): void {
    const pendingUntil = status.pending ? Date.parse(status.pending.expiresAt) : Infinity;
    this.entries.set(originalIdentity, { status, expiresAt: Math.min(readAt + this.ttlMs, pendingUntil) });
    if (this.entries.size > this.maxUsers) this.entries.delete(this.entries.keys().next().value!);
  }

  private onMessage(message: EventStreamMessage): void {
    const originalIdentity = userOf(message);
    if (originalIdentity === undefined) this.forgetAll();
    else this.invalidate(originalIdentity);
  }

  private setLive(live: boolean): void {
    this.live = live;
    this.forgetAll();
  }

  private forgetAll(): void {
    this.entries.clear();
    this.flights.clear();
  }
}

/** The user an event is about; undefined when the event cannot be read, so it may concern anyone. */
function userOf(message: EventStreamMessage): string | undefined {
  try {
    const { originalIdentity } = JSON.parse(message.data) as Partial<MfaEvent>;
    return typeof originalIdentity === 'string' ? originalIdentity : undefined;
  } catch {
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
