import type { ColumnType, Generated } from 'kysely';
import type { EventField } from '../protocol/index.js';

/**
 * Row shapes of the tables as Kysely sees them. Timestamps are epoch milliseconds in BIGINT columns,
 * which `pg` returns as strings: every read goes through `Number()`, hence `number | string`.
 * Booleans are stored as 0/1 integers in both dialects so filters bind the same values everywhere.
 */
type Millis = ColumnType<number | string, number, number>;
type Flag = ColumnType<number, number, number>;
/** JSON documents are written as text; PostgreSQL's jsonb comes back already parsed. */
type Json = ColumnType<unknown, string, string>;

export interface UebaEventTable {
  /** Insertion order; breaks ties between events with the same `request_date`. */
  seq: Generated<number | string>;
  id: string;
  app_id: string;
  request_date: Millis;
  original_identity: string;
  ip: string | null;
  country: string | null;
  province: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  intranet: Flag;
  trusted_device: Flag;
  ua: string | null;
  device_type: string | null;
  system_type: string | null;
  browser_type: string | null;
  behavior_type: string | null;
  behavior_result: string | null;
  resources_type: string | null;
  action_type: string | null;
  login_type: string | null;
  device_id: string | null;
  custom: Json;
}

export interface TriggerTable {
  id: string;
  app_id: string;
  original_identity: string;
  workflow_id: string;
  workflow_version: number;
  rule_id: string;
  message: string;
  factors: Json;
  acr: string;
  custom: Json;
  created_at: Millis;
  expires_at: Millis;
  resolved_at: Millis | null;
}

export interface MfaEventTable {
  seq: Generated<number | string>;
  type: 'security.mfa' | 'security.mfa.resolved';
  app_id: string;
  original_identity: string;
  trigger_id: string;
  published_at: Millis;
}

export interface UserStatusTable {
  app_id: string;
  original_identity: string;
  pending_trigger_id: string | null;
  updated_at: Millis;
}

export interface DecisionTable {
  seq: Generated<number | string>;
  id: string;
  app_id: string;
  original_identity: string;
  workflow_id: string;
  workflow_version: number;
  mode: 'api' | 'event';
  event_id: string | null;
  hit: Flag;
  rule_id: string | null;
  explanation: Json;
  created_at: Millis;
}

export interface WorkflowVersionTable {
  workflow_id: string;
  /** `GLOBAL_SCOPE` for workflows that apply to every app, so unique indexes see a real value. */
  app_scope: string;
  version: number;
  source: string;
  created_at: Millis;
  active: Flag;
}

export interface WorkflowDraftTable {
  workflow_id: string;
  /** `GLOBAL_SCOPE` as in `workflow_versions`. */
  app_scope: string;
  source: string;
  base_version: number;
  updated_at: Millis;
  updated_by: string;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  /** Id of the factor key that sealed `private_jwk`; null: clear (before migration 0006). */
  sealed_by: string | null;
  public_jwk: string;
  created_at: Millis;
  retired_at: Millis | null;
}

export interface SettingTable {
  name: string;
  value: string;
  /** Id of the factor key that sealed `value`; null for settings kept in clear. */
  sealed_by: string | null;
}

export interface FactorEnrolmentTable {
  id: string;
  app_id: string;
  original_identity: string;
  type: 'totp' | 'sms' | 'email' | 'face';
  status: 'pending' | 'active';
  secret: string | null;
  destination: string | null;
  /** A BIGINT time step, returned as a string by `pg` like the timestamps. */
  last_used_step: ColumnType<number | string | null, number | null, number | null>;
  created_at: Millis;
  activated_at: Millis | null;
}

export interface OtpChallengeTable {
  id: string;
  app_id: string;
  original_identity: string;
  channel: 'sms' | 'email';
  destination: string;
  code_hash: string;
  expires_at: Millis;
  attempts: number;
  consumed_at: Millis | null;
  last_sent_at: Millis;
  sends: number;
  created_at: Millis;
}

export interface RecoveryCodeTable {
  app_id: string;
  original_identity: string;
  code_hash: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface CounterTable {
  key: string;
  count: number;
  window_ends_at: Millis | null;
  locked_until: Millis | null;
}

export interface UsedTokenIdTable {
  jti: string;
  expires_at: Millis;
}

export interface Database {
  ueba_events: UebaEventTable;
  triggers: TriggerTable;
  mfa_events: MfaEventTable;
  user_status: UserStatusTable;
  decisions: DecisionTable;
  workflow_versions: WorkflowVersionTable;
  workflow_drafts: WorkflowDraftTable;
  signing_keys: SigningKeyTable;
  settings: SettingTable;
  factor_enrolments: FactorEnrolmentTable;
  otp_challenges: OtpChallengeTable;
  recovery_codes: RecoveryCodeTable;
  counters: CounterTable;
  used_token_ids: UsedTokenIdTable;
  users: UserTable;
  webauthn_credentials: WebAuthnCredentialTable;
  webauthn_challenges: WebAuthnChallengeTable;
  console_sessions: ConsoleSessionTable;
  console_audit: ConsoleAuditTable;
  apps: AppTable;
}

/** App ids are never empty, so the empty string can stand for "every app" in `workflow_versions`. */
export const GLOBAL_SCOPE = '';

export type FieldKind = 'text' | 'number' | 'boolean';
export type EventColumn = Exclude<keyof UebaEventTable, 'seq' | 'id' | 'custom'>;

/**
 * The only place an event field name becomes SQL: filters, statistics and group-bys look fields up
 * here and never interpolate what the caller wrote.
 */
export const EVENT_COLUMNS: Readonly<Record<EventField, { column: EventColumn; kind: FieldKind }>> = {
  appId: { column: 'app_id', kind: 'text' },
  requestDate: { column: 'request_date', kind: 'number' },
  originalIdentity: { column: 'original_identity', kind: 'text' },
  ip: { column: 'ip', kind: 'text' },
  country: { column: 'country', kind: 'text' },
  province: { column: 'province', kind: 'text' },
  city: { column: 'city', kind: 'text' },
  latitude: { column: 'latitude', kind: 'number' },
  longitude: { column: 'longitude', kind: 'number' },
  intranet: { column: 'intranet', kind: 'boolean' },
  trustedDevice: { column: 'trusted_device', kind: 'boolean' },
  ua: { column: 'ua', kind: 'text' },
  deviceType: { column: 'device_type', kind: 'text' },
  systemType: { column: 'system_type', kind: 'text' },
  browserType: { column: 'browser_type', kind: 'text' },
  behaviorType: { column: 'behavior_type', kind: 'text' },
  behaviorResult: { column: 'behavior_result', kind: 'text' },
  resourcesType: { column: 'resources_type', kind: 'text' },
  actionType: { column: 'action_type', kind: 'text' },
  loginType: { column: 'login_type', kind: 'text' },
  deviceId: { column: 'device_id', kind: 'text' },
};

export interface UserTable {
  app_id: string;
  original_identity: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  password_hash: string | null;
  roles: Json;
  groups: Json;
  department: string | null;
  attributes: Json;
  disabled: Flag;
  created_at: Millis;
  updated_at: Millis;
}

export interface WebAuthnCredentialTable {
  id: string;
  app_id: string;
  original_identity: string;
  credential_id: string;
  public_key: string;
  /** A BIGINT (signature counters are 32-bit unsigned), returned as a string by `pg`. */
  counter: ColumnType<number | string, number, number>;
  transports: Json;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: Flag;
  aaguid: string;
  name: string;
  created_at: Millis;
  last_used_at: Millis | null;
}

export interface WebAuthnChallengeTable {
  id: string;
  app_id: string;
  /** Empty for a discoverable login, which names no user. */
  original_identity: string;
  purpose: 'register' | 'stepup' | 'login';
  challenge: string;
  expires_at: Millis;
  consumed_at: Millis | null;
  created_at: Millis;
}

export interface ConsoleSessionTable {
  id_hash: string;
  admin_name: string;
  created_at: Millis;
  idle_expires_at: Millis;
  expires_at: Millis;
}

export interface ConsoleAuditTable {
  seq: Generated<number | string>;
  at: Millis;
  actor: string;
  action: string;
  target: string;
  before: Json;
  after: Json;
}

export interface AppTable {
  id: string;
  name: string;
  origins: Json;
  /** null: every factor. */
  factors: Json | null;
  trust_device_days: number | null;
  fail_mode: 'open' | 'closed' | null;
  secret_hash: string;
  version: number;
  created_at: Millis;
  updated_at: Millis;
}
