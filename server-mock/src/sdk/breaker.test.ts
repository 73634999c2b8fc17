import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import { manualClock } from './test-support/servers.js';

function breaker(options = {}) {
  const clock = manualClock();
  const changes: BreakerState[] = [];
  return { clock, changes, breaker: new CircuitBreaker(options, clock.now, (state) => changes.push(state)) };
}

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive failures by default and then fails fast', () => {
    const { breaker: b } = breaker();
    for (let i = 0; i < 4; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.recordFailure();
    }
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    b.recordFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
  });

  it('counts only consecutive failures', () => {
    const { breaker: b } = breaker({ failureThreshold: 2 });
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    expect(b.state).toBe('closed');
    b.recordFailure();
    expect(b.state).toBe('open');
  });

  it('lets exactly one probe through after the cool-down; its success closes the circuit', () => {
    const { breaker: b, clock, changes } = breaker({ failureThreshold: 1, coolDownMs: 10_000 });
    b.recordFailure();
    clock.advance(9_999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens for a whole new cool-down when the probe fails', () => {
    const { breaker: b, clock } = breaker({ failureThreshold: 1, coolDownMs: 1000 });
    b.recordFailure();
    clock.advance(1000);
    expect(b.tryAcquire()).toBe(true);
    clock.advance(500);
    b.recordFailure();
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('refuses nonsense tuning', () => {
    expect(() => breaker({ failureThreshold: 0 })).toThrow(TypeError);
    expect(() => breaker({ coolDownMs: -1 })).toThrow(TypeError);
  });
});
