import { defineElement } from '../../register.js';
import { GuardFactorSelect } from './factor-select.component.js';

export { GuardFactorSelect };
export { GuardFactorSelectEvent } from '../../events/factor-select.js';

defineElement('guard-factor-select', GuardFactorSelect);

declare global {
  interface HTMLElementTagNameMap {
    'guard-factor-select': GuardFactorSelect;
  }
}
