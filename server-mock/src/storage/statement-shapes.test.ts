import fc from 'fast-check';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CustomValue } from '../protocol/index.js';
import type { FieldFilter } from '../policy/statistics.js';
import { AggregateBuilder } from './aggregate-query.js';
import { postgresDialect, sqliteDialect } from './dialect.js';
import type { Database } from './schema.js';
import { StatementShapes } from './statement-shapes.js';
import type { AggregateQuery } from './types.js';

// Compiling needs no connection: the pool is never used, the in-memory SQLite database never queried.
const builders = {
  sqlite: new AggregateBuilder(new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) }), sqliteDialect),
  postgres: new AggregateBuilder(new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) }), postgresDialect),
};

// A small space on purpose, so shapes repeat with other values and the reused statements are what is checked.
const value: fc.Arbitrary<CustomValue> = fc.oneof(
  fc.constantFrom('GB', 'US', 'login', ''),
  fc.constantFrom(0, 1, 2.5, -3, 1_700_000_000_000),
  fc.boolean(),
  fc.constant(null),
);
const filter: fc.Arbitrary<FieldFilter> = fc.oneof(
  fc.record({
    field: fc.constantFrom('country', 'originalIdentity', 'requestDate', 'intranet', 'custom.amount'),
    op: fc.constantFrom('eq', 'ne', 'gt', 'lte'),
    value,
  }),
  fc.record({ field: fc.constantFrom('ip', 'custom.tier'), op: fc.constantFrom('in', 'nin'), value: fc.array(value, { maxLength: 3 }) }),
  fc.record({ field: fc.constantFrom('deviceId', 'custom.tier'), op: fc.constantFrom('exists', 'missing') }),
);
const query: fc.Arbitrary<AggregateQuery> = fc.record(
  {
    op: fc.constantFrom('count', 'distinct', 'values', 'latest', 'sum'),
    field: fc.constantFrom('country', 'custom.amount', 'latitude'),
    groupBy: fc.constantFrom('ip', 'custom.tier'),
    filters: fc.array(filter, { maxLength: 3 }),
    window: fc.oneof(fc.record({ durationMs: fc.constantFrom(60_000, 86_400_000, 1.5) }), fc.record({ last: fc.constantFrom(1, 10, -1) })),
    appId: fc.constantFrom('shop', 'crm', null),
    now: fc.constantFrom(1_800_000_000_000, 1_800_000_000_001, 12.5),
    excludeEventId: fc.constantFrom('e1', 'e2'),
  },
  { requiredKeys: ['op', 'filters', 'window', 'appId', 'now'] },
);

type Outcome = { sql: string; parameters: readonly unknown[] } | { error: string };
const outcome = (compile: () => { sql: string; parameters: readonly unknown[] }): Outcome => {
  try {
    const { sql, parameters } = compile();
    return { sql, parameters };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

/** Another query of the same shape: every string and number changed, each number staying whole or not, signed or not. */
function revalued(input: AggregateQuery): AggregateQuery {
  const other = <T>(item: T): T => {
    if (typeof item === 'string') return `${item}-other` as T;
    if (typeof item === 'number') return (item + (Number.isInteger(item) ? (item < 0 ? -1 : 7) : 0.25)) as T;
    return item;
  };
  const window = 'durationMs' in input.window ? { durationMs: other(input.window.durationMs) } : { last: other(input.window.last) };
  const filters = input.filters.map((filter) => ({
    ...filter,
    ...(filter.value === undefined ? {} : { value: Array.isArray(filter.value) ? filter.value.map(other) : other(filter.value) }),
  }));
  return {
    ...input,
    filters,
    window,
    appId: other(input.appId),
    now: other(input.now),
    ...(input.excludeEventId ? { excludeEventId: other(input.excludeEventId) } : {}),
  };
}

describe.each(Object.entries(builders))('statistic statements compiled once per shape (%s)', (_name, builder) => {
  it('give exactly the SQL and parameters Kysely compiles for every query, or the same refusal', () => {
    let compiled = 0;
    const shapes = new StatementShapes((input) => {
      compiled++;
      return builder.compile(input);
    });
    let reused = 0;
    fc.assert(
      fc.property(query, (input) => {
        expect(outcome(() => shapes.for(input))).toEqual(outcome(() => builder.compile(input)));
        const second = revalued(input);
        const before = compiled;
        expect(outcome(() => shapes.for(second))).toEqual(outcome(() => builder.compile(second)));
        if (compiled === before) reused++;
      }),
      { numRuns: 2000 },
    );
    // Every valid query's shape is kept, so its sibling is answered from it: that reuse is what is checked here.
    expect(reused).toBeGreaterThan(500);
  });
});
