import {
  BUSINESS_API_ERROR_CODES,
  LOGIN_ERROR_CODES,
  REQUEST_ERROR_CODES,
  STEP_UP_ERROR_CODES,
  TOKEN_ERROR_CODES,
} from '../../server-mock/src/protocol/index.js';

/**
 * Every `code` a {@link GuardError} can carry: the outcomes that arise in the browser, then the groups of the
 * protocol's codes (`server-mock/src/protocol/errors.ts`) the endpoints the browser calls answer. Each code is
 * also the i18n key `errors.<code>`, so every error a user can see has a translation.
 */
export const GUARD_ERROR_CODES = [
  'cancelled',
  'network',
  'timeout',
  'unknown',
  'unsupported_factor',
  // The camera, before the face factor's frames reach the backend.
  'camera_unavailable',
  'camera_denied',
  // Passkeys: the browser's refusal (the user cancelled or timed out).
  'passkey_cancelled',
  ...STEP_UP_ERROR_CODES,
  ...LOGIN_ERROR_CODES,
  // The event stream's token, and business APIs behind the SDK's middleware (`guard.fetch`).
  ...TOKEN_ERROR_CODES,
  ...BUSINESS_API_ERROR_CODES,
  // Requests the browser library got wrong, or a backend that failed.
  ...REQUEST_ERROR_CODES,
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
