import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type DatabaseIntrospector, type DatabaseMetadata, type SchemaMetadata, type TableMetadata } from 'kysely';
import pg from 'pg';
import { POSTGRES_SCHEMA_NAME, postgresDialect, sqliteDialect } from './dialect.js';
import { KyselyStorage } from './kysely-storage.js';
import type { Database } from './schema.js';
import type { Storage } from './types.js';

export { KyselyStorage } from './kysely-storage.js';

/** The subset of a pino logger this module uses. */
export interface StorageLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface OpenStorageOptions {
  /**
   * `postgres://…` / `postgresql://…`: PostgreSQL. `:memory:` / `sqlite::memory:`: a private in-memory
   * SQLite database. `sqlite:<path>`: that SQLite file. Absent or empty: `<dataDir>/camfa.sqlite`.
   */
  url?: string;
  dataDir?: string;
  /** PostgreSQL only: schema to create if needed and to put first in `search_path` (isolates tests and tenants). */
  schema?: string;
  logger?: StorageLogger;
}

/** pg waits for a connection forever by default: an unreachable server would hang the start instead of failing it. */
const CONNECT_TIMEOUT_MS = 5_000;

const MEMORY_URLS = new Set([':memory:', 'sqlite::memory:']);

/** Whether a storage url names PostgreSQL (a store several instances can share) rather than SQLite. */
export const isPostgresUrl = (url: string | undefined): boolean => /^postgres(ql)?:\/\//.test(url ?? '');

/** Opens the configured database and brings its schema up to date before handing it out. */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const url = options.url ?? '';
  const storage = isPostgresUrl(url) ? await openPostgres(url, options) : openSqlite(sqliteLocation(url, options.dataDir), options.logger);
  try {
    await migrateRetryingSchemaRaces(storage);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

/**
 * Kysely's migrator lists the tables of every schema before it migrates; a schema that another tenant (or a
 * parallel test) drops during that listing fails it with `invalid_schema_name` although ours is fine. Such a
 * race is retried; anything else is a real failure.
 */
async function migrateRetryingSchemaRaces(storage: Storage): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await storage.migrate();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '3F000' || attempt >= 3) throw error;
    }
  }
}

function sqliteLocation(url: string, dataDir: string | undefined): string {
  if (MEMORY_URLS.has(url)) return ':memory:';
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  if (url !== '') throw new Error(`unsupported storage url scheme: ${url.split(':')[0]}:`);
  if (dataDir === undefined) throw new Error('openStorage needs a url or a dataDir');
  mkdirSync(dataDir, { recursive: true });
  return join(dataDir, 'camfa.sqlite');
}

function openSqlite(file: string, logger: StorageLogger | undefined): KyselyStorage {
  const database = new SqliteDatabase(file);
  // WAL with synchronous=NORMAL: a commit is in the WAL before the call returns, which survives a
  // killed process (only a power loss can drop the last transactions). busy_timeout lets a second
  // process on the same file wait for the write lock instead of failing.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  logger?.info({ file }, 'storage: sqlite');
  return new KyselyStorage(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), sqliteDialect);
}

/**
 * Kysely prepares every query anew; preparing cost as much as running the statistics queries. The
 * statements it issues come from a small set of query shapes, so cached statements are reused. Safe
 * because Kysely runs one query at a time on its single SQLite connection.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property) {
      if (property !== 'prepare') {
        const value: unknown = Reflect.get(target, property, target);
        // Native methods must run on the real database object, not on the proxy.
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (sql: string) => {
        let statement = cache.get(sql);
        if (!statement) {
          statement = prepare(sql);
          // Query shapes are bounded by the workflows in force; the cap guards against a pathological one.
          if (cache.size >= 1000) cache.clear();
          cache.set(sql, statement);
        }
        return statement;
      };
    },
  });
}

async function openPostgres(url: string, options: OpenStorageOptions): Promise<KyselyStorage> {
  const { schema, logger } = options;
  if (schema !== undefined && !POSTGRES_SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  await prepareDatabase(url, schema);
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client losing its connection emits on the pool; unhandled, that would end the process.
  pool.on('error', (error) => logger?.warn({ err: error }, 'storage: idle postgres connection failed'));
  logger?.info({ schema: schema ?? 'default' }, 'storage: postgres');
  return new KyselyStorage(new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }) }), postgresDialect);
}

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema and resolves each schema by name
 * (`pg_get_serial_sequence`), so a schema that another deployment or test run drops meanwhile fails our
 * start with "schema … does not exist" (seen in CI). The migrator only asks whether its own bookkeeping
 * tables exist in the current schema, so this introspector looks there alone.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`select current_schema() as name`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<Omit<TableMetadata, 'columns'>>`
      select table_name as name, table_schema as schema, table_type = 'VIEW' as "isView"
      from information_schema.tables where table_schema = current_schema()`.execute(this.db);
    return rows.map((row) => ({ ...row, columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

/**
 * Connects once before the pool exists, so an unreachable server is reported as such rather than as a
 * failed migration, and creates the schema when one is asked for.
 */
async function prepareDatabase(url: string, schema: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
  } catch (error) {
    // pg's own wording for its timeout ("timeout expired") does not say what waited.
    const reason = (error as Error).message === 'timeout expired' ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` : (error as Error).message;
    throw new Error(`cannot connect: ${reason}`, { cause: error });
  }
  try {
    if (schema !== undefined) await createSchema(client, schema);
  } finally {
    await client.end();
  }
}

/** Two instances may race to create the schema; `if not exists` alone does not make that safe. */
async function createSchema(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    const { rowCount } = await client.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (rowCount === 0) throw error;
  }
}
