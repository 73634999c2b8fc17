/**
 * Why the SDK could not get an answer from the backend. Every one of these counts as a circuit-breaker
 * failure and lets `failMode` decide; a 4xx is an answer and never appears here.
 */
export type UnavailableReason = 'network' | 'timeout' | 'server_error' | 'invalid_response' | 'circuit_open';

/**
 * Codes the SDK produces itself. Codes in problem documents from the backend (`invalid_client`,
 * `invalid_request`, …) are passed through unchanged, so `code` is any string.
 */
export type CamfaSdkErrorCode = 'backend_unavailable' | 'http_error';

/** Options of the {@link CamfaError} constructor. */
export interface CamfaErrorOptions {
  status: number;
  code: CamfaSdkErrorCode | (string & {});
  detail?: string;
  /** Only for `code: 'backend_unavailable'`. */
  reason?: UnavailableReason;
  cause?: unknown;
}

/**
 * The one error type of `camfa-guard/server`.
 *
 * - The backend answered with an error (a 4xx, or a problem document): `status` and `code` are the
 *   backend's (`401` / `invalid_client` for a wrong secret), `detail` its explanation.
 * - The backend could not answer (refused, timed out, 5xx, garbled answer, circuit open):
 *   `code` is `'backend_unavailable'`, `status` is 503 and `reason` says why.
 *
 * It never carries the app secret or the `Authorization` header: messages are built from the status,
 * the code and the backend's `detail`, which the backend promises is secret-free.
 */
export class CamfaError extends Error {
  /** HTTP status: the backend's, or 503 when the backend could not be reached. */
  readonly status: number;
  /** Stable machine-readable code; key error handling and translations on it. */
  readonly code: CamfaSdkErrorCode | (string & {});
  /** Human-readable explanation for logs and developers, not for end users. */
  readonly detail: string | undefined;
  /** Why the backend was unavailable; set only when `code` is `'backend_unavailable'`. */
  readonly reason: UnavailableReason | undefined;

  constructor({ status, code, detail, reason, cause }: CamfaErrorOptions) {
    super(detail ? `${code}: ${detail}` : code, cause === undefined ? undefined : { cause });
    this.name = 'CamfaError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.reason = reason;
  }

  /** True when the backend gave no usable answer and a `failMode` may decide instead. */
  get unavailable(): boolean {
    return this.code === 'backend_unavailable';
  }
}

/** A `backend_unavailable` error; `detail` names what happened, for the log line. */
export function unavailable(reason: UnavailableReason, detail: string, cause?: unknown): CamfaError {
  return new CamfaError({ status: 503, code: 'backend_unavailable', reason, detail, cause });
}
