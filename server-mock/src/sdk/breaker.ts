import type { Clock } from '../types.js';

/** `closed`: calls go through. `open`: calls fail at once. `half-open`: one probe call decides. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Tuning of the circuit breaker every client keeps in front of the backend. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe may go through. Default 10 000 ms. */
  coolDownMs?: number;
}

/**
 * A consecutive-failure circuit breaker. While the backend is down, callers get their `failMode`
 * answer immediately instead of each waiting out `timeoutMs`, and the backend is not hammered while it
 * recovers. Time comes from an injected clock so tests move it instead of sleeping.
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;

  constructor(
    options: BreakerOptions,
    private readonly clock: Clock,
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {
    this.failureThreshold = positiveInteger(options.failureThreshold ?? 5, 'breaker.failureThreshold');
    this.coolDownMs = nonNegative(options.coolDownMs ?? 10_000, 'breaker.coolDownMs');
  }

  /** The state now; an open circuit whose cool-down has passed reads as `half-open`. */
  get state(): BreakerState {
    if (this.current === 'open' && this.clock() - this.openedAt >= this.coolDownMs) return 'half-open';
    return this.current;
  }

  /**
   * Asks to make a call. False means fail fast. After the cool-down exactly one caller gets true (the
   * probe); everyone else keeps failing fast until that probe reports back.
   */
  tryAcquire(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'half-open') return false;
    if (this.state !== 'half-open') return false;
    this.transition('half-open');
    return true;
  }

  /** The call got an answer (a 4xx included: the backend is up). */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  /** The call got no usable answer. */
  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.current === 'half-open' || (this.current === 'closed' && this.consecutiveFailures >= this.failureThreshold)) {
      this.openedAt = this.clock();
      this.transition('open');
    }
  }

  private transition(state: BreakerState): void {
    this.current = state;
    this.onChange(state);
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}
