/**
 * The shapes that cross the wire between the browser library, the Node SDK and the backend: what a business
 * system sends, what the browser-facing endpoints answer, what subscribers receive. The browser bundle imports
 * these as types only; nothing here does I/O or imports anything.
 */

export const FACTOR_TYPES = ['totp', 'sms', 'email', 'webauthn', 'face', 'recovery_code'] as const;

/** Digits of an SMS or e-mail code (and of a TOTP code): the backend makes them, the browser's code fields take them. */
export const OTP_DIGITS = 6;
export type FactorType = (typeof FACTOR_TYPES)[number];

export type FailMode = 'open' | 'closed';

/** Values a business system may put in an event's bounded `custom` map. */
export type CustomValue = string | number | boolean | null;

/**
 * The fields a business system sends to `meta.ueba.capture()` (the seed's UEBA table).
 * Geo, UA-derived and intranet fields are absent on purpose: the backend derives them.
 */
export interface UebaEventInput {
  originalIdentity: string;
  ip?: string;
  ua?: string;
  behaviorType?: string;
  behaviorResult?: string;
  resourcesType?: string;
  actionType?: string;
  loginType?: string;
  deviceId?: string;
  /** The `deviceToken` a step-up returned when the user chose "trust this device"; verified, never stored. */
  deviceToken?: string;
  custom?: Record<string, CustomValue>;
}

/** An event as stored: the input plus everything the backend derived itself. */
export interface UebaEvent {
  id: string;
  appId: string;
  /** Receipt time on the backend's clock; client clocks are not trusted for time windows. */
  requestDate: number;
  originalIdentity: string;
  ip: string | null;
  country: string | null;
  province: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  intranet: boolean;
  /** The request carried a valid "trust this device" binding for this user and deviceId. */
  trustedDevice: boolean;
  ua: string | null;
  deviceType: string | null;
  systemType: string | null;
  browserType: string | null;
  behaviorType: string | null;
  behaviorResult: string | null;
  resourcesType: string | null;
  actionType: string | null;
  loginType: string | null;
  deviceId: string | null;
  custom: Record<string, CustomValue>;
}

/** Fields of a stored event that filters, statistics and group-bys may name (plus `custom.<key>`). */
export const EVENT_FIELDS = [
  'appId',
  'requestDate',
  'originalIdentity',
  'ip',
  'country',
  'province',
  'city',
  'latitude',
  'longitude',
  'intranet',
  'trustedDevice',
  'ua',
  'deviceType',
  'systemType',
  'browserType',
  'behaviorType',
  'behaviorResult',
  'resourcesType',
  'actionType',
  'loginType',
  'deviceId',
] as const;
export type EventField = (typeof EVENT_FIELDS)[number];

export interface MfaFactorOffer {
  type: FactorType;
  enrolled: boolean;
}

/** Why a step-up is asked for: the rule that fired and its message for the user. */
export interface MfaTriggerReason {
  ruleId: string;
  /** The default text, English for the built-in templates; shown when `messages` has no entry for the user's language. */
  message: string;
  /** The message by language tag (`en`, `zh-CN`, `zh-TW`, `ja`, …), when the rule gave texts by language. */
  messages?: Record<string, string>;
}

/** What the browser needs to run a step-up (CONTRACT.md `MfaTriggerData`). */
export interface MfaTriggerData {
  stateToken: string;
  originalIdentity: string;
  factors: MfaFactorOffer[];
  reason: MfaTriggerReason;
  acr: string;
  /** ISO 8601. */
  expiresAt: string;
  host: string;
  appId: string;
}

/** A published MFA event as delivered to subscribers (SSE `data:` payload). */
export interface MfaEvent {
  /** Monotonic sequence number in the event log; the SSE `id:`. */
  id: string;
  type: 'security.mfa' | 'security.mfa.resolved';
  appId: string;
  originalIdentity: string;
  /** ISO 8601. */
  publishedAt: string;
  /** Present on `security.mfa`: the step-up to run. */
  trigger?: MfaTriggerData;
}

/** Answer of `checkUserStatus`. */
export interface UserMfaStatus {
  mfaVerified: boolean;
  pending?: MfaTriggerData;
  /** The backend was not reached in time; `failMode` decided `mfaVerified`. */
  degraded?: true;
}

/** One factor as the step-up screen shows it (`POST /v1/stepup/factors`). */
export interface StepUpFactor {
  type: FactorType;
  /** The user can prove it now. */
  enrolled: boolean;
  /** The user may set it up during this step-up (first enrolment only). */
  enrollable: boolean;
  /** Where a code goes, masked (`+44 •••• 0123`, `a•••@example.com`). */
  hint?: string;
}

/** Answer of every successful step-up verify call. */
export interface StepUpSuccess {
  /** The mfaToken JWT (`typ: mfa+jwt`), valid ≤ 5 minutes. */
  mfaToken: string;
  /** ISO 8601. */
  expiresAt: string;
  /** Shown once, after the user's first factor enrolment. */
  recoveryCodes?: string[];
  /** "Trust this device": the business system passes it with the deviceId in later UEBA events. */
  deviceToken?: string;
}

/** "Trust this device", on any verify call. */
export interface TrustRequest {
  trustDevice?: boolean;
  deviceId?: string;
}

/** The channels that deliver a one-time code. */
export type OtpChannel = 'sms' | 'email';

/** Answer of `POST /v1/stepup/factors`. */
export interface StepUpFactors {
  factors: StepUpFactor[];
  reason: MfaTriggerReason;
  acr: string;
  /** ISO 8601. */
  expiresAt: string;
  appName: string;
  /** Whether "trust this device" may be offered. */
  trustDevice: boolean;
}

/** Answer of `POST /v1/stepup/totp/enroll`: what the QR code encodes, and the secret for typing by hand. */
export interface TotpEnrolment {
  enrolmentId: string;
  secret: string;
  /** `otpauth://totp/…` */
  uri: string;
}

/** Answer of `POST /v1/stepup/otp/send`. */
export interface OtpSent {
  challengeId: string;
  expiresAt: string;
  resendAvailableAt: string;
  /** Masked destination. */
  sentTo: string;
}

/** Answer of `POST /v1/stepup/otp/resend`. */
export type OtpResent = Omit<OtpSent, 'sentTo'>;

/** The user as the built-in directory shows them. */
export interface GuardUser {
  originalIdentity: string;
  username?: string | null;
  email?: string | null;
  phone?: string | null;
  [field: string]: unknown;
}

/** Answer of `POST /v1/login`. */
export type LoginAnswer = { status: 'authenticated'; user: GuardUser; token: string; expiresAt: string } | { status: 'mfa_required'; mfa: MfaTriggerData };

/** What the login endpoints accept besides the credentials. */
export interface LoginMetadata {
  /** From `MetadataClient.load()`. */
  deviceId?: string;
  /** A "trust this device" binding from an earlier step-up (`StepUpSuccess.deviceToken`). */
  deviceToken?: string;
  custom?: Record<string, CustomValue>;
}

/** Answer of `POST /v1/login/code/send`; the same shape whether or not the login exists. */
export interface LoginCodeSent {
  challengeId: string;
  sentTo: string;
  channel: OtpChannel;
}

/**
 * Answer of the passkey options endpoints: `options` for SimpleWebAuthn's `startRegistration()` /
 * `startAuthentication()`, `challengeId` to send back with the browser's answer (each works once).
 */
export interface PasskeyChallenge<Options> {
  challengeId: string;
  /** ISO 8601; at most 5 minutes away. */
  expiresAt: string;
  options: Options;
}

/** A user of the backend's built-in directory, as the API shows it (never the password hash). */
export interface DirectoryUser {
  appId: string;
  originalIdentity: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  roles: string[];
  groups: string[];
  department: string | null;
  attributes: Record<string, unknown>;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Fields a directory user may be given; `password` is hashed by the backend (null removes it). */
export interface DirectoryUserChanges {
  username?: string | null;
  email?: string | null;
  /** E.164, e.g. `+447700900123`. */
  phone?: string | null;
  password?: string | null;
  roles?: string[];
  groups?: string[];
  department?: string | null;
  attributes?: Record<string, unknown>;
  disabled?: boolean;
}

/** A factor of a user, as `GET /v1/users/{id}/factors` lists it; passkeys (`webauthn`) carry the extra fields. */
export interface UserFactor {
  id: string;
  type: 'totp' | 'sms' | 'email' | 'webauthn';
  status: 'pending' | 'active';
  createdAt: number;
  activatedAt: number | null;
  /** Passkeys only. */
  name?: string;
  lastUsedAt?: number | null;
  /** Passkeys only: `singleDevice` (bound to one authenticator) or `multiDevice` (synced). */
  deviceType?: 'singleDevice' | 'multiDevice';
  backedUp?: boolean;
}

/** Answer of `GET /v1/users/{id}/factors`. */
export interface UserFactors {
  factors: UserFactor[];
  recoveryCodesLeft: number;
}

export const CONSOLE_ROLES = ['editor', 'viewer'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** A console administrator as the session endpoints show it. */
export interface ConsoleAdmin {
  name: string;
  role: ConsoleRole;
}

/** Answer of the console's session endpoints. */
export interface ConsoleSession {
  admin: ConsoleAdmin;
  csrfToken: string;
}

/** An app as the console and the admin API show it: never its secret. */
export interface ConsoleApp {
  id: string;
  name: string;
  origins: string[];
  /** The switched-on factors: a step-up offers no other. */
  factors: FactorType[];
  /** "Trust this device" lifetime; null: not offered. */
  trustDeviceDays: number | null;
  /** What this app's SDK clients should be configured with (the app's own, else the config's). */
  failMode: FailMode;
  /** `config` apps come from the config file and are read-only in the console. */
  source: 'config' | 'console';
  /** Sent back as `If-Match` so a stale edit is refused (`edit_conflict`) instead of overwriting. */
  version: number;
}

/** A user's pending step-up as the console shows it: why, until when, which factors; never its stateToken. */
export interface ConsolePendingStepUp {
  triggerId: string;
  reason: Pick<MfaTriggerReason, 'ruleId' | 'message'>;
  acr: string;
  /** ISO 8601. */
  expiresAt: string;
  /** Past its lifetime: the next `checkUserStatus` re-arms it with a fresh one. */
  expired: boolean;
  factors: MfaFactorOffer[];
  workflowId: string;
}

/** `GET /console/api/apps/{appId}/users/{id}/mfa-status` (and what clearing it answers). */
export interface ConsoleUserMfaStatus {
  mfaVerified: boolean;
  pending?: ConsolePendingStepUp;
}

/** One of a user's lockout counters (`GET /console/api/apps/{appId}/users/{id}/lockouts`): failing, or locked. */
export interface UserLockout {
  /** A step-up factor (`totp`, …), `login-passkey`, or a sign-in by login name: `password`, `login-sms`, `login-email`. */
  factor: string;
  /** A sign-in by login name: which of the user's directory fields that name is. */
  login?: 'username' | 'email' | 'phone';
  /** Consecutive failures so far (a success clears them). */
  failures: number;
  locked: boolean;
  /** Milliseconds since the epoch when the lock ends; null while locked: until an administrator resets it. */
  retryAt: number | null;
}

/**
 * A decision as the backend records it: what the console's Live stream sends and the Users page lists
 * (`GET /console/api/apps/{appId}/users/{id}/decisions`). `Explanation` is the engine's
 * (`policy/decision.ts`); the protocol imports nothing, so a reader that shows it names that type.
 */
export interface DecisionRecord<Explanation = unknown> {
  id: string;
  appId: string;
  originalIdentity: string;
  workflowId: string;
  workflowVersion: number;
  mode: 'api' | 'event';
  /** The stored UEBA event judged; null for a trigger that judged metadata it did not store. */
  eventId: string | null;
  hit: boolean;
  ruleId: string | null;
  /** Which nodes and rules fired, with the statistic values. */
  explanation: Explanation;
  /** Milliseconds since the epoch, on the backend's clock. */
  createdAt: number;
}

/** One entry of the console's audit log (`GET /console/api/audit`): who changed what, before and after, when. */
export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}
