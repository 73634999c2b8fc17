/** The user closed an element that may be closed (a modal login, a step-up whose policy allows cancelling). */
export class GuardCloseEvent extends Event {
  static readonly type = 'guard-close';

  constructor() {
    super(GuardCloseEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-close': GuardCloseEvent;
  }
}
