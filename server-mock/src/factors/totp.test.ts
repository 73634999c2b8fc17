import { Secret, TOTP, URI } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/types.js';
import { sealSecret } from './crypto.js';
import { manualClock, memoryStorage, rejection, restartableStorage, testSecrets } from './test-support/harness.js';
import { TotpFactor, totpSealContext } from './totp.js';
import type { TotpAlgorithm } from './totp.js';

const user = { appId: 'app-1', originalIdentity: 'alice' };

/** RFC 6238 Appendix B: the seeds and, per time (s), the 8-digit codes for SHA-1, SHA-256 and SHA-512. */
const RFC_SEEDS: Record<TotpAlgorithm, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};
const RFC_VECTORS: [number, Record<TotpAlgorithm, string>][] = [
  [59, { SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' }],
  [1111111109, { SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' }],
  [1111111111, { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' }],
  [1234567890, { SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' }],
  [2000000000, { SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' }],
  [20000000000, { SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' }],
];

describe('TOTP: RFC 6238 Appendix B through enrolment storage and verify', () => {
  it.each(['SHA1', 'SHA256', 'SHA512'] as const)('%s, 8 digits, 30 s', async (algorithm) => {
    const storage = await memoryStorage();
    const secrets = testSecrets();
    const clock = manualClock(0);
    const totp = new TotpFactor({ storage, keyring: secrets.keyring, clock, issuer: 'RFC', algorithm, digits: 8, period: 30 });
    const seed = Secret.fromLatin1(RFC_SEEDS[algorithm]);
    expect(seed.bytes).toHaveLength({ SHA1: 20, SHA256: 32, SHA512: 64 }[algorithm]);
    const enrolmentId = `rfc-${algorithm}`;
    await storage.insertFactorEnrolment({
      id: enrolmentId,
      ...user,
      type: 'totp',
      status: 'active',
      secret: sealSecret(seed.base32, secrets.keyring, totpSealContext(enrolmentId)),
      destination: null,
      lastUsedStep: null,
      createdAt: 0,
      activatedAt: 0,
    });
    for (const [seconds, codes] of RFC_VECTORS) {
      clock.advance(seconds * 1000 - clock());
      const wrong = String((Number(codes[algorithm]) + 1) % 1e8).padStart(8, '0');
      expect(await totp.verify({ ...user, enrolmentId, code: wrong })).toEqual({ verified: false, reason: 'invalid' });
      expect(await totp.verify({ ...user, enrolmentId, code: codes[algorithm] })).toEqual({ verified: true, amr: ['otp'], step: Math.floor(seconds / 30) });
    }
    await storage.close();
  });
});

describe('TOTP enrolment and verification', () => {
  let storage: Storage;
  const clock = manualClock(Date.parse('2026-01-01T00:00:10Z'));
  const secrets = testSecrets();
  const factor = () => new TotpFactor({ storage, keyring: secrets.keyring, clock, issuer: 'Acme Bank' });
  /** The code the user's authenticator app shows `offsetSteps` steps from now. */
  const codeAt = (secret: string, offsetSteps = 0) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock() + offsetSteps * 30_000 });

  const enrolActive = async () => {
    const enrolment = await factor().enrol({ ...user, accountName: 'alice@example.com' });
    expect((await factor().activate({ ...user, enrolmentId: enrolment.enrolmentId, code: codeAt(enrolment.secret) })).verified).toBe(true);
    // Two steps on, so even the previous step is one the activation did not use.
    clock.advance(60_000);
    return enrolment;
  };

  beforeEach(async () => {
    storage = await memoryStorage();
  });
  afterEach(async () => {
    await storage.close();
  });

  it('hands out an otpauth:// URI (issuer = app name, SHA-1, 6 digits, 30 s) and the same base32 secret', async () => {
    const { uri, secret, enrolmentId } = await factor().enrol({ ...user, accountName: 'alice@example.com' });
    expect(uri.startsWith('otpauth://totp/')).toBe(true);
    const parsed = URI.parse(uri) as TOTP;
    expect(parsed).toBeInstanceOf(TOTP);
    expect({ issuer: parsed.issuer, label: parsed.label, algorithm: parsed.algorithm, digits: parsed.digits, period: parsed.period }).toEqual({
      issuer: 'Acme Bank',
      label: 'alice@example.com',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
    expect(parsed.secret.base32).toBe(secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    expect((await storage.getFactorEnrolment(enrolmentId))!.status).toBe('pending');
  });

  it('activates only with a valid first code, which then cannot be used again', async () => {
    const { enrolmentId, secret } = await factor().enrol(user);
    expect(await factor().verify({ ...user, enrolmentId, code: codeAt(secret) })).toEqual({ verified: false, reason: 'not_found' });
    expect(await factor().activate({ ...user, enrolmentId, code: '000000' === codeAt(secret) ? '111111' : '000000' })).toEqual({
      verified: false,
      reason: 'invalid',
    });
    expect((await factor().activate({ ...user, enrolmentId, code: codeAt(secret) })).verified).toBe(true);
    expect(await factor().activate({ ...user, enrolmentId, code: codeAt(secret) })).toEqual({ verified: false, reason: 'not_found' });
    expect(await factor().verify({ ...user, enrolmentId, code: codeAt(secret) })).toEqual({ verified: false, reason: 'replayed' });
    expect((await storage.getFactorEnrolment(enrolmentId))!.status).toBe('active');
  });

  it('refuses to activate an enrolment left pending too long', async () => {
    const { enrolmentId, secret } = await factor().enrol(user);
    clock.advance(15 * 60_000 + 1);
    expect(await factor().activate({ ...user, enrolmentId, code: codeAt(secret) })).toEqual({ verified: false, reason: 'expired' });
  });

  it('accepts the previous and next step, not two steps away', async () => {
    const { enrolmentId, secret } = await enrolActive();
    expect(await factor().verify({ ...user, enrolmentId, code: codeAt(secret, 2) })).toEqual({ verified: false, reason: 'invalid' });
    expect(await factor().verify({ ...user, enrolmentId, code: codeAt(secret, -2) })).toEqual({ verified: false, reason: 'invalid' });
    expect((await factor().verify({ ...user, enrolmentId, code: codeAt(secret, -1) })).verified).toBe(true);
    clock.advance(60_000);
    expect((await factor().verify({ ...user, enrolmentId, code: codeAt(secret, 1) })).verified).toBe(true);
  });

  it('refuses a code replayed within its step, and any older step once a newer one was used', async () => {
    const { enrolmentId, secret } = await enrolActive();
    const code = codeAt(secret);
    expect((await factor().verify({ ...user, enrolmentId, code })).verified).toBe(true);
    clock.advance(5_000);
    expect(await factor().verify({ ...user, enrolmentId, code })).toEqual({ verified: false, reason: 'replayed' });
    const ahead = codeAt(secret, 1);
    expect((await factor().verify({ ...user, enrolmentId, code: ahead })).verified).toBe(true);
    clock.advance(30_000);
    expect(await factor().verify({ ...user, enrolmentId, code: codeAt(secret, -1) })).toEqual({ verified: false, reason: 'replayed' });
  });

  it('accepts one of two concurrent uses of the same code', async () => {
    const { enrolmentId, secret } = await enrolActive();
    const code = codeAt(secret);
    const results = await Promise.all([factor().verify({ ...user, enrolmentId, code }), factor().verify({ ...user, enrolmentId, code })]);
    expect(results.filter((result) => result.verified)).toHaveLength(1);
  });

  it("treats another user's or another app's enrolment as not found", async () => {
    const { enrolmentId, secret } = await enrolActive();
    const code = codeAt(secret);
    expect(await factor().verify({ appId: 'app-1', originalIdentity: 'mallory', enrolmentId, code })).toEqual({ verified: false, reason: 'not_found' });
    expect(await factor().verify({ appId: 'app-2', originalIdentity: 'alice', enrolmentId, code })).toEqual({ verified: false, reason: 'not_found' });
    expect((await factor().verify({ ...user, enrolmentId, code })).verified).toBe(true);
  });

  it('activating a new enrolment replaces the old one', async () => {
    const first = await enrolActive();
    const second = await enrolActive();
    expect(await factor().verify({ ...user, enrolmentId: first.enrolmentId, code: codeAt(first.secret) })).toEqual({ verified: false, reason: 'not_found' });
    expect((await factor().verify({ ...user, enrolmentId: second.enrolmentId, code: codeAt(second.secret) })).verified).toBe(true);
  });

  it('does not open a seed under another key or in another row', async () => {
    const { enrolmentId, secret } = await enrolActive();
    const stranger = new TotpFactor({ storage, keyring: testSecrets().keyring, clock, issuer: 'Acme Bank' });
    await expect(stranger.verify({ ...user, enrolmentId, code: codeAt(secret) })).rejects.toThrow(/key "k1"/);
    const stored = (await storage.getFactorEnrolment(enrolmentId))!;
    await storage.insertFactorEnrolment({ ...stored, id: 'copied', lastUsedStep: null });
    const error = await rejection(factor().verify({ ...user, enrolmentId: 'copied', code: codeAt(secret) }));
    expect(error.message).toMatch(/failed authentication/);
    expect(error.message).not.toContain(secret);
  });
});

describe('TOTP across a restart', () => {
  it('keeps the enrolment, its sealed seed and the last used step', async () => {
    const files = restartableStorage();
    const secrets = testSecrets();
    const clock = manualClock();
    let storage = await files.open();
    const factor = () => new TotpFactor({ storage, keyring: secrets.keyring, clock, issuer: 'Acme' });
    const { enrolmentId, secret } = await factor().enrol(user);
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock() });
    expect((await factor().activate({ ...user, enrolmentId, code })).verified).toBe(true);

    storage = await files.restart(storage);

    expect(await factor().verify({ ...user, enrolmentId, code })).toEqual({ verified: false, reason: 'replayed' });
    clock.advance(30_000);
    const next = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock() });
    expect((await factor().verify({ ...user, enrolmentId, code: next })).verified).toBe(true);
    await storage.close();
    expect(files.dump()).toContain(enrolmentId);
    expect(files.dump()).not.toContain(secret);
  });
});
