/**
 * Apps created at run time on several instances behind one load balancer (one PostgreSQL, one Redis): an app
 * created on one instance authenticates on the other, and a rotated secret stops working on both.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { ADMIN_TOKEN, startTestBackend, type TestBackend } from '../test-support/backend.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const suite = DATABASE_URL && REDIS_URL ? describe : describe.skip;
const skipped = DATABASE_URL && REDIS_URL ? '' : 'skipped: no DATABASE_URL or REDIS_URL: ';
const random = () => randomBytes(4).toString('hex');

suite(`${skipped}apps on two instances of one deployment`, () => {
  const schema = `camfa_apps_${random()}`;
  let first: TestBackend;
  let second: TestBackend;

  beforeAll(async () => {
    const config = { publicUrl: 'https://mfa.example.test', databaseSchema: schema, redisPrefix: `camfa-test-${random()}` };
    first = await startTestBackend({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, config });
    second = await startTestBackend({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, config });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  const admin = (backend: TestBackend, path: string) =>
    backend.post<{ secret: string }>(`/v1/admin/apps${path}`, path === '' ? { id: 'payroll', name: 'Payroll' } : {}, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
  const statusWith = async (backend: TestBackend, secret: string) =>
    (await backend.post('/v1/mfa/status', { originalIdentity: 'nobody' }, { authorization: backend.basicAuth({ id: 'payroll', secret }) })).status;

  it('authenticates an app created on one instance on the other, and refuses its rotated secret on both', async () => {
    const created = await admin(first, '');
    expect(created.status).toBe(201);
    const { secret } = created.body;
    expect(await statusWith(first, secret)).toBe(200);
    await expect.poll(() => statusWith(second, secret), { timeout: 3000 }).toBe(200);

    const rotated = await admin(second, '/payroll/secret');
    expect(rotated.status).toBe(200);
    expect(await statusWith(second, secret)).toBe(401);
    // The first instance had proven the old secret; hearing of the rotation it refuses it too.
    await expect.poll(() => statusWith(first, secret), { timeout: 3000 }).toBe(401);
    expect(await statusWith(first, rotated.body.secret)).toBe(200);
  });
});
