import { defineElement } from '../../register.js';
import { GuardOtpInput } from './otp-input.component.js';

export { GuardOtpInput };
export { GuardOtpCompleteEvent } from '../../events/otp-complete.js';

defineElement('guard-otp-input', GuardOtpInput);

declare global {
  interface HTMLElementTagNameMap {
    'guard-otp-input': GuardOtpInput;
  }
}
