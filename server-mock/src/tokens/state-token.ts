import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * stateTokens are `<triggerId>.<mac>`: 128 random bits of id plus an HMAC-SHA256 over it. Nothing secret
 * is stored: the backend re-derives the token when it re-delivers a pending trigger (SSE replay, status),
 * and a database reader cannot forge one without the server secret.
 */
export class StateTokens {
  constructor(private readonly secret: Buffer) {}

  static newTriggerId(): string {
    return randomBytes(16).toString('base64url');
  }

  tokenFor(triggerId: string): string {
    return `${triggerId}.${this.mac(triggerId)}`;
  }

  /** The trigger id inside a genuine token, or null. Constant-time on the MAC. */
  verify(token: string): string | null {
    const [id, mac, extra] = token.split('.');
    if (!id || !mac || extra !== undefined || !/^[A-Za-z0-9_-]{22}$/.test(id)) return null;
    const expected = Buffer.from(this.mac(id));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }

  private mac(id: string): string {
    return createHmac('sha256', this.secret).update(`camfa-state:${id}`).digest('base64url');
  }
}
