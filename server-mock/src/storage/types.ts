import type { CustomValue, FactorType, UebaEvent } from '../types.js';

/**
 * The one storage interface of the backend. Adapters: SQLite (default, embedded file, WAL) and
 * PostgreSQL, both through Kysely; `storage.contract.ts` is the shared suite every adapter passes.
 * Every write resolves only once it is durable, so an acknowledged request survives a crash.
 */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; idempotent and safe to run from several instances. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  insertEvent(event: UebaEvent): Promise<void>;
  /** Newest first. */
  listEvents(query: { appId: string; originalIdentity?: string; limit: number }): Promise<UebaEvent[]>;
  /** Window statistics for the policy engine; see `AggregateQuery`. */
  aggregate(query: AggregateQuery): Promise<AggregateResult>;

  insertTrigger(trigger: TriggerRecord): Promise<void>;
  getTrigger(id: string): Promise<TriggerRecord | null>;

  /**
   * Appends to the MFA event log and updates the user's status in one transaction:
   * a `security.mfa` event makes `triggerId` the user's pending trigger; a `security.mfa.resolved`
   * event clears the pending trigger and marks that trigger resolved.
   */
  publishMfaEvent(input: PublishMfaEventInput): Promise<MfaEventRecord>;
  getUserStatus(appId: string, originalIdentity: string): Promise<UserStatusRecord | null>;
  /** Events with `seq > afterSeq`, oldest first (SSE replay after `Last-Event-ID`). */
  listMfaEvents(query: { appId: string; originalIdentity?: string; afterSeq: number; limit: number }): Promise<MfaEventRecord[]>;

  insertDecision(decision: DecisionRecord): Promise<void>;
  /** Newest first. */
  listDecisions(query: { appId: string; originalIdentity?: string; limit: number }): Promise<DecisionRecord[]>;

  /** Stores a new version of a workflow document and makes it the active one; returns the version number (1, 2, …). */
  saveWorkflowVersion(input: { workflowId: string; appId: string | null; source: string; createdAt: number }): Promise<number>;
  /** Marks the workflow inactive (a later save re-activates it with a new version). */
  deactivateWorkflow(workflowId: string, appId: string | null): Promise<boolean>;
  /** The active version of every workflow, global (`appId: null`) and per app. */
  listActiveWorkflows(): Promise<WorkflowVersionRecord[]>;

  listKeys(): Promise<KeyRecord[]>;
  insertKey(key: KeyRecord): Promise<void>;
  retireKey(kid: string, retiredAt: number): Promise<void>;

  /** Returns the stored value, or stores `value` and returns it when none exists (first writer wins across instances). */
  getOrCreateSetting(name: string, value: string): Promise<string>;
}

export type FilterOp = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists' | 'missing';

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
export type AggregateOp = 'count' | 'distinct' | 'sum' | 'values' | 'latest';

export interface AggregateQuery {
  /** null: across every app (e.g. one IP logging in to many apps). */
  appId: string | null;
  filters: FieldFilter[];
  window: StatWindow;
  /** End of the window; events after it are ignored. */
  now: number;
  /** The event being judged, which must not count towards its own statistics. */
  excludeEventId?: string;
  op: AggregateOp;
  field?: string;
  /** Group results by this field (an `EventField` or `custom.<key>`); the result is then a map. */
  groupBy?: string;
}

export type AggregateValue = number | CustomValue[] | UebaEvent | null;
export type AggregateResult = AggregateValue | Record<string, AggregateValue>;

export interface TriggerRecord {
  id: string;
  appId: string;
  originalIdentity: string;
  workflowId: string;
  workflowVersion: number;
  ruleId: string;
  message: string;
  factors: FactorType[];
  acr: string;
  custom: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  resolvedAt: number | null;
}

export interface PublishMfaEventInput {
  type: 'security.mfa' | 'security.mfa.resolved';
  appId: string;
  originalIdentity: string;
  triggerId: string;
  publishedAt: number;
}

export interface MfaEventRecord extends PublishMfaEventInput {
  seq: number;
}

export interface UserStatusRecord {
  appId: string;
  originalIdentity: string;
  pendingTriggerId: string | null;
  updatedAt: number;
}

export interface DecisionRecord {
  id: string;
  appId: string;
  originalIdentity: string;
  workflowId: string;
  workflowVersion: number;
  mode: 'api' | 'event';
  eventId: string | null;
  hit: boolean;
  ruleId: string | null;
  /** The engine's explanation: which nodes and rules fired, with the statistic values. */
  explanation: unknown;
  createdAt: number;
}

export interface WorkflowVersionRecord {
  workflowId: string;
  appId: string | null;
  version: number;
  source: string;
  createdAt: number;
}

export interface KeyRecord {
  kid: string;
  alg: string;
  /** JWK JSON of the private key. */
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}
