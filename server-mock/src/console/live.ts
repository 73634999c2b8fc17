import type { SSEStreamingApi } from 'hono/streaming';
import type { UebaEvent } from '../protocol/index.js';
import type { DecisionRecord, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';

/** What the console's Live page is sent: a stored UEBA event, or a decision record with its explanation. */
export type LiveItem = { kind: 'ueba'; event: UebaEvent } | { kind: 'decision'; decision: DecisionRecord };
/** An item with where the stream stands once it is sent. */
type Sent = LiveItem & { cursor: LiveCursor };

/** How far a stream has read each table: every `seq` up to these was sent or given up. */
export interface LiveCursor {
  events: number;
  decisions: number;
}

export interface LiveFilter {
  appId?: string;
  originalIdentity?: string;
  /**
   * Decisions of this outcome only (`hit`: a step-up was asked for). An event has no outcome of its own: with an
   * outcome it is sent only just before a decision of that outcome about it.
   */
  outcome?: 'hit' | 'pass';
  /** Apps never shown (the console's own sign-ins). */
  hiddenAppIds: ReadonlySet<string>;
}

export type TailStorage = Pick<Storage, 'tailEvents' | 'tailDecisions' | 'tailHeads'>;

export interface LiveTailOptions {
  storage: TailStorage;
  clock: Clock;
  filter: LiveFilter;
  /** From `Last-Event-ID`; absent: only what is stored from now on. */
  resumeFrom?: LiveCursor;
  /**
   * How long a missing `seq` is waited for before it is given up. On PostgreSQL a sequence number is taken at
   * insert and becomes visible at commit, so two instances' transactions can show 12 before 11; a number whose
   * insert rolled back never shows at all. Default 2 s: far above a commit, and a rollback is rare.
   */
  gapWaitMs?: number;
  /** Rows read per table and poll. */
  pageSize?: number;
}

/** The SSE id: both cursors, so `Last-Event-ID` resumes both tails. */
export const formatCursor = (cursor: LiveCursor) => `${cursor.events}-${cursor.decisions}`;

/** The cursor in a `Last-Event-ID`, or null when it is not one `formatCursor` wrote. */
export function parseCursor(id: string): LiveCursor | null {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(id);
  return match ? { events: Number(match[1]), decisions: Number(match[2]) } : null;
}

const DEFAULT_GAP_WAIT_MS = 2000;
const DEFAULT_PAGE_SIZE = 200;
/** Events remembered for an outcome filter, waiting for their decision. */
const AWAITING_DECISION_MAX = 1000;

/**
 * One table read in `seq` order, strictly: rows after a missing number are held back until it shows up or
 * `gapWaitMs` has passed, so the cursor always means "everything up to here" and a resume loses nothing.
 */
class SeqTail<T> {
  private gapSince: number | null = null;
  /** The last page was full: more is waiting. */
  behind = false;

  constructor(
    private readonly read: (afterSeq: number, limit: number) => Promise<{ seq: number; item: T }[]>,
    public cursor: number,
    private readonly clock: Clock,
    private readonly gapWaitMs: number,
    private readonly pageSize: number,
  ) {}

  async next(): Promise<{ seq: number; item: T }[]> {
    const page = await this.read(this.cursor, this.pageSize);
    this.behind = page.length === this.pageSize;
    const items: { seq: number; item: T }[] = [];
    for (const entry of page) {
      const { seq } = entry;
      if (seq !== this.cursor + 1) {
        this.gapSince ??= this.clock();
        if (this.clock() - this.gapSince < this.gapWaitMs) break;
      }
      this.gapSince = null;
      this.cursor = seq;
      items.push(entry);
    }
    return items;
  }
}

/**
 * The Live stream's reader: tails stored events and decisions of every app (the capture path does nothing for
 * it, and every instance sees what any instance stored), filtered for one console viewer.
 */
export class LiveTail {
  private readonly events: SeqTail<UebaEvent>;
  private readonly decisions: SeqTail<DecisionRecord>;
  private readonly awaitingDecision = new Map<string, UebaEvent>();

  private constructor(
    private readonly options: LiveTailOptions,
    start: LiveCursor,
  ) {
    const { storage, clock } = options;
    const gapWaitMs = options.gapWaitMs ?? DEFAULT_GAP_WAIT_MS;
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.events = new SeqTail(
      async (afterSeq, limit) => (await storage.tailEvents({ afterSeq, limit })).map(({ seq, event }) => ({ seq, item: event })),
      start.events,
      clock,
      gapWaitMs,
      pageSize,
    );
    this.decisions = new SeqTail(
      async (afterSeq, limit) => (await storage.tailDecisions({ afterSeq, limit })).map(({ seq, decision }) => ({ seq, item: decision })),
      start.decisions,
      clock,
      gapWaitMs,
      pageSize,
    );
  }

  static async open(options: LiveTailOptions): Promise<LiveTail> {
    return new LiveTail(options, options.resumeFrom ?? (await options.storage.tailHeads()));
  }

  get cursor(): LiveCursor {
    return { events: this.events.cursor, decisions: this.decisions.cursor };
  }

  /** A page of either table was full: poll again at once rather than after the interval. */
  get behind(): boolean {
    return this.events.behind || this.decisions.behind;
  }

  /**
   * What was stored since the last poll and passes the filter, each with the cursor just after it (its SSE id);
   * events first, as each is stored before its decision.
   */
  async poll(): Promise<Sent[]> {
    const sent: Sent[] = [];
    const decisionsBefore = this.decisions.cursor;
    for (const { seq, item: event } of await this.events.next()) {
      if (!this.shows(event)) continue;
      if (this.options.filter.outcome === undefined) sent.push({ kind: 'ueba', event, cursor: { events: seq, decisions: decisionsBefore } });
      else this.awaitDecision(event);
    }
    let cursor = { events: this.events.cursor, decisions: decisionsBefore };
    for (const { seq, item: decision } of await this.decisions.next()) {
      if (!this.shows(decision) || !this.hasOutcome(decision)) continue;
      const event = decision.eventId === null ? undefined : this.awaitingDecision.get(decision.eventId);
      if (event) {
        this.awaitingDecision.delete(event.id);
        // The cursor before the decision: a client that drops here is sent the decision again.
        sent.push({ kind: 'ueba', event, cursor });
      }
      cursor = { events: this.events.cursor, decisions: seq };
      sent.push({ kind: 'decision', decision, cursor });
    }
    return sent;
  }

  private shows(record: { appId: string; originalIdentity: string }): boolean {
    const { appId, originalIdentity, hiddenAppIds } = this.options.filter;
    if (hiddenAppIds.has(record.appId)) return false;
    return (appId === undefined || record.appId === appId) && (originalIdentity === undefined || record.originalIdentity === originalIdentity);
  }

  private hasOutcome(decision: DecisionRecord): boolean {
    const { outcome } = this.options.filter;
    return outcome === undefined || decision.hit === (outcome === 'hit');
  }

  private awaitDecision(event: UebaEvent): void {
    this.awaitingDecision.set(event.id, event);
    // Most events never get a decision of the wanted outcome: forget the oldest first.
    if (this.awaitingDecision.size > AWAITING_DECISION_MAX) this.awaitingDecision.delete(this.awaitingDecision.keys().next().value!);
  }
}

export interface ServeLiveOptions {
  tail: LiveTail;
  /** Between polls of storage while nothing is waiting. */
  pollMs: number;
  heartbeatMs: number;
}

/**
 * Serves one SSE connection of the Live page: `ueba` and `decision` events, each with the cursor after it as
 * its id, a keep-alive comment every `heartbeatMs`, until the client goes away.
 */
export async function serveLive(stream: SSEStreamingApi, { tail, pollMs, heartbeatMs }: ServeLiveOptions): Promise<void> {
  let open = true;
  let wake: (() => void) | undefined;
  stream.onAbort(() => {
    open = false;
    wake?.();
  });
  const heartbeat = setInterval(() => void stream.write(': ping\n\n').catch(() => stream.abort()), heartbeatMs);
  try {
    // Tell EventSource how soon to come back after a drop.
    await stream.write('retry: 2000\n\n');
    while (open) {
      for (const item of await tail.poll()) {
        const data = JSON.stringify(item.kind === 'ueba' ? item.event : item.decision);
        await stream.writeSSE({ event: item.kind, data, id: formatCursor(item.cursor) });
      }
      if (!tail.behind && open) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  } finally {
    clearInterval(heartbeat);
  }
}
