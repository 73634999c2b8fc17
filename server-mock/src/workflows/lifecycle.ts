import { parse as parseYaml } from 'yaml';
import { DomainError } from '../errors.js';
import type { Decision, PolicyError } from '../policy/engine.js';
import type { UebaEvent } from '../protocol/index.js';
import type { Storage, WorkflowDraftRecord, WorkflowVersionRecord } from '../storage/types.js';
import type { Clock } from '../types.js';
import { policyAttributes } from '../users/directory.js';
import { evaluateWorkflow } from './evaluate.js';
import { checkWorkflow, invalidPolicy, type PolicyService } from './service.js';

/** Where a workflow lives: one app's (`appId`), or the global one every app without its own inherits (`null`). */
export interface WorkflowRef {
  appId: string | null;
  workflowId: string;
}

/** What the console shows of a workflow in a scope: the version in force, its draft, and what it overrides. */
export interface WorkflowOverview {
  id: string;
  app: string | null;
  name: string | null;
  /** The modes of the version in force (none without one). */
  modes: ('api' | 'event')[];
  /** The highest stored version (0: none yet): what an edit says it started from. */
  version: number;
  /** The version in force, null when none is (never published, or deactivated). */
  activeVersion: number | null;
  draft: { baseVersion: number; updatedAt: string; updatedBy: string } | null;
  /** For an app's workflow: the global workflow of the same id it overrides. For a global one: the apps that override it. */
  overrides: boolean;
  overriddenBy: string[];
}

/** A decision as a simulation shows it: what it would answer, and the engine's explanation (the path it took, the statistics). */
export interface SimulatedDecision {
  event: UebaEvent;
  decision: Decision;
}

export interface ReplayedChange {
  eventId: string;
  originalIdentity: string;
  requestDate: string;
  before: { hit: boolean; ruleId: string | null } | null;
  after: { hit: boolean; ruleId: string | null };
}

export interface WorkflowLifecycleOptions {
  storage: Storage;
  policies: PolicyService;
  clock: Clock;
}

/** Replays look at the newest events only: a bounded, predictable cost for an interactive page. */
export const MAX_REPLAY_EVENTS = 500;

/**
 * The console's half of workflows: drafts that may be invalid while someone works on them, publishing that
 * refuses an invalid document or a stale edit, the version history and rollback, and running a draft against
 * typed or stored events with their real history. Publishing goes through `PolicyService.put`, so a version
 * made here is the same as one from the admin API or a file, and reaches every instance the same way.
 */
export class WorkflowLifecycle {
  constructor(private readonly options: WorkflowLifecycleOptions) {}

  /** The server's own parser: the errors name the node and field the console marks. */
  validate(ref: WorkflowRef, source: string): { ok: true } | { ok: false; errors: PolicyError[] } {
    const parsed = checkWorkflow(ref.appId, ref.workflowId, source);
    return parsed.ok ? { ok: true } : { ok: false, errors: parsed.errors };
  }

  /** Every workflow of a scope that has a version or a draft, with inheritance both ways. */
  /** Three reads whatever the number of workflows. */
  async list(appId: string | null, appIds: readonly string[]): Promise<WorkflowOverview[]> {
    const { storage } = this.options;
    const [active, drafts, highest] = await Promise.all([
      storage.listActiveWorkflows(),
      storage.listWorkflowDrafts(appId),
      storage.highestWorkflowVersions(appId),
    ]);
    const draftOf = new Map(drafts.map((draft) => [draft.workflowId, draft]));
    const ids = new Set([...active.filter((record) => record.appId === appId).map((record) => record.workflowId), ...draftOf.keys()]);
    return [...ids]
      .sort()
      .map((workflowId) =>
        this.overview({ appId, workflowId }, { active, draft: draftOf.get(workflowId) ?? null, highest: highest.get(workflowId) ?? 0 }, appIds),
      );
  }

  async get(ref: WorkflowRef, appIds: readonly string[]): Promise<WorkflowOverview & { source: string | null; draftSource: string | null }> {
    const { storage } = this.options;
    const [versions, draft, active] = await Promise.all([
      storage.listWorkflowVersions(ref.workflowId, ref.appId),
      storage.getWorkflowDraft(ref.workflowId, ref.appId),
      storage.listActiveWorkflows(),
    ]);
    if (versions.length === 0 && !draft) throw notFound(ref);
    const overview = this.overview(ref, { active, draft, highest: versions[0]?.version ?? 0 }, appIds);
    return { ...overview, source: versions.find((version) => version.active)?.source ?? null, draftSource: draft?.source ?? null };
  }

  /**
   * Saved whether or not it parses yet (a draft is work in progress); the answer says what the parser thinks of it.
   * `baseVersion`, the version the edit started from, defaults to the highest stored one.
   */
  async saveDraft(
    ref: WorkflowRef,
    input: { source: string; baseVersion: number | undefined; actor: string },
  ): Promise<{ draft: WorkflowDraftRecord; errors: PolicyError[] }> {
    const baseVersion = input.baseVersion ?? (await this.options.storage.listWorkflowVersions(ref.workflowId, ref.appId))[0]?.version ?? 0;
    const draft: WorkflowDraftRecord = { ...ref, source: input.source, baseVersion, updatedAt: this.options.clock(), updatedBy: input.actor };
    await this.options.storage.saveWorkflowDraft(draft);
    const checked = this.validate(ref, input.source);
    return { draft, errors: checked.ok ? [] : checked.errors };
  }

  async discardDraft(ref: WorkflowRef): Promise<void> {
    if (!(await this.options.storage.deleteWorkflowDraft(ref.workflowId, ref.appId))) throw notFound(ref);
  }

  /**
   * A new version from `source`, only if it parses and `expectedVersion` is still the highest (`edit_conflict`
   * otherwise: nothing is overwritten). The scope's draft goes once published.
   */
  async publish(ref: WorkflowRef, source: string, expectedVersion: number): Promise<{ version: number; before: string | null }> {
    const before = await this.activeSource(ref);
    const { version } = await this.options.policies.put(ref.appId, ref.workflowId, source, expectedVersion);
    await this.options.storage.deleteWorkflowDraft(ref.workflowId, ref.appId);
    return { version, before };
  }

  /** Newest first. */
  async history(ref: WorkflowRef): Promise<(WorkflowVersionRecord & { active: boolean })[]> {
    const versions = await this.options.storage.listWorkflowVersions(ref.workflowId, ref.appId);
    if (versions.length === 0) throw notFound(ref);
    return versions;
  }

  async version(ref: WorkflowRef, version: number): Promise<WorkflowVersionRecord & { active: boolean }> {
    const found = (await this.history(ref)).find((record) => record.version === version);
    if (!found) throw new DomainError('workflow_not_found', `Workflow "${ref.workflowId}" has no version ${version}`);
    return found;
  }

  /** Publishes an earlier version's text again, as a new version: history only grows. */
  async rollback(ref: WorkflowRef, toVersion: number, expectedVersion: number): Promise<{ version: number; before: string | null; after: string }> {
    const target = await this.version(ref, toVersion);
    const published = await this.publish(ref, target.source, expectedVersion);
    return { ...published, after: target.source };
  }

  /**
   * The document's decision for one event, with that event's real history: a stored event is judged as of its
   * own time (later events do not count), a typed one as of now. Nothing is recorded.
   */
  async simulate(ref: WorkflowRef, source: string, event: UebaEvent, at?: number): Promise<SimulatedDecision> {
    const workflow = this.parsed(ref, source);
    const user = policyAttributes(await this.options.storage.getUser(event.appId, event.originalIdentity));
    const decision = await evaluateWorkflow({ workflow, event, storage: this.options.storage, now: at ?? this.options.clock(), user });
    return { event, decision };
  }

  /** A stored event of the app, or `not_found`. */
  async storedEvent(appId: string, eventId: string): Promise<UebaEvent> {
    const event = await this.options.storage.getEvent(appId, eventId);
    if (!event) throw new DomainError('event_not_found', `App "${appId}" has no event "${eventId}"`);
    return event;
  }

  /**
   * The app's newest `limit` events judged by the draft and by the version in force, each as of its own time:
   * how many decisions would change, and which.
   */
  async replay(
    ref: WorkflowRef,
    source: string,
    input: { appId: string; limit: number },
  ): Promise<{ total: number; changed: number; changes: ReplayedChange[] }> {
    const draft = this.parsed(ref, source);
    const current = this.options.policies.resolve(input.appId, ref.workflowId);
    const events = await this.options.storage.listEvents({ appId: input.appId, limit: Math.min(input.limit, MAX_REPLAY_EVENTS) });
    const changes: ReplayedChange[] = [];
    for (const event of events) {
      const user = policyAttributes(await this.options.storage.getUser(event.appId, event.originalIdentity));
      const judge = (workflow: typeof draft) => evaluateWorkflow({ workflow, event, storage: this.options.storage, now: event.requestDate, user });
      const after = await judge(draft);
      const before = current ? await judge(current.workflow) : null;
      if (before && before.hit === after.hit && before.ruleId === after.ruleId) continue;
      if (!before && !after.hit) continue;
      changes.push({
        eventId: event.id,
        originalIdentity: event.originalIdentity,
        requestDate: new Date(event.requestDate).toISOString(),
        before: before && { hit: before.hit, ruleId: before.ruleId },
        after: { hit: after.hit, ruleId: after.ruleId },
      });
    }
    return { total: events.length, changed: changes.length, changes };
  }

  private parsed(ref: WorkflowRef, source: string) {
    const parsed = checkWorkflow(ref.appId, ref.workflowId, source);
    if (!parsed.ok) throw invalidPolicy(parsed.errors);
    return parsed.workflow;
  }

  private async activeSource(ref: WorkflowRef): Promise<string | null> {
    const versions = await this.options.storage.listWorkflowVersions(ref.workflowId, ref.appId);
    return versions.find((version) => version.active)?.source ?? null;
  }

  /** `stored`: every active version (for inheritance both ways), this workflow's draft and its highest version. */
  private overview(
    ref: WorkflowRef,
    stored: { active: WorkflowVersionRecord[]; draft: WorkflowDraftRecord | null; highest: number },
    appIds: readonly string[],
  ): WorkflowOverview {
    const { active, draft } = stored;
    const inForce = active.find((record) => record.appId === ref.appId && record.workflowId === ref.workflowId);
    const sameId = active.filter((record) => record.workflowId === ref.workflowId);
    return {
      id: ref.workflowId,
      app: ref.appId,
      name: nameOf(inForce?.source ?? draft?.source),
      modes: this.options.policies.list(ref.appId).find((loaded) => loaded.id === ref.workflowId)?.modes ?? [],
      version: stored.highest,
      activeVersion: inForce?.version ?? null,
      draft: draft && { baseVersion: draft.baseVersion, updatedAt: new Date(draft.updatedAt).toISOString(), updatedBy: draft.updatedBy },
      overrides: ref.appId !== null && sameId.some((record) => record.appId === null),
      overriddenBy: ref.appId === null ? sameId.filter((record) => record.appId !== null && appIds.includes(record.appId)).map((record) => record.appId!) : [],
    };
  }
}

/** The `name` of a document (YAML or JSON) even when the rest does not pass the checks yet, as a draft may not. */
function nameOf(source: string | undefined): string | null {
  try {
    const document: unknown = parseYaml(source ?? '');
    const name = typeof document === 'object' && document !== null ? (document as { name?: unknown }).name : undefined;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

function notFound(ref: WorkflowRef): DomainError {
  return new DomainError('workflow_not_found', `No workflow "${ref.workflowId}" ${ref.appId === null ? 'in the global scope' : `for app "${ref.appId}"`}`);
}
