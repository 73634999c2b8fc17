/**
 * What `Guard` hands the elements it mounts, as their `context` property. Here rather than in `guard.ts` so an
 * element never imports the class that imports every element (`guard.ts` → `register.ts` → elements).
 * Not in `core/`: it names `GuardI18n` and `MetadataClient`, whose modules load chunks through `lazy.ts`.
 */
import type { ApiClient } from '../core/api-client.js';
import type { AuthenticationResponseJSON, GuardUser, StepUpSuccess } from '../core/types.js';
import type { GuardI18n } from '../i18n/i18n.js';
import type { MetadataClient } from '../metadata/metadata-client.js';

/** What `start()` resolves with. */
export interface LoginResult {
  /** After a step-up login only `originalIdentity` is known. */
  user: GuardUser;
  /**
   * The backend's login token (an mfaToken JWT) or, after a step-up, the step-up's mfaToken; with `loginUrl`,
   * your endpoint's `token`, or the mfaToken to exchange for your session after a step-up.
   */
  token?: string;
  /** Present when the login needed a step-up. */
  stepUp?: StepUpSuccess;
}

/**
 * What the login form collects: a password, a code from `api.sendLoginCode` (its `challengeId`), or a passkey's
 * assertion for the challenge of `api.passkeyLoginOptions` (`login` is empty: the passkey names the user).
 */
export type LoginCredentials =
  | { login: string; password: string }
  | { login: string; challengeId: string; code: string }
  | { login: string; challengeId: string; passkey: AuthenticationResponseJSON };

/**
 * What `Guard` hands every element it mounts, as the `context` property: the elements' flows (controllers)
 * call these; elements never fetch or read options themselves.
 */
export interface GuardContext {
  readonly appId: string;
  readonly api: ApiClient;
  readonly i18n: GuardI18n;
  readonly metadata: MetadataClient;
  /** Base URL of the face factor's models and WebAssembly (`GuardOptions.faceModelsUrl`). */
  readonly faceModelsUrl?: string;
  /** Runs the login (before-login veto, metadata, backend or `loginUrl`, step-up); rejects with a GuardError. */
  login(credentials: LoginCredentials): Promise<LoginResult>;
}
