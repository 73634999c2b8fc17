import type { DomainErrorCode } from './protocol/index.js';

/**
 * What the domain (step-up, login, users, workflows) refuses, without saying how it is answered: no status, no
 * header. The codes are the protocol's (`protocol/errors.ts`, which the browser and the SDK read too);
 * `http/errors.ts` maps each to its status in one table, so a service never imports the transport and a new
 * code cannot ship without an answer (the table is keyed by the union).
 */
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
