/**
 * The console's typed client for `/console/api/*` (the backend's console routes). It sends the session cookie,
 * adds the session's `X-CSRF-Token` to every call that changes something, and turns every refusal into a
 * {@link ConsoleApiError} whose `code` is the problem document's, so the page shows its translation. Pages get
 * one instance from the shell (tests build one on a test server's URL): nothing else in the console fetches.
 */
import { readProblem } from '../../src/core/api-client.js';
import type { ProblemDetails } from '../../src/index.js';
import type {
  AuditEntry,
  ConsoleApp,
  ConsoleSession,
  DecisionRecord as WireDecisionRecord,
  DirectoryUser,
  FactorType,
  UebaEvent,
  UserFactors,
  UserLockout,
  ConsoleUserMfaStatus,
} from '../../server-mock/src/protocol/index.js';
import type { Decision, Explanation } from '../../server-mock/src/policy/decision.js';

/** The wire shapes the console's pages use, from the protocol the backend answers with. */
export type {
  AuditEntry,
  ConsoleApp,
  ConsoleRole,
  ConsoleSession,
  DirectoryUser,
  UserFactor,
  UserFactors,
  UserLockout,
  ConsoleUserMfaStatus,
} from '../../server-mock/src/protocol/index.js';

export interface NewApp {
  id: string;
  name: string;
  origins: string[];
  factors?: FactorType[];
  trustDeviceDays?: number | null;
}

export type AppChanges = Partial<Pick<ConsoleApp, 'name' | 'origins' | 'factors' | 'trustDeviceDays'>>;

/** A workflow of one scope as the console lists it (`WorkflowOverview` of `server-mock/src/workflows/lifecycle.ts`). */
export interface WorkflowSummary {
  id: string;
  /** null: global, inherited by every app without a workflow of the same id. */
  app: string | null;
  name: string | null;
  modes?: ('api' | 'event')[];
  /** The highest stored version (0: none yet): sent back as `If-Match` when publishing. */
  version: number;
  /** The version in force; null when none is (never published, or deactivated). */
  activeVersion: number | null;
  draft: { baseVersion: number; updatedAt: string; updatedBy: string } | null;
  /** An app's workflow over a global one of the same id. */
  overrides: boolean;
  /** For a global workflow: the apps whose own workflow overrides it. */
  overriddenBy: string[];
}

/** A workflow document object (the shape policy files and the admin API use). */
export type WorkflowObject = Record<string, unknown>;

/** One workflow opened: the version in force and the draft, each as text and as the parsed document. */
export interface WorkflowDetail extends WorkflowSummary {
  source: string | null;
  document: WorkflowObject | null;
  draftSource: string | null;
  draftDocument: WorkflowObject | null;
}

export interface WorkflowVersion {
  version: number;
  createdAt: string | number;
  active: boolean;
  source: string;
}

/** A workflow to run or save: the document object, or its YAML/JSON text. */
export type WorkflowInput = { document: WorkflowObject } | { source: string };

/** A typed event: the UEBA table's fields plus what the backend would derive (geo, intranet, device). */
export type SimulatedEvent = Partial<Omit<UebaEvent, 'id' | 'appId' | 'requestDate' | 'custom'>> & { originalIdentity: string };

export interface SimulationRequest {
  event?: SimulatedEvent;
  /** A stored event of the app, judged with its own history. */
  eventId?: string;
  /** The app a global workflow is run for. */
  appId?: string;
}

export interface SimulationResult {
  event: UebaEvent;
  decision: Pick<Decision, 'hit' | 'ruleId' | 'message' | 'factors' | 'acr' | 'explanation'>;
}

export interface ReplayResult {
  total: number;
  changed: number;
  changes: {
    eventId: string;
    originalIdentity: string;
    requestDate: string;
    before: { hit: boolean; ruleId: string | null } | null;
    after: { hit: boolean; ruleId: string | null };
  }[];
}

/** A decision as the backend records it (the Live stream, a user's recent decisions), with the engine's explanation. */
export type DecisionRecord = WireDecisionRecord<Explanation>;

/** The Live stream's filters; absent means all. */
export interface LiveFilters {
  app?: string;
  user?: string;
  outcome?: 'hit' | 'pass';
}

/** The server parser's validation errors (`invalid_policy`): each names its node and field. */
export interface PolicyProblem {
  document: string;
  node: string;
  field: string;
  message: string;
}

/** A refusal from the console API, or `network` when there was no answer. `code` keys the translation. */
export class ConsoleApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly problem: ProblemDetails | undefined;

  constructor(code: string, message: string, options: { status?: number; problem?: ProblemDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsoleApiError';
    this.code = code;
    this.status = options.status;
    this.problem = options.problem;
  }
}

export interface ConsoleApiOptions {
  /** Where the console API lives, e.g. `https://mfa.example.com/console/api` (no trailing slash needed). */
  baseUrl: string;
}

type Query = Record<string, string | number | undefined>;

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Dispatched on the client when a call is refused because the session is gone (expired, signed out in
 * another tab): the shell shows the sign-in again.
 */
export const SESSION_ENDED = 'session-ended';

export class ConsoleApi extends EventTarget {
  readonly baseUrl: string;
  /** The session's CSRF token, learned from the session answers; sent on every non-GET call. */
  private csrfToken: string | undefined;

  constructor(options: ConsoleApiOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The signed-in administrator; rejects `console_session_required` when nobody is. */
  async session(): Promise<ConsoleSession> {
    return this.remember(await this.call<ConsoleSession>('GET', '/session'));
  }

  /** Exchanges the console app's mfaToken (from `<guard-login>`'s step-up) for a session cookie. */
  async signIn(token: string): Promise<ConsoleSession> {
    return this.remember(await this.call<ConsoleSession>('POST', '/session', { body: { token } }));
  }

  async signOut(): Promise<void> {
    await this.call('DELETE', '/session');
    this.csrfToken = undefined;
  }

  async apps(): Promise<ConsoleApp[]> {
    return (await this.call<{ apps: ConsoleApp[] }>('GET', '/apps')).apps;
  }

  /** The answer's `secret` is shown once: the backend keeps only what verifies it. */
  createApp(app: NewApp): Promise<{ app: ConsoleApp; secret: string }> {
    return this.call('POST', '/apps', { body: app });
  }

  /** Rejects `edit_conflict` when `version` is no longer the stored one, `app_read_only` for a config app. */
  async updateApp(id: string, version: number, changes: AppChanges): Promise<ConsoleApp> {
    return (await this.call<{ app: ConsoleApp }>('PATCH', `/apps/${encodeURIComponent(id)}`, { body: changes, headers: ifMatch(version) })).app;
  }

  async rotateSecret(id: string): Promise<string> {
    return (await this.call<{ secret: string }>('POST', `/apps/${encodeURIComponent(id)}/secret`)).secret;
  }

  async removeApp(id: string): Promise<void> {
    await this.call('DELETE', `/apps/${encodeURIComponent(id)}`);
  }

  /** Newest first; `before` is the id of the last entry already shown. */
  async audit(query: { limit?: number; before?: number } = {}): Promise<AuditEntry[]> {
    return (await this.call<{ entries: AuditEntry[] }>('GET', '/audit', { query })).entries;
  }

  /** Mirrors `GET /v1/users` of the app: ordered by id, after `after`. */
  async users(appId: string, query: { limit?: number; after?: string } = {}): Promise<DirectoryUser[]> {
    return (await this.call<{ users: DirectoryUser[] }>('GET', this.userPath(appId), { query })).users;
  }

  /** One directory user; rejects `user_not_found` for a user the app names but the directory does not hold. */
  user(appId: string, originalIdentity: string): Promise<DirectoryUser> {
    return this.call('GET', this.userPath(appId, originalIdentity));
  }

  userFactors(appId: string, originalIdentity: string): Promise<UserFactors> {
    return this.call('GET', `${this.userPath(appId, originalIdentity)}/factors`);
  }

  async removeUserFactor(appId: string, originalIdentity: string, factorId: string): Promise<void> {
    await this.call('DELETE', `${this.userPath(appId, originalIdentity)}/factors/${encodeURIComponent(factorId)}`);
  }

  /** Mirrors `POST /v1/mfa/status` (a read, so a GET here). */
  mfaStatus(appId: string, originalIdentity: string): Promise<ConsoleUserMfaStatus> {
    return this.call('GET', `${this.userPath(appId, originalIdentity)}/mfa-status`);
  }

  /** Mirrors `POST /v1/mfa/status/clear`: the pending step-up (the lock on the user's API calls) ends. */
  clearMfaStatus(appId: string, originalIdentity: string): Promise<ConsoleUserMfaStatus> {
    return this.call('POST', `${this.userPath(appId, originalIdentity)}/mfa-status/clear`);
  }

  /** The user's lockout counters that count failures or lock: per step-up factor, passkey sign-in and sign-in name. */
  async userLockouts(appId: string, originalIdentity: string): Promise<UserLockout[]> {
    return (await this.call<{ lockouts: UserLockout[] }>('GET', `${this.userPath(appId, originalIdentity)}/lockouts`)).lockouts;
  }

  /**
   * Clears every lockout of the user (step-up factors, passkey sign-in, sign-in by username, e-mail or phone);
   * answers what was locked or counting failures (`totp`, `password:email`, …), empty when nothing was.
   */
  async resetUserLockouts(appId: string, originalIdentity: string): Promise<string[]> {
    return (await this.call<{ reset: string[] }>('POST', `${this.userPath(appId, originalIdentity)}/lockouts/reset`)).reset;
  }

  /** The user's newest UEBA events, with what the backend derived (geo, device, intranet). */
  async userEvents(appId: string, originalIdentity: string, limit = 20): Promise<UebaEvent[]> {
    return (await this.call<{ events: UebaEvent[] }>('GET', `${this.userPath(appId, originalIdentity)}/events`, { query: { limit } })).events;
  }

  /** The user's newest decisions, each with the engine's explanation. */
  async userDecisions(appId: string, originalIdentity: string, limit = 20): Promise<DecisionRecord[]> {
    return (await this.call<{ decisions: DecisionRecord[] }>('GET', `${this.userPath(appId, originalIdentity)}/decisions`, { query: { limit } })).decisions;
  }

  /** The workflows of one scope: `app` absent is the global scope. */
  async workflows(app?: string): Promise<WorkflowSummary[]> {
    return (await this.call<{ workflows: WorkflowSummary[] }>('GET', '/workflows', { query: { app } })).workflows;
  }

  workflow(id: string, app?: string): Promise<WorkflowDetail> {
    return this.call('GET', this.workflowPath(id), { query: { app } });
  }

  /** Saved whether it parses or not; `errors` is what the server's parser says of it (empty: valid). */
  saveDraft(id: string, app: string | undefined, input: WorkflowInput): Promise<{ draft: WorkflowSummary['draft']; errors: PolicyProblem[] }> {
    return this.call('PUT', `${this.workflowPath(id)}/draft`, { body: input, query: { app } });
  }

  async discardDraft(id: string, app?: string): Promise<void> {
    await this.call('DELETE', `${this.workflowPath(id)}/draft`, { query: { app } });
  }

  validateWorkflow(id: string, app: string | undefined, input: WorkflowInput): Promise<{ ok: boolean; errors: PolicyProblem[] }> {
    return this.call('POST', `${this.workflowPath(id)}/validate`, { body: input, query: { app } });
  }

  /**
   * A new version, only if `version` (the highest one loaded, 0 for a new workflow) is still the highest:
   * `edit_conflict` (with `currentVersion`) otherwise, `invalid_policy` (with `errors`) for an invalid document.
   */
  publishWorkflow(id: string, app: string | undefined, version: number, input: WorkflowInput): Promise<WorkflowSummary> {
    return this.call('PUT', this.workflowPath(id), { body: input, query: { app }, headers: ifMatch(version) });
  }

  async workflowVersions(id: string, app?: string): Promise<WorkflowVersion[]> {
    return (await this.call<{ versions: WorkflowVersion[] }>('GET', `${this.workflowPath(id)}/versions`, { query: { app } })).versions;
  }

  /** Publishes an earlier version's text again as a new version, under the same `If-Match` rule as publishing. */
  rollbackWorkflow(id: string, app: string | undefined, version: number, toVersion: number): Promise<WorkflowSummary> {
    return this.call('POST', `${this.workflowPath(id)}/rollback`, { body: { version: toVersion }, query: { app }, headers: ifMatch(version) });
  }

  /** The decision `input` would give for one event (typed, or a stored one by id), with its explanation. Nothing is recorded. */
  simulate(id: string, app: string | undefined, input: WorkflowInput & SimulationRequest): Promise<SimulationResult> {
    return this.call('POST', `${this.workflowPath(id)}/simulate`, { body: input, query: { app } });
  }

  /** The app's last `limit` events judged by `input` and by the version in force: which decisions would change. */
  replay(id: string, app: string | undefined, input: WorkflowInput & { appId?: string; limit?: number }): Promise<ReplayResult> {
    return this.call('POST', `${this.workflowPath(id)}/replay`, { body: input, query: { app } });
  }

  /** The app's newest stored events. */
  async appEvents(appId: string, limit = 50): Promise<UebaEvent[]> {
    return (await this.call<{ events: UebaEvent[] }>('GET', `/apps/${encodeURIComponent(appId)}/events`, { query: { limit } })).events;
  }

  /**
   * The Live stream (Server-Sent Events, with the session cookie): `ueba` events carry a stored UebaEvent,
   * `decision` events a {@link DecisionRecord}. The caller closes it.
   */
  live(filters: LiveFilters = {}): EventSource {
    return new EventSource(this.url('/live', { ...filters }), { withCredentials: true });
  }

  private workflowPath(id: string): string {
    return `/workflows/${encodeURIComponent(id)}`;
  }

  private userPath(appId: string, originalIdentity?: string): string {
    const base = `/apps/${encodeURIComponent(appId)}/users`;
    return originalIdentity === undefined ? base : `${base}/${encodeURIComponent(originalIdentity)}`;
  }

  private remember(session: ConsoleSession): ConsoleSession {
    this.csrfToken = session.csrfToken;
    return session;
  }

  private async call<T = void>(method: string, path: string, options: { body?: unknown; query?: Query; headers?: Record<string, string> } = {}): Promise<T> {
    const headers = new Headers({ accept: 'application/json, application/problem+json', ...options.headers });
    if (options.body !== undefined) headers.set('content-type', 'application/json');
    if (!SAFE_METHODS.has(method) && this.csrfToken) headers.set('x-csrf-token', this.csrfToken);
    let response: Response;
    try {
      response = await fetch(this.url(path, options.query), {
        method,
        headers,
        credentials: 'include',
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (cause) {
      throw new ConsoleApiError('network', 'The console API could not be reached', { cause });
    }
    if (!response.ok) {
      const error = await refusal(response);
      if (error.code === 'console_session_required' && this.csrfToken !== undefined) {
        this.csrfToken = undefined;
        this.dispatchEvent(new Event(SESSION_ENDED));
      }
      throw error;
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}${path}`, globalThis.location?.href);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    return url.href;
  }
}

/** The version an edit started from, so a stale one is refused `edit_conflict` instead of overwriting. */
function ifMatch(version: number): Record<string, string> {
  return { 'if-match': `"${version}"` };
}

async function refusal(response: Response): Promise<ConsoleApiError> {
  const problem = await readProblem(response);
  const code = typeof problem?.code === 'string' ? problem.code : 'unknown';
  return new ConsoleApiError(code, problem?.detail ?? problem?.title ?? `HTTP ${response.status}`, { status: response.status, problem: problem ?? undefined });
}

/** The version an `edit_conflict` refusal says is the stored one now, when it says. */
export function conflictVersion(error: unknown): number | undefined {
  if (!(error instanceof ConsoleApiError) || error.code !== 'edit_conflict') return undefined;
  const current = error.problem?.currentVersion;
  return typeof current === 'number' ? current : undefined;
}

/** The validation errors an `invalid_policy` refusal lists, for the editor to show on their nodes. */
export function policyProblems(error: unknown): PolicyProblem[] {
  if (!(error instanceof ConsoleApiError) || error.code !== 'invalid_policy') return [];
  const errors = error.problem?.errors;
  return Array.isArray(errors) ? (errors as PolicyProblem[]) : [];
}
