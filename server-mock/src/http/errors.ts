import { STATUS_CODES } from 'node:http';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { DomainError } from '../errors.js';
import type { DomainErrorCode, WireErrorCode } from '../protocol/index.js';

/** A field-level validation problem, as listed in a 4xx problem's `errors`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Thrown by handlers; `problemHandler` turns it into `application/problem+json` (RFC 9457).
 * `code` is stable: clients and the UI key on it. `detail` must never carry a secret.
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: WireErrorCode,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    /** Seconds until a retry may succeed; answered as `Retry-After` (RFC 9110 §10.2.3). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? code);
    this.name = 'HttpError';
  }

  /**
   * A 423 or 429 that says when to come back: `retryAt` (ISO 8601) in the body for clients that show a
   * time, `Retry-After` in seconds for those that only read headers. `now` is the server's clock, not the
   * client's, so the two always agree.
   */
  static retryLater(status: 423 | 429, code: WireErrorCode, detail: string, retry: { at: number; now: number }): HttpError {
    const seconds = Math.max(0, Math.ceil((retry.at - retry.now) / 1000));
    return new HttpError(status, code, detail, { retryAt: new Date(retry.at).toISOString() }, seconds);
  }

  /**
   * A 400 listing the issues. Its `code` is `code`, unless an issue's refinement names a more precise one
   * in `params.code` (as `identifier` does): the first such wins, so one schema yields one stable code.
   */
  static fromZod(error: ZodError, code: WireErrorCode = 'invalid_request'): HttpError {
    const errors: FieldProblem[] = error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.join('.') || '(root)',
      message: issue.message,
    }));
    const first = errors[0];
    // The refinements of identifier.ts name protocol codes (`invalid_identifier`, `invalid_text`).
    const named = error.issues.map((issue) => (issue.code === 'custom' ? issue.params?.code : undefined)).find((value) => typeof value === 'string') as
      WireErrorCode | undefined;
    return new HttpError(400, named ?? code, first ? `${first.path}: ${first.message}` : 'Invalid request', { errors });
  }
}

/**
 * The status each domain refusal is answered with: the one place a service's `DomainError` meets HTTP.
 * Keyed by the whole `DomainErrorCode` union, so a new code does not compile until it has a status.
 */
const DOMAIN_STATUS = {
  invalid_state_token: 401,
  state_token_used: 409,
  expired: 401,
  factor_not_offered: 403,
  factor_not_enrolled: 409,
  enrolment_not_allowed: 403,
  no_destination: 409,
  channel_unavailable: 409,
  // The provider failed, not the user or this server.
  delivery_failed: 502,
  invalid_code: 400,
  code_expired: 400,
  code_used: 400,
  too_many_attempts: 429,
  challenge_not_found: 404,
  cooldown: 429,
  rate_limited: 429,
  locked: 423,
  // A frame the models cannot use is well-formed but unprocessable; a comparison that fails is a wrong answer.
  face_frame_invalid: 422,
  face_not_found: 422,
  face_multiple: 422,
  face_too_small: 422,
  face_mismatch: 400,
  face_not_live: 400,
  passkeys_unavailable: 409,
  invalid_challenge: 400,
  challenge_used: 409,
  challenge_expired: 400,
  origin_mismatch: 400,
  rp_id_mismatch: 400,
  user_not_verified: 400,
  counter_regression: 400,
  unknown_credential: 401,
  passkey_exists: 409,
  invalid_passkey: 400,
  unknown_app: 404,
  invalid_login: 400,
  // The same for an unknown login, a wrong secret and a disabled user.
  invalid_credentials: 401,
  user_exists: 409,
  user_not_found: 404,
  user_conflict: 409,
  factor_not_found: 404,
  workflow_not_found: 404,
  invalid_policy: 422,
  invalid_query: 400,
  edit_conflict: 409,
  invalid_admin: 400,
  admin_exists: 409,
  // The same for every refused token, so the answer does not say which check failed.
  console_sign_in_refused: 401,
  console_session_required: 401,
  csrf_token_invalid: 403,
  console_role_forbidden: 403,
  app_exists: 409,
  // Config apps change only in the config file.
  app_read_only: 409,
  event_not_found: 404,
  gateway_not_configured: 404,
  gateway_host_not_allowed: 403,
  gateway_untrusted_proxy: 403,
  gateway_session_required: 401,
  // The same for every refused token, as the console's sign-in.
  gateway_sign_in_refused: 401,
  gateway_origin_not_allowed: 403,
  gateway_redirect_not_allowed: 400,
} as const satisfies Record<DomainErrorCode, ContentfulStatusCode>;

/** The transport's view of a domain refusal: its status from the table, everything else as the service said. */
export function fromDomain(error: DomainError): HttpError {
  return new HttpError(DOMAIN_STATUS[error.code], error.code, error.detail, error.extra, error.retryAfterSeconds);
}

/** RFC 9110's names where Node's table still has the older RFC 7231 ones; every other status reads from Node's. */
const TITLES: Record<number, string> = {
  413: 'Content Too Large',
  422: 'Unprocessable Content',
};

/** Answers a handler's `HttpError` or a service's `DomainError` as `application/problem+json`. */
export function problem(c: Context, thrown: HttpError | DomainError): Response {
  const error = thrown instanceof DomainError ? fromDomain(thrown) : thrown;
  const body = {
    type: `https://camfa-guard.dev/problems/${error.code}`,
    title: TITLES[error.status] ?? STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...error.extra,
  };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return c.body(JSON.stringify(body), error.status, headers);
}
