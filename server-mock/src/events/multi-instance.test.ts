/**
 * Several instances behind a load balancer: one PostgreSQL, one Redis. An event captured on one instance
 * reaches a subscriber connected to another, and both see the same user status.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient, MetadataManagementClient } from '../sdk/index.js';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES } from '../test-support/fixtures.js';
import type { MfaTriggerData } from '../types.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const suite = DATABASE_URL && REDIS_URL ? describe : describe.skip;
const schema = `camfa_multi_${randomBytes(4).toString('hex')}`;

suite(DATABASE_URL && REDIS_URL ? 'two instances on PostgreSQL + Redis' : 'skipped: no DATABASE_URL or REDIS_URL', () => {
  let first: TestBackend;
  let second: TestBackend;

  beforeAll(async () => {
    const shared = {
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: REDIS_URL,
      config: {
        policies: { documents: [{ document: { id: 'continuous', name: 'Continuous', modes: ['event' as const], uses: [{ template: 'extranet' }] } }] },
      },
    };
    first = await startTestBackend(shared);
    second = await startTestBackend(shared);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('delivers an event captured on one instance to a subscriber on the other', async () => {
    const user = `multi-${randomBytes(4).toString('hex')}`;
    const auth = new AuthenticationClient({ host: second.url, appId: APP.id, appSecret: APP.secret });
    const received: MfaTriggerData[] = [];
    const stop = auth.mfa.subscribe(`security.mfa?originalIdentity=${user}`, (trigger) => void received.push(trigger));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const meta = new MetadataManagementClient({ host: first.url, appId: APP.id, appSecret: APP.secret });
    const { published } = await meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip });
    expect(published).toHaveLength(1);

    await expect.poll(() => received.length, { timeout: 3000 }).toBe(1);
    expect(received[0]!.stateToken).toBe(published[0]!.trigger!.stateToken);
    stop();

    const onSecond = new MetadataManagementClient({ host: second.url, appId: APP.id, appSecret: APP.secret });
    expect((await onSecond.ueba.checkUserStatus({ originalIdentity: user })).mfaVerified).toBe(false);
    // Both instances sign with the same persisted key.
    const [a, b] = await Promise.all([first, second].map(async (backend) => (await fetch(`${backend.url}/.well-known/jwks.json`)).json()));
    expect(a).toEqual(b);
  });
});
