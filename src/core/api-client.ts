import { BROWSER_PATHS, EVENT_STREAM_PATH } from '../../server-mock/src/protocol/index.js';
import { GuardError, type ProblemDetails } from './errors.js';
import type {
  LoginAnswer,
  LoginCodeSent,
  LoginMetadata,
  OtpChannel,
  OtpResent,
  OtpSent,
  PasskeyChallenge,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  AuthenticationResponseJSON,
  StepUpFactors,
  StepUpSuccess,
  TotpEnrolment,
  TrustRequest,
} from './types.js';

export interface ApiClientOptions {
  /** The backend's public URL (`MfaTriggerData.host`). */
  host: string;
  appId: string;
  /** Per request; a slow network answers `timeout` rather than hanging a modal. Default 15 s. */
  timeoutMs?: number;
  /** Defaults to the global `fetch`, looked up per call so test stubs and polyfills apply. */
  fetch?: typeof fetch;
}

/** Per call: abort from a flow (a newer call, a closed dialog, an element that left). */
export interface CallOptions {
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Frames of the face factor: JPEG data: URLs from `<guard-face-capture>`. */
export type FaceFrames = { stateToken: string; frames: string[] } & TrustRequest;

/**
 * The browser's only door to the backend: one method per endpoint the step-up and login screens use.
 * Every failure rejects with a {@link GuardError}: the backend's problem `code`, or `network`, `timeout`,
 * `cancelled`. Elements never fetch; they call this through their controllers.
 */
export class ApiClient {
  readonly host: string;
  readonly appId: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch | undefined;

  constructor(options: ApiClientOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.appId = options.appId;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch;
  }

  /** Password login against the built-in user directory. */
  login(input: { login: string; password: string; metadata?: LoginMetadata }, options?: CallOptions): Promise<LoginAnswer> {
    return this.post(BROWSER_PATHS.login, { appId: this.appId, ...input }, options);
  }

  /** Code login, step 1: a one-time code to the phone (E.164) or e-mail typed as the login. */
  sendLoginCode(input: { login: string; locale?: string }, options?: CallOptions): Promise<LoginCodeSent> {
    return this.post(BROWSER_PATHS.loginCodeSend, { appId: this.appId, ...input }, options);
  }

  /** Code login, step 2. */
  verifyLoginCode(input: { login: string; challengeId: string; code: string; metadata?: LoginMetadata }, options?: CallOptions): Promise<LoginAnswer> {
    return this.post(BROWSER_PATHS.loginCodeVerify, { appId: this.appId, ...input }, options);
  }

  factors(stateToken: string, options?: CallOptions): Promise<StepUpFactors> {
    return this.post(BROWSER_PATHS.stepUpFactors, { stateToken }, options);
  }

  enrolTotp(stateToken: string, options?: CallOptions): Promise<TotpEnrolment> {
    return this.post(BROWSER_PATHS.totpEnrol, { stateToken }, options);
  }

  /** With `enrolmentId`: confirms a new enrolment with its first code. */
  verifyTotp(input: { stateToken: string; code: string; enrolmentId?: string } & TrustRequest, options?: CallOptions): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.totpVerify, input, options);
  }

  /** `locale` picks the language of the SMS or e-mail. */
  sendCode(input: { stateToken: string; channel: OtpChannel; locale?: string }, options?: CallOptions): Promise<OtpSent> {
    return this.post(BROWSER_PATHS.otpSend, input, options);
  }

  resendCode(input: { stateToken: string; channel: OtpChannel; challengeId: string; locale?: string }, options?: CallOptions): Promise<OtpResent> {
    return this.post(BROWSER_PATHS.otpResend, input, options);
  }

  verifyCode(
    input: { stateToken: string; channel: OtpChannel; challengeId: string; code: string } & TrustRequest,
    options?: CallOptions,
  ): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.otpVerify, input, options);
  }

  verifyRecoveryCode(input: { stateToken: string; code: string } & TrustRequest, options?: CallOptions): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.recoveryVerify, input, options);
  }

  /** Passkey registration, step 1 (first factor only): options for `startRegistration()`. */
  passkeyRegistrationOptions(stateToken: string, options?: CallOptions): Promise<PasskeyChallenge<PublicKeyCredentialCreationOptionsJSON>> {
    return this.post(BROWSER_PATHS.passkeyRegisterOptions, { stateToken }, options);
  }

  /** Passkey registration, step 2: the new passkey completes the step-up. */
  verifyPasskeyRegistration(
    input: { stateToken: string; challengeId: string; response: RegistrationResponseJSON } & TrustRequest,
    options?: CallOptions,
  ): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.passkeyRegisterVerify, input, options);
  }

  /** Passkey step-up, step 1: options for `startAuthentication()` allowing the user's passkeys. */
  passkeyOptions(stateToken: string, options?: CallOptions): Promise<PasskeyChallenge<PublicKeyCredentialRequestOptionsJSON>> {
    return this.post(BROWSER_PATHS.passkeyAuthenticateOptions, { stateToken }, options);
  }

  verifyPasskey(
    input: { stateToken: string; challengeId: string; response: AuthenticationResponseJSON } & TrustRequest,
    options?: CallOptions,
  ): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.passkeyAuthenticateVerify, input, options);
  }

  /** Passkey login, step 1: options offering any discoverable passkey of the app (modal or autofill). */
  passkeyLoginOptions(options?: CallOptions): Promise<PasskeyChallenge<PublicKeyCredentialRequestOptionsJSON>> {
    return this.post(BROWSER_PATHS.loginPasskeyOptions, { appId: this.appId }, options);
  }

  /** Passkey login, step 2: the passkey names the user. */
  verifyPasskeyLogin(
    input: { challengeId: string; response: AuthenticationResponseJSON; metadata?: LoginMetadata },
    options?: CallOptions,
  ): Promise<LoginAnswer> {
    return this.post(BROWSER_PATHS.loginPasskeyVerify, { appId: this.appId, ...input }, options);
  }

  /** Face enrolment (first factor only) from 1-5 JPEG frames (data: URLs); the backend computes the template. */
  enrolFace(input: FaceFrames, options?: CallOptions): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.faceEnrol, input, options);
  }

  /** Face verification: the backend computes the embeddings from the frames and compares them with the template. */
  verifyFace(input: FaceFrames, options?: CallOptions): Promise<StepUpSuccess> {
    return this.post(BROWSER_PATHS.faceVerify, input, options);
  }

  /** URL of one user's MFA event stream; EventSource cannot send headers, so the token rides in the query. */
  eventStreamUrl(accessToken: string, lastEventId?: string): string {
    const url = new URL(`${this.host}${EVENT_STREAM_PATH}`);
    url.searchParams.set('access_token', accessToken);
    if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
    return url.href;
  }

  /** POSTs JSON to any URL (the backend, or a business system's own login endpoint) with this client's error handling. */
  async post<T>(pathOrUrl: string, body: unknown, options: CallOptions = {}): Promise<T> {
    const url = /^https?:/i.test(pathOrUrl) ? pathOrUrl : `${this.host}${pathOrUrl}`;
    return requestJson<T>(
      this.fetchImpl ?? globalThis.fetch,
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) },
      { signal: options.signal, timeoutMs: this.timeoutMs },
    );
  }
}

/**
 * One request with a timeout and the caller's abort, its JSON answer or a GuardError. The timeout is our own
 * controller (not `AbortSignal.any`/`timeout`) so it works in every browser the elements support and can be
 * told apart from the caller's abort.
 */
async function requestJson<T>(fetchImpl: typeof fetch, url: string, init: RequestInit, options: { signal?: AbortSignal; timeoutMs: number }): Promise<T> {
  const controller = new AbortController();
  const { signal } = options;
  if (signal?.aborted) throw new GuardError('cancelled', 'Cancelled', { cause: signal.reason });
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, signal: controller.signal });
    } catch (error) {
      if (timedOut) throw new GuardError('timeout', `No answer within ${options.timeoutMs} ms`, { cause: error });
      if (signal?.aborted) throw new GuardError('cancelled', 'Cancelled', { cause: error });
      throw new GuardError('network', 'The server could not be reached', { cause: error });
    }
    const payload = await readPayload(response).catch((error: unknown) => {
      throw timedOut ? new GuardError('timeout', `No answer within ${options.timeoutMs} ms`, { cause: error }) : GuardError.from(error);
    });
    if (!response.ok) throw GuardError.fromProblem(response.status, isObject(payload) ? (payload as ProblemDetails) : {});
    return payload as T;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', abort);
  }
}

/** JSON when the answer says so; anything else (a proxy's HTML error page) reads as no body. */
async function readPayload(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!/\bjson\b/i.test(type)) return undefined;
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GuardError('invalid_json', 'The server answered malformed JSON', { status: response.status, cause: error });
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The problem document of an answer, when it is one (`application/problem+json` or JSON with a `code`), read
 * from a clone so the caller keeps the body.
 */
export async function readProblem(response: Response): Promise<ProblemDetails | null> {
  try {
    const payload = await readPayload(response.clone());
    return isObject(payload) && (typeof payload.code === 'string' || /problem\+json/i.test(response.headers.get('content-type') ?? ''))
      ? (payload as ProblemDetails)
      : null;
  } catch {
    return null;
  }
}
