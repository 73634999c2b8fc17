import { SignJWT, jwtVerify, createLocalJWKSet, errors } from 'jose';
import type { Clock } from '../types.js';
import { SIGNING_ALG, type KeyStore } from './keys.js';

/** A token for one user's MFA event stream: what a business backend hands its browser page. */
export const SUBSCRIPTION_TOKEN_TYPE = 'camfa-sub+jwt';

export interface SubscriptionClaims {
  appId: string;
  originalIdentity: string;
}

export class SubscriptionTokens {
  constructor(
    private readonly keys: KeyStore,
    private readonly issuer: string,
    private readonly clock: Clock,
  ) {}

  private get audience(): string {
    return `${this.issuer}/v1/events/stream`;
  }

  async mint(claims: SubscriptionClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: number }> {
    const key = await this.keys.current();
    const now = Math.floor(this.clock() / 1000);
    const exp = now + ttlSeconds;
    const token = await new SignJWT({ app_id: claims.appId })
      .setProtectedHeader({ alg: SIGNING_ALG, typ: SUBSCRIPTION_TOKEN_TYPE, kid: key.kid })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(claims.originalIdentity)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    return { token, expiresAt: exp * 1000 };
  }

  /** The claims of a valid token, or null (forged, expired, wrong type/issuer/audience). */
  async verify(token: string): Promise<SubscriptionClaims | null> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await this.keys.jwks()), {
        algorithms: [SIGNING_ALG],
        typ: SUBSCRIPTION_TOKEN_TYPE,
        issuer: this.issuer,
        audience: this.audience,
        currentDate: new Date(this.clock()),
        requiredClaims: ['sub', 'exp', 'app_id'],
      });
      if (typeof payload.app_id !== 'string' || !payload.sub) return null;
      return { appId: payload.app_id, originalIdentity: payload.sub };
    } catch (error) {
      if (error instanceof errors.JOSEError) return null;
      throw error;
    }
  }
}
