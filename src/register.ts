/**
 * The one place custom elements are registered. Importing the package registers nothing; `Guard` calls
 * `defineElements()` before it renders, and each component's own entry point (`camfa-guard/components/<name>`)
 * calls `defineElement` for its tag. A tag already taken (the same element loaded twice, or a page's own
 * definition) is left alone rather than throwing.
 */
import { GuardFactorSelect } from './components/factor-select/factor-select.component.js';
import { GuardLogin } from './components/login/login.component.js';
import { GuardOtpInput } from './components/otp-input/otp-input.component.js';
import { GuardStepUp } from './components/step-up/step-up.component.js';

/** Tag → element class, filled in by the components (`'guard-step-up': GuardStepUp`). */
const ELEMENTS: Record<string, CustomElementConstructor> = {
  'guard-login': GuardLogin,
  'guard-step-up': GuardStepUp,
  'guard-factor-select': GuardFactorSelect,
  'guard-otp-input': GuardOtpInput,
};

export function defineElement(tag: string, element: CustomElementConstructor): void {
  // Without a document (Node, where Lit installs a stand-in registry) there is nothing to upgrade: importing an
  // entry point there registers nothing.
  if (typeof document !== 'undefined' && !customElements.get(tag)) customElements.define(tag, element);
}

export function defineElements(): void {
  for (const [tag, element] of Object.entries(ELEMENTS)) defineElement(tag, element);
}
