import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { exchangeMfaToken, type KeySource } from '../tokens/mfa-token.js';
import type { Clock } from '../types.js';
import { adminOf } from './admins.js';
import type { ConsoleAdmin } from '../protocol/index.js';
import { CONSOLE_APP_ID, CONSOLE_LOGIN_WORKFLOW_ID } from './definition.js';

/** RFC 8176 methods of the console's factors: TOTP (`otp`) and a passkey (`hwk` bound, `swk` synced). */
const CONSOLE_AMR = ['otp', 'hwk', 'swk'];

export interface ConsoleSignInOptions {
  storage: Storage;
  keys: KeySource;
  /** The issuer of mfaTokens. */
  publicUrl: string;
  clock: Clock;
  logger: Logger;
}

const REFUSAL = 'This token does not sign an administrator in to the console';

/**
 * Trades an mfaToken from the console's own login for the administrator it names. The token must be for the
 * console app, come out of its login step-up (`mfa` in `amr`, which only a step-up after a first factor adds)
 * proved with TOTP or a passkey, and name a current administrator. It is spent whatever the outcome, so a
 * token is tried once. Every refusal reads the same: which check failed is for the log, not the caller.
 */
export async function signInWithMfaToken(options: ConsoleSignInOptions, token: string): Promise<ConsoleAdmin> {
  const { storage, keys, publicUrl, clock, logger } = options;
  // The token itself is a credential until it expires: only why it was refused is logged.
  const refused = (reason: string, originalIdentity?: string) => {
    logger.warn({ reason, ...(originalIdentity ? { originalIdentity } : {}) }, 'console sign-in refused');
    return new DomainError('console_sign_in_refused', REFUSAL);
  };
  const result = await exchangeMfaToken({
    token,
    keys,
    issuer: publicUrl,
    audience: CONSOLE_APP_ID,
    clock,
    usedTokens: { consume: (jti, expiresAt) => storage.consumeTokenId(jti, expiresAt) },
  });
  if (!result.verified) throw refused(result.code);
  const { claims } = result;
  const steppedUp = claims.workflowId === CONSOLE_LOGIN_WORKFLOW_ID && claims.amr.includes('mfa') && claims.amr.some((method) => CONSOLE_AMR.includes(method));
  if (!steppedUp) throw refused('no_console_step_up', claims.originalIdentity);
  const admin = adminOf(await storage.getUser(CONSOLE_APP_ID, claims.originalIdentity));
  if (!admin) throw refused('not_an_administrator', claims.originalIdentity);
  return admin;
}
