import type { CustomValue, UebaEvent } from '../protocol/index.js';
import type { AGGREGATE_OPS, FILTER_OPS } from './schema.js';

/**
 * The statistics a workflow asks for and what it gets back, in the policy's own terms: `planStatistics`
 * emits a `StatisticQuery` per statistic, whoever holds the events (storage, through
 * `workflows/evaluate.ts`) answers each with an `AggregateResult`, and `judge` reads those. The policy
 * owns these shapes so it needs no storage to be described; storage builds its queries from them.
 */

export type FilterOp = (typeof FILTER_OPS)[number];

/** `field` is an `EventField` or `custom.<key>`. Values are already resolved (no references left). */
export interface FieldFilter {
  field: string;
  op: FilterOp;
  value?: CustomValue | CustomValue[];
}

/** Either a time window ending at `now`, or the last N matching events. */
export type StatWindow = { durationMs: number } | { last: number };

/**
 * - `count`: number of matching events
 * - `distinct`: number of distinct non-null values of `field`
 * - `sum`: sum of numeric `field`
 * - `values`: distinct non-null values of `field` (at most 1,000)
 * - `latest`: the newest matching event, or null
 */
export type AggregateOp = (typeof AGGREGATE_OPS)[number];

/** One statistic with every reference resolved; the runner adds the app, the window's end and the judged event. */
export interface StatisticQuery {
  filters: FieldFilter[];
  window: StatWindow;
  op: AggregateOp;
  field?: string;
  /** Group results by this field (an `EventField` or `custom.<key>`); the result is then a map. */
  groupBy?: string;
  /** `app`: the judged event's app only; `all-apps`: every app's events (global workflows only). */
  scope: 'app' | 'all-apps';
}

export type AggregateValue = number | CustomValue[] | UebaEvent | null;
export type AggregateResult = AggregateValue | Record<string, AggregateValue>;
