import { defineElement } from '../../register.js';
import { GuardLogin } from './login.component.js';

export * from './login.component.js';

defineElement('guard-login', GuardLogin);

declare global {
  interface HTMLElementTagNameMap {
    'guard-login': GuardLogin;
  }
}
