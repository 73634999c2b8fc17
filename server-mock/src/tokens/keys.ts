import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Storage } from '../storage/types.js';
import type { Clock } from '../types.js';

export const SIGNING_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

/**
 * The backend's signing keys (ES256), generated on first start and persisted in storage so tokens
 * survive a restart and every instance publishes the same JWKS. Retired keys stay published until
 * the tokens they signed can no longer be valid.
 */
export class KeyStore {
  private signing?: Promise<SigningKey>;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** How long a retired key stays in the JWKS: the longest lifetime of a token it may have signed. */
    private readonly retiredKeyGraceMs = 60 * 60 * 1000,
  ) {}

  /** The newest active key; created and stored when there is none. */
  current(): Promise<SigningKey> {
    this.signing ??= this.loadOrCreate().catch((error: unknown) => {
      this.signing = undefined;
      throw error;
    });
    return this.signing;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    await this.current();
    const now = this.clock();
    const keys = (await this.storage.listKeys())
      .filter((key) => key.retiredAt === null || key.retiredAt + this.retiredKeyGraceMs > now)
      .map((key) => ({ ...(JSON.parse(key.publicJwk) as JWK), kid: key.kid, alg: key.alg, use: 'sig' }));
    return { keys };
  }

  private async loadOrCreate(): Promise<SigningKey> {
    const active = (await this.storage.listKeys())
      .filter((key) => key.retiredAt === null && key.alg === SIGNING_ALG)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (active) {
      return { kid: active.kid, privateKey: (await importJWK(JSON.parse(active.privateJwk) as JWK, SIGNING_ALG)) as CryptoKey };
    }
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const kid = randomUUID();
    await this.storage.insertKey({
      kid,
      alg: SIGNING_ALG,
      privateJwk: JSON.stringify(await exportJWK(privateKey)),
      publicJwk: JSON.stringify(await exportJWK(publicKey)),
      createdAt: this.clock(),
      retiredAt: null,
    });
    return { kid, privateKey };
  }
}
