import type { Clock } from '../types.js';
import type { FailMode } from '../protocol/index.js';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { CamfaError, unavailable } from './errors.js';
import { consoleLogger, type CamfaLogger } from './logger.js';

/** Options shared by {@link MetadataManagementClient} and {@link AuthenticationClient}. */
export interface CamfaClientOptions {
  /** Base URL of the camfa-guard backend, e.g. `https://mfa.example.com` (a path prefix is kept). */
  host: string;
  appId: string;
  /** Sent only in the `Authorization` header; never logged, never put in an error. */
  appSecret: string;
  /** Per-call limit, connection included. Default 1000 ms. */
  timeoutMs?: number;
  /**
   * What to decide when the backend cannot answer (refused, slower than `timeoutMs`, 5xx, circuit open).
   * `'open'` (default) lets users through, as the seed's disaster-recovery step 7.2 describes;
   * `'closed'` refuses them. Each call may override it.
   */
  failMode?: FailMode;
  /** Receives degraded decisions and circuit changes. Default: the console. */
  logger?: CamfaLogger;
  /** Time source of the circuit breaker (ms since the epoch). Default `Date.now`. */
  clock?: Clock;
  /** A `fetch` implementation, e.g. one that goes through a proxy. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Circuit-breaker tuning. */
  breaker?: BreakerOptions;
}

/** Options of {@link MetadataManagementClient}. */
export interface MetadataManagementClientOptions extends CamfaClientOptions {
  /**
   * Answers `checkUserStatus` from memory, kept current by the backend's MFA event stream (one extra
   * connection per client). Off by default. Use it when every protected request asks for the status.
   */
  statusCache?: StatusCacheOptions;
}

/** Tuning of the `statusCache` option; see {@link StatusCache}. */
export interface StatusCacheOptions {
  /** How long an answer is kept without an event about its user. Default 30 000 ms. */
  ttlMs?: number;
  /** How many users' answers are kept; the least recently used goes first. Default 10 000. */
  maxUsers?: number;
}

/** Per-call overrides of a degradable call. */
export interface FailModeOptions {
  failMode?: FailMode;
  logger?: CamfaLogger;
}

/**
 * The single way the SDK talks to the backend: JSON over HTTP with Basic auth, a hard per-call timeout,
 * problem documents turned into {@link CamfaError}, and a circuit breaker in front.
 * @internal
 */
export class Transport {
  readonly appId: string;
  readonly timeoutMs: number;
  readonly failMode: FailMode;
  readonly logger: CamfaLogger;
  readonly fetch: typeof fetch;
  readonly breaker: CircuitBreaker;
  /** The backend's base URL without a trailing slash: also the `iss` of the tokens it signs. */
  readonly base: string;
  private readonly authorization: string;

  constructor(options: CamfaClientOptions) {
    const { host, appId, appSecret, timeoutMs = 1000, failMode = 'open' } = options;
    this.base = parseHost(host);
    if (typeof appId !== 'string' || appId === '' || appId.includes(':')) {
      throw new TypeError('appId must be a non-empty string without ":" (it is the Basic-auth user name)');
    }
    if (typeof appSecret !== 'string' || appSecret === '') throw new TypeError('appSecret must be a non-empty string');
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive number');
    if (failMode !== 'open' && failMode !== 'closed') throw new TypeError('failMode must be "open" or "closed"');
    this.appId = appId;
    this.timeoutMs = timeoutMs;
    this.failMode = failMode;
    this.logger = options.logger ?? consoleLogger;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.authorization = `Basic ${Buffer.from(`${appId}:${appSecret}`, 'utf8').toString('base64')}`;
    this.breaker = new CircuitBreaker(options.breaker ?? {}, options.clock ?? Date.now, (state) => this.logBreaker(state));
  }

  /** An absolute URL under the backend's base. */
  url(path: string, query: Record<string, string | undefined> = {}): URL {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
    return url;
  }

  /** Headers every call carries; `extra` wins. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: this.authorization, 'user-agent': 'camfa-guard-node-sdk', ...extra };
  }

  /**
   * POSTs `body` as JSON and returns the parsed 2xx answer. Throws {@link CamfaError}: with the
   * backend's status and code for a 4xx, with `code: 'backend_unavailable'` for everything that counts
   * as an outage. Settles within `timeoutMs` whatever the server does.
   */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** Any method, with the same errors and limits as {@link Transport.post}; a 204 answers `undefined`. */
  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    // Serialised first: an unserialisable body is the caller's bug, not an outage.
    const json = body === undefined ? undefined : JSON.stringify(body);
    return (await this.request<T>(method, path, json)).body;
  }

  /** GETs `path`, with the same errors and limits as {@link Transport.post}; the headers let a caller honour `cache-control`. */
  get<T>(path: string): Promise<{ body: T; headers: Headers }> {
    return this.request<T>('GET', path);
  }

  private async request<T>(method: string, path: string, json?: string): Promise<{ body: T; headers: Headers }> {
    if (!this.breaker.tryAcquire()) {
      throw unavailable('circuit_open', `circuit open after ${this.breaker.failureThreshold} consecutive failures`);
    }
    try {
      const answer = await this.send<T>(method, path, json);
      this.breaker.recordSuccess();
      return answer;
    } catch (error) {
      if (error instanceof CamfaError && error.unavailable) this.breaker.recordFailure();
      else this.breaker.recordSuccess();
      throw error;
    }
  }

  /**
   * Logs that the SDK answered in place of the backend. Called only when it actually decided (not when
   * it rethrows), so every line marks a request that was let through or refused without a check.
   */
  logDegraded(operation: string, error: CamfaError, failMode: FailMode, logger: CamfaLogger = this.logger): void {
    logger.warn(
      { appId: this.appId, operation, reason: error.reason, detail: error.detail, failMode },
      `camfa-guard backend unavailable (${error.reason}) for app ${this.appId}: ${operation} fails ${failMode}`,
    );
  }

  private async send<T>(method: string, path: string, json?: string): Promise<{ body: T; headers: Headers }> {
    // One signal covers connecting, headers and body: a server that accepts and stalls still ends here.
    const signal = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let headers: Headers;
    let text: string;
    const accept = 'application/json, application/problem+json';
    try {
      const response = await this.fetch(this.url(path), {
        method,
        headers: this.headers(json === undefined ? { accept } : { 'content-type': 'application/json', accept }),
        body: json,
        signal,
        // A redirect would replay the secret to wherever it points; a moved backend is a config error.
        redirect: 'manual',
      });
      status = response.status;
      headers = response.headers;
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw unavailable('timeout', `no answer within ${this.timeoutMs} ms`);
      throw unavailable('network', `could not reach ${new URL(this.base).origin}: ${describeNetworkError(error)}`, error);
    }
    if (status === 204) return { body: undefined as T, headers };
    if (status >= 200 && status < 300) {
      try {
        return { body: JSON.parse(text) as T, headers };
      } catch {
        throw unavailable('invalid_response', `answered ${status} with a body that is not JSON`);
      }
    }
    const problem = parseProblem(headers.get('content-type') ?? '', text);
    if (status >= 500) {
      throw unavailable('server_error', `answered ${status}${problem ? ` ${problem.code}` : ''}`);
    }
    throw new CamfaError({
      status,
      code: problem?.code ?? 'http_error',
      detail:
        problem?.detail ?? (status >= 300 && status < 400 ? `backend redirected ${path}; set host to the final URL` : `backend answered ${status} for ${path}`),
    });
  }

  private logBreaker(state: BreakerState): void {
    const fields = { appId: this.appId, state };
    if (state === 'open') {
      this.logger.warn(fields, `camfa-guard circuit opened for app ${this.appId}: calls fail fast for ${this.breaker.coolDownMs} ms`);
    } else if (state === 'closed') {
      this.logger.info?.(fields, `camfa-guard backend reachable again for app ${this.appId}: circuit closed`);
    }
  }
}

/** The `code` and `detail` of an RFC 9457 problem document, or null when the body is not one. */
export function parseProblem(contentType: string, text: string): { code: string; detail?: string } | null {
  if (!/^application\/(problem\+)?json/i.test(contentType)) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { code, detail } = parsed as { code?: unknown; detail?: unknown };
    if (typeof code !== 'string') return null;
    return typeof detail === 'string' ? { code, detail } : { code };
  } catch {
    return null;
  }
}

function parseHost(host: string): string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new TypeError('host must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('host must be an absolute http(s) URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `ECONNREFUSED` rather than undici's generic "fetch failed". @internal */
export function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.message : 'network error';
}
