/**
 * One app's credentials never reach another app's data: not through a workflow it writes, a global
 * workflow it triggers, a decision, a message, the event list, the MFA stream, statuses or users.
 * `shop` (APP) is the curious app; `crm` (OTHER_APP) holds the data it must not see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { PLACES, manualClock } from '../test-support/fixtures.js';
import { readSse } from '../test-support/sse.js';
import type { MfaEvent, MfaTriggerData } from '../protocol/index.js';

const clock = manualClock();
let backend: TestBackend;

/** What crm holds: an IP, a custom value and a user id that appear nowhere in shop's own data. */
const CRM = { ip: PLACES.newYork.ip, secret: 'crm-only-custom-value', user: 'crm-only-user', amount: 73_541 };
const SHARED_USER = 'alice';

const sameUser = { field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } };

/** A global workflow (admin-managed) whose statistics read every app's raw events. */
const crossAppWatch = {
  id: 'cross-app-watch',
  name: 'Cross-app watch',
  modes: ['api'],
  statistics: [
    { id: 'ips', filter: [sameUser], window: { duration: '1h' }, op: 'values', field: 'ip', scope: 'all-apps' },
    { id: 'secrets', window: { duration: '1h' }, op: 'values', field: 'custom.secret', scope: 'all-apps' },
    { id: 'previous', filter: [sameUser], window: { last: 1 }, op: 'latest', scope: 'all-apps' },
    { id: 'perUser', window: { duration: '1h' }, op: 'count', groupBy: 'originalIdentity', scope: 'all-apps' },
    { id: 'logins', filter: [sameUser], window: { duration: '1h' }, op: 'count', scope: 'all-apps' },
    // Over the user's one crm event, a sum is that event's amount.
    { id: 'spent', filter: [sameUser], window: { duration: '1h' }, op: 'sum', field: 'custom.amount', scope: 'all-apps' },
  ],
  rules: [
    {
      id: 'seen-elsewhere',
      when: 'size(stats.ips) > 0 && size(stats.secrets) > 0 && stats.previous != null && size(stats.perUser) > 0',
      then: { factors: ['totp'], message: '{{stats.logins}} earlier sign-ins across apps; this one from {{event.ip}}' },
    },
  ],
};

const app = (credentials: typeof APP) => ({ authorization: backend.basicAuth(credentials) });

async function put(workflow: object, headers: Record<string, string>, query = '') {
  const response = await fetch(`${backend.url}/v1/admin/workflows/${(workflow as { id: string }).id}${query}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(workflow),
  });
  return {
    status: response.status,
    body: (await response.json()) as { code?: string; detail?: string; errors?: { node: string; field: string; message: string }[] },
  };
}

async function get<T>(path: string, headers: Record<string, string>): Promise<{ status: number; body: T }> {
  const response = await fetch(`${backend.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

const capture = (credentials: typeof APP, event: Record<string, unknown>) =>
  backend.post<{ published: MfaEvent[] }>('/v1/ueba/events', { behaviorType: 'login', behaviorResult: 'success', ...event }, app(credentials));

const trigger = (workflowId: string, originalIdentity = SHARED_USER, ip = PLACES.london.ip) =>
  backend.post<{ trigger: MfaTriggerData | null }>(`/v1/workflows/${workflowId}/trigger`, { metadata: { originalIdentity, ip } }, app(APP));

/** Fails naming the first of crm's values found in what shop received. */
function expectNoCrmData(received: unknown) {
  const text = JSON.stringify(received);
  for (const value of Object.values(CRM)) expect(text, `shop received crm's "${value}"`).not.toContain(String(value));
}

beforeAll(async () => {
  backend = await startTestBackend({
    clock,
    config: {
      policies: {
        documents: [
          // crm's own step-up for sign-ins from outside its network: it publishes MFA events for crm's users.
          { app: OTHER_APP.id, document: { id: 'crm-watch', name: 'crm watch', modes: ['api', 'event'], uses: [{ template: 'extranet' }] } },
          // A config document scoped to shop obeys the same rule as the admin API.
          {
            app: APP.id,
            document: {
              id: 'config-leak',
              name: 'config leak',
              modes: ['api'],
              statistics: [{ id: 'everyone', window: { duration: '1h' }, op: 'values', field: 'ip', scope: 'all-apps' }],
              rules: [{ id: 'r', when: 'true', then: { factors: ['totp'], message: '{{stats.everyone}}' } }],
            },
          },
        ],
      },
    },
  });
  await backend.post('/v1/users', { originalIdentity: CRM.user, roles: ['finance'] }, app(OTHER_APP));
  for (const originalIdentity of [SHARED_USER, CRM.user]) {
    expect((await capture(OTHER_APP, { originalIdentity, ip: CRM.ip, custom: { secret: CRM.secret, amount: CRM.amount } })).status).toBe(201);
  }
  clock.advance(60_000);
  expect((await capture(APP, { originalIdentity: SHARED_USER, ip: PLACES.manchester.ip })).status).toBe(201);
  clock.advance(60_000);
});

afterAll(async () => {
  await backend?.close();
});

describe("an app's own workflows read only its own events", () => {
  it('refuses scope: all-apps in a statistic, naming the node and field and pointing to a global workflow', async () => {
    const leak = {
      id: 'leak',
      name: 'leak',
      modes: ['api'],
      statistics: [{ id: 'ips', window: { duration: '1h' }, op: 'values', field: 'ip', scope: 'all-apps' }],
      rules: [{ id: 'r', when: 'size(stats.ips) > 0', then: { factors: ['totp'] } }],
    };
    const refused = await put(leak, app(APP));
    expect(refused).toMatchObject({ status: 422, body: { code: 'invalid_policy' } });
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ node: 'statistics[ips]', field: 'scope', message: expect.stringMatching(/global workflow.*admin token/) }),
    ]);
    expect((await trigger('leak')).body).toMatchObject({ code: 'workflow_not_found' });
  });

  it('refuses templates that count across apps: acrossApps: true, and ip-velocity, which always does', async () => {
    const withTemplate = (template: string, params: object = {}) => ({ id: 'tpl', name: 'tpl', modes: ['api'], uses: [{ template, params }] });
    const across = await put(withTemplate('impossible-travel', { acrossApps: true }), app(APP));
    expect(across.status).toBe(422);
    expect(across.body.errors).toEqual([
      expect.objectContaining({ node: 'uses[impossible-travel]', field: 'params.acrossApps', message: expect.stringContaining('admin token') }),
    ]);
    const velocity = await put(withTemplate('ip-velocity'), app(APP));
    expect(velocity.status).toBe(422);
    expect(velocity.body.errors).toEqual([
      expect.objectContaining({ node: 'uses[ip-velocity]', field: 'template', message: expect.stringContaining('global workflow') }),
    ]);
    // The same documents are fine where the admin manages them.
    expect((await put({ ...withTemplate('ip-velocity'), id: 'velocity' }, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
  });

  it('skips a config document scoped to an app that reads all apps, and logs why', async () => {
    expect((await trigger('config-leak')).body).toMatchObject({ code: 'workflow_not_found' });
    expect(
      backend.logs.some((line) => line.includes('invalid workflow document') && line.includes('statistics[everyone]') && line.includes('admin token')),
    ).toBe(true);
  });

  it("quotes only the app's own events in its messages, for a user id both apps share", async () => {
    const mine = {
      id: 'mine',
      name: 'mine',
      modes: ['api'],
      statistics: [
        { id: 'ips', filter: [sameUser], window: { duration: '1h' }, op: 'values', field: 'ip' },
        { id: 'previous', filter: [sameUser], window: { last: 1 }, op: 'latest' },
      ],
      rules: [{ id: 'r', when: 'size(stats.ips) > 0', then: { factors: ['totp'], message: 'Earlier from {{stats.ips}}; last {{stats.previous}}' } }],
    };
    expect((await put(mine, app(APP))).status).toBe(200);
    const { trigger: data } = (await trigger('mine')).body;
    expect(data?.reason.message).toContain(PLACES.manchester.ip);
    expectNoCrmData(data);
  });

  it("cannot manage, run or list another app's workflows", async () => {
    expect((await put({ id: 'x', name: 'x', modes: ['api'], uses: [{ template: 'extranet' }] }, app(APP), `?app=${OTHER_APP.id}`)).status).toBe(403);
    expect((await trigger('crm-watch')).body).toMatchObject({ code: 'workflow_not_found' });
    const listed = await get<{ workflows: { id: string }[] }>(`/v1/admin/workflows?app=${OTHER_APP.id}`, app(APP));
    expect(listed.status).toBe(403);
  });
});

describe('a global workflow with all-apps statistics, triggered by one app', () => {
  it('refuses a message that would quote raw values of other apps', async () => {
    const quoting = {
      ...crossAppWatch,
      id: 'quoting',
      rules: [{ ...crossAppWatch.rules[0]!, then: { factors: ['totp'], message: 'Seen at {{stats.ips}}, spent {{stats.spent}}' } }],
    };
    const refused = await put(quoting, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        node: 'rules[seen-elsewhere].then',
        field: 'message',
        message: expect.stringContaining('{{stats.ips}}" would show values from other apps'),
      }),
      expect.objectContaining({
        node: 'rules[seen-elsewhere].then',
        field: 'message',
        message: expect.stringContaining('{{stats.spent}}" would show values from other apps'),
      }),
    ]);
  });

  it("decides on every app's events but shows the app only counts and its own event", async () => {
    expect((await put(crossAppWatch, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    const { trigger: data } = (await trigger(crossAppWatch.id)).body;
    // crm's and shop's earlier sign-ins of the shared user id count; the judged one does not.
    expect(data?.reason.message).toBe(`2 earlier sign-ins across apps; this one from ${PLACES.london.ip}`);
    expectNoCrmData(data);

    const { body } = await get<{ decisions: { workflowId: string; explanation: { statistics: { id: string; value: unknown; note: string | null }[] } }[] }>(
      '/v1/decisions',
      app(APP),
    );
    const decision = body.decisions.find((candidate) => candidate.workflowId === crossAppWatch.id)!;
    expect(decision.explanation.statistics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'ips', value: null, note: expect.stringContaining('withheld: 2 distinct values') }),
        expect.objectContaining({ id: 'previous', value: null, note: expect.stringContaining('withheld: one event') }),
        expect.objectContaining({ id: 'perUser', value: null, note: expect.stringContaining('withheld: 2 groups') }),
        expect.objectContaining({ id: 'spent', value: null, note: expect.stringContaining('withheld: a sum') }),
        expect.objectContaining({ id: 'logins', value: 2 }),
      ]),
    );
    expectNoCrmData(body);
  });
});

describe("shop's reads of events, decisions, statuses, streams and users", () => {
  it("lists only shop's events and decisions", async () => {
    const events = await get<{ events: { appId: string }[] }>('/v1/ueba/events', app(APP));
    expect(events.body.events.length).toBeGreaterThan(0);
    expect(events.body.events.every((event) => event.appId === APP.id)).toBe(true);
    expectNoCrmData(events.body);
    const decisions = await get<{ decisions: { appId: string }[] }>('/v1/decisions', app(APP));
    expect(decisions.body.decisions.every((decision) => decision.appId === APP.id)).toBe(true);
  });

  it("does not see crm's pending step-ups or directory users", async () => {
    // crm's extranet workflow left its users pending; shop's view of the same ids is its own.
    expect((await backend.post('/v1/mfa/status', { originalIdentity: CRM.user }, app(OTHER_APP))).body).toMatchObject({ mfaVerified: false });
    expect((await backend.post('/v1/mfa/status', { originalIdentity: CRM.user }, app(APP))).body).toEqual({ mfaVerified: true });
    expect((await get(`/v1/users/${CRM.user}`, app(APP))).status).toBe(404);
    expectNoCrmData((await get('/v1/users', app(APP))).body);
  });

  it("streams only shop's MFA events, replayed from the start, with app credentials and with a user's token", async () => {
    expect((await put({ id: 'shop-watch', name: 'shop watch', modes: ['event'], uses: [{ template: 'extranet' }] }, app(APP))).status).toBe(200);
    expect((await capture(APP, { originalIdentity: SHARED_USER, ip: PLACES.shanghai.ip })).body.published).toHaveLength(1);

    const fromShop = (events: { data: string }[]) => events.some((event) => (JSON.parse(event.data) as MfaEvent).appId === APP.id);
    const replayed = await readSse(`${backend.url}/v1/events/stream?lastEventId=0`, app(APP), fromShop);
    expect(replayed.map((event) => (JSON.parse(event.data) as MfaEvent).appId)).toEqual([APP.id]);

    const { body: token } = await backend.post<{ token: string }>('/v1/subscriptions', { originalIdentity: SHARED_USER }, app(APP));
    const own = await readSse(`${backend.url}/v1/events/stream?lastEventId=0&access_token=${encodeURIComponent(token.token)}`, {}, fromShop);
    expect(own.map((event) => (JSON.parse(event.data) as MfaEvent).appId)).toEqual([APP.id]);
    expectNoCrmData([replayed, own]);
  });
});
