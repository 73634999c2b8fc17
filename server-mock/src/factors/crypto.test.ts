import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FACTOR_KEYS_ENV,
  FACTOR_PEPPER_ENV,
  constantTimeEqual,
  findRecoveryCodeHash,
  hashOneTimeCode,
  hashRecoveryCodes,
  loadFactorSecrets,
  oneTimeCodeMatches,
  openSecret,
  parseFactorKeyring,
  sealSecret,
} from './crypto.js';
import { memoryStorage, testSecrets } from './test-support/harness.js';

const base64Key = () => randomBytes(32).toString('base64');
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('sealing secrets at rest (AES-256-GCM)', () => {
  const { keyring } = testSecrets();

  it('round-trips, with a fresh IV each time and the key id in front', () => {
    const first = sealSecret(SECRET, keyring, 'totp:e1');
    const second = sealSecret(SECRET, keyring, 'totp:e1');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1\.k1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(first).not.toContain(SECRET);
    expect(openSecret(first, keyring, 'totp:e1')).toBe(SECRET);
  });

  it('refuses another context, a tampered value or an unknown key, without echoing the secret', () => {
    const sealed = sealSecret(SECRET, keyring, 'totp:e1');
    const [version, id, iv, body, tag] = sealed.split('.') as [string, string, string, string, string];
    const flipped = `${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
    const failures = [
      () => openSecret(sealed, keyring, 'totp:e2'),
      () => openSecret([version, id, iv, flipped, tag].join('.'), keyring, 'totp:e1'),
      () => openSecret([version, 'k9', iv, body, tag].join('.'), keyring, 'totp:e1'),
      () => openSecret('garbage', keyring, 'totp:e1'),
      () => openSecret(sealed, testSecrets().keyring, 'totp:e1'),
    ];
    for (const failure of failures) {
      expect(failure).toThrow();
      try {
        failure();
      } catch (error) {
        expect(String((error as Error).message)).not.toContain(SECRET);
      }
    }
  });

  it('rotates: a new current key seals, the previous one still opens old values', () => {
    const old = parseFactorKeyring(`old:${base64Key()}`);
    const sealed = sealSecret(SECRET, old, 'c');
    const rotated = parseFactorKeyring(`new:${base64Key()},old:${Buffer.from(old.current.key).toString('base64')}`);
    expect(openSecret(sealed, rotated, 'c')).toBe(SECRET);
    expect(sealSecret(SECRET, rotated, 'c').split('.')[1]).toBe('new');
  });
});

describe('factor key configuration', () => {
  it('parses id:base64 lists and bare keys; refuses bad input without echoing it', () => {
    const key = base64Key();
    expect(parseFactorKeyring(key).current.id).toBe('k1');
    expect(parseFactorKeyring(`a:${key}, b:${base64Key()}`).previous.map((item) => item.id)).toEqual(['b']);
    const short = randomBytes(16).toString('base64');
    for (const bad of ['', short, `a:${key},a:${key}`, `bad id:${key}`, `${key.slice(0, -4)}!!!!`]) {
      let message = '';
      try {
        parseFactorKeyring(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(short);
      expect(message).not.toContain(key);
    }
  });

  it('prefers the config, then the environment; without either it throws unless generation is allowed', async () => {
    const environment = { [FACTOR_KEYS_ENV]: `env:${base64Key()}`, [FACTOR_PEPPER_ENV]: base64Key() };
    expect((await loadFactorSecrets({ environment })).keyring.current.id).toBe('env');
    expect((await loadFactorSecrets({ keys: `cfg:${base64Key()}`, pepper: base64Key(), environment })).keyring.current.id).toBe('cfg');
    await expect(loadFactorSecrets({ environment: {} })).rejects.toThrow(FACTOR_KEYS_ENV);
  });

  it('generates dev keys once per storage, so a restart or a second instance gets the same ones', async () => {
    const storage = await memoryStorage();
    const first = await loadFactorSecrets({ generateIn: storage });
    const second = await loadFactorSecrets({ generateIn: storage });
    expect(first.generated).toBe(true);
    expect(second.keyring.current.key.equals(first.keyring.current.key)).toBe(true);
    expect(second.pepper.equals(first.pepper)).toBe(true);
    const other = await memoryStorage();
    expect((await loadFactorSecrets({ generateIn: other })).pepper.equals(first.pepper)).toBe(false);
    await Promise.all([storage.close(), other.close()]);
  });
});

describe('code hashing', () => {
  const { pepper } = testSecrets();

  it('binds one-time code hashes to the pepper and the challenge', () => {
    const hash = hashOneTimeCode(pepper, 'challenge-1', '123456');
    expect(hash).not.toContain('123456');
    expect(oneTimeCodeMatches(pepper, 'challenge-1', '123456', hash)).toBe(true);
    expect(oneTimeCodeMatches(pepper, 'challenge-2', '123456', hash)).toBe(false);
    expect(oneTimeCodeMatches(pepper, 'challenge-1', '123457', hash)).toBe(false);
    expect(oneTimeCodeMatches(testSecrets().pepper, 'challenge-1', '123456', hash)).toBe(false);
  });

  it('compares in constant time and tells lengths apart', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('salts recovery code hashes per set and finds the matching one', async () => {
    const first = await hashRecoveryCodes(pepper, ['aaaa', 'bbbb']);
    const second = await hashRecoveryCodes(pepper, ['aaaa']);
    expect(second[0]).not.toBe(first[0]);
    expect(await findRecoveryCodeHash(pepper, 'bbbb', [...second, ...first])).toBe(first[1]);
    expect(await findRecoveryCodeHash(pepper, 'cccc', first)).toBeNull();
    expect(await findRecoveryCodeHash(pepper, 'aaaa', ['not-a-hash'])).toBeNull();
  });
});
