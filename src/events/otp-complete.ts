/** `<guard-otp-input>`: a whole code was typed or pasted, or Enter was pressed on one. */
export class GuardOtpCompleteEvent extends Event {
  static readonly type = 'guard-otp-complete';
  readonly detail: { code: string };

  constructor(code: string) {
    super(GuardOtpCompleteEvent.type, { bubbles: true, composed: true });
    this.detail = { code };
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-otp-complete': GuardOtpCompleteEvent;
  }
}
