/**
 * Several instances behind a load balancer: one PostgreSQL, one Redis. An event captured on one instance
 * reaches a subscriber connected to another, and both see the same user status. Deployments that share
 * the servers (staging and production, two tenants) stay apart by schema and Redis prefix.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../config/schema.js';
import { AuthenticationClient, MetadataManagementClient } from '../sdk/index.js';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES } from '../test-support/fixtures.js';
import { readSse } from '../test-support/sse.js';
import type { MfaEvent, MfaTriggerData } from '../protocol/index.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const suite = DATABASE_URL && REDIS_URL ? describe : describe.skip;
const skipped = DATABASE_URL && REDIS_URL ? '' : 'skipped: no DATABASE_URL or REDIS_URL: ';
const random = () => randomBytes(4).toString('hex');

const CONTINUOUS: Partial<ConfigInput> = {
  policies: { documents: [{ document: { id: 'continuous', name: 'Continuous', modes: ['event'], uses: [{ template: 'extranet' }] } }] },
};

/** One instance of a deployment on the shared servers (the fixed test apps, an event-mode workflow). */
const instance = (deployment: Pick<ConfigInput, 'publicUrl' | 'databaseSchema' | 'redisPrefix'>) =>
  startTestBackend({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, config: { ...CONTINUOUS, ...deployment } });

const dropSchemas = async (...schemas: string[]) => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
};

const clients = (backend: TestBackend) => ({
  meta: new MetadataManagementClient({ host: backend.url, appId: APP.id, appSecret: APP.secret }),
  auth: new AuthenticationClient({ host: backend.url, appId: APP.id, appSecret: APP.secret }),
});

describe('a shared store without a publicUrl', () => {
  // Checked before anything is opened, so no server needs to run at these addresses.
  it.each([
    ['PostgreSQL', { databaseUrl: 'postgres://127.0.0.1:1/none' }],
    ['Redis', { redisUrl: 'redis://127.0.0.1:1' }],
  ])('refuses to start on %s: instances would each issue tokens under their own address', async (_name, store) => {
    await expect(startTestBackend(store)).rejects.toThrow(/^\(inline config\): publicUrl: required with PostgreSQL or Redis.*set it to the URL browsers reach/);
  });
});

suite(`${skipped}two instances of one deployment on PostgreSQL + Redis`, () => {
  const schema = `camfa_multi_${random()}`;
  let first: TestBackend;
  let second: TestBackend;

  beforeAll(async () => {
    const deployment = { publicUrl: 'https://mfa.example.test', databaseSchema: schema, redisPrefix: `camfa-test-${random()}` };
    first = await instance(deployment);
    second = await instance(deployment);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await dropSchemas(schema);
  });

  it('delivers an event captured on one instance to a subscriber on the other', async () => {
    const user = `multi-${random()}`;
    const received: MfaTriggerData[] = [];
    const stop = clients(second).auth.mfa.subscribe(`security.mfa?originalIdentity=${user}`, (trigger) => void received.push(trigger));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const { published } = await clients(first).meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip });
    expect(published).toHaveLength(1);

    await expect.poll(() => received.length, { timeout: 3000 }).toBe(1);
    expect(received[0]!.stateToken).toBe(published[0]!.trigger!.stateToken);
    stop();

    expect((await clients(second).meta.ueba.checkUserStatus({ originalIdentity: user })).mfaVerified).toBe(false);
    // Both instances sign with the same persisted key.
    const [a, b] = await Promise.all([first, second].map(async (backend) => (await fetch(`${backend.url}/.well-known/jwks.json`)).json()));
    expect(a).toEqual(b);
  });

  it("follows at once a change made on the other instance, though it keeps users' status in memory", async () => {
    const user = `cached-${random()}`;
    const status = () => clients(second).meta.ueba.checkUserStatus({ originalIdentity: user });
    // Read twice: the second answer comes from the cache, which would stay "verified" for 5 s without the bus.
    expect(await status()).toEqual({ mfaVerified: true });
    expect(await status()).toEqual({ mfaVerified: true });
    expect((await clients(first).meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip })).published).toHaveLength(1);
    await expect.poll(async () => (await status()).mfaVerified, { timeout: 2000, interval: 20 }).toBe(false);
    await clients(first).meta.ueba.clearUserStatus({ originalIdentity: user });
    await expect.poll(async () => (await status()).mfaVerified, { timeout: 2000, interval: 20 }).toBe(true);
  });

  it("opens a browser's stream on one instance with a subscription token minted on the other", async () => {
    const user = `token-${random()}`;
    // The business backend asked one instance; the load balancer sends the browser's stream to the other.
    const { token } = await clients(first).auth.mfa.createSubscriptionToken({ originalIdentity: user });
    const stream = readSse(`${second.url}/v1/events/stream?access_token=${encodeURIComponent(token)}`, {}, (events) =>
      events.some((event) => event.event === 'security.mfa'),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const { published } = await clients(first).meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip });
    const delivered = (await stream).find((event) => event.event === 'security.mfa')!;
    expect((JSON.parse(delivered.data) as MfaEvent).trigger?.stateToken).toBe(published[0]!.trigger!.stateToken);
    expect(published[0]!.trigger!.host).toBe('https://mfa.example.test');
  });
});

(DATABASE_URL ? describe : describe.skip)(`${DATABASE_URL ? '' : 'skipped: no DATABASE_URL: '}two instances on PostgreSQL without Redis`, () => {
  const schema = `camfa_nobus_${random()}`;
  let first: TestBackend;
  let second: TestBackend;

  beforeAll(async () => {
    const config = { ...CONTINUOUS, publicUrl: 'https://mfa.example.test', databaseSchema: schema };
    const start = () => startTestBackend({ databaseUrl: DATABASE_URL, redisUrl: '', config });
    [first, second] = await Promise.all([start(), start()]);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await dropSchemas(schema);
  });

  it("reads each user's status from the database: no bus would tell one instance of the other's changes", async () => {
    const user = `nobus-${random()}`;
    const status = () => clients(second).meta.ueba.checkUserStatus({ originalIdentity: user });
    expect(await status()).toEqual({ mfaVerified: true });
    expect((await clients(first).meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip })).published).toHaveLength(1);
    expect((await status()).mfaVerified).toBe(false);
  });
});

suite(`${skipped}two deployments sharing one PostgreSQL and one Redis`, () => {
  const schemas = [`camfa_staging_${random()}`, `camfa_production_${random()}`];
  let staging: TestBackend;
  let production: TestBackend;

  beforeAll(async () => {
    // The same app ids and secrets in both, so only the schema and the prefix keep them apart.
    staging = await instance({ publicUrl: 'https://staging.example.test', databaseSchema: schemas[0], redisPrefix: `camfa-test-${random()}:staging` });
    production = await instance({ publicUrl: 'https://mfa.example.test', databaseSchema: schemas[1], redisPrefix: `camfa-test-${random()}:production` });
  });

  afterAll(async () => {
    await staging?.close();
    await production?.close();
    await dropSchemas(...schemas);
  });

  it("never shows one deployment's users to the other", async () => {
    const user = `tenant-${random()}`;
    expect((await staging.post('/v1/users', { originalIdentity: user }, { authorization: staging.basicAuth() })).status).toBe(201);
    const lookUp = (backend: TestBackend) => fetch(`${backend.url}/v1/users/${user}`, { headers: { authorization: backend.basicAuth() } });
    expect((await lookUp(staging)).status).toBe(200);
    expect((await lookUp(production)).status).toBe(404);
  });

  it("never delivers one deployment's events to the other's subscribers", async () => {
    const user = `tenant-${random()}`;
    const onStaging: MfaTriggerData[] = [];
    const onProduction: MfaTriggerData[] = [];
    const stops = [
      clients(staging).auth.mfa.subscribe(`security.mfa?originalIdentity=${user}`, (trigger) => void onStaging.push(trigger)),
      clients(production).auth.mfa.subscribe(`security.mfa?originalIdentity=${user}`, (trigger) => void onProduction.push(trigger)),
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      expect((await clients(staging).meta.ueba.capture({ originalIdentity: user, ip: PLACES.newYork.ip })).published).toHaveLength(1);
      // The event went through Redis to staging's own subscriber; production's, on the same server, had as long to get it.
      await expect.poll(() => onStaging.length, { timeout: 3000 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(onProduction).toEqual([]);
      expect(await clients(production).meta.ueba.checkUserStatus({ originalIdentity: user })).toEqual({ mfaVerified: true });
    } finally {
      for (const stop of stops) stop();
    }
  });
});
