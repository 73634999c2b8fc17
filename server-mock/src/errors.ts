/**
 * What the domain (step-up, login, users, workflows) refuses, without saying how it is answered: no status, no
 * header. `http/errors.ts` maps each code to its status in one table, so a service never imports the
 * transport and a new code cannot ship without an answer (the table is keyed by this union).
 */
export type DomainErrorCode =
  // The stateToken behind a step-up.
  | 'invalid_state_token'
  | 'state_token_used'
  | 'expired'
  // Which factors the step-up offers and may enrol.
  | 'factor_not_offered'
  | 'factor_not_enrolled'
  | 'enrolment_not_allowed'
  // One-time codes and their delivery.
  | 'no_destination'
  | 'channel_unavailable'
  | 'delivery_failed'
  | 'invalid_code'
  | 'code_expired'
  | 'code_used'
  | 'too_many_attempts'
  | 'challenge_not_found'
  | 'cooldown'
  | 'rate_limited'
  // Lockout (NIST SP 800-63B-4 §3.2.3).
  | 'locked'
  // Face: frames the models cannot use, then comparisons that fail.
  | 'face_frame_invalid'
  | 'face_not_found'
  | 'face_multiple'
  | 'face_too_small'
  | 'face_mismatch'
  | 'face_not_live'
  // Passkeys.
  | 'passkeys_unavailable'
  | 'invalid_challenge'
  | 'challenge_used'
  | 'challenge_expired'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'user_not_verified'
  | 'counter_regression'
  | 'unknown_credential'
  | 'passkey_exists'
  | 'invalid_passkey'
  // Login against the built-in user directory.
  | 'unknown_app'
  | 'invalid_login'
  | 'invalid_credentials'
  // The built-in user directory.
  | 'user_exists'
  | 'user_not_found'
  | 'user_conflict'
  // Workflows and policy documents.
  | 'workflow_not_found'
  | 'invalid_policy'
  // Apps created at run time (console, admin API).
  | 'app_exists'
  | 'app_read_only'
  | 'edit_conflict';

/** The codes whose refusal ends at a known time, so they can say when to come back. */
export type RetryableCode = Extract<DomainErrorCode, 'locked' | 'cooldown' | 'rate_limited'>;

/**
 * Thrown by services. `code` is stable: clients and the UI key on it. `detail` must never carry a secret;
 * `extra` holds the problem's extension members (`retryAt`, `field`, `errors`, `frame`) as plain data.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    /** Seconds until a retry may succeed, counted on the server's clock. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? code);
    this.name = 'DomainError';
  }

  /**
   * A refusal that says when to come back: `retryAt` (ISO 8601) for clients that show a time, and the
   * seconds until then for those that only wait. `now` is the server's clock, not the client's, so the
   * two always agree.
   */
  static retryLater(code: RetryableCode, detail: string, retry: { at: number; now: number }): DomainError {
    const seconds = Math.max(0, Math.ceil((retry.at - retry.now) / 1000));
    return new DomainError(code, detail, { retryAt: new Date(retry.at).toISOString() }, seconds);
  }
}
