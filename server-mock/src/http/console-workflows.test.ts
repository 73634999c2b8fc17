/**
 * The console's workflow endpoints through `app.request()` with real console sessions: drafts, validation with
 * the server's own parser, publishing against a version, conflicts, history and rollback, simulation on real
 * history and replay, the roles, CSRF and the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_APP_ID } from '../console/definition.js';
import { APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { consoleSignIn, type ConsoleClient } from '../test-support/console.js';
import { manualClock, PLACES } from '../test-support/fixtures.js';

const clock = manualClock();
let backend: TestBackend;
let editor: ConsoleClient;
let viewer: ConsoleClient;

const PATH = '/console/api/workflows/new-country?app=shop';

/** The seed's "new country" workflow: a login from a country the user's recent successful logins never came from. */
const newCountry = (factors: string[] = ['totp']) => ({
  id: 'new-country',
  name: 'New country',
  modes: ['api', 'event'],
  statistics: [
    {
      id: 'knownCountries',
      filter: [{ field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } }],
      window: { last: 10 },
      op: 'values',
      field: 'country',
    },
  ],
  rules: [{ id: 'new-country', when: 'size(stats.knownCountries) > 0 && !(event.country in stats.knownCountries)', then: { factors } }],
});

beforeAll(async () => {
  backend = await startTestBackend({ clock });
  editor = await consoleSignIn(backend, clock, { name: 'eddie', role: 'editor' });
  viewer = await consoleSignIn(backend, clock, { name: 'vic', role: 'viewer' });
  // Ana's history: logins from London.
  for (let n = 0; n < 3; n++) {
    clock.advance(60_000);
    const captured = await backend.post(
      '/v1/ueba/events',
      { originalIdentity: 'ana', ip: PLACES.london.ip, behaviorType: 'login' },
      { authorization: backend.basicAuth(APP) },
    );
    expect(captured.status).toBe(201);
  }
});
afterAll(() => backend?.close());

describe('console workflows', () => {
  it('keeps an invalid draft with its errors by node and field, refuses to publish it, and publishes the fixed one from version 0', async () => {
    const broken = { ...newCountry(), rules: [{ id: 'new-country', when: 'size(stats.unknownStat) > 0', then: { factors: ['totp'] } }] };
    const draft = await editor.call<{ errors: { node: string; field: string }[]; draft: { baseVersion: number } }>(
      'PUT',
      `/console/api/workflows/new-country/draft?app=shop`,
      { document: broken },
    );
    expect(draft.status).toBe(200);
    expect(draft.body.draft.baseVersion).toBe(0);
    expect(draft.body.errors.length).toBeGreaterThan(0);
    expect(draft.body.errors[0]).toMatchObject({ node: 'rules[new-country].when', field: 'expression' });

    const refused = await editor.call<{ errors: unknown[] }>('PUT', PATH, { document: broken }, { 'if-match': '"0"' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('invalid_policy');
    expect(refused.body.errors.length).toBeGreaterThan(0);

    const listed = await editor.call<{ workflows: { id: string; version: number; activeVersion: number | null; draft: unknown }[] }>(
      'GET',
      '/console/api/workflows?app=shop',
    );
    expect(listed.body.workflows).toEqual([
      expect.objectContaining({ id: 'new-country', version: 0, activeVersion: null, draft: expect.objectContaining({ updatedBy: 'eddie' }) }),
    ]);

    const published = await editor.call<{ version: number; activeVersion: number; draft: unknown }>(
      'PUT',
      PATH,
      { document: newCountry() },
      { 'if-match': '"0"' },
    );
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ version: 1, activeVersion: 1, draft: null, modes: ['api', 'event'] });
    expect(published.headers.get('etag')).toBe('"1"');
  });

  it('refuses a stale publish as edit_conflict and overwrites nothing', async () => {
    const stale = await editor.call<{ currentVersion: number }>('PUT', PATH, { document: newCountry(['sms']) }, { 'if-match': '"0"' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'edit_conflict', currentVersion: 1 });
    const found = await editor.call<{ document: { rules: { then: { factors: string[] } }[] } }>('GET', PATH);
    expect(found.body.document.rules[0]!.then.factors).toEqual(['totp']);
    expect((await editor.call('PUT', PATH, { document: newCountry() })).status).toBe(428);
    expect((await editor.call('PUT', PATH, { document: newCountry() }, { 'if-match': 'seven' })).body.code).toBe('invalid_if_match');
  });

  it('simulates a typed event from a new country on the real history, and a stored event as of its own time', async () => {
    const typed = await editor.call<{ decision: { hit: boolean; ruleId: string; explanation: { statistics: unknown } } }>(
      'POST',
      '/console/api/workflows/new-country/simulate?app=shop',
      {
        document: newCountry(),
        event: { originalIdentity: 'ana', behaviorType: 'login', country: 'CN', city: 'Shanghai' },
      },
    );
    expect(typed.status).toBe(200);
    expect(typed.body.decision).toMatchObject({ hit: true, ruleId: 'new-country' });
    expect(JSON.stringify(typed.body.decision.explanation)).toContain('GB');

    const home = await editor.call<{ decision: { hit: boolean } }>('POST', '/console/api/workflows/new-country/simulate?app=shop', {
      document: newCountry(),
      event: { originalIdentity: 'ana', ip: PLACES.manchester.ip, behaviorType: 'login' },
    });
    expect(home.body.decision.hit).toBe(false);

    const events = await backend.storage.listEvents({ appId: 'shop', originalIdentity: 'ana', limit: 10 });
    const stored = await editor.call<{ event: { id: string }; decision: { hit: boolean } }>('POST', '/console/api/workflows/new-country/simulate?app=shop', {
      document: newCountry(),
      eventId: events[0]!.id,
    });
    expect(stored.body.event.id).toBe(events[0]!.id);
    expect(stored.body.decision.hit).toBe(false);
    const missing = await editor.call('POST', '/console/api/workflows/new-country/simulate?app=shop', { document: newCountry(), eventId: 'no-such-event' });
    expect(missing.body.code).toBe('event_not_found');
  });

  it('replays the newest events against a draft: which decisions would change', async () => {
    clock.advance(60_000);
    await backend.post('/v1/ueba/events', { originalIdentity: 'ana', ip: PLACES.newYork.ip, behaviorType: 'login' }, { authorization: backend.basicAuth(APP) });
    // The draft steps up every login: the three London ones change, the New York one already stepped up.
    const everyLogin = { ...newCountry(), rules: [{ id: 'every-login', when: "event.behaviorType == 'login'", then: { factors: ['totp'] } }] };
    const replayed = await editor.call<{ total: number; changed: number; changes: { before: { hit: boolean } | null; after: { hit: boolean } }[] }>(
      'POST',
      '/console/api/workflows/new-country/replay?app=shop',
      { document: everyLogin, limit: 10 },
    );
    expect(replayed.status).toBe(200);
    expect(replayed.body.total).toBe(4);
    expect(replayed.body.changed).toBe(4);
    expect(replayed.body.changes.filter((change) => change.before?.hit === false && change.after.hit)).toHaveLength(3);
  });

  it('keeps every version and rolls back by publishing the old text again', async () => {
    expect((await editor.call('PUT', PATH, { document: newCountry(['sms', 'totp']) }, { 'if-match': '"1"' })).status).toBe(200);
    const rolled = await editor.call<{ version: number; activeVersion: number }>(
      'POST',
      '/console/api/workflows/new-country/rollback?app=shop',
      { version: 1 },
      { 'if-match': '"2"' },
    );
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 3, activeVersion: 3 });
    const history = await editor.call<{ versions: { version: number; active: boolean; source: string }[] }>(
      'GET',
      '/console/api/workflows/new-country/versions?app=shop',
    );
    expect(history.body.versions.map((version) => [version.version, version.active])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(history.body.versions[0]!.source).toBe(history.body.versions[2]!.source);
    // The engine runs the rolled-back document: TOTP only again.
    expect(backend.camfa.policies.resolve('shop', 'new-country')?.version).toBe(3);

    const audit = await editor.call<{ entries: { actor: string; action: string; target: string; before: unknown; after: unknown }[] }>(
      'GET',
      '/console/api/audit?limit=10',
    );
    const changes = audit.body.entries.filter((entry) => entry.target === 'workflow:shop/new-country');
    expect(changes.map((entry) => entry.action)).toEqual(['workflow.rollback', 'workflow.publish', 'workflow.publish']);
    expect(changes[2]).toMatchObject({ actor: 'eddie', before: null });
    expect(String(changes[1]!.after)).toContain('sms');
  });

  it('lets a viewer read but not change, wants the CSRF token, and refuses unknown scopes and bad bodies without a 5xx', async () => {
    expect((await viewer.call('GET', PATH)).status).toBe(200);
    const refused = await viewer.call('PUT', PATH, { document: newCountry() }, { 'if-match': '"3"' });
    expect(refused.body.code).toBe('console_role_forbidden');
    const noCsrf = await editor.call('PUT', PATH, { document: newCountry() }, { 'if-match': '"3"', 'x-csrf-token': 'forged' });
    expect(noCsrf.body.code).toBe('csrf_token_invalid');
    expect((await editor.call('GET', '/console/api/workflows?app=nope')).body.code).toBe('unknown_app');
    expect((await editor.call('GET', `/console/api/workflows?app=${CONSOLE_APP_ID}`)).body.code).toBe('unknown_app');
    expect((await editor.call('GET', '/console/api/workflows/none?app=shop')).body.code).toBe('workflow_not_found');
    for (const body of [{}, { document: 'text' }, { source: '' }, { document: {}, source: 'x' }, null, [1]]) {
      const answer = await editor.call('PUT', `/console/api/workflows/new-country/draft?app=shop`, body);
      expect(answer.status).toBe(400);
    }
    const global = await editor.call('POST', '/console/api/workflows/new-country/simulate', { document: newCountry(), event: { originalIdentity: 'ana' } });
    expect(global.body.code).toBe('unknown_app');
  });
});
