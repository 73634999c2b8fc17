import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Time for controllers, injectable so tests advance it instead of sleeping. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Whole seconds left until a moment (a resend becoming available), re-rendering its host each time the
 * number changes. Timers run only while the host is connected.
 */
export class CountdownController implements ReactiveController {
  private readonly host: ReactiveControllerHost;
  private readonly clock: () => Clock;
  private until = 0;
  private timer: { clock: Clock; handle: unknown } | undefined;

  /** `clock` is read on each use, so a host property set after construction (a test's clock) applies. */
  constructor(host: ReactiveControllerHost, clock: () => Clock) {
    this.host = host;
    this.clock = clock;
    host.addController(this);
  }

  get seconds(): number {
    return Math.max(0, Math.ceil((this.until - this.clock().now()) / 1000));
  }

  start(until: string | Date): void {
    this.until = new Date(until).getTime();
    this.schedule();
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.schedule();
  }

  hostDisconnected(): void {
    this.stop();
  }

  private schedule(): void {
    this.stop();
    const clock = this.clock();
    const left = this.until - clock.now();
    if (left <= 0) return;
    // Wake when the displayed number changes: at the next whole second before `until`.
    const handle = clock.setTimeout(
      () => {
        this.timer = undefined;
        this.host.requestUpdate();
        this.schedule();
      },
      left % 1000 || 1000,
    );
    this.timer = { clock, handle };
  }

  private stop(): void {
    this.timer?.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}
