import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecret, sealStoredSecret } from '../factors/crypto.js';
import { memoryStorage, rejection, testSecrets } from '../factors/test-support/harness.js';
import type { Storage } from '../storage/types.js';
import { signingKeySealContext } from './keys.js';
import { loadStateTokens, STATE_SECRET_SEAL_CONTEXT, StateTokens } from './state-token.js';

const { keyring } = testSecrets();
const k2 = { id: 'k2', key: testSecrets().keyring.current.key };
const SETTING = 'state-token-secret';
const triggerId = StateTokens.newTriggerId();

let storage: Storage;
beforeEach(async () => {
  storage = await memoryStorage();
});
afterEach(() => storage.close());

const stored = () => storage.getOrCreateSecretSetting(SETTING, { value: 'unused', sealedBy: null });

describe('loadStateTokens', () => {
  it('creates one sealed secret that instances starting together agree on', async () => {
    const instances = await Promise.all(Array.from({ length: 5 }, () => loadStateTokens({ storage, keyring })));
    expect(new Set(instances.map((tokens) => tokens.tokenFor(triggerId))).size).toBe(1);
    const { value, sealedBy } = await stored();
    expect(sealedBy).toBe('k1');
    const secret = openSecret(value, keyring, STATE_SECRET_SEAL_CONTEXT);
    expect(value).not.toContain(secret);
    // The tokens are keyed by the sealed secret, not by something else.
    expect(instances[0]!.tokenFor(triggerId)).toBe(new StateTokens(Buffer.from(secret)).tokenFor(triggerId));
  });

  it('keeps a clear secret from before sealing existed, so pending stateTokens stay valid, and seals it', async () => {
    const clear = 'c'.repeat(43);
    await storage.getOrCreateSetting(SETTING, clear);
    const upgraded = await Promise.all(Array.from({ length: 3 }, () => loadStateTokens({ storage, keyring })));
    for (const tokens of upgraded) expect(tokens.verify(new StateTokens(Buffer.from(clear)).tokenFor(triggerId))).toBe(triggerId);
    const { value, sealedBy } = await stored();
    expect(sealedBy).toBe('k1');
    expect(value).not.toContain(clear);
    expect(openSecret(value, keyring, STATE_SECRET_SEAL_CONTEXT)).toBe(clear);
  });

  it('factor-key rotation: still opens under the older key and re-seals under the newer one', async () => {
    const token = (await loadStateTokens({ storage, keyring })).tokenFor(triggerId);
    const rotated = await loadStateTokens({ storage, keyring: { current: k2, previous: [keyring.current] } });
    expect(rotated.verify(token)).toBe(triggerId);
    expect((await stored()).sealedBy).toBe('k2');
    expect((await loadStateTokens({ storage, keyring: { current: k2, previous: [] } })).verify(token)).toBe(triggerId);
  });

  it('refuses a sealed value copied from another row, and names a missing factor key', async () => {
    await loadStateTokens({ storage, keyring });
    const error = await rejection(loadStateTokens({ storage, keyring: { current: k2, previous: [] } }));
    expect(error.message).toBe(
      'setting:state-token-secret is sealed with factor key "k1", which is not configured: list it in CAMFA_FACTOR_KEYS / factors.keys after the current key',
    );
    const { value } = await stored();
    await storage.replaceSecretSetting(SETTING, value, sealStoredSecret('c'.repeat(43), keyring, signingKeySealContext('some-kid')));
    expect((await rejection(loadStateTokens({ storage, keyring }))).message).toBe(
      'setting:state-token-secret does not open with factor key "k1": CAMFA_FACTOR_KEYS / factors.keys holds a different key under that id',
    );
  });
});
