import type { Context } from 'hono';
import { z } from 'zod';
import { CONSOLE_APP_ID } from '../../console/definition.js';
import { DomainError } from '../../errors.js';
import type { MfaService } from '../../events/mfa.js';
import { CONSOLE_PATHS, FACTOR_TYPES, type ConsoleUserMfaStatus } from '../../protocol/index.js';
import type { TriggerRecord } from '../../storage/types.js';
import { publicUser } from '../../users/directory.js';
import { listUserFactors, listUserLockouts, removeUserFactor, resetUserLockouts, type UserSubject } from '../../users/support.js';
import { parseQuery, type AppContext, type Env, type Route } from '../context.js';
import { pathIdentifier } from '../identifier.js';
import * as schemas from '../schemas.js';
import type { ConsoleGuards } from './console.js';
import { userPageQuery } from './users.js';

export type ConsoleUserRoutesOptions = Pick<AppContext, 'apps' | 'storage' | 'directory' | 'recovery' | 'lockout' | 'passkeys' | 'mfa' | 'audit' | 'clock'>;

const historyQuery = schemas.listQuery.pick({ limit: true });

/**
 * The pending step-up as the console shows it: why, until when, which factors. Not its stateToken: with it an
 * administrator could enrol a first factor of their own and pass the step-up as the user.
 */
const consolePending = z.object({
  triggerId: z.string(),
  reason: z.object({ ruleId: z.string(), message: z.string() }),
  acr: z.string(),
  expiresAt: z.string(),
  expired: z.boolean().describe('Past its lifetime: the next checkUserStatus re-arms it with a fresh one'),
  factors: z.array(z.object({ type: z.enum(FACTOR_TYPES), enrolled: z.boolean() })),
  workflowId: z.string(),
});
/** The protocol's `ConsoleUserMfaStatus`, for the OpenAPI document: `satisfies` keeps the two one shape. */
const consoleStatus = z.object({ mfaVerified: z.boolean(), pending: consolePending.optional() }) satisfies z.ZodType<ConsoleUserMfaStatus>;

/** `POST /v1/mfa/status`'s answer for the console, read without re-arming anything (a GET changes nothing). */
async function consoleMfaStatus(mfa: MfaService, now: number, { appId, originalIdentity }: UserSubject): Promise<ConsoleUserMfaStatus> {
  const trigger = await mfa.pendingTrigger(appId, originalIdentity);
  if (!trigger) return { mfaVerified: true };
  const { reason, acr, expiresAt, factors } = await mfa.triggerData(trigger);
  return {
    mfaVerified: false,
    pending: { triggerId: trigger.id, reason, acr, expiresAt, expired: trigger.expiresAt <= now, factors, workflowId: trigger.workflowId },
  };
}

/** What the audit log keeps of a cleared step-up. */
const clearedStep = (trigger: TriggerRecord) => ({ triggerId: trigger.id, workflowId: trigger.workflowId, ruleId: trigger.ruleId, message: trigger.message });

/**
 * The directory and MFA administration of one app, for the console's Users page: the mirror of `/v1/users` and
 * `/v1/mfa/status` behind the administrator's session (viewers read, editors change, every change audited),
 * plus lockouts and the user's recent events and decisions. The console's own app is not reachable here.
 */
export function consoleUserRoutes(options: ConsoleUserRoutesOptions, guards: ConsoleGuards): Route[] {
  const { apps } = options;
  const appId = (c: Context<Env>): string => {
    const id = pathIdentifier(c, 'appId', 64);
    // Its administrators are changed with `camfa-guard admin`, never from inside the console they guard.
    if (id === CONSOLE_APP_ID || !apps.has(id)) throw new DomainError('unknown_app', `No app "${id}"`);
    return id;
  };
  const subject = (c: Context<Env>): UserSubject => ({ appId: appId(c), originalIdentity: pathIdentifier(c, 'originalIdentity', 256) });
  return [...readRoutes(options, guards, appId, subject), ...changeRoutes(options, guards, subject)];
}

type AppIdOf = (c: Context<Env>) => string;
type SubjectOf = (c: Context<Env>) => UserSubject;

function readRoutes(options: ConsoleUserRoutesOptions, { requireConsoleSession }: ConsoleGuards, appId: AppIdOf, subject: SubjectOf): Route[] {
  const { storage, directory, mfa, clock } = options;
  const read = { tag: 'console-users', security: 'console' as const, method: 'get' as const, middleware: [requireConsoleSession] };
  return [
    {
      ...read,
      path: CONSOLE_PATHS.appUsers,
      summary: "The app's directory users, ordered by originalIdentity (no password hashes)",
      query: userPageQuery,
      responses: { 200: { description: '{ users }; page on with after = the last originalIdentity' }, 404: { description: 'unknown_app' } },
      handler: async (c) => c.json({ users: (await storage.listUsers({ appId: appId(c), ...parseQuery(c, userPageQuery) })).map(publicUser) }),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUser,
      summary: 'One directory user',
      responses: { 200: { description: 'The user' }, 404: { description: 'unknown_app, user_not_found' } },
      handler: async (c) => {
        const { appId: app, originalIdentity } = subject(c);
        return c.json(publicUser(await directory.require(app, originalIdentity)));
      },
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUserFactors,
      summary: "The user's factor enrolments and passkeys (no secrets) and unused recovery codes",
      responses: { 200: { description: '{ factors, recoveryCodesLeft }' } },
      handler: async (c) => c.json(await listUserFactors(options, subject(c))),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUserMfaStatus,
      summary: "The user's MFA status: the pending step-up, why and until when (never its stateToken)",
      responses: { 200: { description: 'mfaVerified is false while a step-up is pending', schema: consoleStatus } },
      handler: async (c) => c.json(await consoleMfaStatus(mfa, clock(), subject(c))),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUserLockouts,
      summary: "The user's lockouts: failures counted and locks in force, per step-up factor and sign-in",
      responses: { 200: { description: '{ lockouts }; retryAt null while locked: until an editor resets it' } },
      handler: async (c) => c.json({ lockouts: await listUserLockouts(options, subject(c)) }),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUserEvents,
      summary: "The user's newest UEBA events (geo, device, intranet as derived)",
      query: historyQuery,
      responses: { 200: { description: '{ events }, newest first' } },
      handler: async (c) => c.json({ events: await storage.listEvents({ ...subject(c), ...parseQuery(c, historyQuery) }) }),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appUserDecisions,
      summary: "The user's newest decisions, each with the engine's explanation",
      query: historyQuery,
      responses: { 200: { description: '{ decisions }, newest first' } },
      handler: async (c) => c.json({ decisions: await storage.listDecisions({ ...subject(c), ...parseQuery(c, historyQuery) }) }),
    },
    {
      ...read,
      path: CONSOLE_PATHS.appEvents,
      summary: "The app's newest UEBA events, optionally one user's (to simulate a real one)",
      query: schemas.listQuery,
      responses: { 200: { description: '{ events }, newest first' }, 404: { description: 'unknown_app' } },
      handler: async (c) => c.json({ events: await storage.listEvents({ appId: appId(c), ...parseQuery(c, schemas.listQuery) }) }),
    },
  ];
}

function changeRoutes(options: ConsoleUserRoutesOptions, { requireConsoleSession, requireEditor, consoleAdmin }: ConsoleGuards, subject: SubjectOf): Route[] {
  const { mfa, audit, clock } = options;
  const change = { tag: 'console-users', security: 'console' as const, middleware: [requireConsoleSession, requireEditor] };
  const refused = { 403: { description: 'csrf_token_invalid, console_role_forbidden' } };
  const record = (c: Context<Env>, action: string, user: UserSubject, before: unknown, after: unknown) =>
    audit.record({ actor: consoleAdmin(c).name, action, target: `user:${user.appId}/${user.originalIdentity}`, before, after });
  return [
    {
      ...change,
      method: 'delete',
      path: CONSOLE_PATHS.appUserFactor,
      summary: "Remove one of the user's factors or passkeys (and clear its lockout)",
      responses: { 204: { description: 'Removed' }, 404: { description: 'factor_not_found' }, ...refused },
      handler: async (c) => {
        const user = subject(c);
        const removed = await removeUserFactor(options, { ...user, factorId: pathIdentifier(c, 'factorId', 256) });
        await record(c, 'user.factor.remove', user, removed, null);
        return c.body(null, 204);
      },
    },
    {
      ...change,
      method: 'post',
      path: CONSOLE_PATHS.appUserMfaStatusClear,
      summary: "End the user's pending step-up: the SDK's middleware lets the next request through",
      responses: { 200: { description: 'The status now', schema: consoleStatus }, ...refused },
      handler: async (c) => {
        const user = subject(c);
        const pending = await mfa.pendingTrigger(user.appId, user.originalIdentity);
        // Nothing pending is no change: answered the same, not audited.
        if (pending && (await mfa.resolve(user.appId, user.originalIdentity))) await record(c, 'user.mfa_status.clear', user, clearedStep(pending), null);
        return c.json(await consoleMfaStatus(mfa, clock(), user));
      },
    },
    {
      ...change,
      method: 'post',
      path: CONSOLE_PATHS.appUserLockoutsReset,
      summary: 'Clear every lockout of the user: step-up factors, passkey sign-in, sign-in by username, e-mail or phone',
      responses: { 200: { description: '{ reset }: what was locked or counting failures', schema: z.object({ reset: z.array(z.string()) }) }, ...refused },
      handler: async (c) => {
        const user = subject(c);
        const reset = await resetUserLockouts(options, user);
        if (reset.length > 0) await record(c, 'user.lockouts.reset', user, { locked: reset }, { locked: [] });
        return c.json({ reset });
      },
    },
  ];
}
