import { defineElement } from '../../register.js';
import '../factor-select/factor-select.js';
import '../otp-input/otp-input.js';
import { GuardStepUp } from './step-up.component.js';

export { GuardStepUp };

defineElement('guard-step-up', GuardStepUp);

declare global {
  interface HTMLElementTagNameMap {
    'guard-step-up': GuardStepUp;
  }
}
