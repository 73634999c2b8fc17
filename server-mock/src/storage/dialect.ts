import { sql } from 'kysely';
import type { ColumnDataType, ColumnDefinitionBuilder, Kysely, RawBuilder, Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * Everything that differs between SQLite and PostgreSQL, and nothing else: the storage code and the
 * statistics builder share one path and ask this object for the few fragments that must differ.
 * `key` arguments are custom-map keys already checked against `CUSTOM_KEY` by the caller; they are
 * still emitted as escaped string literals, never spliced raw.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Storage type of `ueba_events.custom`: PostgreSQL gets jsonb so `->` does not re-parse text per row. */
  readonly customColumnType: ColumnDataType;
  /** Type and modifiers of an auto-incrementing BIGINT primary key. */
  readonly serialType: ColumnDataType;
  serialColumn(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The JSON text of `custom.<key>` (`'null'` for JSON null), SQL NULL when the key is absent. */
  customJson(key: string): RawBuilder<string | null>;
  /** `custom.<key>` when it is a JSON number, else SQL NULL. */
  customNumber(key: string): RawBuilder<number | null>;
  /** `custom.<key>` when it is a JSON string, else SQL NULL. */
  customString(key: string): RawBuilder<string | null>;
  /**
   * Serialises writers of `table` until the transaction ends. SQLite needs nothing: its first write
   * statement takes the database's single write lock, and every transaction here starts with a write.
   */
  lockTable(trx: Transaction<Database>, table: keyof Database): Promise<void>;
  /**
   * Runs `migrate` while no other instance can migrate the same database. `inTransaction` tells the
   * migrator that a transaction is already open and it must not start its own.
   */
  exclusiveMigration<T>(db: Kysely<Database>, migrate: (db: Kysely<Database>, inTransaction: boolean) => Promise<T>): Promise<T>;
  /** Schema the migration bookkeeping tables belong to (PostgreSQL's current search_path head). */
  migrationSchema(db: Kysely<Database>): Promise<string | undefined>;
  /** Prefix that turns a query into its plan, and how to read one plan row as text. */
  readonly explainPrefix: string;
  planLine(row: Record<string, unknown>): string;
}

/** PostgreSQL schema names this package creates and spliced into `search_path`: unquoted-safe identifiers only. */
export const POSTGRES_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const customPath = (key: string) => sql.lit(`$."${key}"`);

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  customColumnType: 'text',
  // INTEGER PRIMARY KEY aliases the rowid, which every SQLite index carries: ordering by
  // (request_date, seq) then comes straight out of the index with no sort step.
  serialType: 'integer',
  serialColumn: (column) => column.primaryKey().autoIncrement(),
  customJson: (key) => sql<string | null>`(custom -> ${customPath(key)})`,
  customNumber: (key) =>
    sql<number | null>`(case when json_type(custom, ${customPath(key)}) in ('integer', 'real') then json_extract(custom, ${customPath(key)}) end)`,
  customString: (key) => sql<string | null>`(case when json_type(custom, ${customPath(key)}) = 'text' then json_extract(custom, ${customPath(key)}) end)`,
  lockTable: async () => {},
  // Kysely's SQLite migrator takes no lock. BEGIN IMMEDIATE takes the write lock before the migration
  // state is read, so a second process waits (busy_timeout) and then finds the migrations applied.
  exclusiveMigration: (db, migrate) =>
    db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await migrate(connection, true);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection);
        throw error;
      }
    }),
  migrationSchema: async () => undefined,
  explainPrefix: 'explain query plan ',
  planLine: (row) => String(row['detail']),
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  customColumnType: 'jsonb',
  serialType: 'bigserial',
  serialColumn: (column) => column.primaryKey(),
  customJson: (key) => sql<string | null>`((custom -> ${sql.lit(key)})::text)`,
  customNumber: (key) =>
    sql<number | null>`(case when jsonb_typeof(custom -> ${sql.lit(key)}) = 'number' then (custom ->> ${sql.lit(key)})::double precision end)`,
  customString: (key) => sql<string | null>`(case when jsonb_typeof(custom -> ${sql.lit(key)}) = 'string' then custom ->> ${sql.lit(key)} end)`,
  // EXCLUSIVE still lets plain SELECTs through; it only queues the other writers of this table.
  lockTable: async (trx, table) => {
    await sql`lock table ${sql.table(table)} in exclusive mode`.execute(trx);
  },
  // Kysely's PostgreSQL migrator already holds an advisory lock while it runs.
  exclusiveMigration: (db, migrate) => migrate(db, false),
  migrationSchema: async (db) => {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    return rows[0]?.schema;
  },
  explainPrefix: 'explain ',
  planLine: (row) => String(row['QUERY PLAN']),
};
