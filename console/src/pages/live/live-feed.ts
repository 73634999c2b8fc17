/**
 * What the Live page keeps of the stream, without the DOM: the newest rows (bounded, so a busy backend cannot
 * grow the page without end), what arrived while paused, and decisions and step-ups counted per minute for the
 * charts. Buckets go by arrival time: the page shows what it has seen since it opened.
 */
import type { DecisionRecord } from '../../api.js';
import type { UebaEvent } from '../../../../server-mock/src/protocol/index.js';

export type LiveItem = { kind: 'ueba'; key: string; event: UebaEvent } | { kind: 'decision'; key: string; decision: DecisionRecord };

export const MAX_ROWS = 200;
export const BUCKET_MS = 60_000;
export const BUCKETS = 30;

export interface LiveSeries {
  /** Each bucket's start, in seconds (uPlot's x unit). */
  starts: number[];
  decisions: number[];
  stepUps: number[];
}

export class LiveFeed {
  /** Newest first. */
  rows: LiveItem[] = [];
  /** Arrived while paused, newest first; shown on resume. */
  held: LiveItem[] = [];
  paused = false;
  private readonly buckets = new Map<number, { decisions: number; stepUps: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  add(item: LiveItem): void {
    if (item.kind === 'decision') this.count(item.decision);
    if (this.paused) this.held = [item, ...this.held].slice(0, MAX_ROWS);
    else this.rows = [item, ...this.rows].slice(0, MAX_ROWS);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.rows = [...this.held, ...this.rows].slice(0, MAX_ROWS);
    this.held = [];
  }

  /** A new filter starts a new picture. */
  clear(): void {
    this.rows = [];
    this.held = [];
    this.buckets.clear();
  }

  /** The last {@link BUCKETS} minutes, oldest first, empty minutes included. */
  series(): LiveSeries {
    const last = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const series: LiveSeries = { starts: [], decisions: [], stepUps: [] };
    for (let index = BUCKETS - 1; index >= 0; index -= 1) {
      const start = last - index * BUCKET_MS;
      const bucket = this.buckets.get(start);
      series.starts.push(start / 1000);
      series.decisions.push(bucket?.decisions ?? 0);
      series.stepUps.push(bucket?.stepUps ?? 0);
    }
    for (const start of this.buckets.keys()) if (start < last - BUCKETS * BUCKET_MS) this.buckets.delete(start);
    return series;
  }

  private count(decision: DecisionRecord): void {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const bucket = this.buckets.get(start) ?? { decisions: 0, stepUps: 0 };
    bucket.decisions += 1;
    if (decision.hit) bucket.stepUps += 1;
    this.buckets.set(start, bucket);
  }
}
