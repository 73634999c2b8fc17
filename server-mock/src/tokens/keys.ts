import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { openStoredSecret, sealStoredSecret, type FactorKeyring } from '../factors/crypto.js';
import type { KeyRecord, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';

export const SIGNING_ALG = 'ES256';

const HOUR_MS = 60 * 60 * 1000;
/**
 * How often an instance re-reads the current key, so a rotation made by another instance (or by an
 * operator) reaches it; until then it may still sign with the key that was just retired.
 */
export const KEY_RELOAD_INTERVAL_MS = 60 * 1000;
/** The shortest grace a KeyStore accepts: the longest default token lifetime (subscription tokens, 1 h). */
export const MIN_RETIRED_KEY_GRACE_MS = HOUR_MS;
/** Covers a token of the longest default lifetime signed by a peer that has not yet reloaded its key. */
export const DEFAULT_RETIRED_KEY_GRACE_MS = MIN_RETIRED_KEY_GRACE_MS + KEY_RELOAD_INTERVAL_MS;
/** Below this, retired keys would pile up in the JWKS faster than their grace lets them go. */
export const MIN_KEY_AGE_MS = HOUR_MS;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** ms since the epoch. */
  createdAt: number;
}

export interface KeyStoreOptions {
  /** Seals the private keys at rest (the factor keys): a database reader cannot sign tokens. */
  keyring: FactorKeyring;
  /**
   * How long a retired key stays in the JWKS: at least the longest lifetime of a token it may have
   * signed (raise it when subscription tokens may live longer than an hour). Default 1 h 1 min;
   * at least {@link MIN_RETIRED_KEY_GRACE_MS}.
   */
  retiredKeyGraceMs?: number;
  /** Rotate once the current key is this old; checked when a key is asked for. Default: never. At least 1 h. */
  maxKeyAgeMs?: number;
}

/**
 * The backend's signing keys (ES256), generated on first start and persisted in storage so tokens
 * survive a restart and every instance publishes the same JWKS. A rotation makes a new key current and
 * retires the old one, which stays published for `retiredKeyGraceMs` so tokens it signed still verify.
 * Private keys are sealed with the factor keys, bound to their kid; see {@link signingKeySealContext}.
 */
export class KeyStore {
  private signing?: Promise<SigningKey>;
  /** When `current()` next re-reads storage; Infinity while a read is under way. */
  private reloadAt = 0;
  private readonly retiredKeyGraceMs: number;
  private readonly maxKeyAgeMs: number;
  private readonly keyring: FactorKeyring;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    options: KeyStoreOptions,
  ) {
    const { retiredKeyGraceMs = DEFAULT_RETIRED_KEY_GRACE_MS, maxKeyAgeMs = Infinity, keyring } = options;
    if (!(retiredKeyGraceMs >= MIN_RETIRED_KEY_GRACE_MS)) throw new RangeError(`retiredKeyGraceMs must be at least ${MIN_RETIRED_KEY_GRACE_MS} ms`);
    if (!(maxKeyAgeMs >= MIN_KEY_AGE_MS)) throw new RangeError(`maxKeyAgeMs must be at least ${MIN_KEY_AGE_MS} ms`);
    this.retiredKeyGraceMs = retiredKeyGraceMs;
    this.maxKeyAgeMs = maxKeyAgeMs;
    this.keyring = keyring;
  }

  /** The newest active key; created when there is none, replaced when older than `maxKeyAgeMs`. */
  current(): Promise<SigningKey> {
    if (this.clock() >= this.reloadAt) this.signing = undefined;
    this.signing ??= this.track(this.loadOrRotate());
    return this.signing;
  }

  /** Makes a new key current and retires the others; tokens they signed verify for the grace period. */
  rotate(): Promise<SigningKey> {
    this.signing = this.track(this.createAndRetireOthers());
    return this.signing;
  }

  /** The public keys a verifier needs: active ones and those retired less than the grace period ago. */
  async jwks(): Promise<JSONWebKeySet> {
    await this.current();
    const now = this.clock();
    const keys = (await this.storage.listKeys())
      .filter((key) => key.retiredAt === null || now < key.retiredAt + this.retiredKeyGraceMs)
      .map((key) => ({ ...toPublicJwk(JSON.parse(key.publicJwk) as JWK), kid: key.kid, alg: key.alg, use: 'sig' }));
    return { keys };
  }

  /** Caches `loading` until the next reload is due; a failure is not cached, so the next call retries. */
  private track(loading: Promise<SigningKey>): Promise<SigningKey> {
    this.reloadAt = Infinity;
    const tracked = loading.then(
      (key) => {
        if (this.signing === tracked) this.reloadAt = Math.min(this.clock() + KEY_RELOAD_INTERVAL_MS, key.createdAt + this.maxKeyAgeMs);
        return key;
      },
      (error: unknown) => {
        if (this.signing === tracked) {
          this.signing = undefined;
          this.reloadAt = 0;
        }
        throw error;
      },
    );
    return tracked;
  }

  private async loadOrRotate(): Promise<SigningKey> {
    const rows = await this.storage.listKeys();
    const newest = rows
      .filter((key) => key.retiredAt === null && key.alg === SIGNING_ALG)
      // Ties broken by kid so every instance picks the same key.
      .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1))[0];
    // Retired keys too move to the current factor key (or get sealed, when clear), so that after a
    // factor-key rotation one start is enough before the old factor key can leave the ring.
    for (const row of rows) if (row !== newest && row.privateJwk.sealedBy !== this.keyring.current.id) await this.openPrivateJwk(row);
    if (!newest) return this.create();
    if (this.clock() >= newest.createdAt + this.maxKeyAgeMs) return this.createAndRetireOthers();
    const jwk = JSON.parse(await this.openPrivateJwk(newest)) as JWK;
    return { kid: newest.kid, privateKey: (await importJWK(jwk, SIGNING_ALG)) as CryptoKey, createdAt: newest.createdAt };
  }

  private openPrivateJwk(row: KeyRecord): Promise<string> {
    return openStoredSecret(row.privateJwk, {
      keyring: this.keyring,
      context: signingKeySealContext(row.kid),
      reseal: (next) => this.storage.replaceKeySecret(row.kid, row.privateJwk.value, next),
    });
  }

  private async createAndRetireOthers(): Promise<SigningKey> {
    const next = await this.create();
    const retiredAt = this.clock();
    // Only keys not newer than ours: when two instances rotate at once, the later key survives.
    const older = (await this.storage.listKeys()).filter((key) => key.retiredAt === null && key.kid !== next.kid && key.createdAt <= next.createdAt);
    for (const key of older) await this.storage.retireKey(key.kid, retiredAt);
    return next;
  }

  private async create(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const kid = randomUUID();
    const createdAt = this.clock();
    await this.storage.insertKey({
      kid,
      alg: SIGNING_ALG,
      privateJwk: sealStoredSecret(JSON.stringify(await exportJWK(privateKey)), this.keyring, signingKeySealContext(kid)),
      publicJwk: JSON.stringify(await exportJWK(publicKey)),
      createdAt,
      retiredAt: null,
    });
    return { kid, privateKey, createdAt };
  }
}

/** Associated data of a sealed private key: a sealed key copied into another row no longer opens. */
export function signingKeySealContext(kid: string): string {
  return `signing-key:${kid}`;
}

/** Only the public members of an EC or OKP key: a private `d` can never reach a JWKS or a verifier. */
export function toPublicJwk(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}
