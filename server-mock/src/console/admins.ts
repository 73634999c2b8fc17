import { DomainError } from '../errors.js';
import type { UserRecord } from '../storage/types.js';
import { createUserSchema, type UserDirectory } from '../users/directory.js';
import { CONSOLE_APP_ID } from './definition.js';
import { CONSOLE_ROLES, type ConsoleAdmin, type ConsoleRole } from '../protocol/index.js';

/** The directory role that makes a console user an administrator (`console:editor`, `console:viewer`). */
export const roleLabel = (role: ConsoleRole): string => `console:${role}`;

/**
 * The administrator a directory user is, or null: not a user of the console app, disabled, or without a console
 * role. A user holding both roles is an editor.
 */
export function adminOf(user: UserRecord | null): ConsoleAdmin | null {
  if (!user || user.appId !== CONSOLE_APP_ID || user.disabled) return null;
  const role = CONSOLE_ROLES.find((candidate) => user.roles.includes(roleLabel(candidate)));
  return role ? { name: user.originalIdentity, role } : null;
}

/**
 * Creates an administrator: a directory user of the console app whose name is both its id and its login.
 * The name and password pass the directory's own rules; a taken name is refused, never overwritten.
 */
export async function createAdmin(directory: UserDirectory, input: { name: string; role: ConsoleRole; password: string }): Promise<ConsoleAdmin> {
  const parsed = createUserSchema.safeParse({ originalIdentity: input.name, username: input.name, password: input.password, roles: [roleLabel(input.role)] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError('invalid_admin', `${issue.path[0] === 'password' ? 'password' : 'name'}: ${issue.message}`);
  }
  // The login is compared lower-case; the id is the same text, so the name an admin types is the one the audit log shows.
  const name = parsed.data.username!;
  try {
    await directory.create(CONSOLE_APP_ID, { ...parsed.data, originalIdentity: name });
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'user_exists' || error.code === 'user_conflict')) {
      throw new DomainError('admin_exists', `An administrator named "${name}" already exists`);
    }
    throw error;
  }
  return { name, role: input.role };
}
