/**
 * Every problem+json `code` the backend answers, by who can be told it. The backend's `DomainError` and
 * `HttpError` take their codes from these lists (a code not listed here does not compile), the browser's
 * `GuardError` knows the groups its endpoints answer, and each of those codes is an i18n key there.
 */

/** A step-up's state token, its factors, one-time codes and their delivery, lockout, face and passkeys. */
export const STEP_UP_ERROR_CODES = [
  // The stateToken behind a step-up.
  'invalid_state_token',
  'state_token_used',
  'expired',
  // Which factors the step-up offers and may enrol.
  'factor_not_offered',
  'factor_not_enrolled',
  'enrolment_not_allowed',
  // One-time codes and their delivery.
  'no_destination',
  'channel_unavailable',
  'delivery_failed',
  'invalid_code',
  'code_expired',
  'code_used',
  'too_many_attempts',
  'challenge_not_found',
  'cooldown',
  'rate_limited',
  // Lockout (NIST SP 800-63B-4 §3.2.3).
  'locked',
  // Face: frames the models cannot use, then comparisons that fail.
  'face_frame_invalid',
  'face_not_found',
  'face_multiple',
  'face_too_small',
  'face_mismatch',
  'face_not_live',
  // Passkeys.
  'passkeys_unavailable',
  'invalid_challenge',
  'challenge_used',
  'challenge_expired',
  'origin_mismatch',
  'rp_id_mismatch',
  'user_not_verified',
  'counter_regression',
  'unknown_credential',
  'passkey_exists',
  'invalid_passkey',
] as const;

/** Login against the built-in user directory. */
export const LOGIN_ERROR_CODES = ['unknown_app', 'invalid_login', 'invalid_credentials'] as const;

/** The administration of users, workflows and decisions (admin token or app secret; never the browser library). */
export const ADMIN_ERROR_CODES = [
  'user_exists',
  'user_not_found',
  'user_conflict',
  'factor_not_found',
  'workflow_not_found',
  'invalid_policy',
  'invalid_query',
] as const;

/** The console's sessions and edits. */
export const CONSOLE_ERROR_CODES = [
  // Its administrators, sessions and the protection of every change.
  'invalid_admin',
  'admin_exists',
  'console_sign_in_refused',
  'console_session_required',
  'csrf_token_invalid',
  'console_role_forbidden',
  // Apps: an id taken, an app from the config file (it changes only there).
  'app_exists',
  'app_read_only',
  // Simulating a stored event that is not there (or not this app's).
  'event_not_found',
  // Someone else published or changed it since the version this edit started from: nothing was overwritten.
  'edit_conflict',
] as const;

/** Gateway access: the forward-auth check and the hosted sign-in and step-up pages. */
export const GATEWAY_ERROR_CODES = [
  // The app has no `gateway` section, or the check names a host it does not list.
  'gateway_not_configured',
  'gateway_host_not_allowed',
  // The check and the hosted pages believe forwarded headers from the configured proxies only.
  'gateway_untrusted_proxy',
  // No valid gateway session (none, forged, another app's, expired).
  'gateway_session_required',
  // The hosted pages: a token that signs no one in here, a page posted from elsewhere, a return to a host the app does not list.
  'gateway_sign_in_refused',
  'gateway_origin_not_allowed',
  'gateway_redirect_not_allowed',
] as const;

/** What the services refuse (`DomainError`): every group above. */
export const DOMAIN_ERROR_CODES = [...STEP_UP_ERROR_CODES, ...LOGIN_ERROR_CODES, ...ADMIN_ERROR_CODES, ...CONSOLE_ERROR_CODES, ...GATEWAY_ERROR_CODES] as const;

/** The problem `code` of an identifier that fails the shared check (`server-mock/src/identifier.ts`). */
export const INVALID_IDENTIFIER = 'invalid_identifier';
/** The problem `code` of stored free text holding a NUL. */
export const INVALID_TEXT = 'invalid_text';

/** Requests any endpoint can refuse before a service sees them, and a server that failed. */
export const REQUEST_ERROR_CODES = [
  'invalid_request',
  INVALID_IDENTIFIER,
  INVALID_TEXT,
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'origin_not_allowed',
  'not_found',
  'internal_error',
] as const;

/** Optimistic concurrency on the admin API: a change must say which version it edited (`If-Match`). */
export const PRECONDITION_ERROR_CODES = ['if_match_required', 'invalid_if_match'] as const;

/** The event stream's and the admin API's credentials (a subscription token, the admin token) and the stream's resume point. */
export const TOKEN_ERROR_CODES = ['invalid_token', 'forbidden', 'invalid_last_event_id'] as const;

/** A business system's HTTP Basic credentials (appId and appSecret): never the browser's. */
export const APP_AUTH_ERROR_CODES = ['invalid_client'] as const;

/** What the SDK's middleware answers a business API's caller (`guard.fetch` reads them). */
export const BUSINESS_API_ERROR_CODES = ['insufficient_user_authentication', 'backend_unavailable'] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];
export type PreconditionErrorCode = (typeof PRECONDITION_ERROR_CODES)[number];
export type TokenErrorCode = (typeof TOKEN_ERROR_CODES)[number];
export type AppAuthErrorCode = (typeof APP_AUTH_ERROR_CODES)[number];
export type BusinessApiErrorCode = (typeof BUSINESS_API_ERROR_CODES)[number];

/** Every code the backend and the SDK's middleware can answer. */
export type WireErrorCode = DomainErrorCode | RequestErrorCode | PreconditionErrorCode | TokenErrorCode | AppAuthErrorCode | BusinessApiErrorCode;
