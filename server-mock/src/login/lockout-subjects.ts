/**
 * Under which names the sign-in verbs count failures (`FactorLockout`), in one place, so clearing a user's locks
 * (`users/support.ts`) finds the very counters `LoginService` fills.
 */

/** Password and code sign-ins count per login name as typed, which may be nobody's: guessing is throttled either way. */
export const loginNameIdentity = (login: string) => `login:${login.trim().toLowerCase()}`;

/** The lockout factors counted per login name. */
export const LOGIN_NAME_FACTORS = ['password', 'login-sms', 'login-email'] as const;

/** A passkey sign-in counts per user, once the credential names one. */
export const LOGIN_PASSKEY_FACTOR = 'login-passkey';
export type LoginNameFactor = (typeof LOGIN_NAME_FACTORS)[number];
