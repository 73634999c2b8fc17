import { createHmac, createPublicKey } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.js';
import type { KeyRecord, Storage } from '../storage/types.js';
import { openSecret } from '../factors/crypto.js';
import { rejection, testSecrets } from '../factors/test-support/harness.js';
import { DEFAULT_RETIRED_KEY_GRACE_MS, KEY_RELOAD_INTERVAL_MS, KeyStore, signingKeySealContext } from './keys.js';
import {
  exchangeMfaToken,
  issueMfaToken,
  verifyMfaToken,
  type MfaTokenErrorCode,
  type MfaTokenInput,
  type UsedTokenStore,
  type VerifyMfaTokenOptions,
} from './mfa-token.js';
import { SubscriptionTokens } from './subscription.js';

const ISSUER = 'https://mfa.example.com';
const APP_ID = 'shop';
const START = 1_700_000_000_000;
const AUTH_TIME = START - 20_000;
const CLAIMS: MfaTokenInput = {
  appId: APP_ID,
  originalIdentity: 'u1',
  amr: ['otp'],
  acr: 'urn:camfa:acr:mfa',
  authTime: AUTH_TIME,
  workflowId: 'transfer',
  triggerId: 'trig-1',
};

let storage: Storage;
let now: number;
const clock = () => now;
let keys: KeyStore;
const { keyring } = testSecrets();

/** The private JWK a key row holds, opened with the test keyring. */
const privateJwkOf = (row: KeyRecord) => JSON.parse(openSecret(row.privateJwk.value, keyring, signingKeySealContext(row.kid))) as JWK;

beforeEach(async () => {
  now = START;
  storage = await openStorage({ url: ':memory:' });
  keys = new KeyStore(storage, clock, { keyring });
});
afterEach(() => storage.close());

const advance = (ms: number) => (now += ms);

async function issue(claims: Partial<MfaTokenInput> = {}, ttlSeconds?: number) {
  return issueMfaToken({ keys, issuer: ISSUER, clock, claims: { ...CLAIMS, ...claims }, ttlSeconds });
}

function verify(token: string, options: Partial<VerifyMfaTokenOptions> = {}) {
  return verifyMfaToken({ token, keys, issuer: ISSUER, audience: APP_ID, clock, ...options });
}

/** Refused with `code`, and the explanation gives nothing of the token away. */
async function expectRefused(token: string, code: MfaTokenErrorCode, options: Partial<VerifyMfaTokenOptions> = {}) {
  const result = await verify(token, options);
  expect(result).toMatchObject({ verified: false, code });
  if (result.verified) return;
  for (const segment of token.split('.').filter((part) => part.length > 8)) expect(result.message).not.toContain(segment);
  expect(result.message).not.toContain('u1');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims our issuer would write, in seconds, to be altered one at a time. */
function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(now / 1000);
  return {
    iss: ISSUER,
    aud: APP_ID,
    sub: 'u1',
    amr: ['otp'],
    acr: 'urn:camfa:acr:mfa',
    auth_time: Math.floor(AUTH_TIME / 1000),
    iat,
    exp: iat + 300,
    jti: 'crafted-jti-0123456789ab',
    workflow_id: 'transfer',
    trigger_id: 'trig-1',
    ...overrides,
  };
}

/**
 * Any header and claims, ES256-signed (by our current key unless `key` is given). With no overrides the
 * result verifies (see the first test), so each refusal below comes from the one thing it changes.
 */
async function craft(options: { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: CryptoKey } = {}): Promise<string> {
  const current = await keys.current();
  const header = { alg: 'ES256', typ: 'mfa+jwt', kid: current.kid, ...options.header };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload(options.claims))))
    .setProtectedHeader(header as { alg: string })
    .sign(options.key ?? current.privateKey);
}

async function ourPublicJwk(): Promise<JWK> {
  const { keys: published } = await keys.jwks();
  expect(published).toHaveLength(1);
  return published[0]!;
}

describe('issue and verify', () => {
  it('a crafted token without changes verifies, so the refusals below are caused by their one change', async () => {
    expect(await verify(await craft())).toMatchObject({ verified: true, claims: { jti: 'crafted-jti-0123456789ab' } });
  });

  it('verifies an issued token with every claim', async () => {
    const { token, jti, expiresAt } = await issue({ amr: ['otp', 'mfa'], extra: { channel: 'email' } });
    const result = await verify(token);
    expect(result).toEqual({
      verified: true,
      claims: {
        issuer: ISSUER,
        appId: APP_ID,
        originalIdentity: 'u1',
        amr: ['otp', 'mfa'],
        acr: 'urn:camfa:acr:mfa',
        authTime: AUTH_TIME,
        issuedAt: START,
        expiresAt: START + 300_000,
        jti,
        workflowId: 'transfer',
        triggerId: 'trig-1',
        extra: { channel: 'email' },
      },
    });
    expect(expiresAt).toBe(START + 300_000);
  });

  it('writes the header and claims of the contract, with a 128-bit random jti', async () => {
    const { token, jti } = await issue({}, 120);
    const [header, claims] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'ES256', typ: 'mfa+jwt', kid: (await keys.current()).kid });
    expect(claims).toEqual({
      iss: ISSUER,
      aud: APP_ID,
      sub: 'u1',
      amr: ['otp'],
      acr: 'urn:camfa:acr:mfa',
      auth_time: AUTH_TIME / 1000,
      iat: START / 1000,
      exp: START / 1000 + 120,
      jti,
      workflow_id: 'transfer',
      trigger_id: 'trig-1',
    });
    expect(Buffer.from(jti, 'base64url')).toHaveLength(16);
    expect((await issue()).jti).not.toBe(jti);
  });

  it('also verifies against a plain JWKS', async () => {
    const { token } = await issue();
    expect(await verify(token, { keys: await keys.jwks() })).toMatchObject({ verified: true });
  });

  it('uses only a published P-256 signing key, and only its public members', async () => {
    const { token } = await issue();
    const published = await ourPublicJwk();
    const privateJwk = privateJwkOf((await storage.listKeys())[0]!);
    // A JWKS that wrongly carries `d` still yields a verifying (public) key rather than a throw.
    expect(await verify(token, { keys: { keys: [{ ...privateJwk, kid: published.kid }] } })).toMatchObject({ verified: true });
    for (const misfit of [{ use: 'enc' }, { alg: 'ES384' }, { crv: 'P-384' }, { kty: 'OKP' }]) {
      expect(await verify(token, { keys: { keys: [{ ...published, ...misfit }] } })).toMatchObject({ verified: false, code: 'unknown_key' });
    }
    expect(await verify(token, { keys: { keys: [{ ...published, x: 'bm90IGEgcG9pbnQ' }] } })).toMatchObject({ verified: false, code: 'unknown_key' });
  });

  it('refuses to issue a token living longer than 5 minutes, or one that overrides a registered claim', async () => {
    await expect(issue({}, 301)).rejects.toThrow(RangeError);
    await expect(issue({}, 0)).rejects.toThrow(RangeError);
    await expect(issue({ extra: { sub: 'admin' } })).rejects.toThrow(/registered claims \(sub\)/);
    await expect(issue({ amr: [] })).rejects.toThrow(TypeError);
    await expect(issue({ authTime: START + 5_000 })).rejects.toThrow(/future/);
  });
});

describe('refusals', () => {
  it('malformed: anything but a compact JWS with JSON header and claims', async () => {
    const valid = await craft();
    const [header, body, signature] = valid.split('.') as [string, string, string];
    for (const token of [
      '',
      'abc',
      `${header}.${body}`,
      `${valid}.extra`,
      `${header}.${body}.sig+nature`,
      `${b64('not an object')}.${body}.${signature}`,
      `${header}.${Buffer.from('not json').toString('base64url')}.${signature}`,
      `${header}.${b64(['array'])}.${signature}`,
      `${b64({ alg: 'ES256', typ: 'mfa+jwt', kid: 'k', crit: ['b64'], b64: false })}.${body}.${signature}`,
      `${header}.${b64({ pad: 'x'.repeat(9000) })}.${signature}`,
    ]) {
      await expectRefused(token, 'malformed');
    }
    expect(await verify(42 as unknown as string)).toMatchObject({ verified: false, code: 'malformed' });
  });

  it.each([
    ['with an empty signature', ''],
    ['with a signature', 'c2lnbmF0dXJl'],
  ])('alg_not_allowed: alg "none" %s', async (_label, signature) => {
    const kid = (await keys.current()).kid;
    await expectRefused(`${b64({ alg: 'none', typ: 'mfa+jwt', kid })}.${b64(payload())}.${signature}`, 'alg_not_allowed');
  });

  it('alg_not_allowed: HS256 keyed with our public key (the classic key-confusion attack)', async () => {
    const jwk = await ourPublicJwk();
    const publicKey = createPublicKey({ key: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, format: 'jwk' });
    const secrets = [
      publicKey.export({ type: 'spki', format: 'pem' }),
      publicKey.export({ type: 'spki', format: 'der' }),
      JSON.stringify(jwk),
      Buffer.from(jwk.x!, 'base64url'),
    ];
    for (const secret of secrets) {
      const signingInput = `${b64({ alg: 'HS256', typ: 'mfa+jwt', kid: jwk.kid })}.${b64(payload())}`;
      await expectRefused(`${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`, 'alg_not_allowed');
    }
  });

  it.each(['RS256', 'ES384', 'EdDSA', 'HS512', 'es256'])('alg_not_allowed: %s', async (alg) => {
    const [, body, signature] = (await craft()).split('.');
    await expectRefused(`${b64({ alg, typ: 'mfa+jwt', kid: (await keys.current()).kid })}.${body}.${signature}`, 'alg_not_allowed');
  });

  it('bad_signature: signed by a foreign ES256 key that carries our kid', async () => {
    const attacker = await generateKeyPair('ES256');
    await expectRefused(await craft({ key: attacker.privateKey }), 'bad_signature');
  });

  it('embedded_key: a header carrying the attacker key as jwk', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    await expectRefused(await craft({ header: { jwk }, key: attacker.privateKey }), 'embedded_key');
    // Even signed with our own key: an embedded key is refused before any key is chosen.
    await expectRefused(await craft({ header: { jwk } }), 'embedded_key');
  });

  it.each([
    ['jku', 'https://attacker.example/jwks.json'],
    ['x5u', 'https://attacker.example/cert.pem'],
    ['x5c', ['MIIBszCCAVmgAwIBAgIU']],
  ])('embedded_key: a %s header', async (name, value) => {
    await expectRefused(await craft({ header: { [name]: value } }), 'embedded_key');
  });

  it.each(['JWT', 'camfa-sub+jwt', 'MFA+JWT', 'application/mfa+jwt', 'secevent+jwt', undefined])('wrong_type: typ %s', async (typ) => {
    await expectRefused(await craft({ header: { typ } }), 'wrong_type');
  });

  it('wrong_type: a real subscription token from the same keys and issuer', async () => {
    const { token } = await new SubscriptionTokens(keys, ISSUER, clock).mint({ appId: APP_ID, originalIdentity: 'u1' }, 300);
    await expectRefused(token, 'wrong_type');
  });

  it('unknown_key: a kid we never published, or none', async () => {
    await expectRefused(await craft({ header: { kid: 'not-ours' } }), 'unknown_key');
    await expectRefused(await craft({ header: { kid: undefined } }), 'unknown_key');
    await expectRefused(await craft({ header: { kid: 7 } }), 'unknown_key');
  });

  it('bad_signature: a tampered payload (sub flipped)', async () => {
    const [header, body, signature] = (await issue()).token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    await expectRefused(`${header}.${b64({ ...claims, sub: 'admin' })}.${signature}`, 'bad_signature');
  });

  it('wrong_audience: a token for another app, or for several', async () => {
    await expectRefused((await issue({ appId: 'other-app' })).token, 'wrong_audience');
    await expectRefused(await craft({ claims: { aud: [APP_ID, 'other-app'] } }), 'wrong_audience');
  });

  it('wrong_issuer: a token from another issuer, or without one', async () => {
    const { token } = await issue();
    await expectRefused(token, 'wrong_issuer', { issuer: 'https://evil.example.com' });
    await expectRefused(await craft({ claims: { iss: undefined } }), 'wrong_issuer');
  });

  it('expired: at exp, and not a second before; clock tolerance extends it', async () => {
    const { token } = await issue();
    advance(299_999);
    expect(await verify(token)).toMatchObject({ verified: true });
    advance(1);
    await expectRefused(token, 'expired');
    expect(await verify(token, { clockToleranceSeconds: 30 })).toMatchObject({ verified: true });
    advance(30_000);
    await expectRefused(token, 'expired', { clockToleranceSeconds: 30 });
  });

  it('not_yet_valid: nbf or iat in the future beyond the tolerance', async () => {
    const nowSeconds = Math.floor(now / 1000);
    const early = await craft({ claims: { nbf: nowSeconds + 60 } });
    await expectRefused(early, 'not_yet_valid');
    await expectRefused(early, 'not_yet_valid', { clockToleranceSeconds: 30 });
    expect(await verify(await craft({ claims: { nbf: nowSeconds + 30 } }), { clockToleranceSeconds: 30 })).toMatchObject({ verified: true });
    await expectRefused(await craft({ claims: { iat: nowSeconds + 10, exp: nowSeconds + 200 } }), 'not_yet_valid');
  });

  it('invalid_claims: a lifetime over 5 minutes, even if not expired yet', async () => {
    const iat = Math.floor(now / 1000);
    await expectRefused(await craft({ claims: { exp: iat + 301 } }), 'invalid_claims');
    await expectRefused(await craft({ claims: { iat: iat - 3600, exp: iat + 60 } }), 'invalid_claims');
    expect(await verify(await craft({ claims: { exp: iat + 300 } }))).toMatchObject({ verified: true });
  });

  it.each([
    ['sub', undefined],
    ['amr', undefined],
    ['amr', 'otp'],
    ['amr', []],
    ['amr', ['otp', 3]],
    ['acr', undefined],
    ['auth_time', undefined],
    ['auth_time', '1700000000'],
    ['auth_time', Math.floor(START / 1000) + 1],
    ['jti', undefined],
    ['jti', ''],
    ['workflow_id', undefined],
    ['trigger_id', 42],
    ['exp', undefined],
    ['exp', '1700000300'],
    ['iat', undefined],
    ['nbf', 'soon'],
  ])('invalid_claims: %s = %j', async (name, value) => {
    await expectRefused(await craft({ claims: { [name]: value } }), 'invalid_claims');
  });

  it('refuses a clock tolerance over 30 s as a programming error', async () => {
    const { token } = await issue();
    await expect(verify(token, { clockToleranceSeconds: 31 })).rejects.toThrow(RangeError);
  });
});

/** What a colleague's storage table does: one row per jti, insert-if-absent. */
function memoryUsedTokens(): UsedTokenStore & { rows: Map<string, number> } {
  const rows = new Map<string, number>();
  return {
    rows,
    consume: async (jti, expiresAt) => {
      if (rows.has(jti)) return false;
      rows.set(jti, expiresAt);
      return true;
    },
  };
}

describe('exchange', () => {
  it('accepts a token once, then answers token_already_used', async () => {
    const usedTokens = memoryUsedTokens();
    const { token, jti, expiresAt } = await issue();
    const options = { token, keys, issuer: ISSUER, audience: APP_ID, clock, usedTokens, clockToleranceSeconds: 5 };
    expect(await exchangeMfaToken(options)).toMatchObject({ verified: true, claims: { jti } });
    expect(await exchangeMfaToken(options)).toMatchObject({ verified: false, code: 'token_already_used' });
    // Remembered until the token stops verifying, tolerance included.
    expect(usedTokens.rows.get(jti)).toBe(expiresAt + 5_000);
    // Another token of the same user is its own.
    expect(await exchangeMfaToken({ ...options, token: (await issue()).token })).toMatchObject({ verified: true });
  });

  it('spends nothing on a token that does not verify', async () => {
    const usedTokens = memoryUsedTokens();
    const { token } = await issue();
    expect(await exchangeMfaToken({ token, keys, issuer: ISSUER, audience: 'other-app', clock, usedTokens })).toMatchObject({ code: 'wrong_audience' });
    expect(usedTokens.rows.size).toBe(0);
  });
});

describe('KeyStore', () => {
  it('publishes public members only: no private key in the JWKS', async () => {
    const jwk = await ourPublicJwk();
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: (await keys.current()).kid });
    expect(JSON.stringify(await keys.jwks())).not.toContain('"d"');
    // The storage row does hold the private key (sealed): the filtering above is what keeps it out.
    expect(privateJwkOf((await storage.listKeys())[0]!)).toHaveProperty('d');
  });

  it('survives a restart: a second KeyStore over the same storage signs with the same key', async () => {
    const { token } = await issue();
    const restarted = new KeyStore(storage, clock, { keyring });
    expect((await restarted.current()).kid).toBe((await keys.current()).kid);
    expect(await verify(token, { keys: restarted })).toMatchObject({ verified: true });
    expect(await storage.listKeys()).toHaveLength(1);
  });

  it('rotation: old tokens verify during the grace period, then fail as unknown_key', async () => {
    const before = await issue();
    const oldKid = (await keys.current()).kid;
    const rotated = await keys.rotate();
    expect(rotated.kid).not.toBe(oldKid);
    expect((await keys.current()).kid).toBe(rotated.kid);
    expect((await keys.jwks()).keys.map((key) => key.kid).sort()).toEqual([oldKid, rotated.kid].sort());

    // A new token is signed by the new key and verifies too.
    const after = await issue();
    expect(JSON.parse(Buffer.from(after.token.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: rotated.kid });

    advance(60_000);
    expect(await verify(before.token)).toMatchObject({ verified: true });
    advance(DEFAULT_RETIRED_KEY_GRACE_MS - 60_000 - 1);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toContain(oldKid);
    advance(1);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([rotated.kid]);
    await expectRefused(before.token, 'unknown_key');
  });

  it('rotation: a subscription token of the default maximum lifetime (1 h) outlives the rotation before it', async () => {
    const subscriptions = new SubscriptionTokens(keys, ISSUER, clock);
    const { token } = await subscriptions.mint({ appId: APP_ID, originalIdentity: 'u1' }, 3600);
    await keys.rotate();
    advance(3600_000 - 1);
    expect(await subscriptions.verify(token)).toEqual({ appId: APP_ID, originalIdentity: 'u1' });
  });

  it('rotation reaches another instance within the reload interval, and a restarted one at once', async () => {
    const peer = new KeyStore(storage, clock, { keyring });
    const oldKid = (await peer.current()).kid;
    const { kid } = await keys.rotate();
    expect((await new KeyStore(storage, clock, { keyring }).current()).kid).toBe(kid);
    expect((await peer.current()).kid).toBe(oldKid);
    advance(KEY_RELOAD_INTERVAL_MS);
    expect((await peer.current()).kid).toBe(kid);
  });

  it('rotates lazily once the current key is older than maxKeyAgeMs', async () => {
    const day = 24 * 60 * 60 * 1000;
    const store = new KeyStore(storage, clock, { keyring, maxKeyAgeMs: day });
    const first = await store.current();
    advance(day - 1);
    expect((await store.current()).kid).toBe(first.kid);
    advance(1);
    const second = await store.current();
    expect(second.kid).not.toBe(first.kid);
    expect(second.createdAt).toBe(now);
    const rows = await storage.listKeys();
    expect(rows.find((row) => row.kid === first.kid)?.retiredAt).toBe(now);
    expect(rows.find((row) => row.kid === second.kid)?.retiredAt).toBeNull();
    // Concurrent callers share one rotation.
    advance(day);
    const [a, b] = await Promise.all([store.current(), store.current()]);
    expect(a.kid).toBe(b.kid);
    expect(await storage.listKeys()).toHaveLength(3);
  });

  it('refuses a grace shorter than an hour and a key age under an hour', () => {
    expect(() => new KeyStore(storage, clock, { keyring, retiredKeyGraceMs: 5 * 60 * 1000 })).toThrow(RangeError);
    expect(() => new KeyStore(storage, clock, { keyring, maxKeyAgeMs: 60 * 1000 })).toThrow(RangeError);
  });
});

describe('KeyStore: private keys sealed at rest', () => {
  const k2 = { id: 'k2', key: testSecrets().keyring.current.key };

  it('stores the private key sealed with the current factor key, bound to its kid', async () => {
    const { kid } = await keys.current();
    const [row] = await storage.listKeys();
    const { d } = privateJwkOf(row!);
    expect(row!.privateJwk.sealedBy).toBe('k1');
    expect(row!.privateJwk.value).not.toContain(d);
    expect(row!.privateJwk.value).not.toContain('"d"');
    expect(() => openSecret(row!.privateJwk.value, keyring, signingKeySealContext(`${kid}x`))).toThrow();
  });

  it('refuses a sealed key copied from another row', async () => {
    const { kid: retired } = await keys.current();
    const { kid: current } = await keys.rotate();
    const rows = await storage.listKeys();
    const sealedOf = (kid: string) => rows.find((row) => row.kid === kid)!.privateJwk;
    await storage.replaceKeySecret(current, sealedOf(current).value, sealedOf(retired));
    await expect(new KeyStore(storage, clock, { keyring }).current()).rejects.toThrow(`signing-key:${current} does not open with factor key "k1"`);
  });

  it('seals a clear key from before sealing existed and keeps signing with it', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const clear = JSON.stringify(await exportJWK(privateKey));
    await storage.insertKey({
      kid: 'legacy',
      alg: 'ES256',
      privateJwk: { value: clear, sealedBy: null },
      publicJwk: JSON.stringify(await exportJWK(publicKey)),
      createdAt: now,
      retiredAt: null,
    });
    const { token } = await issue();
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ kid: 'legacy' });
    expect(await verify(token)).toMatchObject({ verified: true });
    const [row] = await storage.listKeys();
    expect(row!.privateJwk.sealedBy).toBe('k1');
    expect(privateJwkOf(row!)).toEqual(JSON.parse(clear));
  });

  it('factor-key rotation: rows sealed with the older key still open and move to the newer one, retired ones too', async () => {
    const { kid: retired } = await keys.current();
    const { kid } = await keys.rotate();
    const rotated = { current: k2, previous: [keyring.current] };
    expect((await new KeyStore(storage, clock, { keyring: rotated }).current()).kid).toBe(kid);
    const rows = await storage.listKeys();
    expect(rows.map((row) => [row.kid, row.privateJwk.sealedBy])).toEqual(
      expect.arrayContaining([
        [retired, 'k2'],
        [kid, 'k2'],
      ]),
    );
    // Once re-sealed, the older factor key can leave the ring.
    const { token } = await issueMfaToken({
      keys: new KeyStore(storage, clock, { keyring: { current: k2, previous: [] } }),
      issuer: ISSUER,
      clock,
      claims: CLAIMS,
    });
    expect(await verify(token)).toMatchObject({ verified: true });
  });

  it('without the factor key that sealed it: a one-line error naming the setting, no key material', async () => {
    await keys.current();
    const error = await rejection(new KeyStore(storage, clock, { keyring: { current: k2, previous: [] } }).current());
    expect(error.message).toMatch(/^signing-key:\S+ is sealed with factor key "k1", which is not configured: list it in CAMFA_FACTOR_KEYS \/ factors.keys/);
    expect(error.message).not.toContain('\n');
    const { d } = privateJwkOf((await storage.listKeys())[0]!);
    for (const secret of [d!, keyring.current.key.toString('base64'), k2.key.toString('base64')]) expect(error.message).not.toContain(secret);
  });

  it('two instances creating the first key at once: each verifies what the other signed', async () => {
    const peer = new KeyStore(storage, clock, { keyring });
    await Promise.all([keys.current(), peer.current()]);
    const mine = await issue();
    const theirs = await issueMfaToken({ keys: peer, issuer: ISSUER, clock, claims: CLAIMS });
    expect(await verify(theirs.token)).toMatchObject({ verified: true });
    expect(await verify(mine.token, { keys: peer })).toMatchObject({ verified: true });
  });
});
