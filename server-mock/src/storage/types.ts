import type { AggregateResult, StatisticQuery } from '../policy/statistics.js';
import type { DecisionRecord, FactorType, UebaEvent } from '../protocol/index.js';

/**
 * The one storage interface of the backend. Adapters: SQLite (default, embedded file, WAL) and
 * PostgreSQL, both through Kysely; `storage.contract.ts` is the shared suite every adapter passes.
 * Every write resolves only once it is durable, so an acknowledged request survives a crash.
 */
export interface Storage extends FactorStorage, UserStorage, WebAuthnStorage, ConsoleStorage, AppStorage {
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
  /** Marks an unresolved trigger resolved (its step-up succeeded); true for the first caller only, so a stateToken works once. */
  resolveTrigger(id: string, resolvedAt: number): Promise<boolean>;

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

  /**
   * Every app's events with `seq > afterSeq`, oldest first, each with its `seq` (the order of insertion): what a
   * live view tails. On PostgreSQL a lower `seq` may commit after a higher one (see `console/live.ts`).
   */
  tailEvents(query: { afterSeq: number; limit: number }): Promise<{ seq: number; event: UebaEvent }[]>;
  /** `tailEvents` for decision records. */
  tailDecisions(query: { afterSeq: number; limit: number }): Promise<{ seq: number; decision: DecisionRecord }[]>;
  /** The highest `seq` of events and of decisions (0: none yet): where a live view starts. */
  tailHeads(): Promise<{ events: number; decisions: number }>;

  /**
   * Stores a new version of a workflow document and makes it the active one; returns the version number (1, 2, …).
   * With `expectedVersion` (0: none yet) it throws `VersionConflict` unless that is still the highest version.
   */
  saveWorkflowVersion(input: { workflowId: string; appId: string | null; source: string; createdAt: number; expectedVersion?: number }): Promise<number>;
  /** Every stored version of one workflow in its scope, newest first; `active` marks the one in force. */
  listWorkflowVersions(workflowId: string, appId: string | null): Promise<(WorkflowVersionRecord & { active: boolean })[]>;
  /** The highest version number of every workflow of a scope that has one, by workflow id (one query for a list). */
  highestWorkflowVersions(appId: string | null): Promise<Map<string, number>>;
  /** Creates or replaces the scope's one draft of a workflow. */
  saveWorkflowDraft(draft: WorkflowDraftRecord): Promise<void>;
  getWorkflowDraft(workflowId: string, appId: string | null): Promise<WorkflowDraftRecord | null>;
  /** Every draft of a scope (`appId: null`: the global ones), by workflow id. */
  listWorkflowDrafts(appId: string | null): Promise<WorkflowDraftRecord[]>;
  deleteWorkflowDraft(workflowId: string, appId: string | null): Promise<boolean>;
  /** One stored event of an app, or null. */
  getEvent(appId: string, id: string): Promise<UebaEvent | null>;
  /** Marks the workflow inactive (a later save re-activates it with a new version). */
  deactivateWorkflow(workflowId: string, appId: string | null): Promise<boolean>;
  /** The active version of every workflow, global (`appId: null`) and per app. */
  listActiveWorkflows(): Promise<WorkflowVersionRecord[]>;

  listKeys(): Promise<KeyRecord[]>;
  insertKey(key: KeyRecord): Promise<void>;
  retireKey(kid: string, retiredAt: number): Promise<void>;
  /** Replaces the key's private JWK only while it is still `expected` (compare-and-set: racing re-sealers agree). */
  replaceKeySecret(kid: string, expected: string, next: StoredSecret): Promise<void>;

  /** Returns the stored value, or stores `value` and returns it when none exists (first writer wins across instances). */
  getOrCreateSetting(name: string, value: string): Promise<string>;
  /** `getOrCreateSetting` for a secret: returns the stored one with how it is sealed, or stores `secret`. */
  getOrCreateSecretSetting(name: string, secret: StoredSecret): Promise<StoredSecret>;
  /** Replaces a secret setting only while its value is still `expected` (compare-and-set). */
  replaceSecretSetting(name: string, expected: string, next: StoredSecret): Promise<void>;
}

/**
 * A workflow's statistic (see `policy/statistics.ts`, which owns its shape) as storage runs it: within
 * one app or all of them, up to `now`, without the judged event.
 */
export interface AggregateQuery extends Omit<StatisticQuery, 'scope'> {
  /** null: across every app (e.g. one IP logging in to many apps). */
  appId: string | null;
  /** End of the window; events after it are ignored. */
  now: number;
  /** The event being judged, which must not count towards its own statistics. */
  excludeEventId?: string;
}

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

/** Stored as the console receives it: one shape, the protocol's. */
export type { DecisionRecord };

export interface WorkflowVersionRecord {
  workflowId: string;
  appId: string | null;
  version: number;
  source: string;
  createdAt: number;
}

/** An unpublished edit of a workflow: its text (valid or not yet), and the version it started from (0: none). */
export interface WorkflowDraftRecord {
  workflowId: string;
  appId: string | null;
  source: string;
  baseVersion: number;
  updatedAt: number;
  updatedBy: string;
}

/**
 * A secret as stored: `value` sealed (`sealSecret`) under the factor key `sealedBy`, or in clear when
 * `sealedBy` is null (rows written before migration 0006, sealed by the first start that has the keys).
 */
export interface StoredSecret {
  value: string;
  sealedBy: string | null;
}

export interface KeyRecord {
  kid: string;
  alg: string;
  /** JWK JSON of the private key, sealed with the context `signing-key:<kid>`. */
  privateJwk: StoredSecret;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
}

/** Factors whose enrolment the backend stores itself (WebAuthn and face have their own records). */
export type EnrolledFactorType = 'totp' | 'sms' | 'email' | 'face';
export type OtpChannel = 'sms' | 'email';

/**
 * One user's enrolment in a factor. `secret` and `destination` are opaque here: `factors/crypto.ts`
 * seals them (AES-256-GCM) before they reach storage, so a database reader sees no TOTP seed, phone
 * number or e-mail address.
 */
export interface FactorEnrolmentRecord {
  id: string;
  appId: string;
  originalIdentity: string;
  type: EnrolledFactorType;
  status: 'pending' | 'active';
  secret: string | null;
  destination: string | null;
  /** TOTP: the last time step accepted, so a code is never accepted twice (RFC 6238 §5.2). */
  lastUsedStep: number | null;
  createdAt: number;
  activatedAt: number | null;
}

/** An SMS or e-mail one-time code in flight. Only the code's keyed hash is stored. */
export interface OtpChallengeRecord {
  id: string;
  appId: string;
  originalIdentity: string;
  channel: OtpChannel;
  /** Sealed like an enrolment's destination. */
  destination: string;
  codeHash: string;
  expiresAt: number;
  /** Verification attempts over the challenge's whole life; a resend never lowers it. */
  attempts: number;
  consumedAt: number | null;
  lastSentAt: number;
  sends: number;
  createdAt: number;
}

export interface RecoveryCodeRecord {
  codeHash: string;
  createdAt: number;
  usedAt: number | null;
}

/**
 * A persisted counter for rate limits and lockouts. `windowEndsAt` null: the count never expires by
 * itself (consecutive failures); `lockedUntil` set: increments are refused until then.
 */
export interface CounterRecord {
  key: string;
  count: number;
  windowEndsAt: number | null;
  lockedUntil: number | null;
}

/** Storage for the factors in `server-mock/src/factors/`; part of `Storage`. */
export interface FactorStorage {
  insertFactorEnrolment(enrolment: FactorEnrolmentRecord): Promise<void>;
  getFactorEnrolment(id: string): Promise<FactorEnrolmentRecord | null>;
  /** Oldest first. */
  listFactorEnrolments(appId: string, originalIdentity: string): Promise<FactorEnrolmentRecord[]>;
  /**
   * Makes a pending enrolment active and removes the user's other enrolments of the same type, in one
   * transaction (one enrolment per factor type and user). False when the enrolment is not pending.
   */
  activateFactorEnrolment(input: { id: string; activatedAt: number; lastUsedStep: number | null }): Promise<boolean>;
  /** Raises an active enrolment's `lastUsedStep` to `step`; false, changing nothing, unless `step` is higher. */
  advanceFactorStep(id: string, step: number): Promise<boolean>;
  deleteFactorEnrolment(id: string): Promise<boolean>;

  insertOtpChallenge(challenge: OtpChallengeRecord): Promise<void>;
  getOtpChallenge(id: string): Promise<OtpChallengeRecord | null>;
  /**
   * Counts one verification attempt on a challenge that is unconsumed, unexpired at `now` and below
   * `maxAttempts`, and returns it as it is after counting; null (nothing counted) otherwise. Atomic, so
   * concurrent guesses can never exceed `maxAttempts` between them.
   */
  countOtpAttempt(input: { id: string; now: number; maxAttempts: number }): Promise<OtpChallengeRecord | null>;
  /** Marks the challenge used; true for the first caller only. */
  consumeOtpChallenge(id: string, consumedAt: number): Promise<boolean>;
  /**
   * Resend: replaces the code of a challenge that is unconsumed, unexpired at `sentAt`, below
   * `maxAttempts` and was last sent no later than `sentBefore`; adds one to `sends` and leaves `attempts`
   * alone. False, changing nothing, when any of that fails.
   */
  replaceOtpCode(input: { id: string; codeHash: string; expiresAt: number; sentAt: number; sentBefore: number; maxAttempts: number }): Promise<boolean>;

  /** Removes every recovery code of the user and stores the new set, in one transaction. */
  replaceRecoveryCodes(input: { appId: string; originalIdentity: string; codeHashes: string[]; createdAt: number }): Promise<void>;
  /** Used ones included, oldest first. */
  listRecoveryCodes(appId: string, originalIdentity: string): Promise<RecoveryCodeRecord[]>;
  /** Marks an unused code used; true for the first caller only. */
  useRecoveryCode(input: { appId: string; originalIdentity: string; codeHash: string; usedAt: number }): Promise<boolean>;

  /**
   * Adds one to the counter `key` (creating it at 1) and returns it, or returns null and changes nothing
   * when it is at `limit` or locked at `now`. A counter whose window has ended starts over at 1 with a new
   * window of `windowMs`; `windowMs` null keeps counting until the counter is deleted. Atomic.
   */
  incrementCounter(input: { key: string; now: number; limit: number; windowMs: number | null }): Promise<CounterRecord | null>;
  getCounter(key: string): Promise<CounterRecord | null>;
  /** Refuses increments until `lockedUntil`; no-op for a counter that does not exist. */
  lockCounter(key: string, lockedUntil: number): Promise<void>;
  deleteCounter(key: string): Promise<void>;

  /**
   * Records a token id (JWT `jti`) as used; true the first time only, across instances. The row may be
   * purged after `expiresAt`, when the token itself is no longer accepted.
   */
  consumeTokenId(jti: string, expiresAt: number): Promise<boolean>;
  /** Deletes used token ids and challenges past expiry, and counters whose window and lock have both ended. */
  purgeExpired(now: number): Promise<void>;
}

/** A passkey (WebAuthn credential) of a user. Nothing here is secret: the private key never leaves the authenticator. */
export interface WebAuthnCredentialRecord {
  id: string;
  appId: string;
  originalIdentity: string;
  /** The credential id, base64url; unique per app. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last accepted (0: the authenticator does not count). */
  counter: number;
  transports: string[];
  /** `singleDevice`: bound to one authenticator (amr `hwk`); `multiDevice`: synced (amr `swk`). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  aaguid: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export type WebAuthnPurpose = 'register' | 'stepup' | 'login';

/** A WebAuthn challenge handed to a browser; used once, bound to its app, user (null: discoverable login) and purpose. */
export interface WebAuthnChallengeRecord {
  id: string;
  appId: string;
  originalIdentity: string | null;
  purpose: WebAuthnPurpose;
  /** base64url, as in the options the browser received. */
  challenge: string;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
}

/** Storage for passkeys (`factors/webauthn.ts`); part of `Storage`. */
export interface WebAuthnStorage {
  /** False, storing nothing, when the app already has a credential with this credential id. */
  insertWebAuthnCredential(credential: WebAuthnCredentialRecord): Promise<boolean>;
  getWebAuthnCredential(appId: string, credentialId: string): Promise<WebAuthnCredentialRecord | null>;
  /** Oldest first. */
  listWebAuthnCredentials(appId: string, originalIdentity: string): Promise<WebAuthnCredentialRecord[]>;
  /**
   * Records a use: stores `counter`, `backedUp` and `lastUsedAt` only while the counter moves forward
   * (stored < `counter`, or both 0 for authenticators that do not count). False, changing nothing, otherwise,
   * so two instances cannot both accept the same signature counter.
   */
  recordWebAuthnUse(input: { id: string; counter: number; backedUp: boolean; usedAt: number }): Promise<boolean>;
  deleteWebAuthnCredential(input: { appId: string; originalIdentity: string; id: string }): Promise<boolean>;

  insertWebAuthnChallenge(challenge: WebAuthnChallengeRecord): Promise<void>;
  getWebAuthnChallenge(id: string): Promise<WebAuthnChallengeRecord | null>;
  /**
   * Marks the challenge used when it is unused, unexpired at `now` and bound to this app, user and purpose;
   * returns it, or null (changing nothing) for the first caller only.
   */
  consumeWebAuthnChallenge(input: {
    id: string;
    appId: string;
    originalIdentity: string | null;
    purpose: WebAuthnPurpose;
    now: number;
  }): Promise<WebAuthnChallengeRecord | null>;
}

/** A user of the built-in directory, for teams without a login system of their own. */
export interface UserRecord {
  appId: string;
  originalIdentity: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  /** scrypt hash (`users/password.ts`); null for users who never sign in with a password here. */
  passwordHash: string | null;
  roles: string[];
  groups: string[];
  department: string | null;
  attributes: Record<string, unknown>;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Storage for the user directory in `server-mock/src/users/`; part of `Storage`. */
export interface UserStorage {
  /** Creates or replaces the user (by app + originalIdentity). Throws `UniqueViolation` when username, email or phone belongs to another user of the app. */
  saveUser(user: UserRecord): Promise<void>;
  getUser(appId: string, originalIdentity: string): Promise<UserRecord | null>;
  /** The user whose username, email or phone (compared as stored: callers normalise) equals `login`. */
  findUserByLogin(appId: string, login: { username?: string; email?: string; phone?: string }): Promise<UserRecord | null>;
  deleteUser(appId: string, originalIdentity: string): Promise<boolean>;
  /** Ordered by originalIdentity, after `after` when given. */
  listUsers(query: { appId: string; limit: number; after?: string }): Promise<UserRecord[]>;
}

/** A compare-and-set write found another version than the one it expected: someone else wrote first. */
export class VersionConflict extends Error {
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`expected version ${expected}, found ${current}`);
    this.name = 'VersionConflict';
  }
}

/** A unique constraint refused a write; `field` names which value was taken. */
export class UniqueViolation extends Error {
  constructor(readonly field: string) {
    super(`${field} is already taken`);
    this.name = 'UniqueViolation';
  }
}

/**
 * A signed-in console administrator's session. Only a hash of the cookie value is stored, so a database
 * reader cannot replay a session; every instance sees the same sessions.
 */
export interface ConsoleSessionRecord {
  /** SHA-256 of the cookie value, base64url. */
  idHash: string;
  /** The administrator: a user of the console app in the directory. */
  adminName: string;
  createdAt: number;
  /** The session ends here unless used again before (idle timeout). */
  idleExpiresAt: number;
  /** The session ends here whatever happens (absolute timeout). */
  expiresAt: number;
}

/** One change made through the console: who, what, on which thing, and the thing before and after. */
export interface AuditEntryInput {
  at: number;
  actor: string;
  action: string;
  target: string;
  /** JSON values; null when the thing did not exist before (a creation) or after (a deletion). */
  before: unknown;
  after: unknown;
}

export interface AuditEntryRecord extends AuditEntryInput {
  /** Grows with every entry, across instances: the order and the page cursor. */
  id: number;
}

/** Storage for the admin console (`server-mock/src/console/`); part of `Storage`. */
export interface ConsoleStorage {
  insertConsoleSession(session: ConsoleSessionRecord): Promise<void>;
  getConsoleSession(idHash: string): Promise<ConsoleSessionRecord | null>;
  /** Moves the idle end of a session; no-op for a session that does not exist. */
  touchConsoleSession(idHash: string, idleExpiresAt: number): Promise<void>;
  deleteConsoleSession(idHash: string): Promise<boolean>;

  /** Appends an entry and returns it with its id. */
  insertAuditEntry(entry: AuditEntryInput): Promise<AuditEntryRecord>;
  /** Newest first; with `before`, only entries older than that id. */
  listAuditEntries(query: { limit: number; before?: number }): Promise<AuditEntryRecord[]>;
}

/** An app created through the console or the admin API; apps of the config file are never stored. */
export interface StoredAppRecord {
  id: string;
  name: string;
  origins: string[];
  /** The switched-on factors; null: every factor. */
  factors: FactorType[] | null;
  /** "Trust this device" lifetime; null: not offered. */
  trustDeviceDays: number | null;
  /** What SDK clients of this app should do when the backend is unreachable; null: the config's `failMode`. */
  failMode: 'open' | 'closed' | null;
  /** SHA-256 of the secret (base64url): all HTTP Basic needs, so the secret itself is never stored. */
  secretHash: string;
  /** 1 on creation, +1 on every change (optimistic concurrency). */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Storage for `server-mock/src/apps/`; part of `Storage`. */
export interface AppStorage {
  /** Stores a new app; false when the id is taken. */
  insertApp(app: StoredAppRecord): Promise<boolean>;
  getApp(id: string): Promise<StoredAppRecord | null>;
  /** Ordered by id. */
  listApps(): Promise<StoredAppRecord[]>;
  /** Replaces the app only while its stored version is still `expectedVersion` (compare-and-set: of two racing edits one wins). */
  replaceApp(app: StoredAppRecord, expectedVersion: number): Promise<boolean>;
  deleteApp(id: string): Promise<boolean>;
}
