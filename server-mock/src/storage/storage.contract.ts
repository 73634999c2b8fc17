import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UebaEvent } from '../protocol/index.js';
import type {
  AggregateQuery,
  AuditEntryInput,
  ConsoleSessionRecord,
  DecisionRecord,
  FactorEnrolmentRecord,
  KeyRecord,
  OtpChallengeRecord,
  Storage,
  StoredAppRecord,
  TriggerRecord,
  UserRecord,
  WebAuthnChallengeRecord,
  WebAuthnCredentialRecord,
  WorkflowDraftRecord,
} from './types.js';
import { VersionConflict } from './types.js';

/**
 * The behaviour every `Storage` adapter must show. `open` returns an empty, migrated storage of its
 * own each time; `reopen`, when the adapter has persistent state, closes a storage and opens the same
 * database again (the durability checks run only then).
 */
export interface StorageContractOptions {
  reopen?: (storage: Storage) => Promise<Storage>;
}

const NOW = 1_750_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let eventCounter = 0;

function event(overrides: Partial<UebaEvent> = {}): UebaEvent {
  eventCounter += 1;
  return {
    id: `evt-${eventCounter}`,
    appId: 'app-1',
    requestDate: NOW - MINUTE,
    originalIdentity: 'alice',
    ip: '203.0.113.7',
    country: null,
    province: null,
    city: null,
    latitude: null,
    longitude: null,
    intranet: false,
    trustedDevice: false,
    ua: null,
    deviceType: null,
    systemType: null,
    browserType: null,
    behaviorType: 'login',
    behaviorResult: 'success',
    resourcesType: null,
    actionType: null,
    loginType: null,
    deviceId: null,
    custom: {},
    ...overrides,
  };
}

function trigger(overrides: Partial<TriggerRecord> = {}): TriggerRecord {
  return {
    id: 'trg-1',
    appId: 'app-1',
    originalIdentity: 'alice',
    workflowId: 'wf-login',
    workflowVersion: 3,
    ruleId: 'new-country',
    message: 'Login from a new country',
    factors: ['totp', 'webauthn'],
    acr: 'urn:camfa:acr:mfa',
    custom: { country: 'NZ', score: 0.75, nested: { list: [1, 'two', null] } },
    createdAt: NOW,
    expiresAt: NOW + 5 * MINUTE,
    resolvedAt: null,
    ...overrides,
  };
}

function decision(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: 'dec-1',
    appId: 'app-1',
    originalIdentity: 'alice',
    workflowId: 'wf-login',
    workflowVersion: 2,
    mode: 'api',
    eventId: 'evt-x',
    hit: true,
    ruleId: 'rule-a',
    explanation: { nodes: [{ id: 'n1', value: 3, passed: true }], note: 'quotes " and \\ survive' },
    createdAt: NOW,
    ...overrides,
  };
}

function key(kid: string, createdAt: number): KeyRecord {
  return {
    kid,
    alg: 'ES256',
    privateJwk: { value: `v1.fk1.sealed-${kid}`, sealedBy: 'fk1' },
    publicJwk: JSON.stringify({ kty: 'EC', kid }),
    createdAt,
    retiredAt: null,
  };
}

function enrolment(overrides: Partial<FactorEnrolmentRecord> = {}): FactorEnrolmentRecord {
  return {
    id: 'enr-1',
    appId: 'app-1',
    originalIdentity: 'alice',
    type: 'totp',
    status: 'pending',
    secret: 'v1.k1.sealed-secret',
    destination: null,
    lastUsedStep: null,
    createdAt: NOW,
    activatedAt: null,
    ...overrides,
  };
}

function challenge(overrides: Partial<OtpChallengeRecord> = {}): OtpChallengeRecord {
  return {
    id: 'otp-1',
    appId: 'app-1',
    originalIdentity: 'alice',
    channel: 'sms',
    destination: 'v1.k1.sealed-phone',
    codeHash: 'hash-1',
    expiresAt: NOW + 5 * MINUTE,
    attempts: 0,
    consumedAt: null,
    lastSentAt: NOW,
    sends: 1,
    createdAt: NOW,
    ...overrides,
  };
}

/** How many of the settled calls answered `true` (or non-null): the winners of a race. */
const winners = (results: unknown[]) => results.filter((result) => result !== null && result !== false).length;

export function storageContract(name: string, open: () => Promise<Storage>, options: StorageContractOptions = {}) {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;

    beforeEach(async () => {
      storage = await open();
    });
    afterEach(async () => {
      await storage.close();
    });

    const insertAll = async (events: UebaEvent[]) => {
      for (const item of events) await storage.insertEvent(item);
    };
    const stat = (query: Partial<AggregateQuery> & Pick<AggregateQuery, 'op'>) =>
      storage.aggregate({ appId: 'app-1', filters: [], window: { durationMs: HOUR }, now: NOW, ...query });

    describe('schema', () => {
      it('names its dialect and migrates idempotently without losing data', async () => {
        expect(['sqlite', 'postgres']).toContain(storage.dialect);
        await storage.insertEvent(event({ id: 'kept' }));
        await storage.migrate();
        await storage.migrate();
        expect((await storage.listEvents({ appId: 'app-1', limit: 10 })).map((item) => item.id)).toEqual(['kept']);
      });
    });

    describe('events', () => {
      it('finds one event by its app and id only', async () => {
        await storage.insertEvent(event({ id: 'one', city: 'Lyon' }));
        expect(await storage.getEvent('app-1', 'one')).toMatchObject({ id: 'one', appId: 'app-1', city: 'Lyon' });
        expect(await storage.getEvent('app-2', 'one')).toBeNull();
        expect(await storage.getEvent('app-1', 'none')).toBeNull();
      });

      it('stores concurrent inserts together, and a bad one fails alone', async () => {
        await storage.insertEvent(event({ id: 'taken' }));
        const results = await Promise.allSettled([
          ...Array.from({ length: 30 }, (_, index) => storage.insertEvent(event({ id: `burst-${index}` }))),
          storage.insertEvent(event({ id: 'taken' })),
          storage.insertDecision(decision({ id: 'burst-decision' })),
        ]);
        expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
        expect(results[30]!.status).toBe('rejected');
        const stored = await storage.listEvents({ appId: 'app-1', limit: 100 });
        expect(stored.filter((item) => item.id.startsWith('burst-'))).toHaveLength(30);
        expect((await storage.listDecisions({ appId: 'app-1', limit: 10 })).map((item) => item.id)).toContain('burst-decision');
      });

      it('round-trips every field exactly', async () => {
        const full = event({
          id: 'full',
          requestDate: NOW - 1,
          ip: '2001:db8::1',
          country: 'NZ',
          province: 'Wellington',
          city: 'Wellington',
          latitude: -41.2865,
          longitude: 174.7762,
          intranet: true,
          ua: 'Mozilla/5.0 "quoted" \\ back',
          deviceType: 'desktop',
          systemType: 'Linux',
          browserType: 'Chrome',
          behaviorType: 'login',
          behaviorResult: 'failure',
          resourcesType: 'api',
          actionType: 'read',
          loginType: 'password',
          deviceId: 'dev-1',
          custom: {
            text: 'héllo ✓ "q" \'s\' \\',
            int: 42,
            float: 0.1,
            negative: -7.25,
            big: 9_007_199_254_740_991,
            yes: true,
            no: false,
            nothing: null,
            numericText: '42',
          },
        });
        const sparse = event({ id: 'sparse', requestDate: NOW - 2, ip: null, behaviorType: null, behaviorResult: null });
        await insertAll([full, sparse]);
        const stored = await storage.listEvents({ appId: 'app-1', limit: 10 });
        expect(stored).toEqual([full, sparse]);
        expect(typeof stored[0]!.custom['int']).toBe('number');
        expect(stored[0]!.custom['numericText']).toBe('42');
        expect(stored[0]!.intranet).toBe(true);
      });

      it('lists newest first, breaks timestamp ties by insertion order, filters and limits', async () => {
        await insertAll([
          event({ id: 'old', requestDate: NOW - 3 * MINUTE }),
          event({ id: 'tie-first', requestDate: NOW - MINUTE }),
          event({ id: 'tie-second', requestDate: NOW - MINUTE }),
          event({ id: 'bob', requestDate: NOW, originalIdentity: 'bob' }),
          event({ id: 'other-app', requestDate: NOW, appId: 'app-2' }),
        ]);
        const ids = async (query: Parameters<Storage['listEvents']>[0]) => (await storage.listEvents(query)).map((item) => item.id);
        expect(await ids({ appId: 'app-1', limit: 10 })).toEqual(['bob', 'tie-second', 'tie-first', 'old']);
        expect(await ids({ appId: 'app-1', originalIdentity: 'alice', limit: 10 })).toEqual(['tie-second', 'tie-first', 'old']);
        expect(await ids({ appId: 'app-1', limit: 2 })).toEqual(['bob', 'tie-second']);
        expect(await ids({ appId: 'app-2', limit: 10 })).toEqual(['other-app']);
        expect(await ids({ appId: 'app-3', limit: 10 })).toEqual([]);
      });

      it('refuses a second event with the same id', async () => {
        await storage.insertEvent(event({ id: 'dup' }));
        await expect(storage.insertEvent(event({ id: 'dup' }))).rejects.toThrow();
        expect(await storage.listEvents({ appId: 'app-1', limit: 10 })).toHaveLength(1);
      });
    });

    describe('aggregate windows', () => {
      it('counts a duration window as (now - duration, now]', async () => {
        await insertAll([
          event({ requestDate: NOW - HOUR }),
          event({ requestDate: NOW - HOUR + 1 }),
          event({ requestDate: NOW }),
          event({ requestDate: NOW + 1 }),
        ]);
        expect(await stat({ op: 'count' })).toBe(2);
        expect(await stat({ op: 'count', window: { durationMs: HOUR + 1 } })).toBe(3);
        expect(await stat({ op: 'count', now: NOW + 1, window: { durationMs: HOUR + 1 } })).toBe(3);
      });

      it('takes the last N matching events before now, filters first', async () => {
        await insertAll([
          event({ id: 'a1', requestDate: NOW - 5 * HOUR, behaviorResult: 'failure', latitude: 1 }),
          event({ id: 'a2', requestDate: NOW - 4 * HOUR, behaviorResult: 'success', latitude: 10 }),
          event({ id: 'a3', requestDate: NOW - 3 * HOUR, behaviorResult: 'failure', latitude: 100 }),
          event({ id: 'a4', requestDate: NOW - 2 * HOUR, behaviorResult: 'failure', latitude: 1000 }),
          event({ id: 'future', requestDate: NOW + 1, behaviorResult: 'failure', latitude: 10000 }),
        ]);
        const failures = [{ field: 'behaviorResult', op: 'eq' as const, value: 'failure' }];
        expect(await stat({ op: 'sum', field: 'latitude', window: { last: 2 } })).toBe(1100);
        expect(await stat({ op: 'sum', field: 'latitude', window: { last: 2 }, filters: failures })).toBe(1100);
        expect(await stat({ op: 'sum', field: 'latitude', window: { last: 3 }, filters: failures })).toBe(1101);
        expect(await stat({ op: 'count', window: { last: 10 } })).toBe(4);
        expect(await stat({ op: 'count', window: { last: 0 } })).toBe(0);
        expect(await stat({ op: 'values', field: 'latitude', window: { last: 1 }, filters: failures })).toEqual([1000]);
      });

      it('scopes to the app unless appId is null', async () => {
        await insertAll([
          event({ appId: 'app-1', ip: '198.51.100.1' }),
          event({ appId: 'app-2', ip: '198.51.100.1' }),
          event({ appId: 'app-3', ip: '198.51.100.1' }),
          event({ appId: 'app-3', ip: '198.51.100.2' }),
        ]);
        const sameIp = [{ field: 'ip', op: 'eq' as const, value: '198.51.100.1' }];
        expect(await stat({ op: 'count', filters: sameIp })).toBe(1);
        expect(await stat({ op: 'count', filters: sameIp, appId: null })).toBe(3);
        expect(await stat({ op: 'distinct', field: 'appId', filters: sameIp, appId: null })).toBe(3);
        expect(await stat({ op: 'count', appId: null })).toBe(4);
        expect(await stat({ op: 'count', appId: 'app-3' })).toBe(2);
      });

      it('leaves the judged event out of its own statistics', async () => {
        await insertAll([event({ id: 'prior', requestDate: NOW - 2 }), event({ id: 'judged', requestDate: NOW - 1 })]);
        expect(await stat({ op: 'count', excludeEventId: 'judged' })).toBe(1);
        expect(((await stat({ op: 'latest', excludeEventId: 'judged' })) as UebaEvent).id).toBe('prior');
        expect(await stat({ op: 'count', window: { last: 1 }, excludeEventId: 'judged' })).toBe(1);
        expect(((await stat({ op: 'latest', window: { last: 5 } })) as UebaEvent).id).toBe('judged');
      });
    });

    describe('aggregate ops', () => {
      beforeEach(async () => {
        await insertAll([
          event({ id: 'o1', requestDate: NOW - 50, country: 'NZ', latitude: 1.5, custom: { amount: 10, tag: 'x' } }),
          event({ id: 'o2', requestDate: NOW - 40, country: 'NZ', latitude: 2, custom: { amount: 2.5, tag: 1 } }),
          event({ id: 'o3', requestDate: NOW - 30, country: 'AU', latitude: null, custom: { amount: '7', tag: '1' } }),
          event({ id: 'o4', requestDate: NOW - 20, country: null, latitude: -1, custom: { tag: null } }),
          event({ id: 'o5', requestDate: NOW - 10, country: 'AU', latitude: 4, custom: { amount: true } }),
        ]);
      });

      it('count', async () => {
        expect(await stat({ op: 'count' })).toBe(5);
        expect(await stat({ op: 'count', appId: 'nobody' })).toBe(0);
      });

      it('distinct counts non-null values, telling custom "1" from 1', async () => {
        expect(await stat({ op: 'distinct', field: 'country' })).toBe(2);
        expect(await stat({ op: 'distinct', field: 'latitude' })).toBe(4);
        expect(await stat({ op: 'distinct', field: 'custom.tag' })).toBe(3);
        expect(await stat({ op: 'distinct', field: 'custom.absent' })).toBe(0);
      });

      it('sum adds numbers only and is 0 over nothing', async () => {
        expect(await stat({ op: 'sum', field: 'latitude' })).toBe(6.5);
        expect(await stat({ op: 'sum', field: 'custom.amount' })).toBe(12.5);
        expect(await stat({ op: 'sum', field: 'custom.amount', appId: 'nobody' })).toBe(0);
        await expect(stat({ op: 'sum', field: 'country' })).rejects.toThrow(/numeric/);
      });

      it('values lists distinct non-null values with their types', async () => {
        expect(sortValues((await stat({ op: 'values', field: 'country' })) as unknown[])).toEqual(['AU', 'NZ']);
        expect(sortValues((await stat({ op: 'values', field: 'custom.tag' })) as unknown[])).toEqual([1, '1', 'x']);
        expect(sortValues((await stat({ op: 'values', field: 'custom.amount' })) as unknown[])).toEqual([true, 10, 2.5, '7']);
        expect(await stat({ op: 'values', field: 'intranet' })).toEqual([false]);
      });

      it('values stops at 1,000, per group too', async () => {
        await insertAll(Array.from({ length: 1005 }, (_, n) => event({ requestDate: NOW - 1000 + n, custom: { n } })));
        const values = (await stat({ op: 'values', field: 'custom.n' })) as number[];
        expect(values).toHaveLength(1000);
        expect(new Set(values).size).toBe(1000);
        expect(values.every((value) => Number.isInteger(value) && value >= 0 && value < 1005)).toBe(true);
        const grouped = (await stat({ op: 'values', field: 'custom.n', groupBy: 'originalIdentity' })) as Record<string, number[]>;
        expect(grouped['alice']).toHaveLength(1000);
      });

      it('latest returns the newest matching event or null', async () => {
        const latest = (await stat({ op: 'latest' })) as UebaEvent;
        expect(latest.id).toBe('o5');
        expect(latest.custom).toEqual({ amount: true });
        expect(await stat({ op: 'latest', appId: 'nobody' })).toBeNull();
      });

      it('ops that read a field refuse to run without one', async () => {
        for (const op of ['distinct', 'sum', 'values'] as const) await expect(stat({ op })).rejects.toThrow(/field/);
      });
    });

    describe('aggregate groupBy', () => {
      beforeEach(async () => {
        await insertAll([
          event({ id: 'g1', requestDate: NOW - 50, country: 'NZ', deviceId: 'd1', intranet: true, custom: { k: 'a', n: 1 } }),
          event({ id: 'g2', requestDate: NOW - 40, country: 'NZ', deviceId: 'd2', intranet: false, custom: { k: 1, n: 2 } }),
          event({ id: 'g3', requestDate: NOW - 30, country: 'NZ', deviceId: 'd1', intranet: false, custom: { k: '1' } }),
          event({ id: 'g4', requestDate: NOW - 20, country: null, deviceId: null, intranet: false, custom: { n: 4 } }),
          event({ id: 'g5', requestDate: NOW - 10, country: 'AU', deviceId: 'd3', intranet: false, custom: { k: true } }),
        ]);
      });

      it('count keys groups by value, null as "null", booleans as "true"/"false"', async () => {
        expect(await stat({ op: 'count', groupBy: 'country' })).toEqual({ NZ: 3, AU: 1, null: 1 });
        expect(await stat({ op: 'count', groupBy: 'intranet' })).toEqual({ true: 1, false: 4 });
        expect(await stat({ op: 'count', groupBy: 'custom.k' })).toEqual({ a: 1, 1: 2, true: 1, null: 1 });
      });

      it('distinct, sum and values per group', async () => {
        expect(await stat({ op: 'distinct', field: 'deviceId', groupBy: 'country' })).toEqual({ NZ: 2, AU: 1, null: 0 });
        expect(await stat({ op: 'sum', field: 'custom.n', groupBy: 'country' })).toEqual({ NZ: 3, AU: 0, null: 4 });
        const values = (await stat({ op: 'values', field: 'deviceId', groupBy: 'country' })) as Record<string, unknown[]>;
        expect(Object.keys(values).sort()).toEqual(['AU', 'NZ', 'null']);
        expect(sortValues(values['NZ']!)).toEqual(['d1', 'd2']);
        expect(values['AU']).toEqual(['d3']);
        expect(values['null']).toEqual([]);
      });

      it('latest per group', async () => {
        const latest = (await stat({ op: 'latest', groupBy: 'deviceId' })) as Record<string, UebaEvent>;
        expect(Object.fromEntries(Object.entries(latest).map(([group, item]) => [group, item.id]))).toEqual({
          d1: 'g3',
          d2: 'g2',
          d3: 'g5',
          null: 'g4',
        });
      });

      it('groups only the last N events when the window says so', async () => {
        expect(await stat({ op: 'count', groupBy: 'country', window: { last: 2 } })).toEqual({ AU: 1, null: 1 });
      });

      it('is an empty map when nothing matches', async () => {
        expect(await stat({ op: 'count', groupBy: 'country', appId: 'nobody' })).toEqual({});
      });
    });

    describe('aggregate filters', () => {
      beforeEach(async () => {
        await insertAll([
          event({ id: 'f1', deviceId: 'f1', country: 'NZ', latitude: 10, intranet: true, custom: { score: 5, label: 'low', vip: true } }),
          event({ id: 'f2', deviceId: 'f2', country: 'AU', latitude: 20, custom: { score: 50, label: 'high', vip: false } }),
          event({ id: 'f3', deviceId: 'f3', country: null, latitude: 30, custom: { score: '50', label: null } }),
          event({ id: 'f4', deviceId: 'f4', country: 'US', latitude: null, custom: {} }),
        ]);
      });

      /** Each event's deviceId is its id, so the values of deviceId name the matching events. */
      const idsOf = async (filters: AggregateQuery['filters']) => sortValues((await stat({ op: 'values', field: 'deviceId', filters })) as unknown[]);

      it.each([
        ['eq', { field: 'country', op: 'eq', value: 'NZ' }, ['f1']],
        ['ne keeps missing values', { field: 'country', op: 'ne', value: 'NZ' }, ['f2', 'f3', 'f4']],
        ['in', { field: 'country', op: 'in', value: ['NZ', 'US'] }, ['f1', 'f4']],
        ['in with null', { field: 'country', op: 'in', value: ['AU', null] }, ['f2', 'f3']],
        ['nin keeps missing values', { field: 'country', op: 'nin', value: ['NZ', 'US'] }, ['f2', 'f3']],
        ['gt number', { field: 'latitude', op: 'gt', value: 10 }, ['f2', 'f3']],
        ['gte number', { field: 'latitude', op: 'gte', value: 20 }, ['f2', 'f3']],
        ['lt number', { field: 'latitude', op: 'lt', value: 20 }, ['f1']],
        ['lte number', { field: 'latitude', op: 'lte', value: 20 }, ['f1', 'f2']],
        ['gt string', { field: 'country', op: 'gt', value: 'NZ' }, ['f4']],
        ['exists', { field: 'country', op: 'exists' }, ['f1', 'f2', 'f4']],
        ['missing', { field: 'latitude', op: 'missing' }, ['f4']],
        ['eq boolean', { field: 'intranet', op: 'eq', value: true }, ['f1']],
        ['ne boolean', { field: 'intranet', op: 'ne', value: true }, ['f2', 'f3', 'f4']],
        ['eq of the wrong type matches nothing', { field: 'latitude', op: 'eq', value: '10' }, []],
        ['custom eq number is typed', { field: 'custom.score', op: 'eq', value: 50 }, ['f2']],
        ['custom eq string is typed', { field: 'custom.score', op: 'eq', value: '50' }, ['f3']],
        ['custom ne', { field: 'custom.score', op: 'ne', value: 50 }, ['f1', 'f3', 'f4']],
        ['custom in mixed types', { field: 'custom.score', op: 'in', value: [5, '50'] }, ['f1', 'f3']],
        ['custom nin', { field: 'custom.label', op: 'nin', value: ['low', null] }, ['f2']],
        ['custom gt compares numbers only', { field: 'custom.score', op: 'gt', value: 10 }, ['f2']],
        ['custom gte', { field: 'custom.score', op: 'gte', value: 5 }, ['f1', 'f2']],
        ['custom lt', { field: 'custom.score', op: 'lt', value: 50 }, ['f1']],
        ['custom lte', { field: 'custom.score', op: 'lte', value: 50 }, ['f1', 'f2']],
        ['custom gt string', { field: 'custom.label', op: 'gt', value: 'hz' }, ['f1']],
        ['custom eq boolean', { field: 'custom.vip', op: 'eq', value: false }, ['f2']],
        ['custom exists treats JSON null as missing', { field: 'custom.label', op: 'exists' }, ['f1', 'f2']],
        ['custom missing', { field: 'custom.label', op: 'missing' }, ['f3', 'f4']],
        ['custom eq null is missing', { field: 'custom.vip', op: 'eq', value: null }, ['f3', 'f4']],
      ] as const)('%s', async (_label, filter, expected) => {
        expect(await idsOf([filter as AggregateQuery['filters'][number]])).toEqual(expected);
      });

      it('combines filters with and', async () => {
        expect(
          await idsOf([
            { field: 'latitude', op: 'gte', value: 10 },
            { field: 'country', op: 'ne', value: 'AU' },
          ]),
        ).toEqual(['f1', 'f3']);
      });

      it('filters requestDate as a number', async () => {
        await storage.insertEvent(event({ id: 'f5', deviceId: 'f5', requestDate: NOW - 2 * MINUTE }));
        expect(await idsOf([{ field: 'requestDate', op: 'lt', value: NOW - MINUTE }])).toEqual(['f5']);
      });
    });

    describe('aggregate input checking', () => {
      beforeEach(async () => {
        await storage.insertEvent(event({ id: 'safe' }));
      });

      it.each([
        ['unknown filter field', { op: 'count', filters: [{ field: 'password', op: 'eq', value: 'x' }] }],
        ['injected filter field', { op: 'count', filters: [{ field: 'ip = ip; drop table ueba_events; --', op: 'exists' }] }],
        ['injected custom key', { op: 'count', filters: [{ field: "custom.a') or 1=1 --", op: 'exists' }] }],
        ['empty custom key', { op: 'count', filters: [{ field: 'custom.', op: 'exists' }] }],
        ['overlong custom key', { op: 'count', filters: [{ field: `custom.${'k'.repeat(65)}`, op: 'exists' }] }],
        ['unknown stat field', { op: 'distinct', field: 'id' }],
        ['injected stat field', { op: 'values', field: 'custom.x"' }],
        ['unknown group field', { op: 'count', groupBy: 'seq' }],
        ['unknown filter op', { op: 'count', filters: [{ field: 'ip', op: 'like', value: '%' }] }],
        ['unknown aggregate op', { op: 'median', field: 'latitude' }],
        ['list op without a list', { op: 'count', filters: [{ field: 'ip', op: 'in', value: 'x' }] }],
        ['ordering op on a boolean', { op: 'count', filters: [{ field: 'intranet', op: 'gt', value: true }] }],
        ['fractional requestDate', { op: 'count', filters: [{ field: 'requestDate', op: 'gt', value: 1.5 }] }],
      ])('rejects %s', async (_label, query) => {
        await expect(stat(query as unknown as AggregateQuery)).rejects.toThrow();
        expect(await stat({ op: 'count' })).toBe(1);
      });

      it('accepts custom keys made of letters, digits, "_", "." and "-"', async () => {
        await storage.insertEvent(event({ id: 'dotted', custom: { 'a.b-c_1': 3 } }));
        expect(await stat({ op: 'sum', field: 'custom.a.b-c_1' })).toBe(3);
      });
    });

    describe('triggers and MFA events', () => {
      it('stores and returns a trigger, null for an unknown id', async () => {
        const stored = trigger();
        await storage.insertTrigger(stored);
        expect(await storage.getTrigger('trg-1')).toEqual(stored);
        expect(await storage.getTrigger('nope')).toBeNull();
        await expect(storage.insertTrigger(stored)).rejects.toThrow();
      });

      it('publishing makes the trigger pending; resolving clears it and marks the trigger resolved', async () => {
        await storage.insertTrigger(trigger());
        expect(await storage.getUserStatus('app-1', 'alice')).toBeNull();

        const published = await storage.publishMfaEvent({
          type: 'security.mfa',
          appId: 'app-1',
          originalIdentity: 'alice',
          triggerId: 'trg-1',
          publishedAt: NOW,
        });
        expect(published).toEqual({
          type: 'security.mfa',
          appId: 'app-1',
          originalIdentity: 'alice',
          triggerId: 'trg-1',
          publishedAt: NOW,
          seq: expect.any(Number),
        });
        expect(await storage.getUserStatus('app-1', 'alice')).toEqual({
          appId: 'app-1',
          originalIdentity: 'alice',
          pendingTriggerId: 'trg-1',
          updatedAt: NOW,
        });
        expect((await storage.getTrigger('trg-1'))!.resolvedAt).toBeNull();

        const resolved = await storage.publishMfaEvent({
          type: 'security.mfa.resolved',
          appId: 'app-1',
          originalIdentity: 'alice',
          triggerId: 'trg-1',
          publishedAt: NOW + 5,
        });
        expect(resolved.seq).toBeGreaterThan(published.seq);
        expect(await storage.getUserStatus('app-1', 'alice')).toEqual({
          appId: 'app-1',
          originalIdentity: 'alice',
          pendingTriggerId: null,
          updatedAt: NOW + 5,
        });
        expect((await storage.getTrigger('trg-1'))!.resolvedAt).toBe(NOW + 5);
        expect(await storage.getUserStatus('app-1', 'bob')).toBeNull();
        expect(await storage.getUserStatus('app-2', 'alice')).toBeNull();
      });

      it('resolving an older trigger keeps a newer one pending', async () => {
        await storage.insertTrigger(trigger({ id: 'old' }));
        await storage.insertTrigger(trigger({ id: 'new' }));
        const base = { appId: 'app-1', originalIdentity: 'alice' };
        await storage.publishMfaEvent({ ...base, type: 'security.mfa', triggerId: 'old', publishedAt: NOW });
        await storage.publishMfaEvent({ ...base, type: 'security.mfa', triggerId: 'new', publishedAt: NOW + 1 });
        await storage.publishMfaEvent({ ...base, type: 'security.mfa.resolved', triggerId: 'old', publishedAt: NOW + 2 });
        expect((await storage.getUserStatus('app-1', 'alice'))!.pendingTriggerId).toBe('new');
        expect((await storage.getTrigger('old'))!.resolvedAt).toBe(NOW + 2);
        expect((await storage.getTrigger('new'))!.resolvedAt).toBeNull();
      });

      it('replays the log oldest first after a sequence number, per app and user', async () => {
        const publish = (appId: string, originalIdentity: string, triggerId: string) =>
          storage.publishMfaEvent({ type: 'security.mfa', appId, originalIdentity, triggerId, publishedAt: NOW });
        const first = await publish('app-1', 'alice', 't1');
        await publish('app-1', 'bob', 't2');
        await publish('app-2', 'alice', 't3');
        await publish('app-1', 'alice', 't4');
        const triggers = async (query: Parameters<Storage['listMfaEvents']>[0]) => (await storage.listMfaEvents(query)).map((item) => item.triggerId);
        expect(await triggers({ appId: 'app-1', afterSeq: 0, limit: 10 })).toEqual(['t1', 't2', 't4']);
        expect(await triggers({ appId: 'app-1', afterSeq: first.seq, limit: 10 })).toEqual(['t2', 't4']);
        expect(await triggers({ appId: 'app-1', originalIdentity: 'alice', afterSeq: 0, limit: 10 })).toEqual(['t1', 't4']);
        expect(await triggers({ appId: 'app-1', afterSeq: 0, limit: 2 })).toEqual(['t1', 't2']);
        expect(await triggers({ appId: 'app-2', afterSeq: 0, limit: 10 })).toEqual(['t3']);
        const [record] = await storage.listMfaEvents({ appId: 'app-1', afterSeq: 0, limit: 1 });
        expect(record).toEqual(first);
      });

      it('gives concurrent publishers distinct, increasing sequence numbers and loses none', async () => {
        const published = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            storage.publishMfaEvent({
              type: 'security.mfa',
              appId: 'app-1',
              originalIdentity: `user-${index % 3}`,
              triggerId: `t-${index}`,
              publishedAt: NOW + index,
            }),
          ),
        );
        expect(new Set(published.map((item) => item.seq)).size).toBe(20);
        const log = await storage.listMfaEvents({ appId: 'app-1', afterSeq: 0, limit: 100 });
        expect(log.map((item) => item.seq)).toEqual([...published.map((item) => item.seq)].sort((a, b) => a - b));
        for (const user of ['user-0', 'user-1', 'user-2']) {
          const last = log.filter((item) => item.originalIdentity === user).at(-1)!;
          expect((await storage.getUserStatus('app-1', user))!.pendingTriggerId).toBe(last.triggerId);
        }
      });
    });

    describe('decisions', () => {
      it('round-trips and lists newest first, ties by insertion order', async () => {
        const first = decision({ id: 'd1', createdAt: NOW });
        const second = decision({ id: 'd2', createdAt: NOW, hit: false, ruleId: null, eventId: null, mode: 'event' });
        const bob = decision({ id: 'd3', createdAt: NOW - 1, originalIdentity: 'bob', explanation: ['list', 2] });
        const other = decision({ id: 'd4', appId: 'app-2' });
        for (const item of [first, second, bob, other]) await storage.insertDecision(item);
        expect(await storage.listDecisions({ appId: 'app-1', limit: 10 })).toEqual([second, first, bob]);
        expect(await storage.listDecisions({ appId: 'app-1', originalIdentity: 'bob', limit: 10 })).toEqual([bob]);
        expect(await storage.listDecisions({ appId: 'app-1', limit: 1 })).toEqual([second]);
      });
    });

    describe('tails of events and decisions', () => {
      it('start at the heads, then return every app in insertion order after a seq, each with it, up to the limit', async () => {
        expect(await storage.tailHeads()).toEqual({ events: 0, decisions: 0 });
        const events = [event({ requestDate: NOW }), event({ appId: 'app-2', requestDate: NOW - HOUR }), event({ originalIdentity: 'bob' })];
        await insertAll(events);
        const decisions = [decision({ id: 'd1' }), decision({ id: 'd2', appId: 'app-2', hit: false, ruleId: null })];
        for (const item of decisions) await storage.insertDecision(item);

        const eventTail = await storage.tailEvents({ afterSeq: 0, limit: 10 });
        // Insertion order, not request time: the second event is an hour older yet comes second.
        expect(eventTail.map((entry) => entry.event)).toEqual(events);
        const seqs = eventTail.map((entry) => entry.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(3);
        expect(await storage.tailEvents({ afterSeq: seqs[0]!, limit: 1 })).toEqual([{ seq: seqs[1], event: events[1] }]);
        expect(await storage.tailEvents({ afterSeq: seqs[2]!, limit: 10 })).toEqual([]);

        const decisionTail = await storage.tailDecisions({ afterSeq: 0, limit: 10 });
        expect(decisionTail.map((entry) => entry.decision)).toEqual(decisions);
        expect(await storage.tailDecisions({ afterSeq: decisionTail[0]!.seq, limit: 10 })).toEqual([decisionTail[1]]);
        expect(await storage.tailHeads()).toEqual({ events: seqs[2], decisions: decisionTail[1]!.seq });
      });
    });

    describe('workflow versions', () => {
      const save = (workflowId: string, appId: string | null, source: string, createdAt = NOW) =>
        storage.saveWorkflowVersion({ workflowId, appId, source, createdAt });

      it('numbers versions per workflow and scope and keeps only the newest active', async () => {
        expect(await save('login', null, 'g1', 1)).toBe(1);
        expect(await save('login', null, 'g2', 2)).toBe(2);
        expect(await save('login', 'app-1', 'a1', 3)).toBe(1);
        expect(await save('payment', null, 'p1', 4)).toBe(1);
        expect(await save('login', 'app-2', 'b1', 5)).toBe(1);
        expect(await save('login', null, 'g3', 6)).toBe(3);
        expect(await storage.listActiveWorkflows()).toEqual([
          { workflowId: 'login', appId: null, version: 3, source: 'g3', createdAt: 6 },
          { workflowId: 'login', appId: 'app-1', version: 1, source: 'a1', createdAt: 3 },
          { workflowId: 'login', appId: 'app-2', version: 1, source: 'b1', createdAt: 5 },
          { workflowId: 'payment', appId: null, version: 1, source: 'p1', createdAt: 4 },
        ]);
      });

      it('deactivates one scope only, and a later save reactivates with the next version', async () => {
        await save('login', null, 'g1');
        await save('login', 'app-1', 'a1');
        expect(await storage.deactivateWorkflow('login', null)).toBe(true);
        expect(await storage.deactivateWorkflow('login', null)).toBe(false);
        expect(await storage.deactivateWorkflow('unknown', null)).toBe(false);
        expect((await storage.listActiveWorkflows()).map((item) => [item.appId, item.version])).toEqual([['app-1', 1]]);
        expect(await save('login', null, 'g2')).toBe(2);
        expect((await storage.listActiveWorkflows()).map((item) => [item.appId, item.source])).toEqual([
          [null, 'g2'],
          ['app-1', 'a1'],
        ]);
      });

      it('hands out distinct versions to concurrent saves', async () => {
        const versions = await Promise.all(Array.from({ length: 8 }, (_, index) => save('login', 'app-1', `s${index}`)));
        expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        const active = await storage.listActiveWorkflows();
        expect(active).toHaveLength(1);
        expect(active[0]!.version).toBe(8);
        expect(active[0]!.source).toBe(`s${versions.indexOf(8)}`);
      });

      it('refuses an empty app id, which would collide with the global scope', async () => {
        await expect(save('login', '', 'x')).rejects.toThrow();
        expect(await storage.listActiveWorkflows()).toEqual([]);
      });

      it('saves against an expected version only while it is still the highest, changing nothing otherwise', async () => {
        const guarded = (source: string, expectedVersion: number) =>
          storage.saveWorkflowVersion({ workflowId: 'login', appId: 'app-1', source, createdAt: NOW, expectedVersion });
        expect(await guarded('first', 0)).toBe(1);
        expect(await guarded('second', 1)).toBe(2);
        const stale = await guarded('stale', 1).catch((error: unknown) => error);
        expect(stale).toBeInstanceOf(VersionConflict);
        expect(stale).toMatchObject({ expected: 1, current: 2 });
        const racing = await Promise.allSettled([guarded('a', 2), guarded('b', 2)]);
        expect(racing.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        const versions = await storage.listWorkflowVersions('login', 'app-1');
        expect(versions.map((version) => [version.version, version.active])).toEqual([
          [3, true],
          [2, false],
          [1, false],
        ]);
        expect(versions.map((version) => version.source).slice(1)).toEqual(['second', 'first']);
        expect(await storage.listWorkflowVersions('login', null)).toEqual([]);
      });

      it('gives the highest version of each workflow of one scope, deactivated ones too', async () => {
        const save = (workflowId: string, appId: string | null) => storage.saveWorkflowVersion({ workflowId, appId, source: workflowId, createdAt: NOW });
        await save('login', 'app-1');
        await save('login', 'app-1');
        await save('session', 'app-1');
        await save('login', null);
        await save('login', 'app-2');
        await storage.deactivateWorkflow('login', 'app-1');
        expect(await storage.highestWorkflowVersions('app-1')).toEqual(
          new Map([
            ['login', 2],
            ['session', 1],
          ]),
        );
        expect(await storage.highestWorkflowVersions(null)).toEqual(new Map([['login', 1]]));
        expect(await storage.highestWorkflowVersions('app-3')).toEqual(new Map());
      });
    });

    describe('workflow drafts', () => {
      const draft = (overrides: Partial<WorkflowDraftRecord> = {}): WorkflowDraftRecord => ({
        workflowId: 'login',
        appId: 'app-1',
        source: 'id: login',
        baseVersion: 0,
        updatedAt: NOW,
        updatedBy: 'alice',
        ...overrides,
      });

      it('keeps one draft per workflow and scope, replaced by the next save, until deleted', async () => {
        await storage.saveWorkflowDraft(draft());
        await storage.saveWorkflowDraft(draft({ appId: null, source: 'global' }));
        await storage.saveWorkflowDraft(draft({ source: 'edited', baseVersion: 3, updatedAt: NOW + 1, updatedBy: 'bob' }));
        expect(await storage.getWorkflowDraft('login', 'app-1')).toEqual(draft({ source: 'edited', baseVersion: 3, updatedAt: NOW + 1, updatedBy: 'bob' }));
        expect(await storage.getWorkflowDraft('login', null)).toEqual(draft({ appId: null, source: 'global' }));
        expect((await storage.listWorkflowDrafts('app-1')).map((item) => item.source)).toEqual(['edited']);
        expect(await storage.deleteWorkflowDraft('login', 'app-1')).toBe(true);
        expect(await storage.deleteWorkflowDraft('login', 'app-1')).toBe(false);
        expect(await storage.getWorkflowDraft('login', 'app-1')).toBeNull();
        expect(await storage.getWorkflowDraft('login', null)).not.toBeNull();
      });
    });

    describe('signing keys', () => {
      it('lists oldest first and retires a key once', async () => {
        await storage.insertKey(key('k2', NOW + 1));
        await storage.insertKey(key('k1', NOW));
        expect(await storage.listKeys()).toEqual([key('k1', NOW), key('k2', NOW + 1)]);
        await storage.retireKey('k1', NOW + 10);
        await storage.retireKey('k1', NOW + 20);
        await storage.retireKey('unknown', NOW + 20);
        expect(await storage.listKeys()).toEqual([{ ...key('k1', NOW), retiredAt: NOW + 10 }, key('k2', NOW + 1)]);
        await expect(storage.insertKey(key('k1', NOW))).rejects.toThrow();
      });

      it('keeps a clear private key as clear, and replaces it only while it is still the expected value', async () => {
        const clear = { ...key('k1', NOW), privateJwk: { value: '{"d":"clear"}', sealedBy: null } };
        await storage.insertKey(clear);
        await storage.insertKey(key('k2', NOW + 1));
        expect((await storage.listKeys())[0]).toEqual(clear);
        const sealed = { value: 'v1.fk1.sealed', sealedBy: 'fk1' };
        // Two instances re-seal at once: the first write wins, the second finds the value changed.
        await storage.replaceKeySecret('k1', '{"d":"clear"}', sealed);
        await storage.replaceKeySecret('k1', '{"d":"clear"}', { value: 'v1.fk2.late', sealedBy: 'fk2' });
        expect(await storage.listKeys()).toEqual([{ ...clear, privateJwk: sealed }, key('k2', NOW + 1)]);
      });
    });

    describe('settings', () => {
      it('keeps the first value written', async () => {
        expect(await storage.getOrCreateSetting('secret', 'first')).toBe('first');
        expect(await storage.getOrCreateSetting('secret', 'second')).toBe('first');
        expect(await storage.getOrCreateSetting('other', 'x')).toBe('x');
      });

      it('gives every concurrent caller the same winner', async () => {
        const values = await Promise.all(Array.from({ length: 10 }, (_, index) => storage.getOrCreateSetting('race', `v${index}`)));
        expect(new Set(values).size).toBe(1);
        expect(await storage.getOrCreateSetting('race', 'late')).toBe(values[0]);
      });

      it('keeps a secret setting with how it is sealed; a plain setting reads as clear', async () => {
        const sealed = { value: 'v1.fk1.first', sealedBy: 'fk1' };
        expect(await storage.getOrCreateSecretSetting('secret', sealed)).toEqual(sealed);
        expect(await storage.getOrCreateSecretSetting('secret', { value: 'v1.fk1.second', sealedBy: 'fk1' })).toEqual(sealed);
        await storage.getOrCreateSetting('plain', 'clear');
        expect(await storage.getOrCreateSecretSetting('plain', sealed)).toEqual({ value: 'clear', sealedBy: null });
        const winners = await Promise.all(
          Array.from({ length: 5 }, (_, index) => storage.getOrCreateSecretSetting('race', { value: `v${index}`, sealedBy: 'fk1' })),
        );
        expect(new Set(winners.map((winner) => winner.value)).size).toBe(1);
      });

      it('replaces a secret setting only while it is still the expected value', async () => {
        await storage.getOrCreateSetting('secret', 'clear');
        const sealed = { value: 'v1.fk1.sealed', sealedBy: 'fk1' };
        await storage.replaceSecretSetting('secret', 'clear', sealed);
        await storage.replaceSecretSetting('secret', 'clear', { value: 'v1.fk2.late', sealedBy: 'fk2' });
        await storage.replaceSecretSetting('absent', 'clear', sealed);
        expect(await storage.getOrCreateSecretSetting('secret', { value: 'new', sealedBy: null })).toEqual(sealed);
        expect(await storage.getOrCreateSetting('absent', 'none')).toBe('none');
      });
    });

    describe('factor enrolments', () => {
      it("round-trips, lists a user's enrolments oldest first and refuses a duplicate id", async () => {
        const sms = enrolment({ id: 'enr-2', type: 'sms', secret: null, destination: 'v1.k1.phone', createdAt: NOW + 1 });
        const totp = enrolment();
        const bob = enrolment({ id: 'enr-3', originalIdentity: 'bob' });
        for (const item of [sms, totp, bob]) await storage.insertFactorEnrolment(item);
        expect(await storage.getFactorEnrolment('enr-2')).toEqual(sms);
        expect(await storage.getFactorEnrolment('nope')).toBeNull();
        expect(await storage.listFactorEnrolments('app-1', 'alice')).toEqual([totp, sms]);
        expect(await storage.listFactorEnrolments('app-2', 'alice')).toEqual([]);
        await expect(storage.insertFactorEnrolment(totp)).rejects.toThrow();
      });

      it("activates a pending enrolment once and drops the user's other enrolments of that type only", async () => {
        await storage.insertFactorEnrolment(enrolment({ id: 'old', status: 'active', activatedAt: NOW - 1 }));
        await storage.insertFactorEnrolment(enrolment({ id: 'new', createdAt: NOW + 1 }));
        await storage.insertFactorEnrolment(enrolment({ id: 'sms', type: 'sms' }));
        await storage.insertFactorEnrolment(enrolment({ id: 'bob', originalIdentity: 'bob' }));
        expect(await storage.activateFactorEnrolment({ id: 'new', activatedAt: NOW + 2, lastUsedStep: 77 })).toBe(true);
        expect(await storage.activateFactorEnrolment({ id: 'new', activatedAt: NOW + 3, lastUsedStep: 78 })).toBe(false);
        expect(await storage.activateFactorEnrolment({ id: 'nope', activatedAt: NOW + 3, lastUsedStep: null })).toBe(false);
        expect((await storage.listFactorEnrolments('app-1', 'alice')).map((item) => item.id).sort()).toEqual(['new', 'sms']);
        expect(await storage.getFactorEnrolment('new')).toEqual(
          enrolment({ id: 'new', createdAt: NOW + 1, status: 'active', activatedAt: NOW + 2, lastUsedStep: 77 }),
        );
        expect(await storage.getFactorEnrolment('bob')).not.toBeNull();
      });

      it('keeps face enrolments (sealed templates) like the others: one active per user, beside TOTP', async () => {
        await storage.insertFactorEnrolment(enrolment({ id: 'totp', status: 'active', activatedAt: NOW }));
        await storage.insertFactorEnrolment(enrolment({ id: 'face-1', type: 'face', status: 'active', activatedAt: NOW, secret: 'v1.k1.old' }));
        const face = enrolment({ id: 'face-2', type: 'face', secret: 'v1.k1.new', createdAt: NOW + 1 });
        await storage.insertFactorEnrolment(face);
        expect(await storage.activateFactorEnrolment({ id: 'face-2', activatedAt: NOW + 2, lastUsedStep: null })).toBe(true);
        expect(await storage.listFactorEnrolments('app-1', 'alice')).toEqual([
          enrolment({ id: 'totp', status: 'active', activatedAt: NOW }),
          { ...face, status: 'active', activatedAt: NOW + 2 },
        ]);
      });

      it('lets one of concurrent activations win', async () => {
        await storage.insertFactorEnrolment(enrolment());
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, n) => storage.activateFactorEnrolment({ id: 'enr-1', activatedAt: NOW + n, lastUsedStep: n })),
        );
        expect(winners(results)).toBe(1);
      });

      it('advances the used step of an active enrolment only upwards, one winner per step', async () => {
        await storage.insertFactorEnrolment(enrolment({ id: 'pending' }));
        expect(await storage.advanceFactorStep('pending', 5)).toBe(false);
        await storage.insertFactorEnrolment(enrolment({ status: 'active', activatedAt: NOW }));
        expect(await storage.advanceFactorStep('enr-1', 5)).toBe(true);
        expect(await storage.advanceFactorStep('enr-1', 5)).toBe(false);
        expect(await storage.advanceFactorStep('enr-1', 4)).toBe(false);
        expect((await storage.getFactorEnrolment('enr-1'))!.lastUsedStep).toBe(5);
        expect(winners(await Promise.all(Array.from({ length: 8 }, () => storage.advanceFactorStep('enr-1', 6))))).toBe(1);
        // Steps are BIGINT: a step of a far-future time round-trips exactly.
        expect(await storage.advanceFactorStep('enr-1', 666_666_666_666)).toBe(true);
        expect((await storage.getFactorEnrolment('enr-1'))!.lastUsedStep).toBe(666_666_666_666);
      });

      it('deletes an enrolment', async () => {
        await storage.insertFactorEnrolment(enrolment());
        expect(await storage.deleteFactorEnrolment('enr-1')).toBe(true);
        expect(await storage.deleteFactorEnrolment('enr-1')).toBe(false);
        expect(await storage.getFactorEnrolment('enr-1')).toBeNull();
      });
    });

    describe('OTP challenges', () => {
      const attempt = (now = NOW, maxAttempts = 5) => storage.countOtpAttempt({ id: 'otp-1', now, maxAttempts });

      it('round-trips and counts attempts up to the limit, then refuses', async () => {
        await storage.insertOtpChallenge(challenge());
        expect(await storage.getOtpChallenge('otp-1')).toEqual(challenge());
        expect(await storage.getOtpChallenge('nope')).toBeNull();
        for (let n = 1; n <= 3; n++) expect((await attempt(NOW, 3))!.attempts).toBe(n);
        expect(await attempt(NOW, 3)).toBeNull();
        expect((await storage.getOtpChallenge('otp-1'))!.attempts).toBe(3);
        await expect(storage.insertOtpChallenge(challenge())).rejects.toThrow();
      });

      it('counts no attempt on an expired or consumed challenge', async () => {
        await storage.insertOtpChallenge(challenge());
        expect(await attempt(NOW + 5 * MINUTE)).toBeNull();
        expect(await storage.consumeOtpChallenge('otp-1', NOW)).toBe(true);
        expect(await storage.consumeOtpChallenge('otp-1', NOW + 1)).toBe(false);
        expect(await attempt()).toBeNull();
        expect(await storage.getOtpChallenge('otp-1')).toEqual(challenge({ consumedAt: NOW }));
      });

      it('never lets concurrent guesses pass the attempt limit, and consumes once', async () => {
        await storage.insertOtpChallenge(challenge());
        expect(winners(await Promise.all(Array.from({ length: 12 }, () => attempt())))).toBe(5);
        expect((await storage.getOtpChallenge('otp-1'))!.attempts).toBe(5);
        expect(winners(await Promise.all(Array.from({ length: 6 }, (_, n) => storage.consumeOtpChallenge('otp-1', NOW + n))))).toBe(1);
      });

      it('replaces the code after the cooldown only, keeping the attempts', async () => {
        await storage.insertOtpChallenge(challenge());
        await attempt();
        const resend = (sentAt: number, cooldown = 30_000) =>
          storage.replaceOtpCode({
            id: 'otp-1',
            codeHash: `hash-${sentAt}`,
            expiresAt: sentAt + 5 * MINUTE,
            sentAt,
            sentBefore: sentAt - cooldown,
            maxAttempts: 5,
          });
        expect(await resend(NOW + 29_999)).toBe(false);
        expect(await resend(NOW + 30_000)).toBe(true);
        expect(await storage.getOtpChallenge('otp-1')).toEqual(
          challenge({ codeHash: `hash-${NOW + 30_000}`, expiresAt: NOW + 30_000 + 5 * MINUTE, lastSentAt: NOW + 30_000, sends: 2, attempts: 1 }),
        );
        expect(winners(await Promise.all(Array.from({ length: 5 }, () => resend(NOW + 60_000))))).toBe(1);
      });

      it('refuses to resend a consumed, expired or exhausted challenge', async () => {
        const resend = (id: string, sentAt: number) =>
          storage.replaceOtpCode({ id, codeHash: 'new', expiresAt: sentAt + MINUTE, sentAt, sentBefore: sentAt, maxAttempts: 5 });
        await storage.insertOtpChallenge(challenge({ id: 'consumed', consumedAt: NOW }));
        await storage.insertOtpChallenge(challenge({ id: 'expired', expiresAt: NOW + MINUTE }));
        await storage.insertOtpChallenge(challenge({ id: 'exhausted', attempts: 5 }));
        expect(await resend('consumed', NOW + MINUTE)).toBe(false);
        expect(await resend('expired', NOW + MINUTE)).toBe(false);
        expect(await resend('exhausted', NOW + MINUTE)).toBe(false);
        expect(await resend('unknown', NOW + MINUTE)).toBe(false);
        expect((await storage.getOtpChallenge('expired'))!.codeHash).toBe('hash-1');
      });
    });

    describe('recovery codes', () => {
      const user = { appId: 'app-1', originalIdentity: 'alice' };

      it('replaces the whole set, uses a code once and keeps users apart', async () => {
        await storage.replaceRecoveryCodes({ ...user, codeHashes: ['a', 'b'], createdAt: NOW });
        await storage.replaceRecoveryCodes({ appId: 'app-1', originalIdentity: 'bob', codeHashes: ['a'], createdAt: NOW });
        expect(await storage.useRecoveryCode({ ...user, codeHash: 'a', usedAt: NOW + 1 })).toBe(true);
        expect(await storage.useRecoveryCode({ ...user, codeHash: 'a', usedAt: NOW + 2 })).toBe(false);
        expect(await storage.useRecoveryCode({ ...user, codeHash: 'zz', usedAt: NOW + 2 })).toBe(false);
        expect(await storage.listRecoveryCodes('app-1', 'alice')).toEqual([
          { codeHash: 'a', createdAt: NOW, usedAt: NOW + 1 },
          { codeHash: 'b', createdAt: NOW, usedAt: null },
        ]);
        expect(await storage.listRecoveryCodes('app-1', 'bob')).toEqual([{ codeHash: 'a', createdAt: NOW, usedAt: null }]);
        await storage.replaceRecoveryCodes({ ...user, codeHashes: ['c'], createdAt: NOW + 5 });
        expect(await storage.listRecoveryCodes('app-1', 'alice')).toEqual([{ codeHash: 'c', createdAt: NOW + 5, usedAt: null }]);
        await storage.replaceRecoveryCodes({ ...user, codeHashes: [], createdAt: NOW + 6 });
        expect(await storage.listRecoveryCodes('app-1', 'alice')).toEqual([]);
      });

      it('lets one of concurrent uses of a code win', async () => {
        await storage.replaceRecoveryCodes({ ...user, codeHashes: ['a'], createdAt: NOW });
        expect(winners(await Promise.all(Array.from({ length: 6 }, (_, n) => storage.useRecoveryCode({ ...user, codeHash: 'a', usedAt: NOW + n }))))).toBe(1);
      });
    });

    describe('counters', () => {
      const increment = (now: number, limit = 3, windowMs: number | null = MINUTE) => storage.incrementCounter({ key: 'k', now, limit, windowMs });

      it('counts up to the limit within a window, then starts over once the window ends', async () => {
        expect(await increment(NOW)).toEqual({ key: 'k', count: 1, windowEndsAt: NOW + MINUTE, lockedUntil: null });
        expect((await increment(NOW + 1))!.count).toBe(2);
        expect((await increment(NOW + 2))!.count).toBe(3);
        expect(await increment(NOW + 3)).toBeNull();
        expect(await storage.getCounter('k')).toEqual({ key: 'k', count: 3, windowEndsAt: NOW + MINUTE, lockedUntil: null });
        expect(await increment(NOW + MINUTE)).toEqual({ key: 'k', count: 1, windowEndsAt: NOW + 2 * MINUTE, lockedUntil: null });
        expect(await storage.getCounter('other')).toBeNull();
      });

      it('never ends a window-less count by itself', async () => {
        for (let n = 1; n <= 3; n++) expect((await increment(NOW + n * HOUR, 3, null))!.count).toBe(n);
        expect(await increment(NOW + 1000 * HOUR, 3, null)).toBeNull();
      });

      it('refuses increments while locked, deletes on request', async () => {
        await increment(NOW, 100, null);
        await storage.lockCounter('k', NOW + MINUTE);
        await storage.lockCounter('absent', NOW + MINUTE);
        expect(await storage.getCounter('absent')).toBeNull();
        expect(await increment(NOW + MINUTE - 1, 100, null)).toBeNull();
        expect(await increment(NOW + MINUTE, 100, null)).toEqual({ key: 'k', count: 2, windowEndsAt: null, lockedUntil: NOW + MINUTE });
        await storage.deleteCounter('k');
        expect(await storage.getCounter('k')).toBeNull();
        await expect(increment(NOW, 0)).rejects.toThrow(/limit/);
      });

      it('never lets concurrent increments pass the limit', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => storage.incrementCounter({ key: 'race', now: NOW, limit: 7, windowMs: MINUTE })));
        expect(winners(results)).toBe(7);
        expect((await storage.getCounter('race'))!.count).toBe(7);
      });
    });

    describe('used token ids', () => {
      it('accepts a token id the first time only, also under concurrency', async () => {
        expect(await storage.consumeTokenId('jti-1', NOW + MINUTE)).toBe(true);
        expect(await storage.consumeTokenId('jti-1', NOW + MINUTE)).toBe(false);
        expect(winners(await Promise.all(Array.from({ length: 10 }, () => storage.consumeTokenId('jti-2', NOW + MINUTE))))).toBe(1);
      });

      it('purges only what has expired', async () => {
        await storage.consumeTokenId('gone', NOW);
        await storage.consumeTokenId('kept', NOW + 1);
        await storage.insertOtpChallenge(challenge({ id: 'gone', expiresAt: NOW }));
        await storage.insertOtpChallenge(challenge({ id: 'kept', expiresAt: NOW + 1 }));
        await storage.incrementCounter({ key: 'window-over', now: NOW - MINUTE, limit: 5, windowMs: MINUTE });
        await storage.incrementCounter({ key: 'window-live', now: NOW - MINUTE + 1, limit: 5, windowMs: MINUTE });
        await storage.incrementCounter({ key: 'locked', now: NOW - MINUTE, limit: 5, windowMs: MINUTE });
        await storage.lockCounter('locked', NOW + 1);
        await storage.incrementCounter({ key: 'consecutive', now: NOW - HOUR, limit: 5, windowMs: null });
        await storage.purgeExpired(NOW);
        expect(await storage.consumeTokenId('kept', NOW + 1)).toBe(false);
        expect(await storage.consumeTokenId('gone', NOW)).toBe(true);
        expect(await storage.getOtpChallenge('gone')).toBeNull();
        expect(await storage.getOtpChallenge('kept')).not.toBeNull();
        expect(await storage.getCounter('window-over')).toBeNull();
        for (const key of ['window-live', 'locked', 'consecutive']) expect(await storage.getCounter(key)).not.toBeNull();
      });
    });

    describe('trigger resolution', () => {
      it('resolves a trigger once, also under concurrency', async () => {
        await storage.insertTrigger(trigger());
        expect(winners(await Promise.all(Array.from({ length: 8 }, () => storage.resolveTrigger('trg-1', NOW))))).toBe(1);
        expect((await storage.getTrigger('trg-1'))?.resolvedAt).toBe(NOW);
        expect(await storage.resolveTrigger('trg-1', NOW + 1)).toBe(false);
        expect(await storage.resolveTrigger('no-such-trigger', NOW)).toBe(false);
      });
    });

    describe('users', () => {
      const user = (overrides: Partial<UserRecord> = {}): UserRecord => ({
        appId: 'app-1',
        originalIdentity: 'u-1',
        username: 'alice',
        email: 'alice@example.com',
        phone: '+447700900001',
        passwordHash: 'scrypt$1$8$1$salt$hash',
        roles: ['finance'],
        groups: ['emea'],
        department: 'Treasury',
        attributes: { level: 3, vip: true },
        disabled: false,
        createdAt: NOW,
        updatedAt: NOW,
        ...overrides,
      });

      it('round-trips a user and replaces it on save, keeping its creation time', async () => {
        await storage.saveUser(user());
        expect(await storage.getUser('app-1', 'u-1')).toEqual(user());
        await storage.saveUser(user({ roles: ['hr'], disabled: true, createdAt: NOW + HOUR, updatedAt: NOW + HOUR }));
        expect(await storage.getUser('app-1', 'u-1')).toEqual(user({ roles: ['hr'], disabled: true, updatedAt: NOW + HOUR }));
        expect(await storage.getUser('app-2', 'u-1')).toBeNull();
      });

      it('finds a user by username, email or phone within one app', async () => {
        await storage.saveUser(user());
        await storage.saveUser(user({ originalIdentity: 'u-2', username: 'bob', email: null, phone: null }));
        expect((await storage.findUserByLogin('app-1', { email: 'alice@example.com' }))?.originalIdentity).toBe('u-1');
        expect((await storage.findUserByLogin('app-1', { phone: '+447700900001' }))?.originalIdentity).toBe('u-1');
        expect((await storage.findUserByLogin('app-1', { username: 'bob' }))?.originalIdentity).toBe('u-2');
        expect(await storage.findUserByLogin('app-2', { username: 'bob' })).toBeNull();
        expect(await storage.findUserByLogin('app-1', {})).toBeNull();
      });

      it('refuses a username, email or phone that another user of the app has, naming the field', async () => {
        await storage.saveUser(user());
        for (const field of ['username', 'email', 'phone'] as const) {
          const clash = user({ originalIdentity: `clash-${field}`, username: null, email: null, phone: null, [field]: user()[field] });
          await expect(storage.saveUser(clash)).rejects.toMatchObject({ name: 'UniqueViolation', field });
        }
        // Other apps and users without the value are unaffected.
        await storage.saveUser(user({ appId: 'app-2' }));
        await storage.saveUser(user({ originalIdentity: 'u-3', username: null, email: null, phone: null }));
        await storage.saveUser(user({ originalIdentity: 'u-4', username: null, email: null, phone: null }));
      });

      it('lists users in pages and deletes them', async () => {
        for (const id of ['c', 'a', 'b']) await storage.saveUser(user({ originalIdentity: id, username: id, email: null, phone: null }));
        expect((await storage.listUsers({ appId: 'app-1', limit: 2 })).map((found) => found.originalIdentity)).toEqual(['a', 'b']);
        expect((await storage.listUsers({ appId: 'app-1', limit: 2, after: 'b' })).map((found) => found.originalIdentity)).toEqual(['c']);
        expect(await storage.deleteUser('app-1', 'b')).toBe(true);
        expect(await storage.deleteUser('app-1', 'b')).toBe(false);
        expect(await storage.getUser('app-1', 'b')).toBeNull();
      });
    });

    describe('console sessions', () => {
      const session = (overrides: Partial<ConsoleSessionRecord> = {}): ConsoleSessionRecord => ({
        idHash: 'hash-1',
        adminName: 'root',
        createdAt: NOW,
        idleExpiresAt: NOW + 30 * MINUTE,
        expiresAt: NOW + 12 * HOUR,
        ...overrides,
      });

      it('round-trips a session, moves its idle end and deletes it once', async () => {
        await storage.insertConsoleSession(session());
        expect(await storage.getConsoleSession('hash-1')).toEqual(session());
        expect(await storage.getConsoleSession('hash-2')).toBeNull();
        await storage.touchConsoleSession('hash-1', NOW + HOUR);
        await storage.touchConsoleSession('no-such-session', NOW + HOUR);
        expect(await storage.getConsoleSession('hash-1')).toEqual(session({ idleExpiresAt: NOW + HOUR }));
        expect(await storage.deleteConsoleSession('hash-1')).toBe(true);
        expect(await storage.deleteConsoleSession('hash-1')).toBe(false);
        expect(await storage.getConsoleSession('hash-1')).toBeNull();
      });

      it('refuses a second session with the same hash', async () => {
        await storage.insertConsoleSession(session());
        await expect(storage.insertConsoleSession(session({ adminName: 'other' }))).rejects.toThrow();
        expect((await storage.getConsoleSession('hash-1'))?.adminName).toBe('root');
      });

      it('purges sessions past their idle or absolute end only', async () => {
        await storage.insertConsoleSession(session({ idHash: 'idle', idleExpiresAt: NOW }));
        await storage.insertConsoleSession(session({ idHash: 'absolute', expiresAt: NOW }));
        await storage.insertConsoleSession(session({ idHash: 'live', idleExpiresAt: NOW + 1, expiresAt: NOW + 1 }));
        await storage.purgeExpired(NOW);
        expect(await storage.getConsoleSession('idle')).toBeNull();
        expect(await storage.getConsoleSession('absolute')).toBeNull();
        expect(await storage.getConsoleSession('live')).not.toBeNull();
      });
    });

    describe('console audit log', () => {
      const entry = (action: string, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput => ({
        at: NOW,
        actor: 'root',
        action,
        target: 'app:shop',
        before: null,
        after: { name: 'Shop', origins: ['https://shop.example'], nested: { list: [1, 'two', null] } },
        ...overrides,
      });

      it('appends entries with growing ids and lists them newest first, in pages', async () => {
        const first = await storage.insertAuditEntry(entry('app.create'));
        const second = await storage.insertAuditEntry(entry('app.update', { before: { name: 'Shop' }, after: { name: 'Shop 2' }, at: NOW + 1 }));
        const third = await storage.insertAuditEntry(entry('app.delete', { before: { name: 'Shop 2' }, after: null, at: NOW + 2 }));
        expect(first).toEqual({ id: first.id, ...entry('app.create') });
        expect(second.id).toBeGreaterThan(first.id);
        expect(third.id).toBeGreaterThan(second.id);
        expect(await storage.listAuditEntries({ limit: 10 })).toEqual([third, second, first]);
        expect(await storage.listAuditEntries({ limit: 2 })).toEqual([third, second]);
        expect(await storage.listAuditEntries({ limit: 10, before: second.id })).toEqual([first]);
        expect(await storage.listAuditEntries({ limit: 10, before: first.id })).toEqual([]);
      });

      it('gives entries written at once distinct ids and lists them by id', async () => {
        const written = await Promise.all(Array.from({ length: 8 }, (_, index) => storage.insertAuditEntry(entry(`action-${index}`))));
        expect(new Set(written.map((item) => item.id)).size).toBe(8);
        const listed = await storage.listAuditEntries({ limit: 8 });
        expect(listed.map((item) => item.id)).toEqual([...written.map((item) => item.id)].sort((a, b) => b - a));
      });
    });

    describe('apps', () => {
      const app = (overrides: Partial<StoredAppRecord> = {}): StoredAppRecord => ({
        id: 'shop',
        name: 'Shop',
        origins: ['https://shop.example.com'],
        factors: ['totp', 'webauthn'],
        trustDeviceDays: 30,
        failMode: 'closed',
        secretHash: 'hash-1',
        version: 1,
        createdAt: NOW,
        updatedAt: NOW,
        ...overrides,
      });

      it('round-trips apps, every factor (null) and unset options included, and refuses a taken id', async () => {
        expect(await storage.insertApp(app())).toBe(true);
        const bare = app({ id: 'crm', factors: null, trustDeviceDays: null, failMode: null, origins: [] });
        expect(await storage.insertApp(bare)).toBe(true);
        expect(await storage.insertApp(app({ name: 'Other' }))).toBe(false);
        expect(await storage.getApp('shop')).toEqual(app());
        expect(await storage.listApps()).toEqual([bare, app()]);
        expect(await storage.getApp('none')).toBeNull();
      });

      it('replaces an app only from the version it was read at, keeping its creation time', async () => {
        await storage.insertApp(app());
        const edited = app({ name: 'Shop 2', factors: ['sms'], secretHash: 'hash-2', version: 2, createdAt: NOW + HOUR, updatedAt: NOW + HOUR });
        const racing = await Promise.all([storage.replaceApp(edited, 1), storage.replaceApp({ ...edited, name: 'Shop 3' }, 1)]);
        expect(winners(racing)).toBe(1);
        expect((await storage.getApp('shop'))?.createdAt).toBe(NOW);
        expect((await storage.getApp('shop'))?.version).toBe(2);
        expect(await storage.replaceApp(app({ version: 3 }), 1)).toBe(false);
        expect(await storage.replaceApp(app({ id: 'none', version: 2 }), 1)).toBe(false);
      });

      it('deletes an app once', async () => {
        await storage.insertApp(app());
        expect(await storage.deleteApp('shop')).toBe(true);
        expect(await storage.deleteApp('shop')).toBe(false);
        expect(await storage.listApps()).toEqual([]);
      });
    });

    describe('passkeys', () => {
      const credential = (overrides: Partial<WebAuthnCredentialRecord> = {}): WebAuthnCredentialRecord => ({
        id: 'pk-1',
        appId: 'app-1',
        originalIdentity: 'alice',
        credentialId: 'Y3JlZC0x',
        publicKey: 'cHVibGljLWtleQ',
        counter: 5,
        transports: ['internal', 'hybrid'],
        deviceType: 'singleDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Passkey',
        createdAt: NOW,
        lastUsedAt: null,
        ...overrides,
      });
      const webAuthnChallenge = (overrides: Partial<WebAuthnChallengeRecord> = {}): WebAuthnChallengeRecord => ({
        id: 'wch-1',
        appId: 'app-1',
        originalIdentity: 'alice',
        purpose: 'stepup',
        challenge: 'Y2hhbGxlbmdl',
        expiresAt: NOW + MINUTE,
        consumedAt: null,
        createdAt: NOW,
        ...overrides,
      });

      it("stores a credential id once per app, lists a user's credentials and deletes only its owner's", async () => {
        expect(await storage.insertWebAuthnCredential(credential())).toBe(true);
        expect(await storage.insertWebAuthnCredential(credential({ id: 'pk-dup', originalIdentity: 'bob' }))).toBe(false);
        expect(await storage.insertWebAuthnCredential(credential({ id: 'pk-2', appId: 'app-2' }))).toBe(true);
        expect(
          await storage.insertWebAuthnCredential(
            credential({ id: 'pk-3', credentialId: 'Y3JlZC0z', createdAt: NOW + 1, deviceType: 'multiDevice', backedUp: true }),
          ),
        ).toBe(true);
        expect(await storage.getWebAuthnCredential('app-1', 'Y3JlZC0x')).toEqual(credential());
        expect(await storage.getWebAuthnCredential('app-1', 'nope')).toBeNull();
        expect((await storage.listWebAuthnCredentials('app-1', 'alice')).map((item) => item.id)).toEqual(['pk-1', 'pk-3']);
        expect((await storage.listWebAuthnCredentials('app-1', 'alice'))[1]).toMatchObject({ deviceType: 'multiDevice', backedUp: true });
        expect(await storage.deleteWebAuthnCredential({ appId: 'app-1', originalIdentity: 'bob', id: 'pk-1' })).toBe(false);
        expect(await storage.deleteWebAuthnCredential({ appId: 'app-1', originalIdentity: 'alice', id: 'pk-1' })).toBe(true);
        expect(await storage.listWebAuthnCredentials('app-1', 'alice')).toHaveLength(1);
      });

      it('moves the signature counter forwards only, one winner per value, and keeps 0 for counterless authenticators', async () => {
        await storage.insertWebAuthnCredential(credential());
        expect(await storage.recordWebAuthnUse({ id: 'pk-1', counter: 5, backedUp: false, usedAt: NOW })).toBe(false);
        expect(await storage.recordWebAuthnUse({ id: 'pk-1', counter: 0, backedUp: false, usedAt: NOW })).toBe(false);
        expect(
          winners(await Promise.all(Array.from({ length: 6 }, () => storage.recordWebAuthnUse({ id: 'pk-1', counter: 9, backedUp: true, usedAt: NOW + 1 })))),
        ).toBe(1);
        expect(await storage.getWebAuthnCredential('app-1', 'Y3JlZC0x')).toEqual(credential({ counter: 9, backedUp: true, lastUsedAt: NOW + 1 }));
        await storage.insertWebAuthnCredential(credential({ id: 'pk-0', credentialId: 'emVybw', counter: 0 }));
        expect(await storage.recordWebAuthnUse({ id: 'pk-0', counter: 0, backedUp: false, usedAt: NOW })).toBe(true);
        expect(await storage.recordWebAuthnUse({ id: 'pk-0', counter: 0, backedUp: false, usedAt: NOW + 1 })).toBe(true);
      });

      it('consumes a challenge once, only for its own app, user and purpose, and only before it expires', async () => {
        await storage.insertWebAuthnChallenge(webAuthnChallenge());
        await storage.insertWebAuthnChallenge(webAuthnChallenge({ id: 'wch-login', originalIdentity: null, purpose: 'login' }));
        const bound = { id: 'wch-1', appId: 'app-1', originalIdentity: 'alice', purpose: 'stepup' as const, now: NOW };
        expect(await storage.consumeWebAuthnChallenge({ ...bound, originalIdentity: 'bob' })).toBeNull();
        expect(await storage.consumeWebAuthnChallenge({ ...bound, purpose: 'register' })).toBeNull();
        expect(await storage.consumeWebAuthnChallenge({ ...bound, appId: 'app-2' })).toBeNull();
        expect(await storage.consumeWebAuthnChallenge({ ...bound, now: NOW + MINUTE })).toBeNull();
        const results = await Promise.all(Array.from({ length: 6 }, () => storage.consumeWebAuthnChallenge(bound)));
        expect(results.filter((result) => result !== null)).toEqual([webAuthnChallenge({ consumedAt: NOW })]);
        expect((await storage.getWebAuthnChallenge('wch-1'))?.consumedAt).toBe(NOW);
        expect(await storage.consumeWebAuthnChallenge({ id: 'wch-login', appId: 'app-1', originalIdentity: null, purpose: 'login', now: NOW })).toMatchObject({
          originalIdentity: null,
        });
        await storage.purgeExpired(NOW + MINUTE);
        expect(await storage.getWebAuthnChallenge('wch-1')).toBeNull();
      });
    });

    describe.skipIf(options.reopen === undefined)('durability', () => {
      it('keeps every acknowledged write across a close and reopen', async () => {
        const stored = event({ id: 'durable', custom: { n: 1 } });
        await storage.insertEvent(stored);
        await storage.insertTrigger(trigger());
        const published = await storage.publishMfaEvent({
          type: 'security.mfa',
          appId: 'app-1',
          originalIdentity: 'alice',
          triggerId: 'trg-1',
          publishedAt: NOW,
        });
        await storage.insertDecision(decision());
        await storage.saveWorkflowVersion({ workflowId: 'login', appId: null, source: 'src', createdAt: NOW });
        await storage.insertKey(key('k1', NOW));
        await storage.getOrCreateSetting('secret', 'kept');

        storage = await options.reopen!(storage);

        expect(await storage.listEvents({ appId: 'app-1', limit: 10 })).toEqual([stored]);
        expect(await storage.getTrigger('trg-1')).toEqual(trigger());
        expect(await storage.listMfaEvents({ appId: 'app-1', afterSeq: 0, limit: 10 })).toEqual([published]);
        expect((await storage.getUserStatus('app-1', 'alice'))!.pendingTriggerId).toBe('trg-1');
        expect(await storage.listDecisions({ appId: 'app-1', limit: 10 })).toEqual([decision()]);
        expect((await storage.listActiveWorkflows()).map((item) => item.source)).toEqual(['src']);
        expect(await storage.listKeys()).toEqual([key('k1', NOW)]);
        expect(await storage.getOrCreateSetting('secret', 'new')).toBe('kept');
        const next = await storage.publishMfaEvent({ ...published, type: 'security.mfa.resolved', publishedAt: NOW + 1 });
        expect(next.seq).toBeGreaterThan(published.seq);
      });

      it('keeps factor enrolments, challenges, recovery codes, counters, locks and used token ids', async () => {
        await storage.insertFactorEnrolment(enrolment());
        await storage.activateFactorEnrolment({ id: 'enr-1', activatedAt: NOW, lastUsedStep: 9 });
        await storage.insertOtpChallenge(challenge());
        await storage.countOtpAttempt({ id: 'otp-1', now: NOW, maxAttempts: 5 });
        await storage.replaceRecoveryCodes({ appId: 'app-1', originalIdentity: 'alice', codeHashes: ['a', 'b'], createdAt: NOW });
        await storage.useRecoveryCode({ appId: 'app-1', originalIdentity: 'alice', codeHash: 'a', usedAt: NOW });
        await storage.incrementCounter({ key: 'lockout', now: NOW, limit: 100, windowMs: null });
        await storage.lockCounter('lockout', NOW + HOUR);
        await storage.consumeTokenId('jti-1', NOW + HOUR);

        storage = await options.reopen!(storage);

        expect(await storage.getFactorEnrolment('enr-1')).toEqual(enrolment({ status: 'active', activatedAt: NOW, lastUsedStep: 9 }));
        expect(await storage.getOtpChallenge('otp-1')).toEqual(challenge({ attempts: 1 }));
        expect((await storage.listRecoveryCodes('app-1', 'alice')).map((item) => item.usedAt)).toEqual([NOW, null]);
        expect(await storage.getCounter('lockout')).toEqual({ key: 'lockout', count: 1, windowEndsAt: null, lockedUntil: NOW + HOUR });
        expect(await storage.consumeTokenId('jti-1', NOW + HOUR)).toBe(false);
      });
    });
  });
}

/** Values come back in no promised order; sort them by type then value for comparison. */
function sortValues(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => {
    const byType = typeof a === typeof b ? 0 : typeof a < typeof b ? -1 : 1;
    return byType !== 0 ? byType : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  });
}
