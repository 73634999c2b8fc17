import { randomBytes, randomInt } from 'node:crypto';
import { OTP_DIGITS } from '../protocol/index.js';
import type { OtpChallengeRecord, OtpChannel, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import { hashOneTimeCode, oneTimeCodeMatches, openSecret, sealSecret } from './crypto.js';
import type { FactorSecrets } from './crypto.js';
import type { MessageSender } from './delivery.js';

const MINUTE = 60_000;
/** NIST SP 800-63B-4 §3.1.3.2 bounds an out-of-band secret's life at 10 minutes. */
const MAX_TTL_MS = 10 * MINUTE;
const MAX_ATTEMPTS = 5;

export interface OtpChallengeOptions {
  storage: Storage;
  secrets: FactorSecrets;
  sender: MessageSender;
  clock: Clock;
  /** Named in the message. */
  appName: string;
  /** Code lifetime; default 5 minutes, at most 10. */
  ttlMs?: number;
  /** Verification attempts per challenge over its whole life, resends included; default and maximum 5. */
  maxAttempts?: number;
  /** Minimum time between two sends of one challenge; default 30 seconds. */
  resendCooldownMs?: number;
  /** Sends per user and channel in an hour (starts and resends alike); default 10. */
  hourlySendCap?: number;
}

export interface OtpSubject {
  appId: string;
  originalIdentity: string;
}

/** How the message is written: its language, and the page host of its WebOTP line (none without one). */
export interface MessageOptions {
  locale: string;
  webOtpHost?: string;
}

/** The message options of a caller's input, and nothing else of it. */
export const messageOptions = ({ locale, webOtpHost }: MessageOptions): MessageOptions => (webOtpHost ? { locale, webOtpHost } : { locale });

export type OtpSendResult =
  | { sent: true; challengeId: string; expiresAt: number; resendAvailableAt: number }
  | { sent: false; reason: 'not_found' | 'consumed' | 'exhausted' | 'expired' }
  | { sent: false; reason: 'cooldown' | 'rate_limited'; retryAt: number };

export type OtpRefusal = 'not_found' | 'invalid' | 'consumed' | 'exhausted' | 'expired';

/**
 * RFC 8176 has `sms` but no value for e-mail, and NIST SP 800-63B-4 does not accept e-mail as an
 * out-of-band authenticator: an e-mailed code is a low-assurance plain `otp`, told apart by `channel`.
 */
export type OtpVerifyResult = { verified: true; channel: OtpChannel; amr: ['sms'] | ['otp'] } | { verified: false; reason: OtpRefusal; attemptsLeft: number };

/**
 * SMS and e-mail one-time codes: 6 digits from the CSPRNG, stored only as a keyed hash, single use,
 * short-lived, at most `maxAttempts` guesses per challenge, resends rate-limited and never resetting the
 * guess count (NIST SP 800-63B-4 §3.1.3.2). Destinations are sealed at rest like TOTP seeds.
 */
export class OtpChallenges {
  private readonly ttlMs: number;
  private readonly maxAttempts: number;
  private readonly resendCooldownMs: number;
  private readonly hourlySendCap: number;

  constructor(private readonly options: OtpChallengeOptions) {
    this.ttlMs = options.ttlMs ?? 5 * MINUTE;
    this.maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    this.resendCooldownMs = options.resendCooldownMs ?? 30_000;
    this.hourlySendCap = options.hourlySendCap ?? 10;
    if (!(this.ttlMs > 0 && this.ttlMs <= MAX_TTL_MS)) throw new Error('OTP lifetime must be more than 0 and at most 10 minutes');
    if (!(Number.isInteger(this.maxAttempts) && this.maxAttempts >= 1 && this.maxAttempts <= MAX_ATTEMPTS)) {
      throw new Error('OTP attempts per challenge must be an integer from 1 to 5');
    }
    if (!(this.resendCooldownMs >= 0 && this.hourlySendCap >= 1)) throw new Error('OTP resend cooldown must be >= 0 and the hourly cap >= 1');
  }

  /** Creates a challenge and sends its code to `destination`; refused when the hourly cap is reached. */
  async start(input: OtpSubject & { channel: OtpChannel; destination: string } & MessageOptions): Promise<OtpSendResult> {
    const now = this.options.clock();
    const capped = await this.takeSend(input, input.channel, now);
    if (capped !== null) return capped;
    const challengeId = randomBytes(16).toString('base64url');
    const code = newCode();
    const challenge: OtpChallengeRecord = {
      id: challengeId,
      appId: input.appId,
      originalIdentity: input.originalIdentity,
      channel: input.channel,
      destination: sealSecret(input.destination, this.options.secrets.keyring, destinationContext(challengeId)),
      codeHash: hashOneTimeCode(this.options.secrets.pepper, challengeId, code),
      expiresAt: now + this.ttlMs,
      attempts: 0,
      consumedAt: null,
      lastSentAt: now,
      sends: 1,
      createdAt: now,
    };
    await this.options.storage.insertOtpChallenge(challenge);
    await this.deliver(challenge, input.destination, code, input);
    return { sent: true, challengeId, expiresAt: challenge.expiresAt, resendAvailableAt: now + this.resendCooldownMs };
  }

  /**
   * Sends a new code for a live challenge, which replaces the old one. The challenge's attempt count is
   * kept: resending must not buy an attacker fresh guesses.
   */
  async resend(input: OtpSubject & { challengeId: string } & MessageOptions): Promise<OtpSendResult> {
    const now = this.options.clock();
    const challenge = await this.load(input, input.challengeId);
    if (challenge === null) return { sent: false, reason: 'not_found' };
    const dead = this.deadReason(challenge, now);
    if (dead !== null) return { sent: false, reason: dead };
    const resendAvailableAt = challenge.lastSentAt + this.resendCooldownMs;
    if (resendAvailableAt > now) return { sent: false, reason: 'cooldown', retryAt: resendAvailableAt };
    const capped = await this.takeSend(input, challenge.channel, now);
    if (capped !== null) return capped;
    const code = newCode();
    const expiresAt = now + this.ttlMs;
    const replaced = await this.options.storage.replaceOtpCode({
      id: challenge.id,
      codeHash: hashOneTimeCode(this.options.secrets.pepper, challenge.id, code),
      expiresAt,
      sentAt: now,
      sentBefore: now - this.resendCooldownMs,
      maxAttempts: this.maxAttempts,
    });
    // Lost a race with a concurrent resend or guess: that request's outcome stands.
    if (!replaced) return { sent: false, reason: 'cooldown', retryAt: now + this.resendCooldownMs };
    const destination = openSecret(challenge.destination, this.options.secrets.keyring, destinationContext(challenge.id));
    await this.deliver(challenge, destination, code, input);
    return { sent: true, challengeId: challenge.id, expiresAt, resendAvailableAt: now + this.resendCooldownMs };
  }

  /** Checks a code. Every call on a live challenge uses up one attempt, right or wrong, before comparing. */
  async verify(input: OtpSubject & { challengeId: string; code: string }): Promise<OtpVerifyResult> {
    const now = this.options.clock();
    const storage = this.options.storage;
    if ((await this.load(input, input.challengeId)) === null) return { verified: false, reason: 'not_found', attemptsLeft: 0 };
    const counted = await storage.countOtpAttempt({ id: input.challengeId, now, maxAttempts: this.maxAttempts });
    if (counted === null) {
      // Re-read: a concurrent request may be what made the challenge unusable.
      const current = await storage.getOtpChallenge(input.challengeId);
      return { verified: false, reason: current === null ? 'not_found' : (this.deadReason(current, now) ?? 'exhausted'), attemptsLeft: 0 };
    }
    const attemptsLeft = this.maxAttempts - counted.attempts;
    if (!oneTimeCodeMatches(this.options.secrets.pepper, counted.id, input.code.replace(/\s+/g, ''), counted.codeHash)) {
      return { verified: false, reason: 'invalid', attemptsLeft };
    }
    if (!(await storage.consumeOtpChallenge(counted.id, now))) return { verified: false, reason: 'consumed', attemptsLeft };
    return { verified: true, channel: counted.channel, amr: counted.channel === 'sms' ? ['sms'] : ['otp'] };
  }

  private async load(subject: OtpSubject, challengeId: string): Promise<OtpChallengeRecord | null> {
    const challenge = await this.options.storage.getOtpChallenge(challengeId);
    return challenge !== null && challenge.appId === subject.appId && challenge.originalIdentity === subject.originalIdentity ? challenge : null;
  }

  private deadReason(challenge: OtpChallengeRecord, now: number): 'consumed' | 'exhausted' | 'expired' | null {
    if (challenge.consumedAt !== null) return 'consumed';
    if (challenge.attempts >= this.maxAttempts) return 'exhausted';
    if (challenge.expiresAt <= now) return 'expired';
    return null;
  }

  /** Counts one send against the hourly cap; the refusal to return when the cap is reached, else null. */
  private async takeSend(subject: OtpSubject, channel: OtpChannel, now: number): Promise<OtpSendResult | null> {
    const key = `otp-sends:${JSON.stringify([subject.appId, subject.originalIdentity, channel])}`;
    const storage = this.options.storage;
    if ((await storage.incrementCounter({ key, now, limit: this.hourlySendCap, windowMs: 60 * MINUTE })) !== null) return null;
    const counter = await storage.getCounter(key);
    return { sent: false, reason: 'rate_limited', retryAt: counter?.windowEndsAt ?? now + 60 * MINUTE };
  }

  private deliver(challenge: OtpChallengeRecord, destination: string, code: string, { locale, webOtpHost }: MessageOptions): Promise<void> {
    const expiresInMinutes = Math.ceil(this.ttlMs / MINUTE);
    const bound = webOtpHost ? { webOtpHost } : {};
    return this.options.sender.send({ channel: challenge.channel, to: destination, locale, code, appName: this.options.appName, expiresInMinutes, ...bound });
  }
}

/** 000000–999999, uniform, from the CSPRNG. */
function newCode(): string {
  return String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

const destinationContext = (challengeId: string) => `otp-destination:${challengeId}`;
