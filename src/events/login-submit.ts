/** How `<guard-login>` signs the user in. */
export type LoginMethod = 'password' | 'sms' | 'email';

/**
 * `<guard-login>` is about to sign in (a password) or send a login code. Cancelable: `preventDefault()` stops
 * it, for pages that check the login themselves first. Never carries the password or the code.
 */
export class GuardLoginSubmitEvent extends Event {
  static readonly type = 'guard-login-submit';
  readonly detail: { method: LoginMethod; login: string };

  constructor(detail: { method: LoginMethod; login: string }) {
    super(GuardLoginSubmitEvent.type, { bubbles: true, composed: true, cancelable: true });
    this.detail = detail;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'guard-login-submit': GuardLoginSubmitEvent;
  }
}
