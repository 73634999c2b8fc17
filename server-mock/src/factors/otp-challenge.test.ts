import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/types.js';
import { hashOneTimeCode } from './crypto.js';
import { DeliveryError, outboxSender } from './delivery.js';
import type { CodeDelivery, MessageSender } from './delivery.js';
import { OtpChallenges } from './otp-challenge.js';
import type { OtpChallengeOptions } from './otp-challenge.js';
import { manualClock, memoryStorage, rejection, restartableStorage, testSecrets } from './test-support/harness.js';

const MINUTE = 60_000;
const user = { appId: 'app-1', originalIdentity: 'alice' };
const phone = '+15555550123';

/** A sender that records deliveries so tests can read the code the user would receive. */
function recordingSender(): MessageSender & { deliveries: CodeDelivery[]; lastCode(): string } {
  const deliveries: CodeDelivery[] = [];
  return {
    deliveries,
    send: async (delivery) => {
      deliveries.push(delivery);
    },
    lastCode: () => deliveries.at(-1)!.code,
  };
}

/** A 6-digit code guaranteed to differ from `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('OTP challenges', () => {
  let storage: Storage;
  let sender: ReturnType<typeof recordingSender>;
  const clock = manualClock();
  const secrets = testSecrets();
  const challenges = (options: Partial<OtpChallengeOptions> = {}) => new OtpChallenges({ storage, secrets, sender, clock, appName: 'Acme', ...options });

  const start = async (options: Partial<OtpChallengeOptions> = {}, channel: 'sms' | 'email' = 'sms') => {
    const result = await challenges(options).start({ ...user, channel, destination: channel === 'sms' ? phone : 'alice@example.com', locale: 'en' });
    if (!result.sent) throw new Error(`not sent: ${result.reason}`);
    return result.challengeId;
  };
  const verify = (challengeId: string, code: string, options: Partial<OtpChallengeOptions> = {}) => challenges(options).verify({ ...user, challengeId, code });
  const resend = (challengeId: string, options: Partial<OtpChallengeOptions> = {}) => challenges(options).resend({ ...user, challengeId, locale: 'en' });

  beforeEach(async () => {
    storage = await memoryStorage();
    sender = recordingSender();
  });
  afterEach(async () => {
    await storage.close();
  });

  it('sends a 6-digit code that verifies once, as sms', async () => {
    const challengeId = await start();
    expect(sender.deliveries).toEqual([
      { channel: 'sms', to: phone, locale: 'en', code: expect.stringMatching(/^\d{6}$/), appName: 'Acme', expiresInMinutes: 5 },
    ]);
    expect(await verify(challengeId, sender.lastCode())).toEqual({ verified: true, channel: 'sms', amr: ['sms'] });
    expect(await verify(challengeId, sender.lastCode())).toEqual({ verified: false, reason: 'consumed', attemptsLeft: 0 });
  });

  it('marks e-mail as a plain, low-assurance otp with its channel', async () => {
    const challengeId = await start({}, 'email');
    expect(await verify(challengeId, sender.lastCode())).toEqual({ verified: true, channel: 'email', amr: ['otp'] });
  });

  it('draws codes that vary (CSPRNG, not a constant or a counter)', async () => {
    for (let n = 0; n < 20; n++) await start({ hourlySendCap: 100 });
    expect(new Set(sender.deliveries.map((delivery) => delivery.code)).size).toBeGreaterThan(15);
  });

  it('refuses a wrong code and counts it', async () => {
    const challengeId = await start();
    expect(await verify(challengeId, wrong(sender.lastCode()))).toEqual({ verified: false, reason: 'invalid', attemptsLeft: 4 });
    expect(await verify(challengeId, 'abc')).toEqual({ verified: false, reason: 'invalid', attemptsLeft: 3 });
    expect((await verify(challengeId, sender.lastCode())).verified).toBe(true);
  });

  it('refuses an expired code: 5 minutes by default, configurable up to 10 and no more', async () => {
    const challengeId = await start();
    clock.advance(5 * MINUTE);
    expect(await verify(challengeId, sender.lastCode())).toEqual({ verified: false, reason: 'expired', attemptsLeft: 0 });
    const longer = await start({ ttlMs: 10 * MINUTE });
    clock.advance(10 * MINUTE - 1);
    expect((await verify(longer, sender.lastCode())).verified).toBe(true);
    expect(() => challenges({ ttlMs: 10 * MINUTE + 1 })).toThrow(/10 minutes/);
    expect(() => challenges({ maxAttempts: 6 })).toThrow(/1 to 5/);
  });

  it('kills the challenge after 5 attempts: the 6th is refused even with the right code', async () => {
    const challengeId = await start();
    const code = sender.lastCode();
    for (let left = 4; left >= 0; left--) expect(await verify(challengeId, wrong(code))).toEqual({ verified: false, reason: 'invalid', attemptsLeft: left });
    expect(await verify(challengeId, code)).toEqual({ verified: false, reason: 'exhausted', attemptsLeft: 0 });
    expect(await resend(challengeId)).toEqual({ sent: false, reason: 'exhausted' });
  });

  it('lets no more than 5 of many concurrent guesses be checked', async () => {
    const challengeId = await start();
    const results = await Promise.all(Array.from({ length: 12 }, () => verify(challengeId, wrong(sender.lastCode()))));
    const reasons = results.map((result) => ('reason' in result ? result.reason : 'verified'));
    expect(reasons.filter((reason) => reason === 'invalid')).toHaveLength(5);
    expect(reasons.filter((reason) => reason === 'exhausted')).toHaveLength(7);
  });

  it('resends after the 30 s cooldown with a new code, and never resets the attempt count', async () => {
    const challengeId = await start();
    const first = sender.lastCode();
    for (let n = 0; n < 4; n++) await verify(challengeId, wrong(first));
    clock.advance(29_999);
    expect(await resend(challengeId)).toEqual({ sent: false, reason: 'cooldown', retryAt: clock() + 1 });
    clock.advance(1);
    expect(await resend(challengeId)).toEqual({ sent: true, challengeId, expiresAt: clock() + 5 * MINUTE, resendAvailableAt: clock() + 30_000 });
    const second = sender.lastCode();
    expect(sender.deliveries).toHaveLength(2);
    if (second !== first) expect(await verify(challengeId, first)).toEqual({ verified: false, reason: 'invalid', attemptsLeft: 0 });
    else expect(await verify(challengeId, wrong(first))).toEqual({ verified: false, reason: 'invalid', attemptsLeft: 0 });
    expect(await verify(challengeId, second)).toEqual({ verified: false, reason: 'exhausted', attemptsLeft: 0 });
    expect((await storage.getOtpChallenge(challengeId))!.attempts).toBe(5);
  });

  it('the resent code extends the lifetime and the old code no longer works', async () => {
    const challengeId = await start();
    const first = sender.lastCode();
    clock.advance(4 * MINUTE);
    expect((await resend(challengeId)).sent).toBe(true);
    clock.advance(2 * MINUTE);
    const second = sender.lastCode();
    if (second !== first) expect(await verify(challengeId, first)).toMatchObject({ reason: 'invalid' });
    expect((await verify(challengeId, second)).verified).toBe(true);
    expect(await resend(challengeId)).toEqual({ sent: false, reason: 'consumed' });
  });

  it('refuses to resend an expired challenge or anyone else’s', async () => {
    const challengeId = await start();
    expect(await challenges().resend({ appId: 'app-1', originalIdentity: 'mallory', challengeId, locale: 'en' })).toEqual({ sent: false, reason: 'not_found' });
    expect(await challenges().verify({ appId: 'app-1', originalIdentity: 'mallory', challengeId, code: sender.lastCode() })).toEqual({
      verified: false,
      reason: 'not_found',
      attemptsLeft: 0,
    });
    clock.advance(5 * MINUTE);
    expect(await resend(challengeId)).toEqual({ sent: false, reason: 'expired' });
    expect(sender.deliveries).toHaveLength(1);
  });

  it('caps sends per user and channel per hour, resends included', async () => {
    const challengeId = await start({ hourlySendCap: 3 });
    clock.advance(30_000);
    expect((await resend(challengeId, { hourlySendCap: 3 })).sent).toBe(true);
    await start({ hourlySendCap: 3 });
    const windowEnd = clock() - 30_000 + 60 * MINUTE;
    expect(await challenges({ hourlySendCap: 3 }).start({ ...user, channel: 'sms', destination: phone, locale: 'en' })).toEqual({
      sent: false,
      reason: 'rate_limited',
      retryAt: windowEnd,
    });
    clock.advance(30_000);
    expect(await resend(challengeId, { hourlySendCap: 3 })).toEqual({ sent: false, reason: 'rate_limited', retryAt: windowEnd });
    expect((await start({ hourlySendCap: 3 }, 'email')) !== undefined).toBe(true);
    expect(sender.deliveries).toHaveLength(4);
    clock.advance(windowEnd - clock());
    expect((await challenges({ hourlySendCap: 3 }).start({ ...user, channel: 'sms', destination: phone, locale: 'en' })).sent).toBe(true);
  });

  it('lets a delivery failure through without the code or the destination in it', async () => {
    const failing: MessageSender = {
      send: async (delivery) => {
        throw new DeliveryError(delivery.channel, 'webhook answered 500');
      },
    };
    const error = await rejection(
      new OtpChallenges({ storage, secrets, sender: failing, clock, appName: 'Acme' }).start({ ...user, channel: 'sms', destination: phone, locale: 'en' }),
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).not.toContain(phone);
    expect(error.message).not.toMatch(/\d{6}/);
  });

  it('feeds the dev outbox', async () => {
    const outbox = outboxSender({ clock });
    const result = await new OtpChallenges({ storage, secrets, sender: outbox, clock, appName: 'Acme' }).start({
      ...user,
      channel: 'email',
      destination: 'alice@example.com',
      locale: 'zh-CN',
    });
    expect(result.sent).toBe(true);
    const [message] = outbox.messages();
    expect(message).toMatchObject({ channel: 'email', to: 'alice@example.com', locale: 'zh-CN', subject: 'Acme 验证码' });
    const code = /(\d{6})/.exec(message!.text)![1]!;
    expect(message!.subject).not.toContain(code);
    expect((await verify((result as { challengeId: string }).challengeId, code)).verified).toBe(true);
  });
});

describe('OTP challenges at rest and across a restart', () => {
  it('store only a keyed hash of the code and a sealed destination; keep attempts after a restart', async () => {
    const files = restartableStorage();
    const secrets = testSecrets();
    const clock = manualClock();
    const sender = recordingSender();
    let storage = await files.open();
    const challenges = () => new OtpChallenges({ storage, secrets, sender, clock, appName: 'Acme' });
    const started = await challenges().start({ ...user, channel: 'sms', destination: phone, locale: 'en' });
    const challengeId = (started as { challengeId: string }).challengeId;
    const code = sender.lastCode();
    for (let n = 0; n < 3; n++) await challenges().verify({ ...user, challengeId, code: wrong(code) });

    storage = await files.restart(storage);

    const stored = (await storage.getOtpChallenge(challengeId))!;
    expect(stored.attempts).toBe(3);
    expect(stored.codeHash).toBe(hashOneTimeCode(secrets.pepper, challengeId, code));
    const { code_hash: _hash, ...rest } = JSON.parse(files.dump()).otp_challenges[0];
    expect(JSON.stringify(rest)).not.toContain(code);
    expect(files.dump()).not.toContain(phone);
    expect(await challenges().verify({ ...user, challengeId, code: wrong(code) })).toEqual({ verified: false, reason: 'invalid', attemptsLeft: 1 });
    expect((await challenges().verify({ ...user, challengeId, code })).verified).toBe(true);
    await storage.close();
  });
});
