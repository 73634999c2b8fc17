import { z } from 'zod';
import { DomainError } from '../errors.js';
import { identifier, originalIdentity, storableText } from '../identifier.js';
import { UniqueViolation, type Storage, type UserRecord } from '../storage/types.js';
import type { Clock } from '../types.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './password.js';

/** Logins are compared in one canonical form: trimmed, lower-case usernames and e-mails, E.164 phones. */
const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@-]{1,64}$/, 'letters, digits, . _ @ -, at most 64');
const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const phone = z
  .string()
  .transform((value) => value.replace(/[\s()-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +447700900123'));
const password = z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH);
/** Roles and groups are names workflows compare: identifiers like the user's own. */
const labels = z.array(identifier(64).min(1)).max(50);

const userSchema = z.strictObject({
  username: username.nullable(),
  email: email.nullable(),
  phone: phone.nullable(),
  password: password.nullable(),
  roles: labels,
  groups: labels,
  department: storableText(128).nullable(),
  attributes: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.unknown()).refine((map) => Object.keys(map).length <= 32, 'at most 32 attributes'),
  disabled: z.boolean(),
});

export const updateUserSchema = userSchema.partial();
export const createUserSchema = updateUserSchema.extend({ originalIdentity });
export type UserChanges = z.output<typeof userSchema>;

/** What the API shows of a user: everything but the password hash. */
export type PublicUser = Omit<UserRecord, 'passwordHash'> & { hasPassword: boolean };

export function publicUser({ passwordHash, ...user }: UserRecord): PublicUser {
  return { ...user, hasPassword: passwordHash !== null };
}

/** The user's attributes as workflows see them (`user.roles`, `user.department`, `user.<attribute>`). */
export function policyAttributes(user: UserRecord | null): Record<string, unknown> {
  if (!user) return {};
  return { ...user.attributes, roles: user.roles, groups: user.groups, department: user.department, username: user.username };
}

/** Which login field a typed identifier is: an e-mail has an @ and a dot after it, a phone starts with +. */
export function parseLogin(login: string): { username?: string; email?: string; phone?: string } {
  const value = login.trim();
  if (value.startsWith('+')) {
    const parsed = phone.safeParse(value);
    return parsed.success ? { phone: parsed.data } : {};
  }
  if (/@.+\./.test(value)) {
    const parsed = email.safeParse(value);
    if (parsed.success) return { email: parsed.data, username: value.toLowerCase() };
  }
  const parsed = username.safeParse(value);
  return parsed.success ? { username: parsed.data } : {};
}

/** The built-in user directory: for teams without a login system of their own. */
export class UserDirectory {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  async create(appId: string, input: { originalIdentity: string } & Partial<UserChanges>): Promise<UserRecord> {
    if (await this.storage.getUser(appId, input.originalIdentity)) {
      throw new DomainError('user_exists', `A user "${input.originalIdentity}" already exists`);
    }
    const now = this.clock();
    const { password: plain, ...fields } = input;
    const user: UserRecord = {
      appId,
      username: null,
      email: null,
      phone: null,
      roles: [],
      groups: [],
      department: null,
      attributes: {},
      disabled: false,
      ...fields,
      passwordHash: plain ? await hashPassword(plain) : null,
      createdAt: now,
      updatedAt: now,
    };
    await this.save(user);
    return user;
  }

  async update(appId: string, originalIdentity: string, changes: Partial<UserChanges>): Promise<UserRecord> {
    const current = await this.require(appId, originalIdentity);
    const { password: plain, ...fields } = changes;
    const user: UserRecord = {
      ...current,
      ...fields,
      passwordHash: plain === undefined ? current.passwordHash : plain === null ? null : await hashPassword(plain),
      updatedAt: this.clock(),
    };
    await this.save(user);
    return user;
  }

  async require(appId: string, originalIdentity: string): Promise<UserRecord> {
    const user = await this.storage.getUser(appId, originalIdentity);
    if (!user) throw new DomainError('user_not_found', `No user "${originalIdentity}"`);
    return user;
  }

  /**
   * The user whose login and password match, or null. An unknown login still costs one password check,
   * so timing does not tell which logins exist. A hash below today's cost is upgraded on success.
   */
  async authenticate(appId: string, login: string, password: string): Promise<UserRecord | null> {
    const user = await this.findByLogin(appId, login);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !user.passwordHash || !valid || user.disabled) return null;
    if (needsRehash(user.passwordHash)) await this.storage.saveUser({ ...user, passwordHash: await hashPassword(password), updatedAt: this.clock() });
    return user;
  }

  /** The user a typed login names (username, e-mail or phone), or null. */
  async findByLogin(appId: string, login: string): Promise<UserRecord | null> {
    const lookup = parseLogin(login);
    return Object.keys(lookup).length > 0 ? this.storage.findUserByLogin(appId, lookup) : null;
  }

  private async save(user: UserRecord): Promise<void> {
    try {
      await this.storage.saveUser(user);
    } catch (error) {
      if (error instanceof UniqueViolation) throw new DomainError('user_conflict', `Another user already has this ${error.field}`, { field: error.field });
      throw error;
    }
  }
}
