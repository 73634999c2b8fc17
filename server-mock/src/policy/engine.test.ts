import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CustomValue } from '../protocol/index.js';
import { eventDistanceKm, haversineKm, inCidr, speedKmh, userAttribute } from './cel.js';
import { formatExplanation, judge, parseWorkflow, planStatistics, resolveParams, type Workflow } from './engine.js';

const NOW = 1_740_830_400_000;

function workflow(document: Record<string, unknown>): Workflow {
  const result = parseWorkflow(stringify({ id: 'wf', name: 'Test workflow', modes: ['api'], ...document }), 'wf.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.workflow;
}

const countryWorkflow = () =>
  workflow({
    params: { lookback: { type: 'number', default: 10 }, factors: { type: 'factors', default: ['totp'] } },
    match: "event.behaviorType == 'login'",
    statistics: [
      {
        id: 'knownCountries',
        filter: [
          { field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } },
          { field: 'behaviorResult', op: 'in', value: ['success'] },
        ],
        window: { last: { param: 'lookback' } },
        op: 'values',
        field: 'country',
      },
      { id: 'perApp', window: { duration: '1h' }, op: 'count', groupBy: 'appId', scope: 'all-apps' },
    ],
    rules: [
      { id: 'busy-app', when: 'stats.perApp[?event.appId].orValue(0) > 100', then: { factors: ['email'] } },
      {
        id: 'new-country',
        description: 'country not among recent successful logins',
        when: { all: ['size(stats.knownCountries) > 0', { not: 'event.country in stats.knownCountries' }] },
        then: {
          factors: ['totp', 'sms'],
          acr: 'urn:example:strong',
          message: 'Login from {{event.country}}; known: {{stats.knownCountries}}',
          custom: { risk: 'high' },
        },
      },
      { id: 'never', when: 'false', then: { factors: ['sms'] } },
    ],
  });

const login = { id: 'e1', appId: 'app-1', originalIdentity: 'alice', behaviorType: 'login', country: 'FR' };

describe('planStatistics', () => {
  it('resolves event and parameter references to concrete values', () => {
    expect(planStatistics(countryWorkflow(), { event: login })).toEqual([
      {
        id: 'knownCountries',
        query: {
          filters: [
            { field: 'originalIdentity', op: 'eq', value: 'alice' },
            { field: 'behaviorResult', op: 'in', value: ['success'] },
          ],
          window: { last: 10 },
          op: 'values',
          field: 'country',
          scope: 'app',
        },
        description:
          'distinct country values among the last 10 matching events, in this app, where originalIdentity = "alice" and behaviorResult in ["success"]',
        matchesNothing: null,
      },
      {
        id: 'perApp',
        query: { filters: [], window: { durationMs: 3_600_000 }, op: 'count', groupBy: 'appId', scope: 'all-apps' },
        description: 'number of events in the last 1h, across all apps, grouped by appId',
        matchesNothing: null,
      },
    ]);
  });

  it('applies valid parameter overrides, ignores invalid ones, and plans nothing when match fails', () => {
    const flow = countryWorkflow();
    expect(planStatistics(flow, { event: login, params: { lookback: 3 } })[0]!.query.window).toEqual({ last: 3 });
    expect(planStatistics(flow, { event: login, params: { lookback: 'many' } })[0]!.query.window).toEqual({ last: 10 });
    expect(resolveParams(flow, { lookback: 'many', other: 1 }).problems).toEqual([
      'parameter "lookback" is not a valid number; the default is used',
      'unknown parameter "other" ignored',
    ]);
    expect(planStatistics(flow, { event: { ...login, behaviorType: 'logout' } })).toEqual([]);
  });
});

describe('judge', () => {
  it('fires the first rule that holds and explains statistics, conditions and the fired rule', () => {
    const decision = judge(countryWorkflow(), { event: login, stats: { knownCountries: ['US', 'DE'], perApp: { 'app-1': 4 } }, now: NOW });
    expect(decision).toMatchObject({
      workflowId: 'wf',
      hit: true,
      ruleId: 'new-country',
      factors: ['totp', 'sms'],
      acr: 'urn:example:strong',
      message: 'Login from FR; known: US, DE',
      custom: { risk: 'high' },
    });
    const { explanation } = decision;
    expect(explanation.match).toEqual({ expression: "event.behaviorType == 'login'", applied: true, error: null });
    expect(explanation.statistics).toEqual([
      { id: 'knownCountries', description: expect.stringContaining('distinct country values'), value: ['US', 'DE'], note: null },
      // Grouped across apps: the keys are other apps' ids, and the explanation is shown to the judged event's app.
      { id: 'perApp', description: expect.stringContaining('grouped by appId'), value: null, note: 'withheld: 1 group from events of all apps' },
    ]);
    expect(explanation.rules.map((rule) => [rule.id, rule.result])).toEqual([
      ['busy-app', false],
      ['new-country', true],
    ]);
    expect(explanation.rules[1]!.condition).toEqual({
      group: 'all',
      result: true,
      conditions: [
        { expression: 'size(stats.knownCountries) > 0', result: true },
        { group: 'not', result: true, condition: { expression: 'event.country in stats.knownCountries', result: false } },
      ],
    });
    expect(explanation.firedRule).toBe('new-country');
    expect(explanation.notEvaluated).toEqual(['never']);
    expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation);
  });

  it('misses with a full explanation when no rule holds', () => {
    const decision = judge(countryWorkflow(), { event: { ...login, country: 'US' }, stats: { knownCountries: ['US'], perApp: {} }, now: NOW });
    expect(decision).toMatchObject({ hit: false, ruleId: null, factors: [], acr: '', message: '', custom: {} });
    expect(decision.explanation.rules.map((rule) => rule.id)).toEqual(['busy-app', 'new-country', 'never']);
    expect(decision.explanation.firedRule).toBeNull();
  });

  it('skips everything when match does not apply', () => {
    const decision = judge(countryWorkflow(), { event: { ...login, behaviorType: 'logout' }, stats: {}, now: NOW });
    expect(decision.hit).toBe(false);
    expect(decision.explanation).toMatchObject({ match: { applied: false, error: null }, statistics: [], rules: [] });
  });

  it("never quotes a factor expression's bad value when the rule reads other apps' values", () => {
    const stats = { ips: ['198.51.100.99'] };
    const flow = (scope: string) =>
      workflow({
        statistics: [{ id: 'ips', window: { duration: '1h' }, op: 'values', field: 'ip', scope }],
        rules: [{ id: 'r', when: 'true', then: { factors: { expr: 'stats.ips' } } }],
      });
    expect(judge(flow('app'), { event: login, stats, now: NOW }).explanation.rules[0]!.error).toContain('198.51.100.99');
    expect(judge(flow('all-apps'), { event: login, stats, now: NOW }).explanation.rules[0]!.error).toBe(
      'factors: gave a value (withheld: it may come from other apps), not a non-empty list of totp, sms, email, webauthn, face, recovery_code',
    );
  });

  it('counts a missing statistic as empty and says so', () => {
    const decision = judge(countryWorkflow(), { event: login, stats: {}, now: NOW });
    expect(decision.hit).toBe(false);
    expect(decision.explanation.statistics[0]).toMatchObject({ value: [], note: 'not provided; counted as empty' });
    expect(decision.explanation.statistics[1]).toMatchObject({
      value: null,
      note: 'not provided; counted as empty; withheld: 0 groups from events of all apps',
    });
  });

  it('turns CEL runtime errors into undecided conditions, never a throw and never a hit', () => {
    const flow = workflow({
      statistics: [{ id: 'previous', window: { last: 1 }, op: 'latest' }],
      rules: [
        { id: 'null-access', when: "stats.previous.country == 'FR'", then: { factors: ['sms'] } },
        { id: 'negated-error', when: { not: "user.department == 'finance'" }, then: { factors: ['sms'] } },
        { id: 'not-boolean', when: 'event.country', then: { factors: ['sms'] } },
        { id: 'any-rescues', when: { any: ["user.department == 'x'", 'true'] }, then: { factors: ['totp'] } },
      ],
    });
    const decision = judge(flow, { event: login, stats: { previous: null }, now: NOW });
    expect(decision).toMatchObject({ hit: true, ruleId: 'any-rescues', factors: ['totp'] });
    const [nullAccess, negated, notBoolean, anyRescues] = decision.explanation.rules;
    expect(nullAccess).toMatchObject({ result: null, condition: { result: null, error: expect.stringMatching(/country/) } });
    expect(negated).toMatchObject({ result: null, condition: { group: 'not', result: null, condition: { error: expect.stringMatching(/department/) } } });
    expect(notBoolean).toMatchObject({ result: null, condition: { error: 'gave "FR" instead of true or false' } });
    expect(anyRescues!.condition).toMatchObject({ group: 'any', result: true, conditions: [{ result: null }, { result: true }] });
  });

  it('treats a factor expression that gives no valid factors as a rule that did not fire', () => {
    const flow = workflow({
      rules: [
        { id: 'bad-factors', when: 'true', then: { factors: { expr: "['carrier-pigeon']" } } },
        { id: 'fallback', when: 'true', then: { factors: { expr: "['sms', 'sms', 'totp']" } } },
      ],
    });
    const decision = judge(flow, { event: login, stats: {}, now: NOW });
    expect(decision).toMatchObject({ hit: true, ruleId: 'fallback', factors: ['sms', 'totp'] });
    expect(decision.explanation.rules[0]).toMatchObject({ result: null, error: expect.stringMatching(/carrier-pigeon/) });
  });

  it('passes now, params and user to CEL with integer and double numbers both usable', () => {
    const flow = workflow({
      params: { limit: { type: 'number', default: 2.5 } },
      rules: [
        {
          id: 'r',
          when: 'now - event.requestDate == 60000 && user.level + 1 == 4 && params.limit < 3 && event.latitude + 0.5 > 1.0',
          then: { factors: ['sms'] },
        },
      ],
    });
    const decision = judge(flow, { event: { ...login, requestDate: NOW - 60_000, latitude: 1 }, user: { level: 3 }, stats: {}, now: NOW });
    expect(decision.explanation.rules[0]!.condition).toEqual(expect.objectContaining({ result: true }));
  });

  it('reads a custom "__proto__" key as a key, never as the prototype', () => {
    const custom = JSON.parse('{"__proto__": "admin", "tier": 2}') as Record<string, CustomValue>;
    const rules = workflow({ rules: [{ id: 'proto', when: "event.custom['__proto__'] == 'admin' && event.custom.tier == 2", then: { factors: ['totp'] } }] });
    expect(judge(rules, { event: { originalIdentity: 'u1', custom }, stats: {}, now: NOW }).ruleId).toBe('proto');
  });

  it('never throws, even on input outside its types', () => {
    const flow = countryWorkflow();
    const decision = judge(flow, { event: login, stats: { knownCountries: ['US'] }, now: Number.NaN });
    expect(decision.hit).toBe(false);
    expect(decision.explanation.error).toMatch(/could not judge/);
    const weird = judge(flow, { event: login, stats: { knownCountries: 'not a list' as never }, now: NOW });
    expect(weird.hit).toBe(false);
    expect(weird.explanation.rules[1]!.result).toBeNull();
  });
});

describe('formatExplanation', () => {
  it('prints the outcome, statistic values, each condition and the fired rule', () => {
    const decision = judge(countryWorkflow(), { event: login, stats: { knownCountries: ['US'], perApp: {} }, now: NOW });
    const text = formatExplanation(decision);
    expect(text).toContain('Workflow wf (Test workflow) at 2025-03-01T12:00:00.000Z: STEP-UP (rule new-country)');
    expect(text).toContain('factors: totp, sms');
    expect(text).toContain('knownCountries = ["US"]');
    expect(text).toContain('✓ new-country  → fired: country not among recent successful logins');
    expect(text).toContain('✗ event.country in stats.knownCountries');
    expect(text).toContain('Not evaluated (an earlier rule fired): never');
  });

  it('prints the message in each language the rule gives', () => {
    const flow = workflow({
      rules: [{ id: 'r', when: 'true', then: { factors: ['sms'], message: { en: 'From {{event.country}}', ja: '{{event.country}} から' } } }],
    });
    expect(formatExplanation(judge(flow, { event: login, stats: {}, now: NOW }))).toContain(
      `  message: From ${login.country}\n    en: From ${login.country}\n    ja: ${login.country} から`,
    );
  });

  it('shows errors and a match that did not apply', () => {
    const flow = workflow({ rules: [{ id: 'broken', when: 'user.role == "x"', then: { factors: ['sms'] } }] });
    expect(formatExplanation(judge(flow, { event: login, stats: {}, now: NOW }))).toMatch(/\? user\.role == "x" {3}error: .*role/);
    expect(formatExplanation(judge(countryWorkflow(), { event: { ...login, behaviorType: null }, stats: {}, now: NOW }))).toContain('does not apply');
  });
});

describe('CEL helpers', () => {
  it('computes great-circle distances and speeds', () => {
    expect(haversineKm(48.8566, 2.3522, 51.5074, -0.1278)).toBeCloseTo(343.5, 0);
    const paris = { latitude: 48.8566, longitude: 2.3522, requestDate: 0n };
    const london = { latitude: 51.5074, longitude: -0.1278, requestDate: 3_600_000n };
    expect(speedKmh(paris, london)).toBeCloseTo(343.5, 0);
    expect(eventDistanceKm(paris, { latitude: null, longitude: null })).toBe(0);
    expect(speedKmh(null, london)).toBe(0);
    expect(speedKmh(paris, { ...london, requestDate: 0n })).toBe(Infinity);
  });

  it('matches addresses against CIDR ranges, IPv4-mapped included', () => {
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('::ffff:10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(inCidr('2001:db8::5', '2001:db8::/32')).toBe(true);
    expect(inCidr('10.1.2.3', '2001:db8::/32')).toBe(false);
    expect(inCidr(null, '10.0.0.0/8')).toBe(false);
    expect(inCidr('not an ip', '10.0.0.0/8')).toBe(false);
  });

  it('reads a user attribute as a list, falling back to event.custom', () => {
    expect(userAttribute({ role: ['a', 'b'] }, {}, 'role')).toEqual(['a', 'b']);
    expect(userAttribute({}, { custom: { role: 'c' } }, 'role')).toEqual(['c']);
    expect(userAttribute({}, { custom: {} }, 'role')).toEqual([]);
  });

  it('finds role and roles under either spelling, and lets an empty directory list fall back to the event', () => {
    expect(userAttribute({ roles: ['finance'] }, {}, 'role')).toEqual(['finance']);
    expect(userAttribute({ role: 'hr' }, {}, 'roles')).toEqual(['hr']);
    expect(userAttribute({ role: 'hr', roles: ['finance'] }, {}, 'role')).toEqual(['hr']);
    expect(userAttribute({ roles: [] }, { custom: { role: 'finance' } }, 'role')).toEqual(['finance']);
    expect(userAttribute({}, { custom: { roles: 'hr' } }, 'role')).toEqual(['hr']);
    expect(userAttribute({ roles: ['hr'] }, { custom: { role: 'finance' } }, 'role')).toEqual(['hr']);
  });

  it('are callable from workflow expressions', () => {
    const flow = workflow({
      rules: [{ id: 'far', when: 'distanceKm(48.8566, 2.3522, 51.5074, -0.1278) > 300.0 && inCidr(event.ip, "10.0.0.0/8")', then: { factors: ['sms'] } }],
    });
    expect(judge(flow, { event: { ...login, ip: '10.0.0.1' }, stats: {}, now: NOW }).hit).toBe(true);
    expect(judge(flow, { event: { ...login, ip: '8.8.8.8' }, stats: {}, now: NOW }).hit).toBe(false);
  });
});
