import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { createAppInput, updateAppInput, type AppChange, type AppService } from '../../apps/service.js';
import { FACTOR_TYPES } from '../../protocol/index.js';
import { readJson } from '../body.js';
import type { Route } from '../context.js';
import { pathIdentifier } from '../identifier.js';
import { ifMatch } from '../preconditions.js';
import type { Security } from '../routes.js';

/** One change as the audit log records it: who, what, on what, and the app before and after (never a secret). */
export interface AppAuditEntry {
  actor: string;
  action: 'app.create' | 'app.update' | 'app.rotate_secret' | 'app.delete';
  target: string;
  before: unknown;
  after: unknown;
}

export interface AppRoutesOptions {
  apps: AppService;
  /** Who may read: the console session (with its CSRF check) or the admin token. */
  guard: MiddlewareHandler;
  /** Who may change, after `guard`: the console's editors. */
  editorGuard: MiddlewareHandler;
  audit: { record(entry: AppAuditEntry): Promise<unknown> };
  /** The name the audit log gives the caller `guard` let in. */
  actor: (c: Context) => string;
  /** `/console/api/apps` behind the console session, `/v1/admin/apps` behind the admin token. */
  prefix: string;
  security: Security;
}

const consoleApp = z.object({
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  factors: z.array(z.enum(FACTOR_TYPES)),
  trustDeviceDays: z.number().int().nullable(),
  failMode: z.enum(['open', 'closed']),
  source: z.enum(['config', 'console']),
  version: z.number().int(),
});
const withSecret = z.object({ app: consoleApp, secret: z.string().describe('Shown once: only its hash is stored') });
/** The `/…/apps` endpoints: list, create, edit (optimistic), rotate the secret, remove; every change audited. */
export function appRoutes(options: AppRoutesOptions): Route[] {
  return [...readRoutes(options), ...changeRoutes(options)];
}

function readRoutes({ apps, guard, prefix, security }: AppRoutesOptions): Route[] {
  return [
    {
      tag: 'apps',
      security,
      method: 'get',
      path: prefix,
      summary: 'Every app: from the config file (read-only) and created at run time',
      middleware: [guard],
      responses: { 200: { description: 'Apps', schema: z.object({ apps: z.array(consoleApp) }) } },
      handler: (c) => c.json({ apps: apps.list() }),
    },
    {
      tag: 'apps',
      security,
      method: 'get',
      path: `${prefix}/:id`,
      summary: 'One app, its version as the ETag',
      middleware: [guard],
      responses: { 200: { description: 'The app', schema: z.object({ app: consoleApp }) } },
      handler: (c) => {
        const app = apps.get(pathIdentifier(c, 'id', 64));
        c.header('etag', `"${app.version}"`);
        return c.json({ app });
      },
    },
  ];
}

function changeRoutes({ apps, guard, editorGuard, audit, actor, prefix, security }: AppRoutesOptions): Route[] {
  const record = (c: Context, action: AppAuditEntry['action'], target: string, { before, after }: AppChange) =>
    audit.record({ actor: actor(c), action, target, before, after });
  const common = { tag: 'apps', security, middleware: [guard, editorGuard] };
  const appPath = `${prefix}/:id`;
  return [
    {
      ...common,
      method: 'post',
      path: prefix,
      summary: 'Create an app; its secret is in this answer only',
      body: createAppInput,
      responses: { 201: { description: 'Created', schema: withSecret }, 409: { description: 'The id is taken (app_exists)' } },
      handler: async (c) => {
        const created = await apps.create(await readJson(c, createAppInput));
        await record(c, 'app.create', created.after.id, created);
        c.header('etag', `"${created.after.version}"`);
        return c.json({ app: created.after, secret: created.secret }, 201);
      },
    },
    {
      ...common,
      method: 'patch',
      path: appPath,
      summary: 'Change an app\'s name, origins, factor switches, trust-device lifetime or fail mode (If-Match: "<version>")',
      body: updateAppInput,
      responses: {
        200: { description: 'Changed', schema: z.object({ app: consoleApp }) },
        409: { description: 'A config app (app_read_only), or changed meanwhile (edit_conflict)' },
        428: { description: 'No If-Match' },
      },
      handler: async (c) => {
        const id = pathIdentifier(c, 'id', 64);
        const version = ifMatch(c, true);
        const updated = await apps.update(id, version, await readJson(c, updateAppInput));
        await record(c, 'app.update', id, updated);
        c.header('etag', `"${updated.after.version}"`);
        return c.json({ app: updated.after });
      },
    },
    {
      ...common,
      method: 'post',
      path: `${appPath}/secret`,
      summary: 'Rotate the secret: the old one is refused at once; the new one is in this answer only',
      responses: { 200: { description: 'Rotated', schema: withSecret }, 409: { description: 'A config app, or changed meanwhile' } },
      handler: async (c) => {
        const id = pathIdentifier(c, 'id', 64);
        const rotated = await apps.rotateSecret(id, ifMatch(c, false));
        await record(c, 'app.rotate_secret', id, rotated);
        c.header('etag', `"${rotated.after.version}"`);
        return c.json({ app: rotated.after, secret: rotated.secret });
      },
    },
    {
      ...common,
      method: 'delete',
      path: appPath,
      summary: 'Remove an app: its secret stops authenticating at once',
      responses: { 204: { description: 'Removed' }, 409: { description: 'A config app, or changed meanwhile' } },
      handler: async (c) => {
        const id = pathIdentifier(c, 'id', 64);
        await record(c, 'app.delete', id, await apps.remove(id, ifMatch(c, false)));
        return c.body(null, 204);
      },
    },
  ];
}
