import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { AUDIT_PAGE_MAX, type AuditLog } from '../../console/audit.js';
import { csrfTokenMatches, SESSION_ABSOLUTE_MS, type ConsoleSessions, type ResumedSession } from '../../console/sessions.js';
import { signInWithMfaToken, type ConsoleSignInOptions } from '../../console/sign-in.js';
import { DomainError } from '../../errors.js';
import { readJson } from '../body.js';
import { parseQuery, type Env, type Route } from '../context.js';
import { CONSOLE_PATHS, CONSOLE_ROLES, type ConsoleAdmin } from '../../protocol/index.js';

export const CONSOLE_COOKIE = 'camfa_console';
export const CSRF_HEADER = 'X-CSRF-Token';

const sessionBody = z.strictObject({ token: z.string().min(1).max(4096) });
const sessionAnswer = z.object({ admin: z.object({ name: z.string(), role: z.enum(CONSOLE_ROLES) }), csrfToken: z.string() });
const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
  before: z.coerce.number().int().min(1).optional(),
});
const auditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});

/** Methods that change nothing; every other one needs the session's CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ConsoleGuardOptions {
  sessions: ConsoleSessions;
}

/**
 * The guards of `/console/api/*`. `requireConsoleSession` finds the session behind the cookie, sets it on the
 * context (`consoleAdmin(c)` reads it) and, for any method that may change something, demands its CSRF token in
 * `X-CSRF-Token`: a form or a script on another site sends the cookie only if SameSite fails, and never the
 * header. `requireEditor` then refuses viewers. Routes that change something take both, in that order.
 */
export function consoleGuards({ sessions }: ConsoleGuardOptions) {
  const requireConsoleSession: MiddlewareHandler<Env> = async (c, next) => {
    const cookie = getCookie(c, CONSOLE_COOKIE);
    const session = cookie ? await sessions.resume(cookie) : null;
    if (!session) throw new DomainError('console_session_required', 'Sign in to the console first');
    if (!SAFE_METHODS.has(c.req.method) && !csrfTokenMatches(session, c.req.header(CSRF_HEADER))) {
      throw new DomainError('csrf_token_invalid', `Send the session's csrfToken in ${CSRF_HEADER}`);
    }
    c.set('consoleSession', session);
    await next();
  };
  const requireEditor: MiddlewareHandler<Env> = async (c, next) => {
    if (consoleAdmin(c).role !== 'editor') throw new DomainError('console_role_forbidden', 'Viewers cannot change anything');
    await next();
  };
  return { requireConsoleSession, requireEditor, consoleAdmin };
}
export type ConsoleGuards = ReturnType<typeof consoleGuards>;

/** The administrator of the request; only behind `requireConsoleSession`. */
export function consoleAdmin(c: Context<Env>): ConsoleAdmin {
  return c.get('consoleSession').admin;
}

/** Sessions and audit entries are the administrator's only: no cache may keep them. Mounted on `/console/api/*`. */
export const noStore: MiddlewareHandler<Env> = async (c, next) => {
  await next();
  c.header('cache-control', 'no-store');
};

export interface ConsoleRoutesOptions extends ConsoleSignInOptions {
  sessions: ConsoleSessions;
  audit: AuditLog;
}

const answer = (session: ResumedSession) => ({ admin: session.admin, csrfToken: session.csrfToken });

/** Sign-in (an mfaToken of the console's own login for a session cookie), the session itself, and the audit log. */
export function consoleRoutes(options: ConsoleRoutesOptions, { requireConsoleSession }: ConsoleGuards): Route[] {
  const { sessions, audit, publicUrl } = options;
  const secure = new URL(publicUrl).protocol === 'https:';
  return [
    {
      method: 'post',
      path: CONSOLE_PATHS.session,
      summary: 'Console sign-in: trade the mfaToken of a <guard-login app-id="camfa-console"> sign-in for a session cookie',
      tag: 'console',
      security: 'none',
      body: sessionBody,
      responses: {
        200: { description: `{ admin, csrfToken } and the ${CONSOLE_COOKIE} cookie (HttpOnly, SameSite=Strict, Path=/console)`, schema: sessionAnswer },
        401: { description: 'console_sign_in_refused: not a console token, no TOTP or passkey step-up, spent, or not an administrator' },
      },
      handler: async (c) => {
        const { token } = await readJson(c, sessionBody);
        const admin = await signInWithMfaToken(options, token);
        const started = await sessions.start(admin);
        setCookie(c, CONSOLE_COOKIE, started.cookie, { httpOnly: true, sameSite: 'Strict', path: '/console', secure, maxAge: SESSION_ABSOLUTE_MS / 1000 });
        await audit.record({ actor: admin.name, action: 'session.start', target: `admin:${admin.name}` });
        return c.json({ admin, csrfToken: started.csrfToken });
      },
    },
    {
      method: 'get',
      path: CONSOLE_PATHS.session,
      summary: 'The signed-in administrator and the CSRF token of the session',
      tag: 'console',
      security: 'console',
      middleware: [requireConsoleSession],
      responses: { 200: { description: '{ admin, csrfToken }', schema: sessionAnswer }, 401: { description: 'console_session_required' } },
      handler: (c) => c.json(answer(c.get('consoleSession'))),
    },
    {
      method: 'delete',
      path: CONSOLE_PATHS.session,
      summary: 'Sign out: the session ends on every instance and the cookie is cleared',
      tag: 'console',
      security: 'console',
      middleware: [requireConsoleSession],
      responses: { 204: { description: 'Signed out' }, 403: { description: 'csrf_token_invalid' } },
      handler: async (c) => {
        await sessions.end(getCookie(c, CONSOLE_COOKIE)!);
        deleteCookie(c, CONSOLE_COOKIE, { path: '/console', secure, httpOnly: true, sameSite: 'Strict' });
        const { name } = consoleAdmin(c);
        await audit.record({ actor: name, action: 'session.end', target: `admin:${name}` });
        return c.body(null, 204);
      },
    },
    {
      method: 'get',
      path: CONSOLE_PATHS.audit,
      summary: 'The audit log of changes made through the console, newest first',
      tag: 'console',
      security: 'console',
      query: auditQuery,
      middleware: [requireConsoleSession],
      responses: { 200: { description: '{ entries }; page on with before = the last id', schema: z.object({ entries: z.array(auditEntry) }) } },
      handler: async (c) => c.json({ entries: await audit.list(parseQuery(c, auditQuery)) }),
    },
  ];
}
