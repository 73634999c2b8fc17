import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/types.js';
import { FactorLockout } from './lockout.js';
import type { AttemptSubject, LockoutOptions } from './lockout.js';
import { manualClock, memoryStorage, restartableStorage, testSecrets } from './test-support/harness.js';
import { TotpFactor } from './totp.js';

const MINUTE = 60_000;
const alice = { appId: 'app-1', originalIdentity: 'alice', factor: 'totp' };

describe('factor lockout', () => {
  let storage: Storage;
  const clock = manualClock();
  const lockout = (options: Partial<LockoutOptions> = {}) => new FactorLockout({ storage, clock, ...options });
  let checks = 0;
  /** A verification with a fixed outcome, counting how often it really ran. */
  const check = (verified: boolean) => async () => {
    checks += 1;
    return { verified };
  };
  const fail = (subject: AttemptSubject = alice, options: Partial<LockoutOptions> = {}) => lockout(options).attempt(subject, check(false));
  const failTimes = async (times: number, subject: AttemptSubject = alice, options: Partial<LockoutOptions> = {}) => {
    for (let n = 0; n < times; n++) await fail(subject, options);
  };

  beforeEach(async () => {
    storage = await memoryStorage();
    checks = 0;
  });
  afterEach(async () => {
    await storage.close();
  });

  it('locks after 10 consecutive failures: even the right answer is then refused without being checked', async () => {
    await failTimes(9);
    expect(await lockout().status(alice)).toEqual({ locked: false });
    expect(await fail()).toEqual({ verified: false });
    expect(await lockout().status(alice)).toEqual({ locked: true, scope: 'factor', retryAt: clock() + MINUTE });
    expect(await lockout().attempt(alice, check(true))).toEqual({ verified: false, reason: 'locked', scope: 'factor', retryAt: clock() + MINUTE });
    expect(checks).toBe(10);
    clock.advance(MINUTE);
    expect(await lockout().attempt(alice, check(true))).toEqual({ verified: true });
  });

  it('doubles the lock with each further round of failures', async () => {
    const lengths: number[] = [];
    for (let round = 0; round < 4; round++) {
      await failTimes(10);
      const status = await lockout().status(alice);
      if (!status.locked || status.retryAt === null) throw new Error('expected a timed lock');
      lengths.push(status.retryAt - clock());
      clock.advance(status.retryAt - clock());
    }
    expect(lengths).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
  });

  it('a factor with its own limits locks sooner and from a shorter first lock, leaving the others alone', async () => {
    const options = { factorLimits: { face: { threshold: 5, baseLockMs: 30_000 } } };
    const face = { ...alice, factor: 'face' };
    const lengths: number[] = [];
    for (let round = 0; round < 3; round++) {
      await failTimes(4, face, options);
      expect(await lockout(options).status(face)).toEqual({ locked: false });
      await fail(face, options);
      const status = await lockout(options).status(face);
      if (!status.locked || status.retryAt === null) throw new Error('expected a timed lock');
      lengths.push(status.retryAt - clock());
      clock.advance(status.retryAt - clock());
    }
    expect(lengths).toEqual([30_000, 60_000, 120_000]);
    await failTimes(5, alice, options);
    expect(await lockout(options).status(alice)).toEqual({ locked: false });
    expect(() => lockout({ factorLimits: { face: { threshold: 101, baseLockMs: 1 } } })).toThrow(/threshold/);
  });

  it('a success resets the consecutive count', async () => {
    await failTimes(9);
    expect(await lockout().attempt(alice, check(true))).toEqual({ verified: true });
    await failTimes(9);
    expect(await lockout().status(alice)).toEqual({ locked: false });
  });

  it('never allows more than 100 consecutive failures: then only reset unlocks', async () => {
    for (let n = 0; n < 150; n++) {
      const result = await fail();
      if ('reason' in result) clock.advance(24 * 60 * MINUTE);
    }
    expect(checks).toBe(100);
    expect(await lockout().status(alice)).toEqual({ locked: true, scope: 'factor', retryAt: null });
    clock.advance(365 * 24 * 60 * MINUTE);
    expect(await lockout().attempt(alice, check(true))).toMatchObject({ reason: 'locked', retryAt: null });
    await lockout().reset(alice);
    expect(await lockout().attempt(alice, check(true))).toEqual({ verified: true });
  });

  it('never runs more than 100 checks even when the guesses arrive all at once', async () => {
    await Promise.all(Array.from({ length: 150 }, () => lockout({ threshold: 100 }).attempt(alice, check(false))));
    expect(checks).toBeLessThanOrEqual(100);
    expect((await lockout().status(alice)).locked).toBe(true);
  });

  it("shows an administrator the user's failing and locked counters, and only those; the lock until it lapses", async () => {
    const sms = { ...alice, factor: 'sms' };
    await failTimes(10);
    await failTimes(3, sms);
    const factors = ['totp', 'sms', 'email'];
    expect(await lockout().inspect(alice, factors)).toEqual([
      { factor: 'totp', failures: 10, locked: true, retryAt: clock() + MINUTE },
      { factor: 'sms', failures: 3, locked: false, retryAt: null },
    ]);
    clock.advance(MINUTE);
    expect(await lockout().inspect(alice, factors), 'the lock over, the failures still counted').toEqual([
      { factor: 'totp', failures: 10, locked: false, retryAt: null },
      { factor: 'sms', failures: 3, locked: false, retryAt: null },
    ]);
    expect(await lockout().resetAll(alice, factors)).toEqual(['totp', 'sms']);
    expect(await lockout().inspect(alice, factors)).toEqual([]);
  });

  it('accepts a threshold from 1 to 100 only', () => {
    expect(() => lockout({ threshold: 0 })).toThrow(/1 to 100/);
    expect(() => lockout({ threshold: 101 })).toThrow(/1 to 100/);
    expect(() => lockout({ threshold: 100 })).not.toThrow();
  });

  it('locks each user and factor on its own', async () => {
    await failTimes(10);
    expect((await lockout().status({ ...alice, factor: 'sms' })).locked).toBe(false);
    expect((await lockout().status({ ...alice, originalIdentity: 'bob' })).locked).toBe(false);
    expect((await lockout().status({ ...alice, appId: 'app-2' })).locked).toBe(false);
  });

  it('counts a verifier that throws as a failure and lets the error through', async () => {
    const boom = async (): Promise<{ verified: boolean }> => {
      throw new Error('boom');
    };
    for (let n = 0; n < 10; n++) await expect(lockout().attempt(alice, boom)).rejects.toThrow('boom');
    expect((await lockout().status(alice)).locked).toBe(true);
  });

  it('limits failures per IP across users: 50 in 15 minutes', async () => {
    const ip = '203.0.113.9';
    for (let n = 0; n < 50; n++) await fail({ ...alice, originalIdentity: `user-${n}`, ip });
    const fresh = { ...alice, originalIdentity: 'carol', ip };
    expect(await lockout().attempt(fresh, check(true))).toEqual({ verified: false, reason: 'locked', scope: 'ip', retryAt: clock() + 15 * MINUTE });
    expect(await lockout().attempt({ ...fresh, ip: '198.51.100.1' }, check(true))).toEqual({ verified: true });
    clock.advance(15 * MINUTE);
    expect(await lockout().attempt(fresh, check(true))).toEqual({ verified: true });
  });

  it('counts refusals that name no user against the IP alone', async () => {
    const ip = '203.0.113.7';
    expect(await lockout().ipFailure(null)).toBeNull();
    for (let n = 0; n < 49; n++) expect(await lockout().ipFailure(ip)).toBeNull();
    // The 50th failure from the address, this time a user's, reaches the limit.
    await fail({ ...alice, ip });
    const locked = { verified: false, reason: 'locked', scope: 'ip', retryAt: clock() + 15 * MINUTE };
    expect(await lockout().ipFailure(ip)).toEqual(locked);
    expect(await lockout().attempt({ ...alice, originalIdentity: 'bob', ip }, check(true))).toEqual(locked);
    expect(await lockout().ipFailure('198.51.100.1')).toBeNull();
    // The users themselves are not locked: alice has one failure, from another address she passes.
    expect(await lockout().attempt({ ...alice, ip: '198.51.100.1' }, check(true))).toEqual({ verified: true });
  });

  it("lets a user's trusted device through the IP's lock, without counting its failures against the IP", async () => {
    const ip = '203.0.113.5';
    for (let n = 0; n < 50; n++) await fail({ ...alice, originalIdentity: `user-${n}`, ip });
    const trusted = { ...alice, ip, trustedDevice: true };
    expect(await lockout().attempt({ ...alice, ip }, check(true))).toMatchObject({ reason: 'locked', scope: 'ip' });
    expect(await lockout().status(trusted)).toEqual({ locked: false });
    expect(await lockout().attempt(trusted, check(true))).toEqual({ verified: true });
    // Its own counter still applies in full.
    await failTimes(10, trusted);
    expect(await lockout().attempt(trusted, check(true))).toMatchObject({ reason: 'locked', scope: 'factor' });
    clock.advance(15 * MINUTE);
    // The window ended; the trusted device's 10 failures did not open a new one for the address.
    for (let n = 0; n < 49; n++) await fail({ ...alice, originalIdentity: `user-${n}`, ip });
    expect(await lockout().status({ ...alice, originalIdentity: 'bob', ip })).toEqual({ locked: false });
  });

  it('tells a step that proves nothing (a send, a challenge) which lock refuses it, by IP alone or by the factor', async () => {
    const ip = '203.0.113.6';
    expect(await lockout().lockFor({ ip })).toBeNull();
    expect(await lockout().lockFor({ ip: null })).toBeNull();
    await failTimes(10, { ...alice, ip });
    expect(await lockout().lockFor({ ...alice, ip })).toEqual({ verified: false, reason: 'locked', scope: 'factor', retryAt: clock() + MINUTE });
    expect(await lockout().lockFor({ ip })).toBeNull();
    for (let n = 0; n < 40; n++) await lockout().ipFailure(ip);
    expect(await lockout().lockFor({ ip })).toEqual({ verified: false, reason: 'locked', scope: 'ip', retryAt: clock() + 15 * MINUTE });
    expect(checks).toBe(10);
  });

  it('refuses a locked user with a valid TOTP code', async () => {
    const secrets = testSecrets();
    const totp = new TotpFactor({ storage, keyring: secrets.keyring, clock, issuer: 'Acme' });
    const { enrolmentId, secret } = await totp.enrol(alice);
    const codeNow = () => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock() });
    await totp.activate({ ...alice, enrolmentId, code: codeNow() });
    clock.advance(60_000);
    const wrongCode = String((Number(codeNow()) + 1) % 1_000_000).padStart(6, '0');
    for (let n = 0; n < 10; n++) {
      expect(await lockout().attempt(alice, () => totp.verify({ ...alice, enrolmentId, code: wrongCode }))).toEqual({ verified: false, reason: 'invalid' });
    }
    expect(await lockout().attempt(alice, () => totp.verify({ ...alice, enrolmentId, code: codeNow() }))).toMatchObject({ verified: false, reason: 'locked' });
    clock.advance(MINUTE);
    expect((await lockout().attempt(alice, () => totp.verify({ ...alice, enrolmentId, code: codeNow() }))).verified).toBe(true);
  });
});

describe('factor lockout across a restart', () => {
  it('keeps the lock, the consecutive count and the IP count', async () => {
    const files = restartableStorage();
    const clock = manualClock();
    let storage = await files.open();
    const failure = async () => ({ verified: false });
    const subject = { ...alice, ip: '203.0.113.9' };
    for (let n = 0; n < 10; n++) await new FactorLockout({ storage, clock }).attempt(subject, failure);
    for (let n = 0; n < 5; n++) await new FactorLockout({ storage, clock }).attempt({ ...subject, factor: 'sms' }, failure);

    storage = await files.restart(storage);

    const lockout = new FactorLockout({ storage, clock, ipFailureLimit: 15 });
    expect(await lockout.status(subject)).toEqual({ locked: true, scope: 'ip', retryAt: clock() + 15 * MINUTE });
    expect(await lockout.status({ ...alice })).toEqual({ locked: true, scope: 'factor', retryAt: clock() + MINUTE });
    const sms = { ...alice, factor: 'sms' };
    for (let n = 0; n < 4; n++) await lockout.attempt(sms, failure);
    expect((await lockout.status(sms)).locked).toBe(false);
    await lockout.attempt(sms, failure);
    expect((await lockout.status(sms)).locked).toBe(true);
    await storage.close();
  });
});
