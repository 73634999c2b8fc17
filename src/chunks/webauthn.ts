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
