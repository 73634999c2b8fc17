/**
 * The apps routes as the console mounts them: behind the guards it is given, every change recorded in the
 * audit it is given with who made it and the app before and after, and never a secret in the record.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppRegistry } from '../../apps/registry.js';
import { AppService } from '../../apps/service.js';
import { DomainError } from '../../errors.js';
import { memoryBus } from '../../events/bus.js';
import { createLogger } from '../../logger.js';
import { openStorage } from '../../storage/index.js';
import type { Storage } from '../../storage/types.js';
import type { Env } from '../context.js';
import { HttpError, problem } from '../errors.js';
import { RouteBook } from '../routes.js';
import { appRoutes, type AppAuditEntry } from './apps.js';

const PREFIX = '/console/api/apps';
/** Stand-ins for the console's session guard and role check: the caller names itself and its role in headers. */
const guard: MiddlewareHandler = async (c, next) => {
  if (!c.req.header('x-admin')) throw new HttpError(401, 'console_session_required');
  await next();
};
const editorGuard: MiddlewareHandler = async (c, next) => {
  if (c.req.header('x-role') !== 'editor') throw new HttpError(403, 'console_role_forbidden');
  await next();
};

let storage: Storage;
let registry: AppRegistry;
let audit: AppAuditEntry[];
let app: Hono<Env>;

beforeEach(async () => {
  storage = await openStorage({ url: ':memory:' });
  const config = { id: 'shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: [], loginWorkflow: 'login' };
  registry = await AppRegistry.create({ apps: [config], storage, bus: memoryBus(), logger: createLogger('silent') });
  audit = [];
  const routes = new RouteBook<Env>();
  for (const route of appRoutes({
    apps: new AppService({ registry, storage, clock: () => 1_750_000_000_000, failMode: 'open' }),
    guard,
    editorGuard,
    audit: { record: async (entry) => void audit.push(entry) },
    actor: (c) => c.req.header('x-admin')!,
    prefix: PREFIX,
    security: 'admin',
  })) {
    routes.add(route);
  }
  app = new Hono<Env>();
  routes.mount(app);
  app.onError((error, c) => (error instanceof HttpError || error instanceof DomainError ? problem(c, error) : c.text('unexpected', 500)));
});
afterEach(async () => {
  registry.close();
  await storage.close();
});

const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
  const response = await app.request(`${PREFIX}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
};
const editor = { 'x-admin': 'erin', 'x-role': 'editor' };
const viewer = { 'x-admin': 'vic', 'x-role': 'viewer' };

describe('apps routes behind the guards they are given', () => {
  it('audits each change with its actor and the app before and after, never the secret', async () => {
    const created = await call('POST', '', editor, { id: 'hr', name: 'HR', factors: ['totp'] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect((await call('PATCH', '/hr', { ...editor, 'if-match': '"1"' }, { name: 'People' })).status).toBe(200);
    expect((await call('POST', '/hr/secret', editor)).status).toBe(200);
    expect((await call('DELETE', '/hr', { ...editor, 'if-match': '"3"' })).status).toBe(204);

    expect(audit.map(({ actor, action, target }) => [actor, action, target])).toEqual([
      ['erin', 'app.create', 'hr'],
      ['erin', 'app.update', 'hr'],
      ['erin', 'app.rotate_secret', 'hr'],
      ['erin', 'app.delete', 'hr'],
    ]);
    expect(audit[0]).toMatchObject({ before: null, after: { id: 'hr', name: 'HR', factors: ['totp'], version: 1 } });
    expect(audit[1]).toMatchObject({ before: { name: 'HR', version: 1 }, after: { name: 'People', version: 2 } });
    expect(audit[2]).toMatchObject({ before: { version: 2 }, after: { version: 3 } });
    expect(audit[3]).toMatchObject({ before: { name: 'People', version: 3 }, after: null });
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(await storage.listApps()).toEqual([]);
  });

  it('lets a viewer read but not change, and a caller without a session nothing, auditing none of it', async () => {
    expect((await call('GET', '', viewer)).body.apps).toEqual([expect.objectContaining({ id: 'shop', source: 'config' })]);
    expect((await call('POST', '', viewer, { id: 'hr', name: 'HR' })).body.code).toBe('console_role_forbidden');
    expect((await call('GET', '', {})).status).toBe(401);
    expect((await call('POST', '', {}, { id: 'hr', name: 'HR' })).status).toBe(401);
    expect(await storage.listApps()).toEqual([]);
    expect(audit).toEqual([]);
  });

  it('stores only the hash of a new secret', async () => {
    const created = await call('POST', '', editor, { id: 'hr', name: 'HR' });
    const [stored] = await storage.listApps();
    expect(JSON.stringify(stored)).not.toContain(created.body.secret as string);
    expect(stored?.secretHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
