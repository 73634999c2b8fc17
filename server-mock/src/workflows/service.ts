import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { MfaService } from '../events/mfa.js';
import { CONSOLE_APP_ID } from '../console/definition.js';
import { DomainError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import { policyAttributes } from '../users/directory.js';
import type { Metrics } from '../metrics.js';
import { parseWorkflow, type Decision, type ParseResult, type PolicyError, type Workflow } from '../policy/engine.js';
import { VersionConflict, type Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import type { MfaEvent, MfaTriggerData, UebaEvent } from '../protocol/index.js';
import { evaluateWorkflow } from './evaluate.js';
import { readFolder, type WorkflowDocument } from './folder.js';

export interface LoadedWorkflow {
  workflow: Workflow;
  /** null: global, applies to every app that has no workflow of the same id. */
  appId: string | null;
  version: number;
}

export interface PolicyServiceOptions {
  config: Config;
  storage: Storage;
  mfa: MfaService;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

const key = (appId: string | null, id: string) => `${appId ?? '*'}/${id}`;

/**
 * The workflows in force and what they decide. Documents come from the config (inline and a watched
 * folder) and from the admin API; each change is stored as a new version, an invalid document leaves
 * the previous version active, and every instance reloads when the bus says documents changed.
 */
export class PolicyService {
  private active = new Map<string, LoadedWorkflow>();
  private watcher?: FSWatcher;
  private unsubscribe?: () => void;
  private reloadTimer?: NodeJS.Timeout;

  private constructor(private readonly options: PolicyServiceOptions) {}

  static async create(options: PolicyServiceOptions): Promise<PolicyService> {
    const service = new PolicyService(options);
    await service.syncConfigDocuments();
    await service.reloadFromStorage();
    service.unsubscribe = options.bus.subscribe((message) => {
      // A Redis break may have swallowed a change: read storage again.
      if (message.kind === 'workflows-changed' || message.kind === 'reconnected') void service.reloadFromStorage();
    });
    service.watchFolder();
    return service;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
    this.unsubscribe?.();
  }

  /** The workflow an app runs under this id: its own, else the global one. */
  resolve(appId: string, workflowId: string): LoadedWorkflow | undefined {
    return this.active.get(key(appId, workflowId)) ?? this.active.get(key(null, workflowId));
  }

  /**
   * API mode (`triggerWorkflow`): decides, records the decision, and on a hit returns trigger data.
   * `user` defaults to the directory's attributes of the event's user; `priorAmr` is what the user already
   * proved (a password), carried into the mfaToken of the step-up.
   */
  async trigger(
    appId: string,
    workflowId: string,
    event: UebaEvent,
    options: { user?: Record<string, unknown>; priorAmr?: string[] } = {},
  ): Promise<{ trigger: MfaTriggerData | null; decisionId: string }> {
    const loaded = this.resolve(appId, workflowId);
    if (!loaded || !loaded.workflow.modes.includes('api')) {
      throw new DomainError('workflow_not_found', `No API-mode workflow "${workflowId}" for this app`);
    }
    const user = options.user ?? (await this.userAttributes(event));
    const { decision, decisionId } = await this.decide(loaded, event, 'api', user);
    if (!decision.hit) return { trigger: null, decisionId };
    const request = this.stepUp(loaded, event, decision);
    const trigger = await this.options.mfa.createTrigger(
      options.priorAmr ? { ...request, custom: { ...request.custom, priorAmr: options.priorAmr } } : request,
    );
    return { trigger: await this.options.mfa.triggerData(trigger), decisionId };
  }

  /**
   * Event-stream mode: every event-mode workflow of the event's app judges the event; the first hit
   * publishes an MFA event and locks the user. A user already pending is not locked twice.
   */
  async onCapture(event: UebaEvent): Promise<MfaEvent[]> {
    const workflows = this.forApp(event.appId).filter((loaded) => loaded.workflow.modes.includes('event'));
    if (workflows.length === 0) return [];
    const user = await this.userAttributes(event);
    for (const loaded of workflows) {
      const { decision } = await this.decide(loaded, event, 'event', user);
      if (!decision.hit) continue;
      const published = await this.options.mfa.raiseUnlessPending(this.stepUp(loaded, event, decision));
      if (!published) return [];
      this.options.logger.info(
        { appId: event.appId, originalIdentity: event.originalIdentity, workflowId: loaded.workflow.id, ruleId: decision.ruleId },
        'step-up required',
      );
      return [published];
    }
    return [];
  }

  /** Workflows that apply to an app: its own, plus the global ones it does not override. */
  forApp(appId: string): LoadedWorkflow[] {
    const own = [...this.active.values()].filter((loaded) => loaded.appId === appId);
    const overridden = new Set(own.map((loaded) => loaded.workflow.id));
    const global = [...this.active.values()].filter((loaded) => loaded.appId === null && !overridden.has(loaded.workflow.id));
    return [...own, ...global];
  }

  list(appId: string | null): { id: string; app: string | null; version: number; name: string; modes: Workflow['modes'] }[] {
    return [...this.active.values()]
      .filter((loaded) => loaded.appId === appId)
      .map(({ workflow, version }) => ({ id: workflow.id, app: appId, version, name: workflow.name, modes: workflow.modes }));
  }

  /**
   * Admin API and console: validates, stores a new version, tells every instance. With `expectedVersion` (0: none
   * yet) a version stored meanwhile by someone else is refused as `edit_conflict`, and nothing is overwritten.
   */
  async put(appId: string | null, workflowId: string, source: string, expectedVersion?: number): Promise<ReturnType<PolicyService['list']>[number]> {
    const parsed = checkWorkflow(appId, workflowId, source);
    if (!parsed.ok) throw invalidPolicy(parsed.errors);
    const version = await this.options.storage
      .saveWorkflowVersion({ workflowId, appId, source, createdAt: this.options.clock(), expectedVersion })
      .catch((error: unknown) => {
        if (!(error instanceof VersionConflict)) throw error;
        throw new DomainError('edit_conflict', `Version ${error.current} was published since version ${error.expected}`, { currentVersion: error.current });
      });
    this.active.set(key(appId, workflowId), { workflow: parsed.workflow, appId, version });
    await this.options.bus.publish({ kind: 'workflows-changed' });
    this.options.logger.info({ workflowId, appId, version }, 'workflow stored');
    return { id: workflowId, app: appId, version, name: parsed.workflow.name, modes: parsed.workflow.modes };
  }

  async remove(appId: string | null, workflowId: string): Promise<void> {
    if (!(await this.options.storage.deactivateWorkflow(workflowId, appId))) {
      throw new DomainError('workflow_not_found', `No workflow "${workflowId}" in this scope`);
    }
    this.active.delete(key(appId, workflowId));
    await this.options.bus.publish({ kind: 'workflows-changed' });
  }

  /** Attributes of the event's user in the built-in directory (roles, department, …), or none. */
  private async userAttributes(event: UebaEvent): Promise<Record<string, unknown>> {
    return policyAttributes(await this.options.storage.getUser(event.appId, event.originalIdentity));
  }

  private async decide(
    loaded: LoadedWorkflow,
    event: UebaEvent,
    mode: 'api' | 'event',
    user: Record<string, unknown>,
  ): Promise<{ decision: Decision; decisionId: string }> {
    const now = this.options.clock();
    const decisionId = uuidv7(now);
    const started = performance.now();
    let decision: Decision;
    try {
      decision = await evaluateWorkflow({ workflow: loaded.workflow, event, storage: this.options.storage, now, user });
    } catch (error) {
      // A storage failure must not read as "no risk": record it, count it, and let the caller decide.
      this.options.metrics.decisions.inc({ mode, outcome: 'error' });
      this.options.logger.error({ err: error, workflowId: loaded.workflow.id }, 'workflow evaluation failed');
      throw error;
    }
    this.options.metrics.decisionDuration.observe({ mode }, (performance.now() - started) / 1000);
    this.options.metrics.decisions.inc({ mode, outcome: decision.hit ? 'hit' : 'pass' });
    await this.options.storage.insertDecision({
      id: decisionId,
      appId: event.appId,
      originalIdentity: event.originalIdentity,
      workflowId: loaded.workflow.id,
      workflowVersion: loaded.version,
      mode,
      eventId: mode === 'event' ? event.id : null,
      hit: decision.hit,
      ruleId: decision.ruleId,
      explanation: decision.explanation,
      createdAt: now,
    });
    return { decision, decisionId };
  }

  private stepUp(loaded: LoadedWorkflow, event: UebaEvent, decision: Decision) {
    return {
      appId: event.appId,
      originalIdentity: event.originalIdentity,
      workflowId: loaded.workflow.id,
      workflowVersion: loaded.version,
      ruleId: decision.ruleId ?? loaded.workflow.id,
      message: decision.message,
      messages: decision.messages,
      factors: decision.factors,
      acr: decision.acr,
      custom: decision.custom,
    };
  }

  private async reloadFromStorage(): Promise<void> {
    const next = new Map<string, LoadedWorkflow>();
    for (const record of await this.options.storage.listActiveWorkflows()) {
      const parsed = parseWorkflow(record.source, `${record.appId ?? 'global'}/${record.workflowId}@${record.version}`, { appId: record.appId });
      if (parsed.ok) next.set(key(record.appId, record.workflowId), { workflow: parsed.workflow, appId: record.appId, version: record.version });
      else this.options.logger.error({ errors: parsed.errors }, 'stored workflow no longer parses; skipped');
    }
    this.active = next;
  }

  /** Stores each config document whose text differs from its active version; invalid ones are reported and skipped. */
  private async syncConfigDocuments(): Promise<void> {
    const { policies } = this.options.config;
    const documents: WorkflowDocument[] = policies.documents.map((entry, index) => ({
      appId: entry.app ?? null,
      name: `config.policies.documents[${index}]`,
      source: JSON.stringify(entry.document, null, 2),
    }));
    // The console's own workflows are built in: a policies folder cannot reach them (nor can the admin token).
    if (policies.dir) documents.push(...(await readFolder(policies.dir)).filter((document) => document.appId !== CONSOLE_APP_ID));
    const stored = new Map((await this.options.storage.listActiveWorkflows()).map((record) => [key(record.appId, record.workflowId), record]));
    let changed = false;
    const apps = new Set(this.options.config.apps.map((app) => app.id));
    for (const document of documents) {
      if (document.appId !== null && !apps.has(document.appId)) {
        this.options.logger.error({ document: document.name, appId: document.appId }, 'workflow document for an app that is not configured; skipped');
        continue;
      }
      const parsed = parseWorkflow(document.source, document.name, { appId: document.appId });
      if (!parsed.ok) {
        this.options.logger.error({ document: document.name, errors: parsed.errors }, 'invalid workflow document; the previous version stays active');
        continue;
      }
      if (stored.get(key(document.appId, parsed.workflow.id))?.source === document.source) continue;
      const version = await this.options.storage.saveWorkflowVersion({
        workflowId: parsed.workflow.id,
        appId: document.appId,
        source: document.source,
        createdAt: this.options.clock(),
      });
      this.options.logger.info({ document: document.name, workflowId: parsed.workflow.id, version }, 'workflow loaded');
      changed = true;
    }
    if (changed) await this.options.bus.publish({ kind: 'workflows-changed' });
  }

  private watchFolder(): void {
    const dir = this.options.config.policies.dir;
    if (!dir) return;
    try {
      this.watcher = watch(dir, { recursive: true }, () => {
        // Editors write a file in several steps; reload once they are done.
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => {
          void this.syncConfigDocuments()
            .then(() => this.reloadFromStorage())
            .catch((error: unknown) => this.options.logger.error({ err: error }, 'policy reload failed'));
        }, 200);
      });
    } catch (error) {
      this.options.logger.warn({ err: error, dir }, 'cannot watch the policies folder; changes need a restart or the admin API');
    }
  }
}

/** The document parsed for its scope, and its id the one it is stored under. */
export function checkWorkflow(appId: string | null, workflowId: string, source: string): ParseResult {
  const documentName = `${appId ?? 'global'}/${workflowId}`;
  const parsed = parseWorkflow(source, documentName, { appId });
  if (parsed.ok && parsed.workflow.id !== workflowId) {
    return { ok: false, errors: [{ document: documentName, node: 'document', field: 'id', message: `must equal the workflow's id ("${workflowId}")` }] };
  }
  return parsed;
}

export function invalidPolicy(errors: PolicyError[]): DomainError {
  return new DomainError('invalid_policy', errors.map((error) => `${error.document} ${error.node}.${error.field}: ${error.message}`).join('; '), { errors });
}
