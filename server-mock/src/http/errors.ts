import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

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
    readonly code: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? code);
    this.name = 'HttpError';
  }

  static fromZod(error: ZodError, code = 'invalid_request'): HttpError {
    const errors: FieldProblem[] = error.issues.slice(0, 20).map((issue) => ({
      path: issue.path.join('.') || '(root)',
      message: issue.message,
    }));
    const first = errors[0];
    return new HttpError(400, code, first ? `${first.path}: ${first.message}` : 'Invalid request', { errors });
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(c: Context, error: HttpError): Response {
  const body = {
    type: `https://camfa-guard.dev/problems/${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...error.extra,
  };
  return c.body(JSON.stringify(body), error.status, { 'content-type': 'application/problem+json' });
}
