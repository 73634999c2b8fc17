import { defineElement } from '../../register.js';
import { GuardFaceCapture } from './face-capture.component.js';

export { GuardFaceCapture };

defineElement('guard-face-capture', GuardFaceCapture);

declare global {
  interface HTMLElementTagNameMap {
    'guard-face-capture': GuardFaceCapture;
  }
}
