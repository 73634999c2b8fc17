import type { GuardError } from '../core/errors.js';

/**
 * Something failed inside an element (it also shows the error in its `part="error"` region). Errors after
 * which a step-up cannot continue (see `endsStepUp`, `cancelled` included) make `Guard.startMfa` reject.
 */
export class GuardErrorEvent extends Event {
  static readonly type = 'guard-error';
  readonly detail: { error: GuardError };

  constructor(error: GuardError) {
    super(GuardErrorEvent.type, { bubbles: true, composed: true });
    this.detail = { error };
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-error': GuardErrorEvent;
  }
}
