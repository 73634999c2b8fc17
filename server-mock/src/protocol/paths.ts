/**
 * Every endpoint path, once: the backend mounts its routes on these, the browser's `ApiClient` and the Node SDK
 * call them. `:name` segments are filled by {@link pathTo}.
 */

/** The JSON endpoints the browser library calls: answered with CORS (and preflights) for the apps' declared origins. */
export const BROWSER_PATHS = {
  login: '/v1/login',
  loginCodeSend: '/v1/login/code/send',
  loginCodeVerify: '/v1/login/code/verify',
  loginPasskeyOptions: '/v1/login/passkey/options',
  loginPasskeyVerify: '/v1/login/passkey/verify',
  stepUpFactors: '/v1/stepup/factors',
  totpEnrol: '/v1/stepup/totp/enroll',
  totpVerify: '/v1/stepup/totp/verify',
  otpSend: '/v1/stepup/otp/send',
  otpResend: '/v1/stepup/otp/resend',
  otpVerify: '/v1/stepup/otp/verify',
  recoveryVerify: '/v1/stepup/recovery/verify',
  passkeyRegisterOptions: '/v1/stepup/webauthn/register/options',
  passkeyRegisterVerify: '/v1/stepup/webauthn/register/verify',
  passkeyAuthenticateOptions: '/v1/stepup/webauthn/authenticate/options',
  passkeyAuthenticateVerify: '/v1/stepup/webauthn/authenticate/verify',
  faceEnrol: '/v1/stepup/face/enroll',
  faceVerify: '/v1/stepup/face/verify',
} as const;

/** Server-sent MFA events, for the browser and the SDK; EventSource sends no headers, so a browser's token rides in the query. */
export const EVENT_STREAM_PATH = '/v1/events/stream';

/** The face chunk's model and WebAssembly files, any origin (`:file` from `BROWSER_FACE_MODELS` and the wasm builds). */
export const FACE_ASSET_PATHS = { models: '/v1/face/models/:file', wasm: '/v1/face/wasm/:file' } as const;

/** What a business system's backend calls (HTTP Basic with its app secret): the Node SDK's endpoints. */
export const APP_PATHS = {
  uebaEvents: '/v1/ueba/events',
  mfaStatus: '/v1/mfa/status',
  mfaStatusClear: '/v1/mfa/status/clear',
  workflowTrigger: '/v1/workflows/:workflowId/trigger',
  stepUp: '/v1/stepup',
  subscriptions: '/v1/subscriptions',
  tokensExchange: '/v1/tokens/exchange',
  decisions: '/v1/decisions',
  users: '/v1/users',
  user: '/v1/users/:originalIdentity',
  userRecoveryCodes: '/v1/users/:originalIdentity/recovery-codes',
  userFactors: '/v1/users/:originalIdentity/factors',
  userFactor: '/v1/users/:originalIdentity/factors/:enrolmentId',
  jwks: '/.well-known/jwks.json',
} as const;

/** Global administration (the admin token). */
export const ADMIN_PATHS = {
  workflows: '/v1/admin/workflows',
  workflow: '/v1/admin/workflows/:workflowId',
  /** `apps`, `apps/:id`, `apps/:id/secret`. */
  apps: '/v1/admin/apps',
} as const;

/** The admin console's API (a session cookie, CSRF token on changes), called by the console served at `/console/`. */
export const CONSOLE_PATHS = {
  session: '/console/api/session',
  audit: '/console/api/audit',
  /** `apps`, `apps/:id`, `apps/:id/secret`, as `ADMIN_PATHS.apps`. */
  apps: '/console/api/apps',
  workflows: '/console/api/workflows',
  /** One app's users (never the console's own app): the directory, factors, MFA status, lockouts, history. */
  appUsers: '/console/api/apps/:appId/users',
  appUser: '/console/api/apps/:appId/users/:originalIdentity',
  appUserFactors: '/console/api/apps/:appId/users/:originalIdentity/factors',
  appUserFactor: '/console/api/apps/:appId/users/:originalIdentity/factors/:factorId',
  appUserMfaStatus: '/console/api/apps/:appId/users/:originalIdentity/mfa-status',
  appUserMfaStatusClear: '/console/api/apps/:appId/users/:originalIdentity/mfa-status/clear',
  appUserLockouts: '/console/api/apps/:appId/users/:originalIdentity/lockouts',
  appUserLockoutsReset: '/console/api/apps/:appId/users/:originalIdentity/lockouts/reset',
  appUserEvents: '/console/api/apps/:appId/users/:originalIdentity/events',
  appUserDecisions: '/console/api/apps/:appId/users/:originalIdentity/decisions',
  /** The app's newest stored UEBA events (the Simulate page's "pick a real event"). */
  appEvents: '/console/api/apps/:appId/events',
  /** Server-Sent Events of stored UEBA events and decisions, every app or filtered. */
  live: '/console/api/live',
} as const;

/**
 * Gateway access. The check is what a gateway asks (nginx `auth_request`, Traefik ForwardAuth, Caddy
 * `forward_auth`, Envoy `ext_authz` with a path prefix: `check/*`); `denied` answers an nginx `error_page` for a
 * refusal the check named. The pages live under `/gateway/`, which the gateway proxies on the app's own host.
 */
export const GATEWAY_PATHS = {
  check: '/v1/gateway/check',
  denied: '/v1/gateway/denied',
  login: '/gateway/login',
  stepUp: '/gateway/stepup',
  session: '/gateway/session',
  script: '/gateway/page.js',
  cdn: '/gateway/cdn',
} as const;

type Params<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & Params<`/${Rest}`>
  : Path extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : Record<never, never>;

/** A path with its `:name` segments filled in, each URI-encoded: `pathTo(APP_PATHS.user, { originalIdentity })`. */
export function pathTo<Path extends string>(path: Path, params: Params<Path>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent((params as Record<string, string>)[name] ?? ''));
}
