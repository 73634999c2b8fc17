import type { EventBus } from './bus.js';
import { UserStatusCache } from './status-cache.js';
import type { MfaEventRecord, Storage, TriggerRecord, UserStatusRecord } from '../storage/types.js';
import { StateTokens } from '../tokens/state-token.js';
import type { Clock } from '../types.js';
import type { FactorType, MfaEvent, MfaTriggerData, MfaTriggerReason, UserMfaStatus } from '../protocol/index.js';

/**
 * What a policy hit (or a passwordless start) asks for: a trigger before the backend stamps it, with the
 * message by language when the rule gave one.
 */
export type StepUpRequest = Omit<TriggerRecord, 'id' | 'createdAt' | 'expiresAt' | 'resolvedAt'> & { messages?: Record<string, string> };

/** Where a trigger keeps its message by language: its JSON `custom` map, so no storage column is needed. */
const MESSAGES_KEY = 'reasonMessages';

function isTextMap(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((text) => typeof text === 'string');
}

/** The reason every path shows the browser (trigger data, MFA events, status, the step-up screen). */
export function triggerReason(trigger: TriggerRecord): MfaTriggerReason {
  const messages = trigger.custom[MESSAGES_KEY];
  const reason = { ruleId: trigger.ruleId, message: trigger.message };
  return isTextMap(messages) && Object.keys(messages).length > 0 ? { ...reason, messages } : reason;
}

export interface MfaServiceOptions {
  storage: Storage;
  bus: EventBus;
  clock: Clock;
  stateTokens: StateTokens;
  /** The backend's public URL: the `host` the browser talks to. */
  publicUrl: string;
  triggerTtlMs: number;
  /** Which of the offered factors the user has already enrolled. */
  enrolledFactors: (appId: string, originalIdentity: string) => Promise<ReadonlySet<FactorType>>;
  /** The factors a step-up of the app may offer for those asked (the app's factor switches, `offeredFactors`). */
  offeredFactors: (appId: string, requested: readonly FactorType[]) => FactorType[];
  /**
   * How long a user's status may be answered from memory (`UserStatusCache`); 0 (the default) reads storage every
   * time. Only safe where the bus reaches every instance that shares the storage.
   */
  statusCacheTtlMs?: number;
}

/** Users whose status one process keeps at most (about 100 bytes each). */
const STATUS_CACHE_ENTRIES = 100_000;

/**
 * Per-user MFA state: triggers (one step-up each), the published event log and the pending flag that
 * `checkUserStatus` reads. Every change goes through `storage.publishMfaEvent` so the log and the
 * status never disagree.
 */
export class MfaService {
  private readonly statuses: UserStatusCache;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: MfaServiceOptions) {
    this.statuses = new UserStatusCache((appId, originalIdentity) => options.storage.getUserStatus(appId, originalIdentity), {
      clock: options.clock,
      ttlMs: options.statusCacheTtlMs ?? 0,
      maxEntries: STATUS_CACHE_ENTRIES,
    });
    // Other instances' changes arrive here; this instance's own ones are dropped as they are written (`publish`).
    this.unsubscribe = options.bus.subscribe((message) => {
      if (message.kind === 'mfa') this.statuses.invalidate(message.event.appId, message.event.originalIdentity);
      if (message.kind === 'reconnected') this.statuses.clear();
    });
  }

  /** Stops listening to the bus. */
  close(): void {
    this.unsubscribe();
  }

  /** Stores a trigger for an API-mode hit; nothing is published and the user is not locked. */
  async createTrigger({ messages, ...request }: StepUpRequest): Promise<TriggerRecord> {
    const now = this.options.clock();
    const trigger: TriggerRecord = {
      ...request,
      factors: this.options.offeredFactors(request.appId, request.factors),
      custom: messages && Object.keys(messages).length > 0 ? { ...request.custom, [MESSAGES_KEY]: messages } : request.custom,
      id: StateTokens.newTriggerId(),
      createdAt: now,
      expiresAt: now + this.options.triggerTtlMs,
      resolvedAt: null,
    };
    await this.options.storage.insertTrigger(trigger);
    return trigger;
  }

  /** Event-stream mode: the user becomes pending and subscribers hear about it. */
  async raise(request: StepUpRequest): Promise<MfaEvent> {
    return this.publish('security.mfa', await this.createTrigger(request));
  }

  /**
   * Event-stream mode's hit: `raise`, unless the user already has a pending step-up (null then), so a
   * user is not locked twice and the open step-up keeps its stateToken.
   */
  async raiseUnlessPending(request: StepUpRequest): Promise<MfaEvent | null> {
    if ((await this.statuses.get(request.appId, request.originalIdentity))?.pendingTriggerId) return null;
    return this.raise(request);
  }

  /** Clears the user's pending state (a verified factor, or an admin). Returns null when nothing was pending. */
  async resolve(appId: string, originalIdentity: string): Promise<MfaEvent | null> {
    // From storage, not the cache: clearing must see a step-up another instance raised a moment ago.
    const trigger = await this.triggerOf(await this.options.storage.getUserStatus(appId, originalIdentity));
    return trigger ? this.publish('security.mfa.resolved', trigger) : null;
  }

  /** The step-up the user owes, as stored (past its lifetime too, unlike `status`, which re-arms it); null: none. */
  async pendingTrigger(appId: string, originalIdentity: string): Promise<TriggerRecord | null> {
    return this.triggerOf(await this.statuses.get(appId, originalIdentity));
  }

  private triggerOf(status: UserStatusRecord | null): Promise<TriggerRecord | null> {
    return status?.pendingTriggerId ? this.options.storage.getTrigger(status.pendingTriggerId) : Promise.resolve(null);
  }

  /**
   * `mfaVerified` is false while a step-up is pending. A pending trigger past its lifetime is re-armed
   * with a fresh one (same policy outcome), so the answer always carries a usable stateToken.
   */
  async status(appId: string, originalIdentity: string): Promise<UserMfaStatus> {
    const trigger = await this.pendingTrigger(appId, originalIdentity);
    if (!trigger) return { mfaVerified: true };
    if (trigger.expiresAt > this.options.clock()) return { mfaVerified: false, pending: await this.triggerData(trigger) };
    const { id: _id, createdAt: _c, expiresAt: _e, resolvedAt: _r, ...request } = trigger;
    const event = await this.raise(request);
    return { mfaVerified: false, pending: event.trigger! };
  }

  /** Events after `afterSeq`, oldest first, as subscribers receive them. */
  async replay(query: { appId: string; originalIdentity?: string; afterSeq: number; limit?: number }): Promise<MfaEvent[]> {
    const records = await this.options.storage.listMfaEvents({ limit: 500, ...query });
    return Promise.all(records.map((record) => this.toEvent(record)));
  }

  async triggerData(trigger: TriggerRecord): Promise<MfaTriggerData> {
    const enrolled = await this.options.enrolledFactors(trigger.appId, trigger.originalIdentity);
    return {
      stateToken: this.options.stateTokens.tokenFor(trigger.id),
      originalIdentity: trigger.originalIdentity,
      // Asked again: a factor switched off since the trigger was stored is no longer offered.
      factors: this.options.offeredFactors(trigger.appId, trigger.factors).map((type) => ({ type, enrolled: enrolled.has(type) })),
      reason: triggerReason(trigger),
      acr: trigger.acr,
      expiresAt: new Date(trigger.expiresAt).toISOString(),
      host: this.options.publicUrl,
      appId: trigger.appId,
    };
  }

  private async publish(type: MfaEvent['type'], trigger: TriggerRecord): Promise<MfaEvent> {
    const record = await this.options.storage.publishMfaEvent({
      type,
      appId: trigger.appId,
      originalIdentity: trigger.originalIdentity,
      triggerId: trigger.id,
      publishedAt: this.options.clock(),
    });
    this.statuses.invalidate(trigger.appId, trigger.originalIdentity);
    const event = await this.toEvent(record, trigger);
    await this.options.bus.publish({ kind: 'mfa', event });
    return event;
  }

  private async toEvent(record: MfaEventRecord, known?: TriggerRecord): Promise<MfaEvent> {
    const event: MfaEvent = {
      id: String(record.seq),
      type: record.type,
      appId: record.appId,
      originalIdentity: record.originalIdentity,
      publishedAt: new Date(record.publishedAt).toISOString(),
    };
    if (record.type !== 'security.mfa') return event;
    const trigger = known ?? (await this.options.storage.getTrigger(record.triggerId));
    return trigger ? { ...event, trigger: await this.triggerData(trigger) } : event;
  }
}
