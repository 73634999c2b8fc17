import type { JSONWebKeySet } from 'jose';
import { APP_PATHS } from '../protocol/index.js';
import type { Clock } from '../types.js';
import { CamfaError, unavailable } from './errors.js';
import type { Transport } from './http.js';

/** Used when the backend sends no `max-age`. */
export const DEFAULT_JWKS_MAX_AGE_MS = 5 * 60 * 1000;
/**
 * The fewest ms between two successful fetches, whatever the headers say: tokens with made-up kids, or a
 * `max-age=0`, must not turn the SDK into an amplifier against the backend.
 */
export const MIN_JWKS_REFETCH_MS = 30 * 1000;
/** A longer `max-age` would leave a rotated-in key unknown for too long. */
const MAX_JWKS_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * The backend's published signing keys, fetched through the SDK's transport (timeout, circuit breaker)
 * and cached for the `cache-control` max-age, so verifying a token costs no request in the common case.
 * @internal
 */
export class RemoteKeySet {
  private keys?: JSONWebKeySet;
  private freshUntil = 0;
  private fetchedAt = -Infinity;
  private fetching?: Promise<JSONWebKeySet>;

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
  ) {}

  /**
   * The cached set while fresh, else a newly fetched one. Never a stale one: keys that cannot be
   * checked against the backend do not vouch for a token.
   * @throws {CamfaError} `backend_unavailable` when the set cannot be fetched.
   */
  get(): Promise<JSONWebKeySet> {
    return this.keys && this.clock() < this.freshUntil ? Promise.resolve(this.keys) : this.fetch();
  }

  /**
   * A refetched set, for a token whose kid is not in the cached one (the backend rotated its key), or
   * undefined when the last fetch is too recent for a new key to be likely.
   * @throws {CamfaError} `backend_unavailable` when the set cannot be fetched.
   */
  async refresh(): Promise<JSONWebKeySet | undefined> {
    return this.clock() - this.fetchedAt < MIN_JWKS_REFETCH_MS ? undefined : this.fetch();
  }

  /** Concurrent callers share one request. */
  private fetch(): Promise<JSONWebKeySet> {
    this.fetching ??= this.load().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async load(): Promise<JSONWebKeySet> {
    let answer: { body: unknown; headers: Headers };
    try {
      answer = await this.transport.get<unknown>(APP_PATHS.jwks);
    } catch (error) {
      // Any refusal leaves the SDK without keys: for the caller that is the backend being unavailable.
      if (error instanceof CamfaError && !error.unavailable) throw unavailable('invalid_response', `answered ${error.status} for ${APP_PATHS.jwks}`, error);
      throw error;
    }
    const { body, headers } = answer;
    if (!isKeySet(body)) throw unavailable('invalid_response', `answered ${APP_PATHS.jwks} with something that is not a JWKS`);
    const now = this.clock();
    this.keys = body;
    this.fetchedAt = now;
    this.freshUntil = now + cacheLifetime(headers.get('cache-control'));
    return body;
  }
}

/** `max-age` in ms, held between {@link MIN_JWKS_REFETCH_MS} and a day; the default when absent. */
function cacheLifetime(cacheControl: string | null): number {
  if (/\bno-(?:store|cache)\b/i.test(cacheControl ?? '')) return MIN_JWKS_REFETCH_MS;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(cacheControl ?? '')?.[1];
  const ms = maxAge === undefined ? DEFAULT_JWKS_MAX_AGE_MS : Number(maxAge) * 1000;
  return Math.min(Math.max(ms, MIN_JWKS_REFETCH_MS), MAX_JWKS_MAX_AGE_MS);
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}
