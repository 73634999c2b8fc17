import type { CompiledQuery, Insertable, Kysely } from 'kysely';
import type { Database } from './schema.js';

type HotTable = 'ueba_events' | 'decisions';

/**
 * The INSERTs of every capture (its event and its decision), compiled once per table and column list: rows of
 * these tables always carry the same columns, and Kysely takes about 25 µs to build one, longer than SQLite
 * takes to store it. A compiled statement is reused only when Kysely bound exactly the row's values in column
 * order, which is what reuse assumes.
 */
export class RowInserts {
  private readonly compiled = new Map<string, CompiledQuery>();

  constructor(private readonly db: Kysely<Database>) {}

  for<T extends HotTable>(table: T, row: Insertable<Database[T]>): CompiledQuery {
    const values = row as Record<string, unknown>;
    const columns = Object.keys(values);
    const key = `${table}(${columns.join(',')})`;
    const known = this.compiled.get(key);
    if (known) return { ...known, parameters: columns.map((column) => values[column]) };
    const compiled = this.db
      .insertInto(table)
      .values(row as never)
      .compile();
    const inColumnOrder =
      compiled.parameters.length === columns.length && compiled.parameters.every((parameter, index) => Object.is(parameter, values[columns[index]!]));
    if (inColumnOrder) this.compiled.set(key, compiled);
    return compiled;
  }
}
