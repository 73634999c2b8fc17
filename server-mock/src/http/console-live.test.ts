/**
 * The console's Live stream over real HTTP: an administrator's session, the Node SDK capturing, and what an
 * EventSource would read, at the default poll interval.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataManagementClient } from '../sdk/index.js';
import { APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { signInConsoleAdmin, type ConsoleSignedIn } from '../test-support/console.js';
import { CHROME_UA, PLACES, manualClock } from '../test-support/fixtures.js';
import { openSse, type SseMessage } from '../test-support/sse.js';
import type { UebaEvent } from '../protocol/index.js';
import type { DecisionRecord } from '../storage/types.js';

const clock = manualClock();
let backend: TestBackend;
let editor: ConsoleSignedIn;
const clients = new Map<string, MetadataManagementClient>();

beforeAll(async () => {
  backend = await startTestBackend({
    clock,
    heartbeatMs: 200,
    config: { policies: { documents: [{ document: { id: 'outside', name: 'Outside the office', modes: ['event'], uses: [{ template: 'extranet' }] } }] } },
  });
  editor = await signInConsoleAdmin(backend, { name: 'erin', role: 'editor', clock, advance: clock.advance });
  for (const app of [APP, OTHER_APP])
    clients.set(app.id, new MetadataManagementClient({ host: backend.url, appId: app.id, appSecret: app.secret, timeoutMs: 2000 }));
});
afterAll(async () => {
  await backend?.close();
});

const live = (query = '', headers: Record<string, string> = {}) => openSse(`${backend.url}/console/api/live${query}`, { ...editor.read, ...headers });
const visit = (originalIdentity: string, ip: string, appId = APP.id) =>
  clients.get(appId)!.ueba.capture({ originalIdentity, ip, ua: CHROME_UA, behaviorType: 'login', behaviorResult: 'success' });
const decisions = (messages: SseMessage[]) =>
  messages.filter((message) => message.event === 'decision').map((message) => JSON.parse(message.data) as DecisionRecord);
const events = (messages: SseMessage[]) => messages.filter((message) => message.event === 'ueba').map((message) => JSON.parse(message.data) as UebaEvent);

describe('the live stream', () => {
  it('delivers a captured event (geo, device, intranet) and its decision with the explanation within a second', async () => {
    const stream = await live();
    try {
      const captured = performance.now();
      const { id } = await visit('ann', PLACES.london.ip);
      const messages = await stream.until((list) => decisions(list).length === 1);
      expect(performance.now() - captured).toBeLessThan(1000);
      expect(messages.map((message) => message.event)).toEqual(['ueba', 'decision']);
      expect(events(messages)[0]).toMatchObject({
        id,
        appId: APP.id,
        originalIdentity: 'ann',
        country: 'GB',
        city: 'London',
        intranet: false,
        browserType: 'Chrome',
      });
      const [decision] = decisions(messages);
      expect(decision).toMatchObject({ eventId: id, hit: true, workflowId: 'outside', mode: 'event' });
      expect(decision!.explanation).toBeTruthy();
    } finally {
      stream.close();
    }
  });

  it('filters by app, by user and by outcome (each decision after the event it judged)', async () => {
    const [hits, crm, bob] = await Promise.all([live(`?app=${APP.id}&outcome=hit`), live(`?app=${OTHER_APP.id}`), live('?user=bob')]);
    try {
      await visit('ann', PLACES.office.ip);
      await visit('bob', PLACES.office.ip, OTHER_APP.id);
      const { id } = await visit('bob', PLACES.shanghai.ip);

      const hit = await hits.until((list) => decisions(list).length === 1);
      expect(hit.map((message) => message.event)).toEqual(['ueba', 'decision']);
      expect(events(hit).map((event) => event.id)).toEqual([id]);
      expect(decisions(hit)).toEqual([expect.objectContaining({ eventId: id, hit: true })]);

      const other = await crm.until((list) => decisions(list).length === 1);
      expect([...events(other), ...decisions(other)].map((record) => record.appId)).toEqual([OTHER_APP.id, OTHER_APP.id]);
      expect(decisions(other)[0]!.hit).toBe(false);

      const bobs = await bob.until((list) => decisions(list).length === 2);
      expect([...new Set([...events(bobs), ...decisions(bobs)].map((record) => record.originalIdentity))]).toEqual(['bob']);
      expect(events(bobs).map((event) => event.appId)).toEqual([OTHER_APP.id, APP.id]);
    } finally {
      for (const stream of [hits, crm, bob]) stream.close();
    }
  });

  it("resumes after Last-Event-ID with exactly what was missed, never showing the console's own sign-ins", async () => {
    const first = await live();
    await visit('cy', PLACES.office.ip);
    const seen = await first.until((list) => decisions(list).length === 1);
    first.close();
    const lastId = seen.at(-1)!.id!;
    expect(lastId).toMatch(/^\d+-\d+$/);

    const missed = [(await visit('cy', PLACES.london.ip)).id];
    // The console's own sign-in is stored (and judged) like any app's, but is not shown here.
    await signInConsoleAdmin(backend, { name: 'vic', role: 'viewer', clock, advance: clock.advance });
    missed.push((await visit('cy', PLACES.newYork.ip)).id);

    for (const resumed of [await live('', { 'last-event-id': lastId }), await live(`?lastEventId=${lastId}`)]) {
      try {
        const messages = await resumed.until((list) => decisions(list).length === 2);
        expect(events(messages).map((event) => event.id)).toEqual(missed);
        expect(decisions(messages).map((decision) => decision.eventId)).toEqual(missed);
      } finally {
        resumed.close();
      }
    }
  });

  it('keeps the connection alive with heartbeats', async () => {
    const controller = new AbortController();
    const response = await fetch(`${backend.url}/console/api/live`, { headers: editor.read, signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes(': ping')) text += (await reader.read()).value ?? '';
    controller.abort();
    expect(text).toContain('retry: 2000');
  });

  it('refuses without a session, for an unknown or the console app, and malformed filters or resume points', async () => {
    const refusal = async (query: string, headers: Record<string, string> = editor.read) => {
      const response = await backend.camfa.app.request(`http://backend/console/api/live${query}`, { headers });
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      return { status: response.status, code: ((await response.json()) as { code: string }).code };
    };
    expect(await refusal('', {})).toEqual({ status: 401, code: 'console_session_required' });
    expect(await refusal('?app=nope')).toEqual({ status: 404, code: 'unknown_app' });
    expect(await refusal('?app=camfa-console')).toEqual({ status: 404, code: 'unknown_app' });
    expect(await refusal('?outcome=maybe')).toEqual({ status: 400, code: 'invalid_query' });
    expect(await refusal('?user=a%00b')).toEqual({ status: 400, code: 'invalid_identifier' });
    expect(await refusal('', { ...editor.read, 'last-event-id': '12' })).toEqual({ status: 400, code: 'invalid_last_event_id' });
    expect(await refusal('?lastEventId=1-2%0Aevent:x')).toEqual({ status: 400, code: 'invalid_last_event_id' });
  });
});

const { DATABASE_URL } = process.env;
const onPostgres = DATABASE_URL ? describe : describe.skip;

onPostgres(`${DATABASE_URL ? '' : 'skipped: no DATABASE_URL: '}the live stream of two instances on one PostgreSQL (no Redis)`, () => {
  const schema = `camfa_live_${randomBytes(4).toString('hex')}`;
  const instances: TestBackend[] = [];
  let admin: ConsoleSignedIn;

  beforeAll(async () => {
    const config = {
      publicUrl: 'https://mfa.example.test',
      databaseSchema: schema,
      policies: { documents: [{ document: { id: 'outside', name: 'Outside', modes: ['event' as const], uses: [{ template: 'extranet' }] } }] },
    };
    for (let i = 0; i < 2; i++) instances.push(await startTestBackend({ clock, databaseUrl: DATABASE_URL, config }));
    admin = await signInConsoleAdmin(instances[1]!, { name: 'pat', role: 'viewer', clock, advance: clock.advance });
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('streams from one instance every event captured concurrently on both, each once, each decision after its event', async () => {
    const stream = await openSse(`${instances[1]!.url}/console/api/live`, admin.read);
    try {
      const metas = instances.map((instance) => new MetadataManagementClient({ host: instance.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 5000 }));
      const captured = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          metas[i % 2]!.ueba.capture({ originalIdentity: `u${i}`, ip: PLACES.london.ip, ua: CHROME_UA, behaviorType: 'login' }),
        ),
      );
      const messages = await stream.until((list) => decisions(list).length === captured.length);
      expect(
        events(messages)
          .map((event) => event.id)
          .sort(),
      ).toEqual(captured.map((answer) => answer.id).sort());
      expect(
        decisions(messages)
          .map((decision) => decision.eventId)
          .sort(),
      ).toEqual(captured.map((answer) => answer.id).sort());
      const position = new Map(messages.map((message, index) => [(JSON.parse(message.data) as { id: string }).id, index]));
      for (const decision of decisions(messages)) expect(position.get(decision.id)!).toBeGreaterThan(position.get(decision.eventId!)!);
    } finally {
      stream.close();
    }
  }, 30_000);
});
