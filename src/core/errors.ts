/**
 * Every `code` a {@link GuardError} can carry. Codes the backend answers are its stable problem+json `code`s
 * (`server-mock/src/stepup/service.ts`, `server-mock/src/http/routes/*.ts`); the rest arise in the browser.
 * Each code is also the i18n key `errors.<code>`, so every error a user can see has a translation.
 */
export const GUARD_ERROR_CODES = [
  // Browser-side outcomes.
  'cancelled',
  'network',
  'timeout',
  'unknown',
  'unsupported_factor',
  // Step-up state (any step-up endpoint).
  'invalid_state_token',
  'state_token_used',
  'expired',
  'factor_not_offered',
  'enrolment_not_allowed',
  // Codes and factors.
  'invalid_code',
  'code_expired',
  'code_used',
  'too_many_attempts',
  'challenge_not_found',
  'factor_not_enrolled',
  'locked',
  // SMS and e-mail delivery.
  'no_destination',
  'channel_unavailable',
  'delivery_failed',
  'cooldown',
  'rate_limited',
  // Login.
  'invalid_credentials',
  'invalid_login',
  'unknown_app',
  // Event stream and business APIs.
  'invalid_token',
  'forbidden',
  'invalid_last_event_id',
  'insufficient_user_authentication',
  'backend_unavailable',
  // Face (the backend's refusals of frames and comparisons; the camera's in the browser).
  'face_frame_invalid',
  'face_not_found',
  'face_multiple',
  'face_too_small',
  'face_mismatch',
  'face_not_live',
  'camera_unavailable',
  'camera_denied',
  // Requests the browser library got wrong, or a backend that failed.
  'invalid_request',
  'invalid_identifier',
  'invalid_text',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'origin_not_allowed',
  'not_found',
  'internal_error',
  // Passkeys: the browser's refusal (user cancelled or timed out), then the backend's codes.
  'passkey_cancelled',
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

export type GuardErrorCode = (typeof GUARD_ERROR_CODES)[number];

/** An RFC 9457 problem document as the backend sends it (extension members included). */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  /** `locked`, `cooldown` and `rate_limited` say when to try again (ISO 8601). */
  retryAt?: string;
  [extension: string]: unknown;
}

export interface GuardErrorOptions {
  cause?: unknown;
  /** HTTP status, when the error came from an answer. */
  status?: number;
  problem?: ProblemDetails;
}

const KNOWN = new Set<string>(GUARD_ERROR_CODES);

/**
 * The one error type of the browser library. Components render `t(\`errors.${error.code}\`)` and emit it in
 * `guard-error`; `Guard` methods reject with it.
 */
export class GuardError extends Error {
  readonly code: GuardErrorCode;
  readonly status: number | undefined;
  readonly problem: ProblemDetails | undefined;

  constructor(code: GuardErrorCode, message?: string, options: GuardErrorOptions = {}) {
    super(message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GuardError';
    this.code = code;
    this.status = options.status;
    this.problem = options.problem;
  }

  /** When the backend allows the next attempt (`locked`, `cooldown`, `rate_limited`). */
  get retryAt(): Date | undefined {
    const value = this.problem?.retryAt;
    return typeof value === 'string' ? new Date(value) : undefined;
  }

  /**
   * An error from a problem document. A code this version does not know (a newer backend) becomes `unknown`
   * so it still has a translation; `problem.code` keeps the original.
   */
  static fromProblem(status: number, problem: ProblemDetails): GuardError {
    const code = typeof problem.code === 'string' && KNOWN.has(problem.code) ? (problem.code as GuardErrorCode) : 'unknown';
    return new GuardError(code, problem.detail ?? problem.title ?? `HTTP ${status}`, { status, problem });
  }

  /** Anything thrown, as a GuardError (errors that already are one pass through). */
  static from(error: unknown): GuardError {
    if (error instanceof GuardError) return error;
    if (error instanceof DOMException && error.name === 'AbortError') return new GuardError('cancelled', 'Cancelled', { cause: error });
    return new GuardError('unknown', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Whether a step-up cannot go on after this error (a new trigger is needed), as opposed to "try another code". */
export function endsStepUp(error: GuardError): boolean {
  return error.code === 'cancelled' || error.code === 'expired' || error.code === 'invalid_state_token' || error.code === 'state_token_used';
}
