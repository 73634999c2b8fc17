import type { ReactiveControllerHost } from 'lit';
import { GuardError } from '../core/errors.js';
import { GuardErrorEvent } from '../events/error.js';

/**
 * One backend call at a time for an element: `pending` and `error` for its render, every failure emitted as
 * `guard-error` from the host, and the call aborted when a newer one starts. An aborted call is nobody's
 * error: it is neither shown nor emitted. The flow that owns it decides when the host's leaving aborts it.
 */
export class RequestState {
  pending = false;
  error: GuardError | undefined;
  private readonly host: ReactiveControllerHost & EventTarget;
  private inFlight: AbortController | undefined;

  constructor(host: ReactiveControllerHost & EventTarget) {
    this.host = host;
  }

  /** Resolves the call's answer, or undefined when it failed (shown and emitted) or was aborted. */
  async run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.abort();
    const controller = (this.inFlight = new AbortController());
    this.pending = true;
    this.error = undefined;
    this.host.requestUpdate();
    try {
      return await call(controller.signal);
    } catch (caught) {
      if (controller.signal.aborted) return undefined;
      this.fail(GuardError.from(caught));
      return undefined;
    } finally {
      if (this.inFlight === controller) {
        this.inFlight = undefined;
        this.pending = false;
        this.host.requestUpdate();
      }
    }
  }

  /** Shows and emits an error that did not come from a call (a factor this browser cannot use). */
  fail(error: GuardError): void {
    this.error = error;
    this.host.requestUpdate();
    this.host.dispatchEvent(new GuardErrorEvent(error));
  }

  clear(): void {
    this.error = undefined;
    this.host.requestUpdate();
  }

  abort(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.pending = false;
  }
}
