import { z } from 'zod';
import { createUserSchema, publicUser, updateUserSchema } from '../../users/directory.js';
import { readJson } from '../body.js';
import { parseQuery, type AppContext, type Guards, type Route } from '../context.js';
import { listUserFactors, removeUserFactor } from '../../users/support.js';
import { identifier } from '../../identifier.js';
import { pathIdentifier } from '../identifier.js';
import { APP_PATHS } from '../../protocol/index.js';

/** A page of the directory, ordered by originalIdentity: `after` is the last one of the previous page. */
export const userPageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), after: identifier(256).optional() });

export type UserRoutesOptions = Pick<AppContext, 'directory' | 'storage' | 'recovery' | 'lockout' | 'passkeys'>;

const id = (c: Parameters<Route['handler']>[0]) => pathIdentifier(c, 'originalIdentity', 256);
const enrolmentId = (c: Parameters<Route['handler']>[0]) => pathIdentifier(c, 'enrolmentId', 256);

/** The built-in user directory, managed by the app's backend (never by browsers). */
export function userRoutes(options: UserRoutesOptions, guards: Guards): Route[] {
  return [...accountRoutes(options, guards), ...userFactorRoutes(options, guards)];
}

/** Creating, reading, changing and deleting directory users. */
function accountRoutes({ directory, storage }: UserRoutesOptions, { requireApp, appOf }: Guards): Route[] {
  return [
    {
      method: 'post',
      path: APP_PATHS.users,
      summary: 'Create a user (password hashed with scrypt; never returned)',
      tag: 'users',
      security: 'app',
      body: createUserSchema,
      middleware: [requireApp],
      responses: { 201: { description: 'The user' }, 409: { description: 'user_exists, or user_conflict naming the taken field' } },
      handler: async (c) => c.json(publicUser(await directory.create(appOf(c).id, await readJson(c, createUserSchema))), 201),
    },
    {
      method: 'get',
      path: APP_PATHS.users,
      summary: 'List users, ordered by originalIdentity',
      tag: 'users',
      security: 'app',
      query: userPageQuery,
      middleware: [requireApp],
      responses: { 200: { description: 'Users' } },
      handler: async (c) => c.json({ users: (await storage.listUsers({ appId: appOf(c).id, ...parseQuery(c, userPageQuery) })).map(publicUser) }),
    },
    {
      method: 'get',
      path: APP_PATHS.user,
      summary: 'A user',
      tag: 'users',
      security: 'app',
      middleware: [requireApp],
      responses: { 200: { description: 'The user' } },
      handler: async (c) => c.json(publicUser(await directory.require(appOf(c).id, id(c)))),
    },
    {
      method: 'patch',
      path: APP_PATHS.user,
      summary: 'Change a user (password: null removes it)',
      tag: 'users',
      security: 'app',
      body: updateUserSchema,
      middleware: [requireApp],
      responses: { 200: { description: 'The user' } },
      handler: async (c) => c.json(publicUser(await directory.update(appOf(c).id, id(c), await readJson(c, updateUserSchema)))),
    },
    {
      method: 'delete',
      path: APP_PATHS.user,
      summary: 'Delete a user',
      tag: 'users',
      security: 'app',
      middleware: [requireApp],
      responses: { 204: { description: 'Deleted' } },
      handler: async (c) => {
        await directory.require(appOf(c).id, id(c));
        await storage.deleteUser(appOf(c).id, id(c));
        return c.body(null, 204);
      },
    },
  ];
}

/** A user's factors and recovery codes, as the app's support staff see and reset them. */
function userFactorRoutes(parts: UserRoutesOptions, { requireApp, appOf }: Guards): Route[] {
  const { recovery } = parts;
  return [
    {
      method: 'post',
      path: APP_PATHS.userRecoveryCodes,
      summary: "Replace the user's recovery codes; the 10 new codes are shown only in this answer",
      tag: 'users',
      security: 'app',
      middleware: [requireApp],
      responses: { 201: { description: '{ codes }' } },
      handler: async (c) => c.json(await recovery.generate({ appId: appOf(c).id, originalIdentity: id(c) }), 201),
    },
    {
      method: 'get',
      path: APP_PATHS.userFactors,
      summary: "The user's factor enrolments and passkeys (no secrets)",
      tag: 'users',
      security: 'app',
      middleware: [requireApp],
      responses: { 200: { description: '{ factors, recoveryCodesLeft }; passkeys are `webauthn` factors with name, lastUsedAt, deviceType and backedUp' } },
      handler: async (c) => c.json(await listUserFactors(parts, { appId: appOf(c).id, originalIdentity: id(c) })),
    },
    {
      method: 'delete',
      path: APP_PATHS.userFactor,
      summary: "Remove one of the user's factors or passkeys (and clear its lockout)",
      tag: 'users',
      security: 'app',
      middleware: [requireApp],
      responses: { 204: { description: 'Removed' }, 404: { description: 'factor_not_found' } },
      handler: async (c) => {
        await removeUserFactor(parts, { appId: appOf(c).id, originalIdentity: id(c), factorId: enrolmentId(c) });
        return c.body(null, 204);
      },
    },
  ];
}
