import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../types.js';

/** What a gateway session says: who, how they proved it (RFC 8176), and when their last step-up was. */
export interface GatewaySession {
  appId: string;
  originalIdentity: string;
  amr: string[];
  /** The last step-up (an mfaToken with `mfa` in `amr`), ms since the epoch; absent: none since sign-in. */
  steppedUpAt?: number;
  issuedAt: number;
  expiresAt: number;
}

/** The cookie of an app's gateway session, one name per app so apps sharing a host keep apart. */
export const gatewayCookieName = (appId: string) => `camfa_gateway_${appId}`;

const VERSION = 'v1';

export interface GatewaySessionsOptions {
  /** The backend's persistent secret (the factor pepper): sessions survive a restart and verify on every instance. */
  pepper: Buffer;
  clock: Clock;
}

/**
 * Gateway sessions as HMAC-signed cookies, no row per session: the check runs on every request the gateway
 * sees and reads no storage for it. The key is derived per app from the backend's secret and the app's secret
 * hash, so a cookie of one app never verifies for another and rotating an app's secret ends its sessions.
 */
export class GatewaySessions {
  /** Derived once per app object: a rotated secret makes a new app object, hence a new key. */
  private readonly keys = new WeakMap<object, Buffer>();

  constructor(private readonly options: GatewaySessionsOptions) {}

  issue(
    app: { id: string; secretHash: Buffer },
    session: Omit<GatewaySession, 'appId' | 'issuedAt' | 'expiresAt'>,
    ttlMs: number,
  ): { value: string; session: GatewaySession } {
    const issuedAt = this.options.clock();
    const full: GatewaySession = { ...session, appId: app.id, issuedAt, expiresAt: issuedAt + ttlMs };
    const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
    return { value: `${VERSION}.${payload}.${this.mac(app, payload)}`, session: full };
  }

  /** The session a cookie value carries, or null when it is malformed, forged, another app's or expired. */
  read(app: { id: string; secretHash: Buffer }, value: string): GatewaySession | null {
    const [version, payload, mac, extra] = value.split('.');
    if (version !== VERSION || !payload || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(app, payload));
    const presented = Buffer.from(mac);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    let session: GatewaySession;
    try {
      session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as GatewaySession;
    } catch {
      return null;
    }
    if (session.appId !== app.id || !(session.expiresAt > this.options.clock())) return null;
    return session;
  }

  private mac(app: { id: string; secretHash: Buffer }, payload: string): string {
    let key = this.keys.get(app);
    if (!key) {
      key = createHmac('sha256', this.options.pepper).update(`camfa-gateway-session\0${app.id}\0`).update(app.secretHash).digest();
      this.keys.set(app, key);
    }
    return createHmac('sha256', key).update(`${VERSION}.${payload}`).digest('base64url');
  }
}
