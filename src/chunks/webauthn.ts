import type { GuardErrorCode } from '../core/errors.js';

/**
 * Passkeys in the browser (SimpleWebAuthn): loaded only when a passkey is used or offered, never in the core
 * bundle. `WebAuthnAbortService` cancels a running ceremony (a closed dialog, conditional UI when the page
 * leaves); starting a new ceremony cancels the previous one by itself.
 */
export {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from '@simplewebauthn/browser';

/** The browser's WebAuthn refusals (DOMException names, kept by SimpleWebAuthn's errors) as what they mean to the user. */
export const REFUSALS: Record<string, GuardErrorCode> = {
  // The user cancelled, the prompt timed out, or no passkey was chosen: the browser does not say which.
  NotAllowedError: 'passkey_cancelled',
  AbortError: 'passkey_cancelled',
  InvalidStateError: 'passkey_exists',
  NotSupportedError: 'unsupported_factor',
  SecurityError: 'origin_mismatch',
};
