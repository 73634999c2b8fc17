/**
 * Browser entry of camfa-guard (npm). Importing it touches no DOM and registers no element: `Guard`
 * registers what it renders, and `defineElements()` registers everything for pages that write the tags
 * themselves.
 */
import { ApiClient } from './core/api-client.js';
import { GuardError } from './core/errors.js';
import { Guard } from './guard.js';
import { MetadataClient } from './metadata/metadata-client.js';
import { defineElement, defineElements } from './register.js';

export { ApiClient, type ApiClientOptions, type CallOptions } from './core/api-client.js';
export { GUARD_ERROR_CODES, GuardError, endsStepUp, type GuardErrorCode, type ProblemDetails } from './core/errors.js';
export { subscribeEventStream, type EventStreamOptions, type StreamEvent } from './core/event-stream.js';
export type * from './core/types.js';
export { GuardFactorSelect } from './components/factor-select/factor-select.component.js';
export { GuardLogin } from './components/login/login.component.js';
export { GuardOtpInput } from './components/otp-input/otp-input.component.js';
export { GuardStepUp } from './components/step-up/step-up.component.js';
export { GuardCloseEvent } from './events/close.js';
export { GuardErrorEvent } from './events/error.js';
export { GuardFactorSelectEvent } from './events/factor-select.js';
export { GuardLoginSubmitEvent } from './events/login-submit.js';
export { GuardOtpCompleteEvent } from './events/otp-complete.js';
export { GuardStepUpCompleteEvent } from './events/step-up-complete.js';
export { Guard };
export type { GuardContext, LoginCredentials, LoginResult } from './controllers/context.js';
export type { BeforeLoginInput, GuardEvents, GuardHostedElement, GuardOptions, StartMfaOptions } from './guard.js';
export { GuardI18n, matchLanguage, resolveLanguage, type PartialStrings, type StringOverrides, type TranslationKey } from './i18n/i18n.js';
export { LANGUAGES, type Language } from './i18n/languages.js';
export type { LocaleStrings } from './i18n/locales/en.js';
export { MetadataClient, type ClientHints, type ClientMetadata } from './metadata/metadata-client.js';
export { defineElement, defineElements };
export { DARK_TOKENS, LIGHT_TOKENS, autoTheme, darkTheme, lightTheme, themeStyles, type Theme, type ThemeToken } from './themes/themes.js';

/** The names a `<script src>` page finds on `window.GuardFactory` (CONTRACT.md). */
export const GuardFactory = { Guard, MetadataClient, GuardError, ApiClient, defineElements } as const;
