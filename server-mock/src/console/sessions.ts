import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../factors/crypto.js';
import type { Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import { adminOf } from './admins.js';
import type { ConsoleAdmin } from '../protocol/index.js';
import { CONSOLE_APP_ID } from './definition.js';

/** OWASP ASVS 5.0 §7.3: an administrator's session ends after 30 idle minutes and 12 hours in any case. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
/** A session used again within this long keeps its stored idle end: one write a minute, not one per request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ConsoleSessionsOptions {
  storage: Storage;
  clock: Clock;
  idleMs?: number;
  absoluteMs?: number;
}

/** A live session: who holds it, and the CSRF token its changes must carry. */
export interface ResumedSession {
  admin: ConsoleAdmin;
  csrfToken: string;
}

const digest = (purpose: string, value: string) => createHash('sha256').update(`${purpose}\0${value}`).digest('base64url');

/**
 * Console sessions, kept in storage so every instance sees them. The cookie value (256 random bits) is never
 * stored: the row is found by its hash. The CSRF token is derived from the cookie value, so it needs no row of
 * its own, and knowing it says nothing about the cookie.
 */
export class ConsoleSessions {
  private readonly idleMs: number;
  private readonly absoluteMs: number;

  constructor(private readonly options: ConsoleSessionsOptions) {
    this.idleMs = options.idleMs ?? SESSION_IDLE_MS;
    this.absoluteMs = options.absoluteMs ?? SESSION_ABSOLUTE_MS;
  }

  /** Starts a session for an administrator; the cookie value is returned once and only its hash is kept. */
  async start(admin: ConsoleAdmin): Promise<{ cookie: string; csrfToken: string; expiresAt: number }> {
    const now = this.options.clock();
    const cookie = randomBytes(32).toString('base64url');
    const expiresAt = now + this.absoluteMs;
    await this.options.storage.insertConsoleSession({
      idHash: digest('session', cookie),
      adminName: admin.name,
      createdAt: now,
      idleExpiresAt: Math.min(now + this.idleMs, expiresAt),
      expiresAt,
    });
    return { cookie, csrfToken: csrfTokenOf(cookie), expiresAt };
  }

  /**
   * The session behind a cookie value, or null when there is none, it has ended, or its administrator no longer
   * is one (disabled, role removed): such a session is deleted rather than left to expire.
   */
  async resume(cookie: string): Promise<ResumedSession | null> {
    const { storage, clock } = this.options;
    const idHash = digest('session', cookie);
    const session = await storage.getConsoleSession(idHash);
    if (!session) return null;
    const now = clock();
    const admin = now < session.idleExpiresAt && now < session.expiresAt ? adminOf(await storage.getUser(CONSOLE_APP_ID, session.adminName)) : null;
    if (!admin) {
      await storage.deleteConsoleSession(idHash);
      return null;
    }
    const idleExpiresAt = Math.min(now + this.idleMs, session.expiresAt);
    if (idleExpiresAt - session.idleExpiresAt >= TOUCH_INTERVAL_MS) await storage.touchConsoleSession(idHash, idleExpiresAt);
    return { admin, csrfToken: csrfTokenOf(cookie) };
  }

  async end(cookie: string): Promise<void> {
    await this.options.storage.deleteConsoleSession(digest('session', cookie));
  }
}

function csrfTokenOf(cookie: string): string {
  return digest('csrf', cookie);
}

/** Whether a presented CSRF token is the one of this session, compared in constant time. */
export function csrfTokenMatches(session: ResumedSession, presented: string | undefined): boolean {
  return presented !== undefined && constantTimeEqual(presented, session.csrfToken);
}
