import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { UebaEvent } from '../protocol/index.js';
import { judge, parseWorkflow, planStatistics, TEMPLATES, type Workflow } from './engine.js';
import type { AggregateResult } from './statistics.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const HOUR = 3_600_000;

function event(overrides: Partial<UebaEvent> = {}): UebaEvent {
  return {
    id: 'evt-current',
    appId: 'app-1',
    requestDate: NOW,
    originalIdentity: 'alice',
    ip: '203.0.113.7',
    country: 'FR',
    province: 'Île-de-France',
    city: 'Paris',
    latitude: 48.8566,
    longitude: 2.3522,
    intranet: false,
    trustedDevice: false,
    ua: 'Mozilla/5.0',
    deviceType: 'desktop',
    systemType: 'macOS',
    browserType: 'Firefox',
    behaviorType: 'login',
    behaviorResult: 'success',
    resourcesType: null,
    actionType: null,
    loginType: 'password',
    deviceId: 'device-1',
    custom: {},
    ...overrides,
  };
}

function workflowUsing(template: string, params: Record<string, unknown> = {}): Workflow {
  const result = parseWorkflow(stringify({ id: 'test', name: 'Test', modes: ['api', 'event'], uses: [{ template, params }] }), `${template}.yaml`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.workflow;
}

/** Judges with statistics given by their template-local id, as storage would answer each planned query. */
function decide(workflow: Workflow, current: UebaEvent, stats: Record<string, AggregateResult>, user?: Record<string, unknown>) {
  const planned = planStatistics(workflow, { event: current });
  // A statistic the test does not give stays out, which the engine reads as not provided.
  const byId = Object.fromEntries(
    planned.flatMap((statistic) => {
      const given = stats[statistic.id.slice(statistic.id.indexOf('.') + 1)];
      return given === undefined ? [] : [[statistic.id, given] as const];
    }),
  );
  return judge(workflow, { event: current, stats: byId, user, now: NOW });
}

const successfulLoginsOf = (user: string) => [
  { field: 'originalIdentity', op: 'eq', value: user },
  { field: 'behaviorType', op: 'eq', value: 'login' },
  { field: 'behaviorResult', op: 'eq', value: 'success' },
];

describe.each([
  ['unusual-country', 'country', 10, { country: 'FR' }, ['US', 'DE'], ['US', 'FR']],
  ['unusual-city', 'city', 20, { city: 'Paris' }, ['Berlin'], ['Berlin', 'Paris']],
] as const)('template %s', (template, field, lookback, current, without, withIt) => {
  const workflow = workflowUsing(template);

  it(`plans the ${field} values of the user's last ${lookback} successful logins`, () => {
    expect(planStatistics(workflow, { event: event(current) })).toEqual([
      expect.objectContaining({
        id: `${template}.known`,
        query: { filters: successfulLoginsOf('alice'), window: { last: lookback }, op: 'values', field, scope: 'app' },
        matchesNothing: null,
      }),
    ]);
  });

  it(`hits when the ${field} is not among them`, () => {
    const decision = decide(workflow, event(current), { known: [...without] });
    expect(decision).toMatchObject({ hit: true, ruleId: template, factors: ['totp', 'sms'], acr: 'urn:camfa:acr:mfa' });
    expect(decision.message).toContain(String(Object.values(current)[0]));
    expect(decision.message).toContain(String(lookback));
  });

  it(`misses when the ${field} is known, when there is no history, and for failed logins`, () => {
    expect(decide(workflow, event(current), { known: [...withIt] }).hit).toBe(false);
    expect(decide(workflow, event(current), { known: [] }).hit).toBe(false);
    expect(decide(workflow, event({ ...current, behaviorResult: 'failure' }), { known: [...without] }).hit).toBe(false);
    expect(decide(workflow, event({ [field]: null }), { known: [...without] }).hit).toBe(false);
  });

  it('takes lookback, scope and outcome from its parameters', () => {
    const custom = workflowUsing(template, { lookback: 3, acrossApps: true, factors: ['webauthn'], message: 'New place' });
    expect(planStatistics(custom, { event: event(current) })[0]!.query).toMatchObject({ window: { last: 3 }, scope: 'all-apps' });
    expect(decide(custom, event(current), { known: [...without] })).toMatchObject({ hit: true, factors: ['webauthn'], message: 'New place' });
  });
});

describe('template extranet', () => {
  it('uses the intranet flag the backend set, with no statistics', () => {
    const workflow = workflowUsing('extranet');
    expect(planStatistics(workflow, { event: event() })).toEqual([]);
    expect(decide(workflow, event({ intranet: false }), {})).toMatchObject({ hit: true, ruleId: 'extranet', factors: ['totp', 'sms'] });
    expect(decide(workflow, event({ intranet: true }), {}).hit).toBe(false);
  });

  it('checks explicit CIDRs when given; an event without an IP is outside', () => {
    const workflow = workflowUsing('extranet', { cidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(decide(workflow, event({ ip: '10.20.30.40', intranet: false }), {}).hit).toBe(false);
    expect(decide(workflow, event({ ip: '::ffff:10.1.1.1' }), {}).hit).toBe(false);
    expect(decide(workflow, event({ ip: '2001:db8::1' }), {}).hit).toBe(false);
    expect(decide(workflow, event({ ip: '11.0.0.1', intranet: true }), {}).hit).toBe(true);
    expect(decide(workflow, event({ ip: null }), {}).hit).toBe(true);
  });
});

describe('template factor-by-attribute', () => {
  const map = { finance: ['sms', 'totp'], hr: ['totp', 'sms'] };

  it('offers the factors mapped to the user attribute, string or list', () => {
    const workflow = workflowUsing('factor-by-attribute', { attribute: 'role', map });
    expect(decide(workflow, event(), {}, { role: 'finance' })).toMatchObject({ hit: true, ruleId: 'factor-by-attribute', factors: ['sms', 'totp'] });
    expect(decide(workflow, event(), {}, { role: 'hr' })).toMatchObject({ hit: true, factors: ['totp', 'sms'] });
    expect(decide(workflow, event(), {}, { role: ['staff', 'hr', 'finance'] })).toMatchObject({ hit: true, factors: ['totp', 'sms'] });
  });

  it('falls back to event.custom and passes unmapped users when there is no default', () => {
    const workflow = workflowUsing('factor-by-attribute', { attribute: 'role', map });
    expect(decide(workflow, event({ custom: { role: 'finance' } }), {})).toMatchObject({ hit: true, factors: ['sms', 'totp'] });
    expect(decide(workflow, event({ custom: { role: 'finance' } }), {}, { role: 'hr' })).toMatchObject({ factors: ['totp', 'sms'] });
    expect(decide(workflow, event(), {}, { role: 'engineering' }).hit).toBe(false);
    expect(decide(workflow, event(), {}).hit).toBe(false);
  });

  it('gives everyone else the default when there is one', () => {
    const workflow = workflowUsing('factor-by-attribute', { attribute: 'department', map: { finance: ['sms'] }, default: ['email'] });
    expect(decide(workflow, event(), {}, { department: 'sales' })).toMatchObject({ hit: true, factors: ['email'] });
    expect(decide(workflow, event(), {}, { department: 'finance' })).toMatchObject({ hit: true, factors: ['sms'] });
  });
});

describe('template ip-failures', () => {
  const workflow = workflowUsing('ip-failures');

  it("plans the count of failed logins from the event's IP in 2 minutes, any user", () => {
    expect(planStatistics(workflow, { event: event() })).toEqual([
      expect.objectContaining({
        id: 'ip-failures.failures',
        query: {
          filters: [
            { field: 'ip', op: 'eq', value: '203.0.113.7' },
            { field: 'behaviorType', op: 'eq', value: 'login' },
            { field: 'behaviorResult', op: 'eq', value: 'failure' },
          ],
          window: { durationMs: 120_000 },
          op: 'count',
          scope: 'app',
        },
      }),
    ]);
  });

  it('hits the next login from the IP at the threshold, not below', () => {
    expect(decide(workflow, event(), { failures: 3 })).toMatchObject({ hit: true, ruleId: 'ip-failures', factors: ['totp', 'sms', 'email'] });
    expect(decide(workflow, event(), { failures: 2 }).hit).toBe(false);
  });

  it('follows its parameters and never matches an event without an IP', () => {
    const custom = workflowUsing('ip-failures', { threshold: 5, window: '10m', acrossApps: true });
    expect(planStatistics(custom, { event: event() })[0]!.query).toMatchObject({ window: { durationMs: 600_000 }, scope: 'all-apps' });
    expect(decide(custom, event(), { failures: 4 }).hit).toBe(false);
    expect(decide(custom, event(), { failures: 5 }).hit).toBe(true);
    const [planned] = planStatistics(workflow, { event: event({ ip: null }) });
    expect(planned!.matchesNothing).toMatch(/event\.ip/);
    // Whatever an adapter answers for `ip = null`, the engine treats it as matching nothing.
    expect(decide(workflow, event({ ip: null }), { failures: 99 }).hit).toBe(false);
  });
});

describe('template ip-velocity', () => {
  const workflow = workflowUsing('ip-velocity');

  it('plans login count and distinct apps for the IP across apps', () => {
    const planned = planStatistics(workflow, { event: event() });
    expect(planned.map((statistic) => [statistic.id, statistic.query.op, statistic.query.field, statistic.query.scope, statistic.query.window])).toEqual([
      ['ip-velocity.logins', 'count', undefined, 'all-apps', { durationMs: 300_000 }],
      ['ip-velocity.apps', 'distinct', 'appId', 'all-apps', { durationMs: 300_000 }],
    ]);
  });

  it('hits on many logins or many apps, misses below both', () => {
    expect(decide(workflow, event(), { logins: 10, apps: 1 })).toMatchObject({ hit: true, ruleId: 'ip-velocity' });
    expect(decide(workflow, event(), { logins: 3, apps: 3 }).hit).toBe(true);
    expect(decide(workflow, event(), { logins: 9, apps: 2 }).hit).toBe(false);
  });
});

describe('template new-device', () => {
  const workflow = workflowUsing('new-device');

  it('plans history and same-device counts for the user', () => {
    const planned = planStatistics(workflow, { event: event() });
    expect(planned.map((statistic) => statistic.query)).toEqual([
      { filters: successfulLoginsOf('alice'), window: { last: 1 }, op: 'count', scope: 'app' },
      {
        filters: [...successfulLoginsOf('alice'), { field: 'deviceId', op: 'eq', value: 'device-1' }],
        window: { durationMs: 30 * 24 * HOUR },
        op: 'count',
        scope: 'app',
      },
    ]);
  });

  it('hits an unseen device of a user with history', () => {
    expect(decide(workflow, event(), { history: 1, sameDevice: 0 })).toMatchObject({ hit: true, ruleId: 'new-device', factors: ['totp', 'sms', 'email'] });
  });

  it('misses a known device, a brand-new user, and an event without a device id', () => {
    expect(decide(workflow, event(), { history: 1, sameDevice: 4 }).hit).toBe(false);
    expect(decide(workflow, event(), { history: 0, sameDevice: 0 }).hit).toBe(false);
    expect(decide(workflow, event({ deviceId: null }), { history: 1, sameDevice: 0 }).hit).toBe(false);
  });

  it('misses a device the user chose to trust (a verified device binding)', () => {
    expect(decide(workflow, event({ trustedDevice: true }), { history: 1, sameDevice: 0 }).hit).toBe(false);
  });
});

describe('template impossible-travel', () => {
  const workflow = workflowUsing('impossible-travel');
  const previousIn = (place: { latitude: number; longitude: number; city: string }, hoursAgo: number) =>
    event({ id: 'evt-previous', requestDate: NOW - hoursAgo * HOUR, ...place });
  const newYork = { latitude: 40.7128, longitude: -74.006, city: 'New York' };
  const versailles = { latitude: 48.8049, longitude: 2.1204, city: 'Versailles' };

  it("plans the user's previous successful login", () => {
    expect(planStatistics(workflow, { event: event() })[0]!.query).toEqual({
      filters: successfulLoginsOf('alice'),
      window: { last: 1 },
      op: 'latest',
      scope: 'app',
    });
  });

  it('hits New York → Paris in an hour (about 5,800 km/h)', () => {
    const decision = decide(workflow, event(), { previous: previousIn(newYork, 1) });
    expect(decision).toMatchObject({ hit: true, ruleId: 'impossible-travel', factors: ['webauthn', 'totp', 'sms'] });
    expect(decision.message).toContain('Paris');
  });

  it('misses a plausible flight, a short hop, no previous login and missing coordinates', () => {
    expect(decide(workflow, event(), { previous: previousIn(newYork, 8) }).hit).toBe(false);
    expect(decide(workflow, event(), { previous: previousIn(versailles, 0.01) }).hit).toBe(false);
    expect(decide(workflow, event(), { previous: null }).hit).toBe(false);
    expect(decide(workflow, event({ latitude: null, longitude: null }), { previous: previousIn(newYork, 1) }).hit).toBe(false);
  });
});

describe('built-in messages', () => {
  it.each([...TEMPLATES.keys()])('%s has its default message in en, zh-CN, zh-TW and ja', (name) => {
    const params = name === 'factor-by-attribute' ? { attribute: 'role', map: { finance: ['sms'] } } : {};
    expect(Object.keys(workflowUsing(name, params).rules[0]!.then.message.languages)).toEqual(['en', 'zh-CN', 'zh-TW', 'ja']);
  });

  it('renders each language with the values quoted where that language puts them', () => {
    const decision = decide(workflowUsing('unusual-country'), event(), { known: ['US', 'DE'] });
    expect(decision.message).toBe('Sign-in from a country (FR) not seen in the last 10 sign-ins');
    expect(decision.messages).toEqual({
      en: 'Sign-in from a country (FR) not seen in the last 10 sign-ins',
      'zh-CN': '本次登录来自最近 10 次登录中未出现过的国家或地区（FR）',
      'zh-TW': '本次登入來自最近 10 次登入中未曾出現的國家或地區（FR）',
      ja: '過去 10 回のサインインでは見られなかった国・地域（FR）からのサインインです',
    });
  });

  it('takes a plain text or texts by language in place of the default', () => {
    expect(decide(workflowUsing('new-device', { message: 'New device' }), event(), { history: 1, sameDevice: 0 })).toMatchObject({
      message: 'New device',
      messages: {},
    });
    const byLanguage = workflowUsing('new-device', { message: { en: 'New device', ja: '新しい端末' } });
    expect(decide(byLanguage, event(), { history: 1, sameDevice: 0 })).toMatchObject({
      message: 'New device',
      messages: { en: 'New device', ja: '新しい端末' },
    });
  });
});
