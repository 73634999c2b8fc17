import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openBackendStorage } from '../backend.js';
import { UserDirectory } from '../users/directory.js';
import { createAdmin } from './admins.js';
import { CONSOLE_ROLES, type ConsoleRole } from '../protocol/index.js';

/** The command line itself is wrong (exit 2), as opposed to a failed command (exit 1). */
export class UsageError extends Error {}

export interface AdminCommandIo {
  stdout: (text: string) => void;
  /** The whole of standard input, read only for `--password-stdin`. */
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
}

export const ADMIN_USAGE = `  camfa-guard admin create NAME --role editor|viewer [--password-stdin] [--data DIR] [--config FILE]`;

/**
 * `camfa-guard admin create NAME --role editor|viewer`: a console administrator in the store `serve` uses with
 * the same options. The password is generated and printed once, or read from standard input with
 * `--password-stdin` (and then never printed). TOTP or a passkey is set up at the first sign-in.
 */
export async function runAdminCommand(args: string[], io: AdminCommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean' }, data: { type: 'string' }, config: { type: 'string' } },
  });
  const [verb, name, ...extra] = positionals;
  if (verb !== 'create' || !name || extra.length > 0) throw new UsageError(`usage:\n${ADMIN_USAGE}`);
  const role = values.role as ConsoleRole | undefined;
  if (!role || !CONSOLE_ROLES.includes(role)) throw new UsageError(`--role must be ${CONSOLE_ROLES.join(' or ')}`);
  const typed = values['password-stdin'] ? (await io.readStdin()).replace(/\r?\n$/, '') : null;
  // 144 random bits: as strong as the admin's step-up makes it need to be, short enough to type once.
  const password = typed ?? randomBytes(18).toString('base64url');

  const { config, storage } = await openBackendStorage({ config: values.config, dataDir: values.data, env: io.env, logLevel: 'warn' });
  try {
    const admin = await createAdmin(new UserDirectory(storage, Date.now), { name, role, password });
    const consoleUrl = `${(config.publicUrl ?? `http://localhost:${config.port ?? 8787}`).replace(/\/$/, '')}/console/`;
    io.stdout(`Created console administrator "${admin.name}" (${admin.role}).\n`);
    if (typed === null) io.stdout(`Password (shown once, not stored in clear): ${password}\n`);
    io.stdout(`Sign in at ${consoleUrl}; the first sign-in sets up an authenticator app (TOTP) or a passkey.\n`);
    return 0;
  } finally {
    await storage.close();
  }
}
