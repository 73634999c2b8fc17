/**
 * What an app's support staff do for one user, whether through the app's own backend (`/v1/users/…`, app
 * secret) or the console (`/console/api/apps/:appId/users/…`): list and remove factors, clear lockouts. The user
 * need not be in the built-in directory: most apps sign their users in themselves and only name them here.
 */
import { DomainError } from '../errors.js';
import type { FactorLockout } from '../factors/lockout.js';
import type { RecoveryCodes } from '../factors/recovery-codes.js';
import type { PasskeyFactor } from '../factors/webauthn.js';
import { LOGIN_NAME_FACTORS, LOGIN_PASSKEY_FACTOR, loginNameIdentity } from '../login/lockout-subjects.js';
import { FACTOR_TYPES, type FactorType, type UserLockout } from '../protocol/index.js';
import type { Storage } from '../storage/types.js';

export interface UserSupportParts {
  storage: Storage;
  recovery: RecoveryCodes;
  lockout: FactorLockout;
  passkeys: PasskeyFactor;
}

export interface UserSubject {
  appId: string;
  originalIdentity: string;
}

/** One factor as support staff see it: no secret, no destination. Passkeys add their name, last use and kind. */
export interface UserFactorSummary {
  id: string;
  type: FactorType;
  status: 'pending' | 'active';
  createdAt: number;
  activatedAt: number | null;
  name?: string;
  lastUsedAt?: number | null;
  deviceType?: 'singleDevice' | 'multiDevice';
  backedUp?: boolean;
}

/** The user's factor enrolments and passkeys, and how many recovery codes are unused. */
export async function listUserFactors(
  { storage, passkeys, recovery }: UserSupportParts,
  subject: UserSubject,
): Promise<{ factors: UserFactorSummary[]; recoveryCodesLeft: number }> {
  const { appId, originalIdentity } = subject;
  const enrolments = await storage.listFactorEnrolments(appId, originalIdentity);
  const credentials = await passkeys.list(appId, originalIdentity);
  return {
    factors: [
      ...enrolments.map(({ id, type, status, createdAt, activatedAt }) => ({ id, type, status, createdAt, activatedAt })),
      ...credentials.map((passkey) => ({
        id: passkey.id,
        type: 'webauthn' as const,
        status: 'active' as const,
        createdAt: passkey.createdAt,
        activatedAt: passkey.createdAt,
        name: passkey.name,
        lastUsedAt: passkey.lastUsedAt,
        deviceType: passkey.deviceType,
        backedUp: passkey.backedUp,
      })),
    ],
    recoveryCodesLeft: await recovery.remaining(subject),
  };
}

/** Removes one factor enrolment or passkey of the user and clears its lockout; what was removed. */
export async function removeUserFactor(parts: UserSupportParts, subject: UserSubject & { factorId: string }): Promise<UserFactorSummary> {
  const { storage, passkeys, lockout } = parts;
  const { appId, originalIdentity, factorId } = subject;
  const removed = (await listUserFactors(parts, subject)).factors.find((factor) => factor.id === factorId);
  if (!removed) throw new DomainError('factor_not_found', 'The user has no such factor');
  if (removed.type === 'webauthn') await passkeys.remove({ appId, originalIdentity, id: factorId });
  else await storage.deleteFactorEnrolment(factorId);
  await lockout.reset({ appId, originalIdentity, factor: removed.type });
  return removed;
}

/** Failures counted under one subject: the user's own, or a sign-in name of theirs (with the field it came from). */
interface LockoutGroup {
  subject: UserSubject;
  factors: readonly string[];
  login?: NonNullable<UserLockout['login']>;
}

/** Under which subjects and factors the user's failures are counted. */
async function lockoutSubjects(storage: Storage, subject: UserSubject): Promise<LockoutGroup[]> {
  const groups: LockoutGroup[] = [{ subject, factors: [...FACTOR_TYPES, LOGIN_PASSKEY_FACTOR] }];
  const user = await storage.getUser(subject.appId, subject.originalIdentity);
  for (const login of ['username', 'email', 'phone'] as const) {
    const name = user?.[login];
    if (name) groups.push({ subject: { appId: subject.appId, originalIdentity: loginNameIdentity(name) }, factors: LOGIN_NAME_FACTORS, login });
  }
  return groups;
}

/**
 * Every lockout counter of the user that counts failures or locks: each step-up factor, the passkey sign-in, and
 * the sign-in by password or code under the user's username, e-mail and phone as the directory stores them.
 */
export async function listUserLockouts({ storage, lockout }: UserSupportParts, subject: UserSubject): Promise<UserLockout[]> {
  const groups = await lockoutSubjects(storage, subject);
  const counted = await Promise.all(
    groups.map(async (group) => (await lockout.inspect(group.subject, group.factors)).map((state) => (group.login ? { ...state, login: group.login } : state))),
  );
  return counted.flat();
}

/**
 * Clears every lockout of the user (those {@link listUserLockouts} lists). Returns what was locked or counting
 * failures (`totp`, `password:email`, …); empty when nothing was.
 */
export async function resetUserLockouts({ storage, lockout }: UserSupportParts, subject: UserSubject): Promise<string[]> {
  const reset: string[] = [];
  for (const group of await lockoutSubjects(storage, subject)) {
    const cleared = await lockout.resetAll(group.subject, group.factors);
    // Named by the field, not its value: the audit log need not hold the user's e-mail or phone.
    reset.push(...cleared.map((factor) => (group.login ? `${factor}:${group.login}` : factor)));
  }
  return reset;
}
