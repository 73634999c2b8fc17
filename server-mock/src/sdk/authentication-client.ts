import type { JSONWebKeySet } from 'jose';
import {
  MAX_CLOCK_TOLERANCE_SECONDS,
  exchangeMfaToken,
  verifyMfaToken,
  type KeySource,
  type MfaTokenClaims,
  type MfaTokenErrorCode,
  type UsedTokenStore,
} from '../tokens/mfa-token.js';
import type { Clock } from '../types.js';
import { APP_PATHS, EVENT_STREAM_PATH, type FactorType, type MfaEvent, type MfaTriggerData, pathTo, type UebaEventInput } from '../protocol/index.js';
import { CamfaError } from './errors.js';
import { Transport, type CamfaClientOptions, type FailModeOptions } from './http.js';
import { RemoteKeySet } from './jwks.js';
import { identityOf } from './metadata-client.js';
import { openEventStream } from './sse.js';

/** Input of {@link MfaApi.triggerWorkflow}. */
export interface TriggerWorkflowInput {
  workflowId: string;
  /**
   * The event the workflow judges, from `metadata` as sent (nothing is stored, nothing looked up). `eventId` says
   * it is an event already captured with `ueba.capture`: the decision names that event, and its window statistics
   * leave it out so it is not counted in its own history.
   */
  metadata: UebaEventInput & { eventId?: string };
}

/** Input of {@link MfaApi.createSubscriptionToken}. */
export interface SubscriptionTokenInput {
  originalIdentity: string;
  /** Lifetime; the backend caps it. Default: the backend's (10 minutes). */
  ttlSeconds?: number;
}

/** A short-lived token for one user's event stream, to hand to the browser's `guard.subscribe`. */
export interface SubscriptionToken {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** Options of {@link MfaApi.subscribe}. */
export interface SubscribeOptions {
  /** Every event, `security.mfa.resolved` included (the callback only sees step-ups). */
  onEvent?(event: MfaEvent): void;
  /**
   * A connection attempt failed. `willRetry: false` means the backend refused the subscription (wrong
   * secret, bad topic) and the subscription is over. Default: a warning through the client's logger.
   */
  onError?(error: CamfaError, willRetry: boolean): void;
  /** Resume after this event id (e.g. one persisted before a restart) instead of from now. */
  lastEventId?: string;
  /** First reconnection delay until the backend sends `retry:`. Default 1000 ms. */
  retryMs?: number;
  /** Ceiling of the reconnection back-off. Default 30 000 ms. */
  maxRetryMs?: number;
  /** Reconnect after this long without a byte (the backend pings every 15 s). Default 45 000 ms. */
  idleTimeoutMs?: number;
}

/** Options of {@link AuthenticationClient}. */
export interface AuthenticationClientOptions extends CamfaClientOptions {
  /**
   * The `iss` mfaTokens must carry: the backend's public URL (its `publicUrl` setting). Default: `host`;
   * set it when this server reaches the backend by another URL (an internal name, a sidecar).
   */
  issuer?: string;
  /** Clock skew allowed on a token's `exp`, `nbf` and `iat`. Default 0, at most 30 seconds. */
  clockToleranceSeconds?: number;
}

/** What a verified mfaToken says about the step-up. */
export interface MfaTokenData {
  originalIdentity: string;
  /** Authentication methods used (RFC 8176), e.g. `['otp']`. */
  amr: string[];
  acr: string;
  workflowId: string;
  triggerId: string;
  /** When the user passed the factor, ISO 8601. */
  authTime: string;
  /** The token's unique id: what single use is keyed on. */
  jti: string;
  /** ISO 8601; the token is refused from then on. */
  expiresAt: string;
  /** Further claims, e.g. `channel` for an emailed code. */
  extra: Record<string, unknown>;
}

/**
 * Why {@link AuthenticationClient.verify} refused a token: a code of the token check, `token_already_used`
 * (only with `usedTokens`), or `backend_unavailable` when the signing keys could not be fetched.
 */
export type VerifyTokenErrorCode = MfaTokenErrorCode | 'token_already_used' | 'backend_unavailable';

/** The answer of {@link AuthenticationClient.verify}. `message` is for logs and never contains the token. */
export type VerifyTokenResult = { status: true; data: MfaTokenData } | { status: false; code: VerifyTokenErrorCode; message: string };

/** Options of {@link AuthenticationClient.verify}. */
export interface VerifyTokenOptions {
  /**
   * Spends the token (seed step 3.2.5): once it verified here, every later verify of it answers
   * `token_already_used`. Back it with a table keyed by `jti` shared by every instance of your server.
   */
  usedTokens?: UsedTokenStore;
}

/** `auth.mfa.startStepUp` input. */
export interface StartStepUpInput {
  originalIdentity: string;
  /** Offered in this order; default: the backend's `factors.defaultFactors`. */
  factors?: FactorType[];
  acr?: string;
  /** Shown to the user, e.g. "Confirm the transfer of €5,000". */
  message?: string;
  /** Recorded as a UEBA event of the step-up. */
  metadata?: Omit<UebaEventInput, 'originalIdentity'> & { originalIdentity?: string };
}

/** A callback's return value is awaited only to catch its rejection. */
type Listener<T> = (value: T) => void | Promise<void>;

const MFA_TOPIC = 'security.mfa';

/** MFA calls, reached as `auth.mfa`. */
export class MfaApi {
  /** @internal Build an {@link AuthenticationClient} instead. */
  constructor(private readonly transport: Transport) {}

  /**
   * Runs an API-mode workflow on `metadata` and answers the step-up to start, or `null` when no MFA is
   * needed. When the backend cannot answer: under `failMode: 'open'` → `null` and a logged warning;
   * under `'closed'` → throws `CamfaError` with code `backend_unavailable`.
   * @throws {CamfaError} for 4xx answers (unknown workflow, wrong secret, bad input).
   */
  async triggerWorkflow(input: TriggerWorkflowInput, options: FailModeOptions = {}): Promise<MfaTriggerData | null> {
    const { workflowId, metadata } = input;
    if (typeof workflowId !== 'string' || workflowId === '') throw new TypeError('workflowId must be a non-empty string');
    const failMode = options.failMode ?? this.transport.failMode;
    try {
      const answer = await this.transport.post<{ trigger: MfaTriggerData | null }>(pathTo(APP_PATHS.workflowTrigger, { workflowId }), { metadata });
      return answer.trigger ?? null;
    } catch (error) {
      if (!(error instanceof CamfaError && error.unavailable) || failMode === 'closed') throw error;
      this.transport.logDegraded('triggerWorkflow', error, failMode, options.logger);
      return null;
    }
  }

  /**
   * Starts a step-up for a user your system has already authenticated its own way (passwordless: the
   * Okta factor-sequencing pattern). Hand the answer to the browser's `guard.startMfa()`; it finishes
   * with the stateToken alone. `factors` defaults to the backend's configured order.
   * @throws {CamfaError} on any failure: a step-up that cannot start must not read as "no MFA needed".
   */
  startStepUp(input: StartStepUpInput): Promise<MfaTriggerData> {
    return this.transport.post<MfaTriggerData>(APP_PATHS.stepUp, { ...input, originalIdentity: identityOf(input) });
  }

  /**
   * Mints a token that lets one browser page read one user's MFA events (`guard.subscribe`), so the app
   * secret never leaves the server.
   * @throws {CamfaError} on any failure.
   */
  createSubscriptionToken(input: SubscriptionTokenInput): Promise<SubscriptionToken> {
    // JSON drops an undefined ttlSeconds, leaving the backend's default.
    return this.transport.post<SubscriptionToken>(APP_PATHS.subscriptions, { originalIdentity: identityOf(input), ttlSeconds: input.ttlSeconds });
  }

  /**
   * Listens to published MFA events (seed steps 5.3 and 7.1) over Server-Sent Events.
   *
   * `topic` is `'security.mfa'` for every user of the app, or `'security.mfa?originalIdentity=u1'` for
   * one. `callback` receives the {@link MfaTriggerData} of each `security.mfa` event; for one user who is
   * already pending, the backend sends that step-up first. The connection is kept: after a drop it
   * reconnects with back-off and sends `Last-Event-ID`, and the backend replays what was missed.
   * Exceptions thrown by `callback`, `onEvent` or `onError` are logged and do not end the subscription.
   * @returns `stop()`: closes the connection; nothing reconnects or is delivered afterwards.
   * @throws {TypeError} synchronously for a topic other than `security.mfa`.
   */
  subscribe(topic: string, callback: Listener<MfaTriggerData>, options: SubscribeOptions = {}): () => void {
    const { logger, appId } = this.transport;
    const report = (what: string, error: unknown) =>
      logger.warn({ appId, topic, error: error instanceof Error ? error.message : String(error) }, `camfa-guard subscription ${what}`);
    // App code runs inside the stream's read loop: its failures are logged, never allowed to end it.
    const safely = (run: () => void | Promise<void>) => {
      try {
        void Promise.resolve(run()).catch((error: unknown) => report('listener failed', error));
      } catch (error) {
        report('listener failed', error);
      }
    };
    const onError = options.onError ?? ((error, willRetry) => report(willRetry ? 'failed to connect, will retry' : 'refused, stopped', error));
    let stopped = false;
    const close = openEventStream({
      url: this.transport.url(EVENT_STREAM_PATH, { topic: MFA_TOPIC, originalIdentity: parseTopic(topic) }),
      headers: this.transport.headers(),
      fetch: this.transport.fetch,
      lastEventId: options.lastEventId,
      retryMs: options.retryMs,
      maxRetryMs: options.maxRetryMs,
      idleTimeoutMs: options.idleTimeoutMs,
      onError: (error, willRetry) => safely(() => onError(error, willRetry)),
      onMessage: (message) => {
        // Events already read off the socket when stop() ran must not reach the app.
        if (stopped || (message.type !== 'security.mfa' && message.type !== 'security.mfa.resolved')) return;
        let event: MfaEvent;
        try {
          event = JSON.parse(message.data) as MfaEvent;
        } catch (error) {
          return report('received an event that is not JSON', error);
        }
        const { trigger } = event;
        safely(() => options.onEvent?.(event));
        if (event.type === 'security.mfa' && trigger) safely(() => callback(trigger));
      },
    });
    return () => {
      stopped = true;
      close();
    };
  }
}

/**
 * Server-side client for policy workflows, MFA events (seed step 5) and mfaToken checks (step 3.2.5).
 *
 * ```ts
 * const auth = new AuthenticationClient({ host, appId, appSecret });
 * const trigger = await auth.mfa.triggerWorkflow({ workflowId: 'transfer', metadata: { originalIdentity: 'u1', ip } });
 * const stop = auth.mfa.subscribe('security.mfa?originalIdentity=u1', (trigger) => notifyBrowser(trigger));
 * const result = await auth.verify(mfaToken);
 * ```
 * One instance per app and process: it holds the circuit breaker and the cache of the backend's keys.
 */
export class AuthenticationClient {
  /** Workflows, subscription tokens and the MFA event stream. */
  readonly mfa: MfaApi;
  /** @internal Shared by every call so they use the same breaker and credentials. */
  protected readonly transport: Transport;
  private readonly keySet: RemoteKeySet;
  private readonly issuer: string;
  private readonly clock: Clock;
  private readonly clockToleranceSeconds: number;

  constructor(options: AuthenticationClientOptions) {
    const { issuer, clockToleranceSeconds = 0 } = options;
    this.transport = new Transport(options);
    this.mfa = new MfaApi(this.transport);
    if (issuer !== undefined && (typeof issuer !== 'string' || issuer === '')) throw new TypeError('issuer must be a non-empty string');
    if (!(clockToleranceSeconds >= 0 && clockToleranceSeconds <= MAX_CLOCK_TOLERANCE_SECONDS)) {
      throw new TypeError(`clockToleranceSeconds must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`);
    }
    this.issuer = issuer ?? this.transport.base;
    this.clock = options.clock ?? Date.now;
    this.clockToleranceSeconds = clockToleranceSeconds;
    this.keySet = new RemoteKeySet(this.transport, this.clock);
  }

  /**
   * Checks an mfaToken from the browser (`guard.startMfa`) before trusting it: locally, against the
   * backend's published keys (`/.well-known/jwks.json`, cached for its `max-age`, refetched when a token
   * names a key not seen yet, at most every 30 s). The token must be an ES256 `mfa+jwt` for this app,
   * from this backend, unexpired. Never throws for a bad token and never fails open: without the keys
   * the answer is `backend_unavailable`, whatever the `failMode`.
   *
   * ```ts
   * const result = await auth.verify(req.body.mfaToken, { usedTokens });
   * if (!result.status) return res.status(401).json({ code: result.code });
   * if (result.data.originalIdentity !== req.session.userId) return res.sendStatus(403);
   * ```
   * Check that `originalIdentity` is the user of the session. Without `usedTokens` a token stays valid
   * until it expires (at most 5 minutes), so it can be replayed until then.
   * @throws what `usedTokens.consume` throws.
   */
  /**
   * Seed step 3.2.5 without a table of your own: the backend verifies the mfaToken for this app and marks
   * its `jti` used, so a second exchange of the same token answers `token_already_used`. Same result shape
   * as {@link AuthenticationClient.verify}; a backend that cannot answer gives `backend_unavailable`.
   */
  async exchange(token: string): Promise<VerifyTokenResult> {
    try {
      return await this.transport.post<VerifyTokenResult>(APP_PATHS.tokensExchange, { mfaToken: token });
    } catch (error) {
      if (!(error instanceof CamfaError && error.unavailable)) throw error;
      this.transport.logDegraded('exchange', error, 'closed');
      return { status: false, code: 'backend_unavailable', message: 'the backend could not be reached to exchange the token' };
    }
  }

  async verify(token: string, options: VerifyTokenOptions = {}): Promise<VerifyTokenResult> {
    const { usedTokens } = options;
    const check = (keys: JSONWebKeySet | KeySource) => {
      const input = { token, keys, issuer: this.issuer, audience: this.transport.appId, clock: this.clock, clockToleranceSeconds: this.clockToleranceSeconds };
      return usedTokens ? exchangeMfaToken({ ...input, usedTokens }) : verifyMfaToken(input);
    };
    try {
      // A source rather than a set: a token refused on its header alone needs no keys, even with the backend down.
      let result = await check({ jwks: () => this.keySet.get() });
      if (!result.verified && result.code === 'unknown_key') {
        // Nothing is spent by a refusal, so checking again with the new keys cannot trip single use.
        const refreshed = await this.keySet.refresh();
        if (refreshed) result = await check(refreshed);
      }
      return result.verified ? { status: true, data: toTokenData(result.claims) } : { status: false, code: result.code, message: result.message };
    } catch (error) {
      if (!(error instanceof CamfaError)) throw error;
      this.transport.logDegraded('verify', error, 'closed');
      return { status: false, code: 'backend_unavailable', message: `the backend's signing keys could not be fetched (${error.detail ?? error.code})` };
    }
  }
}

function toTokenData(claims: MfaTokenClaims): MfaTokenData {
  const { originalIdentity, amr, acr, workflowId, triggerId, jti, extra } = claims;
  return {
    originalIdentity,
    amr,
    acr,
    workflowId,
    triggerId,
    authTime: new Date(claims.authTime).toISOString(),
    jti,
    expiresAt: new Date(claims.expiresAt).toISOString(),
    extra,
  };
}

/** The user of a `security.mfa[?originalIdentity=…]` topic, or undefined for the whole app. */
function parseTopic(topic: string): string | undefined {
  const [name, query] = topic.split('?', 2) as [string, string | undefined];
  if (name !== MFA_TOPIC) throw new TypeError(`Unsupported topic "${name}": subscribe to "${MFA_TOPIC}"`);
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) {
    if (key !== 'originalIdentity') throw new TypeError(`Unsupported topic parameter "${key}": use originalIdentity`);
  }
  return params.has('originalIdentity') ? identityOf({ originalIdentity: params.get('originalIdentity') ?? '' }) : undefined;
}
