import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { openStoredSecret, sealStoredSecret, type FactorKeyring } from '../factors/crypto.js';
import type { Storage } from '../storage/types.js';

const SECRET_SETTING = 'state-token-secret';
/** Associated data of the sealed secret: no other sealed value copied into its row opens as it. */
export const STATE_SECRET_SEAL_CONTEXT = `setting:${SECRET_SETTING}`;

/**
 * The backend's StateTokens, their secret kept sealed with the factor keys in the settings. On first
 * start every instance offers a fresh sealed secret and the first write wins, so instances starting
 * together agree; a clear secret from before sealing existed is kept (pending stateTokens stay valid)
 * and sealed in place.
 */
export async function loadStateTokens(options: {
  storage: Pick<Storage, 'getOrCreateSecretSetting' | 'replaceSecretSetting'>;
  keyring: FactorKeyring;
}): Promise<StateTokens> {
  const { storage, keyring } = options;
  const offered = sealStoredSecret(randomBytes(32).toString('base64url'), keyring, STATE_SECRET_SEAL_CONTEXT);
  const stored = await storage.getOrCreateSecretSetting(SECRET_SETTING, offered);
  const secret = await openStoredSecret(stored, {
    keyring,
    context: STATE_SECRET_SEAL_CONTEXT,
    reseal: (next) => storage.replaceSecretSetting(SECRET_SETTING, stored.value, next),
  });
  // The HMAC key is the text of the secret, as it always was, so stateTokens issued before still verify.
  return new StateTokens(Buffer.from(secret));
}

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
