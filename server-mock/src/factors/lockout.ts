import type { UserLockout } from '../protocol/index.js';
import type { CounterRecord, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';

/** NIST SP 800-63B-4 §3.2.2: never more than 100 consecutive failed attempts on one account. */
export const NIST_MAX_CONSECUTIVE_FAILURES = 100;

export interface LockoutOptions {
  storage: Storage;
  clock: Clock;
  /** Consecutive failures that lock the factor; default 10, at most 100. */
  threshold?: number;
  /** First lock's length; each further lock doubles it (capped by `maxLockMs`). Default 1 minute. */
  baseLockMs?: number;
  /** Default 1 day. */
  maxLockMs?: number;
  /** Failures from one IP address, all users and factors together, within `ipWindowMs`; default 50. */
  ipFailureLimit?: number;
  /** Default 15 minutes. */
  ipWindowMs?: number;
  /** Per factor type, a stricter threshold and first lock (e.g. face: 5 failures, then 30 s, NIST SP 800-63B-4 §3.2.3). */
  factorLimits?: Record<string, { threshold: number; baseLockMs: number }>;
}

export interface AttemptSubject {
  appId: string;
  originalIdentity: string;
  /** The factor, e.g. `totp`, `sms`, `email`, `recovery_code`: each locks on its own. */
  factor: string;
  ip?: string | null;
  /**
   * The caller checked a trusted-device token (`tokens/device-token.ts`) bound to exactly this user and
   * the device presenting it. Such an attempt is exempt from the IP's lock, and its failures are not
   * counted against the IP: a user's own known-good device behind a shared address (a NAT, a campus) is
   * not refused because someone else there sprays passwords (NIST SP 800-63B-4 §3.2.2). The user's own
   * counter still applies in full, so a stolen token buys no extra guesses on that account.
   */
  trustedDevice?: boolean;
}

/** `retryAt` null: locked until `reset` (100 consecutive failures). */
export interface LockedResult {
  verified: false;
  reason: 'locked';
  scope: 'factor' | 'ip';
  retryAt: number | null;
}

/** One of a user's lockout counters as an administrator sees it: the wire's `UserLockout`, before any login name. */
export type FactorCounterState = Omit<UserLockout, 'login'>;

export type LockoutStatus = { locked: false } | { locked: true; scope: 'factor' | 'ip'; retryAt: number | null };

/**
 * Throttles guessing, with every counter in storage so a restart or a second instance changes nothing.
 *
 * Per user and factor: each attempt is counted *before* the check runs (atomically, refused at 100 or
 * while locked), so concurrent guesses cannot slip past the limits; a success clears the count. Every
 * `threshold` consecutive failures lock the factor, for `baseLockMs` doubling with each lock; at 100
 * consecutive failures it stays locked until `reset` (e.g. after account recovery). With the defaults an
 * attacker gets 100 guesses over about 8½ hours, and then none.
 *
 * Per IP: failures are counted in a fixed window across users, so one address spraying many accounts
 * is stopped even though no single account reaches its threshold. Over the limit the address is
 * throttled, not its users: an attempt from a trusted device of the user it names still goes through.
 */
export class FactorLockout {
  private readonly threshold: number;
  private readonly baseLockMs: number;
  private readonly maxLockMs: number;
  private readonly ipFailureLimit: number;
  private readonly ipWindowMs: number;

  constructor(private readonly options: LockoutOptions) {
    this.threshold = options.threshold ?? 10;
    this.baseLockMs = options.baseLockMs ?? 60_000;
    this.maxLockMs = options.maxLockMs ?? 24 * 60 * 60_000;
    this.ipFailureLimit = options.ipFailureLimit ?? 50;
    this.ipWindowMs = options.ipWindowMs ?? 15 * 60_000;
    if (!(Number.isInteger(this.threshold) && this.threshold >= 1 && this.threshold <= NIST_MAX_CONSECUTIVE_FAILURES)) {
      throw new Error(`lockout threshold must be an integer from 1 to ${NIST_MAX_CONSECUTIVE_FAILURES}`);
    }
    if (!(this.baseLockMs > 0 && this.maxLockMs >= this.baseLockMs && this.ipFailureLimit >= 1 && this.ipWindowMs > 0)) {
      throw new Error('lockout durations and the IP limit must be positive, and maxLockMs at least baseLockMs');
    }
    for (const [factor, limits] of Object.entries(options.factorLimits ?? {})) {
      if (!(Number.isInteger(limits.threshold) && limits.threshold >= 1 && limits.threshold <= NIST_MAX_CONSECUTIVE_FAILURES && limits.baseLockMs > 0)) {
        throw new Error(`lockout limits of ${factor}: the threshold must be an integer from 1 to ${NIST_MAX_CONSECUTIVE_FAILURES} and the lock positive`);
      }
    }
  }

  /**
   * Runs `check` (a factor's verification) unless the factor or the IP is locked, and records its outcome.
   * A `check` that throws counts as a failure: input that crashes a verifier must not get free guesses.
   */
  async attempt<T extends { verified: boolean }>(subject: AttemptSubject, check: () => Promise<T>): Promise<T | LockedResult> {
    const now = this.options.clock();
    const ip = await this.ipStatus(subject, now);
    if (ip.locked) return lockedBy(ip);
    const key = factorKey(subject);
    const counted = await this.options.storage.incrementCounter({ key, now, limit: NIST_MAX_CONSECUTIVE_FAILURES, windowMs: null });
    if (counted === null) {
      const status = await this.factorStatus(subject, now);
      return { verified: false, reason: 'locked', scope: 'factor', retryAt: status.locked ? status.retryAt : now };
    }
    let verified = false;
    try {
      const result = await check();
      verified = result.verified;
      return result;
    } finally {
      if (verified) await this.options.storage.deleteCounter(key);
      else await this.recordFailure(subject, key, counted.count, now);
    }
  }

  /**
   * Counts a refusal against the IP alone, for one that names no user (an unknown passkey) or must not lock
   * the user (a frame without a usable face), so one address cannot repeat it without end. The lock when the
   * IP is already over its limit, else null.
   */
  async ipFailure(ip: string | null | undefined): Promise<LockedResult | null> {
    if (!ip) return null;
    const now = this.options.clock();
    const status = await this.ipStatus({ ip }, now);
    if (status.locked) return lockedBy(status);
    await this.countIpFailure(ip, now);
    return null;
  }

  /** Whether an attempt would be refused now, for a UI to show before the user types anything. */
  async status(subject: AttemptSubject): Promise<LockoutStatus> {
    const now = this.options.clock();
    const ip = await this.ipStatus(subject, now);
    return ip.locked ? ip : this.factorStatus(subject, now);
  }

  /**
   * The lock an attempt would meet now, or null; with only an IP (nobody named yet), that IP's. For steps
   * that prove nothing but cost something (sending a code, creating a passkey challenge, running the face
   * models): a locked user or address gets no new code to guess and no message to anyone's phone.
   */
  async lockFor(subject: AttemptSubject | { ip: string | null | undefined }): Promise<LockedResult | null> {
    const status = 'factor' in subject ? await this.status(subject) : await this.ipStatus(subject, this.options.clock());
    return status.locked ? lockedBy(status) : null;
  }

  /** Clears the user's failures and lock on the factor (after recovery or by an administrator). */
  async reset(subject: Omit<AttemptSubject, 'ip'>): Promise<void> {
    await this.options.storage.deleteCounter(factorKey(subject));
  }

  /**
   * The user's counters on each of `factors` that has one (an administrator's view of the lockouts): the
   * consecutive failures, and the lock if one holds now. The IP's lock is the address's, not the user's: not here.
   */
  async inspect(subject: Pick<AttemptSubject, 'appId' | 'originalIdentity'>, factors: readonly string[]): Promise<FactorCounterState[]> {
    const { storage, clock } = this.options;
    const now = clock();
    const states = await Promise.all(
      factors.map(async (factor): Promise<FactorCounterState | null> => {
        const counter = await storage.getCounter(factorKey({ ...subject, factor }));
        if (counter === null) return null;
        const status = counterStatus(counter, now);
        return { factor, failures: counter.count, locked: status.locked, retryAt: status.locked ? status.retryAt : null };
      }),
    );
    return states.filter((state) => state !== null);
  }

  /**
   * Clears the user's failures and locks on each of `factors` at once (an administrator's "reset lockouts");
   * the factors that had any, so the caller can say what changed.
   */
  async resetAll(subject: Pick<AttemptSubject, 'appId' | 'originalIdentity'>, factors: readonly string[]): Promise<string[]> {
    const reset = (await this.inspect(subject, factors)).map(({ factor }) => factor);
    await Promise.all(reset.map((factor) => this.options.storage.deleteCounter(factorKey({ ...subject, factor }))));
    return reset;
  }

  private async recordFailure(subject: AttemptSubject, key: string, consecutive: number, now: number): Promise<void> {
    const { threshold, baseLockMs } = this.options.factorLimits?.[subject.factor] ?? { threshold: this.threshold, baseLockMs: this.baseLockMs };
    if (consecutive % threshold === 0 || consecutive >= NIST_MAX_CONSECUTIVE_FAILURES) {
      const locks = Math.floor(consecutive / threshold);
      await this.options.storage.lockCounter(key, now + Math.min(this.maxLockMs, baseLockMs * 2 ** (locks - 1)));
    }
    if (subject.ip && !subject.trustedDevice) await this.countIpFailure(subject.ip, now);
  }

  private async countIpFailure(ip: string, now: number): Promise<void> {
    await this.options.storage.incrementCounter({ key: ipKey(ip), now, limit: this.ipFailureLimit, windowMs: this.ipWindowMs });
  }

  private async factorStatus(subject: AttemptSubject, now: number): Promise<LockoutStatus> {
    const counter = await this.options.storage.getCounter(factorKey(subject));
    return counter === null ? { locked: false } : counterStatus(counter, now);
  }

  private async ipStatus(subject: Pick<AttemptSubject, 'ip' | 'trustedDevice'>, now: number): Promise<LockoutStatus> {
    if (!subject.ip || subject.trustedDevice) return { locked: false };
    const counter = await this.options.storage.getCounter(ipKey(subject.ip));
    const live = counter !== null && counter.windowEndsAt !== null && counter.windowEndsAt > now;
    return live && counter.count >= this.ipFailureLimit ? { locked: true, scope: 'ip', retryAt: counter.windowEndsAt } : { locked: false };
  }
}

/** A user's factor counter read now: locked for good at 100 failures, else while its lock lasts. */
function counterStatus(counter: CounterRecord, now: number): LockoutStatus {
  if (counter.count >= NIST_MAX_CONSECUTIVE_FAILURES) return { locked: true, scope: 'factor', retryAt: null };
  return counter.lockedUntil !== null && counter.lockedUntil > now ? { locked: true, scope: 'factor', retryAt: counter.lockedUntil } : { locked: false };
}

const lockedBy = (status: Extract<LockoutStatus, { locked: true }>): LockedResult => ({
  verified: false,
  reason: 'locked',
  scope: status.scope,
  retryAt: status.retryAt,
});
const factorKey = (subject: Omit<AttemptSubject, 'ip'>) => `lockout:${JSON.stringify([subject.appId, subject.originalIdentity, subject.factor])}`;
const ipKey = (ip: string) => `ip-failures:${ip}`;
