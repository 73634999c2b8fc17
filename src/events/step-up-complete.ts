import type { StepUpSuccess } from '../core/types.js';

/** `<guard-step-up>` ended: the user passed a factor. `Guard.startMfa` resolves with `detail.mfaToken`. */
export class GuardStepUpCompleteEvent extends Event {
  static readonly type = 'guard-step-up-complete';
  readonly detail: StepUpSuccess;

  constructor(detail: StepUpSuccess) {
    super(GuardStepUpCompleteEvent.type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-step-up-complete': GuardStepUpCompleteEvent;
  }
}
