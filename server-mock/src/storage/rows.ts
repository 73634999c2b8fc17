import type { Insertable, Selectable } from 'kysely';
import { type CustomValue, EVENT_FIELDS, type UebaEvent } from '../protocol/index.js';
import { EVENT_COLUMNS, GLOBAL_SCOPE } from './schema.js';
import type {
  ConsoleAuditTable,
  ConsoleSessionTable,
  AppTable,
  CounterTable,
  DecisionTable,
  FactorEnrolmentTable,
  MfaEventTable,
  OtpChallengeTable,
  RecoveryCodeTable,
  SigningKeyTable,
  TriggerTable,
  UebaEventTable,
  UserStatusTable,
  UserTable,
  WebAuthnChallengeTable,
  WebAuthnCredentialTable,
  WorkflowDraftTable,
  WorkflowVersionTable,
} from './schema.js';
import type {
  AuditEntryRecord,
  ConsoleSessionRecord,
  CounterRecord,
  StoredAppRecord,
  DecisionRecord,
  FactorEnrolmentRecord,
  KeyRecord,
  MfaEventRecord,
  OtpChallengeRecord,
  RecoveryCodeRecord,
  TriggerRecord,
  UserRecord,
  UserStatusRecord,
  WebAuthnChallengeRecord,
  WebAuthnCredentialRecord,
  WorkflowDraftRecord,
  WorkflowVersionRecord,
} from './types.js';

/** Converts between records and rows; the only place that knows BIGINT comes back as a string from `pg`. */

const millis = (value: number | string): number => Number(value);
const optionalMillis = (value: number | string | null): number | null => (value === null ? null : Number(value));
/** jsonb arrives parsed from `pg`; JSON in a text column arrives as text. */
const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

/** The stored event columns a caller may name, decoded to the event's own value types. */
export function decodeColumn(kind: 'text' | 'number' | 'boolean', raw: unknown): CustomValue {
  if (raw === null || raw === undefined) return null;
  if (kind === 'number') return Number(raw);
  if (kind === 'boolean') return Number(raw) === 1;
  return String(raw);
}

export function eventToRow(event: UebaEvent): Insertable<UebaEventTable> {
  return {
    id: event.id,
    app_id: event.appId,
    request_date: event.requestDate,
    original_identity: event.originalIdentity,
    ip: event.ip,
    country: event.country,
    province: event.province,
    city: event.city,
    latitude: event.latitude,
    longitude: event.longitude,
    intranet: event.intranet ? 1 : 0,
    trusted_device: event.trustedDevice ? 1 : 0,
    ua: event.ua,
    device_type: event.deviceType,
    system_type: event.systemType,
    browser_type: event.browserType,
    behavior_type: event.behaviorType,
    behavior_result: event.behaviorResult,
    resources_type: event.resourcesType,
    action_type: event.actionType,
    login_type: event.loginType,
    device_id: event.deviceId,
    custom: JSON.stringify(event.custom),
  };
}

export function eventFromRow(row: Selectable<UebaEventTable>): UebaEvent {
  const fields: Record<string, CustomValue> = {};
  for (const field of EVENT_FIELDS) {
    const { column, kind } = EVENT_COLUMNS[field];
    fields[field] = decodeColumn(kind, row[column]);
  }
  return { id: row.id, ...fields, custom: parseJson(row.custom) } as UebaEvent;
}

export function triggerToRow(trigger: TriggerRecord): Insertable<TriggerTable> {
  return {
    id: trigger.id,
    app_id: trigger.appId,
    original_identity: trigger.originalIdentity,
    workflow_id: trigger.workflowId,
    workflow_version: trigger.workflowVersion,
    rule_id: trigger.ruleId,
    message: trigger.message,
    factors: JSON.stringify(trigger.factors),
    acr: trigger.acr,
    custom: JSON.stringify(trigger.custom),
    created_at: trigger.createdAt,
    expires_at: trigger.expiresAt,
    resolved_at: trigger.resolvedAt,
  };
}

export function triggerFromRow(row: Selectable<TriggerTable>): TriggerRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    ruleId: row.rule_id,
    message: row.message,
    factors: parseJson(row.factors) as TriggerRecord['factors'],
    acr: row.acr,
    custom: parseJson(row.custom) as TriggerRecord['custom'],
    createdAt: millis(row.created_at),
    expiresAt: millis(row.expires_at),
    resolvedAt: optionalMillis(row.resolved_at),
  };
}

export function mfaEventFromRow(row: Selectable<MfaEventTable>): MfaEventRecord {
  return {
    seq: Number(row.seq),
    type: row.type,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    triggerId: row.trigger_id,
    publishedAt: millis(row.published_at),
  };
}

export function userStatusFromRow(row: Selectable<UserStatusTable>): UserStatusRecord {
  return {
    appId: row.app_id,
    originalIdentity: row.original_identity,
    pendingTriggerId: row.pending_trigger_id,
    updatedAt: millis(row.updated_at),
  };
}

export function decisionToRow(decision: DecisionRecord): Insertable<DecisionTable> {
  return {
    id: decision.id,
    app_id: decision.appId,
    original_identity: decision.originalIdentity,
    workflow_id: decision.workflowId,
    workflow_version: decision.workflowVersion,
    mode: decision.mode,
    event_id: decision.eventId,
    hit: decision.hit ? 1 : 0,
    rule_id: decision.ruleId,
    // An absent explanation is stored as JSON null so the column never holds non-JSON.
    explanation: JSON.stringify(decision.explanation ?? null),
    created_at: decision.createdAt,
  };
}

export function decisionFromRow(row: Selectable<DecisionTable>): DecisionRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    workflowId: row.workflow_id,
    workflowVersion: row.workflow_version,
    mode: row.mode,
    eventId: row.event_id,
    hit: Number(row.hit) === 1,
    ruleId: row.rule_id,
    explanation: parseJson(row.explanation),
    createdAt: millis(row.created_at),
  };
}

export const appScope = (appId: string | null): string => appId ?? GLOBAL_SCOPE;

export function workflowFromRow(row: Selectable<WorkflowVersionTable>): WorkflowVersionRecord {
  return {
    workflowId: row.workflow_id,
    appId: row.app_scope === GLOBAL_SCOPE ? null : row.app_scope,
    version: row.version,
    source: row.source,
    createdAt: millis(row.created_at),
  };
}

export function draftFromRow(row: Selectable<WorkflowDraftTable>): WorkflowDraftRecord {
  return {
    workflowId: row.workflow_id,
    appId: row.app_scope === GLOBAL_SCOPE ? null : row.app_scope,
    source: row.source,
    baseVersion: Number(row.base_version),
    updatedAt: millis(row.updated_at),
    updatedBy: row.updated_by,
  };
}

export function keyToRow(key: KeyRecord): Insertable<SigningKeyTable> {
  return {
    kid: key.kid,
    alg: key.alg,
    private_jwk: key.privateJwk.value,
    sealed_by: key.privateJwk.sealedBy,
    public_jwk: key.publicJwk,
    created_at: key.createdAt,
    retired_at: key.retiredAt,
  };
}

export function keyFromRow(row: Selectable<SigningKeyTable>): KeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    privateJwk: { value: row.private_jwk, sealedBy: row.sealed_by },
    publicJwk: row.public_jwk,
    createdAt: millis(row.created_at),
    retiredAt: optionalMillis(row.retired_at),
  };
}

export function enrolmentToRow(enrolment: FactorEnrolmentRecord): Insertable<FactorEnrolmentTable> {
  return {
    id: enrolment.id,
    app_id: enrolment.appId,
    original_identity: enrolment.originalIdentity,
    type: enrolment.type,
    status: enrolment.status,
    secret: enrolment.secret,
    destination: enrolment.destination,
    last_used_step: enrolment.lastUsedStep,
    created_at: enrolment.createdAt,
    activated_at: enrolment.activatedAt,
  };
}

export function enrolmentFromRow(row: Selectable<FactorEnrolmentTable>): FactorEnrolmentRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    type: row.type,
    status: row.status,
    secret: row.secret,
    destination: row.destination,
    lastUsedStep: optionalMillis(row.last_used_step),
    createdAt: millis(row.created_at),
    activatedAt: optionalMillis(row.activated_at),
  };
}

export function challengeToRow(challenge: OtpChallengeRecord): Insertable<OtpChallengeTable> {
  return {
    id: challenge.id,
    app_id: challenge.appId,
    original_identity: challenge.originalIdentity,
    channel: challenge.channel,
    destination: challenge.destination,
    code_hash: challenge.codeHash,
    expires_at: challenge.expiresAt,
    attempts: challenge.attempts,
    consumed_at: challenge.consumedAt,
    last_sent_at: challenge.lastSentAt,
    sends: challenge.sends,
    created_at: challenge.createdAt,
  };
}

export function challengeFromRow(row: Selectable<OtpChallengeTable>): OtpChallengeRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    channel: row.channel,
    destination: row.destination,
    codeHash: row.code_hash,
    expiresAt: millis(row.expires_at),
    attempts: Number(row.attempts),
    consumedAt: optionalMillis(row.consumed_at),
    lastSentAt: millis(row.last_sent_at),
    sends: Number(row.sends),
    createdAt: millis(row.created_at),
  };
}

export function recoveryCodeFromRow(row: Selectable<RecoveryCodeTable>): RecoveryCodeRecord {
  return { codeHash: row.code_hash, createdAt: millis(row.created_at), usedAt: optionalMillis(row.used_at) };
}

export function counterFromRow(row: Selectable<CounterTable>): CounterRecord {
  return { key: row.key, count: Number(row.count), windowEndsAt: optionalMillis(row.window_ends_at), lockedUntil: optionalMillis(row.locked_until) };
}

export function userToRow(user: UserRecord): Insertable<UserTable> {
  return {
    app_id: user.appId,
    original_identity: user.originalIdentity,
    username: user.username,
    email: user.email,
    phone: user.phone,
    password_hash: user.passwordHash,
    roles: JSON.stringify(user.roles),
    groups: JSON.stringify(user.groups),
    department: user.department,
    attributes: JSON.stringify(user.attributes),
    disabled: user.disabled ? 1 : 0,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export function userFromRow(row: Selectable<UserTable>): UserRecord {
  return {
    appId: row.app_id,
    originalIdentity: row.original_identity,
    username: row.username,
    email: row.email,
    phone: row.phone,
    passwordHash: row.password_hash,
    roles: parseJson(row.roles) as string[],
    groups: parseJson(row.groups) as string[],
    department: row.department,
    attributes: parseJson(row.attributes) as Record<string, unknown>,
    disabled: row.disabled === 1,
    createdAt: millis(row.created_at),
    updatedAt: millis(row.updated_at),
  };
}

export function webAuthnCredentialToRow(credential: WebAuthnCredentialRecord): Insertable<WebAuthnCredentialTable> {
  return {
    id: credential.id,
    app_id: credential.appId,
    original_identity: credential.originalIdentity,
    credential_id: credential.credentialId,
    public_key: credential.publicKey,
    counter: credential.counter,
    transports: JSON.stringify(credential.transports),
    device_type: credential.deviceType,
    backed_up: credential.backedUp ? 1 : 0,
    aaguid: credential.aaguid,
    name: credential.name,
    created_at: credential.createdAt,
    last_used_at: credential.lastUsedAt,
  };
}

export function webAuthnCredentialFromRow(row: Selectable<WebAuthnCredentialTable>): WebAuthnCredentialRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: parseJson(row.transports) as string[],
    deviceType: row.device_type,
    backedUp: Number(row.backed_up) === 1,
    aaguid: row.aaguid,
    name: row.name,
    createdAt: millis(row.created_at),
    lastUsedAt: optionalMillis(row.last_used_at),
  };
}

/** A discoverable login's challenge names no user; the column stores that as the empty string. */
export function webAuthnChallengeToRow(challenge: WebAuthnChallengeRecord): Insertable<WebAuthnChallengeTable> {
  return {
    id: challenge.id,
    app_id: challenge.appId,
    original_identity: challenge.originalIdentity ?? '',
    purpose: challenge.purpose,
    challenge: challenge.challenge,
    expires_at: challenge.expiresAt,
    consumed_at: challenge.consumedAt,
    created_at: challenge.createdAt,
  };
}

export function webAuthnChallengeFromRow(row: Selectable<WebAuthnChallengeTable>): WebAuthnChallengeRecord {
  return {
    id: row.id,
    appId: row.app_id,
    originalIdentity: row.original_identity === '' ? null : row.original_identity,
    purpose: row.purpose,
    challenge: row.challenge,
    expiresAt: millis(row.expires_at),
    consumedAt: optionalMillis(row.consumed_at),
    createdAt: millis(row.created_at),
  };
}

export function consoleSessionToRow(session: ConsoleSessionRecord): Insertable<ConsoleSessionTable> {
  return {
    id_hash: session.idHash,
    admin_name: session.adminName,
    created_at: session.createdAt,
    idle_expires_at: session.idleExpiresAt,
    expires_at: session.expiresAt,
  };
}

export function consoleSessionFromRow(row: Selectable<ConsoleSessionTable>): ConsoleSessionRecord {
  return {
    idHash: row.id_hash,
    adminName: row.admin_name,
    createdAt: millis(row.created_at),
    idleExpiresAt: millis(row.idle_expires_at),
    expiresAt: millis(row.expires_at),
  };
}

export function auditEntryFromRow(row: Selectable<ConsoleAuditTable>): AuditEntryRecord {
  return {
    id: Number(row.seq),
    at: millis(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: parseJson(row.before),
    after: parseJson(row.after),
  };
}

export function appToRow(app: StoredAppRecord): Insertable<AppTable> {
  return {
    id: app.id,
    name: app.name,
    origins: JSON.stringify(app.origins),
    factors: app.factors === null ? null : JSON.stringify(app.factors),
    trust_device_days: app.trustDeviceDays,
    fail_mode: app.failMode,
    secret_hash: app.secretHash,
    version: app.version,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function appFromRow(row: Selectable<AppTable>): StoredAppRecord {
  return {
    id: row.id,
    name: row.name,
    origins: parseJson(row.origins) as string[],
    factors: row.factors === null ? null : (parseJson(row.factors) as StoredAppRecord['factors']),
    trustDeviceDays: row.trust_device_days,
    failMode: row.fail_mode,
    secretHash: row.secret_hash,
    version: Number(row.version),
    createdAt: millis(row.created_at),
    updatedAt: millis(row.updated_at),
  };
}
