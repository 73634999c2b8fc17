import { Migrator, sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from './dialect.js';
import type { Database } from './schema.js';

/**
 * Ordered schema changes. Names sort in application order; a released migration is never edited,
 * a change is a new entry. They take `Kysely<any>` because each describes the schema as it was then.
 */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_initial': { up: (db) => createInitialSchema(db, dialect) },
    '0002_factors': { up: (db) => createFactorTables(db) },
    '0003_users': { up: (db) => createUserTable(db) },
    '0004_trusted_device': {
      up: (db) =>
        db.schema
          .alterTable('ueba_events')
          .addColumn('trusted_device', 'integer', (column) => column.notNull().defaultTo(0))
          .execute(),
    },
    '0005_webauthn': { up: (db) => createWebAuthnTables(db) },
    '0006_sealed_secrets': { up: (db) => addSealedByColumns(db) },
    '0007_console': { up: (db) => createConsoleTables(db, dialect) },
    '0008_apps': { up: (db) => createAppTable(db) },
    '0009_workflow_drafts': { up: (db) => createWorkflowDraftTable(db) },
  };
}

async function createInitialSchema(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await createEventTable(db, dialect);
  await createMfaTables(db, dialect);
  await createDecisionTable(db, dialect);
  await createConfigurationTables(db);
}

const OPTIONAL_EVENT_TEXT = [
  'ip',
  'country',
  'province',
  'city',
  'ua',
  'device_type',
  'system_type',
  'browser_type',
  'behavior_type',
  'behavior_result',
  'resources_type',
  'action_type',
  'login_type',
  'device_id',
];

async function createEventTable(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  let table = db.schema
    .createTable('ueba_events')
    .addColumn('seq', dialect.serialType, (column) => dialect.serialColumn(column))
    .addColumn('id', 'text', (column) => column.notNull().unique())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('request_date', 'bigint', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull());
  for (const name of OPTIONAL_EVENT_TEXT) table = table.addColumn(name, 'text');
  table = table
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('intranet', 'integer', (column) => column.notNull());
  await table.addColumn('custom', dialect.customColumnType, (column) => column.notNull()).execute();

  // One index per selective equality a statistic filters on (user, IP, device; the app alone last),
  // each ending in request_date so a window or a last-N is a bounded range scan of it. The planners
  // pick the most selective one themselves; `sqlite.test.ts` checks they do.
  const indexes: Record<string, string[]> = {
    ueba_events_user_time: ['app_id', 'original_identity', 'request_date'],
    ueba_events_app_time: ['app_id', 'request_date'],
    ueba_events_ip_time: ['ip', 'request_date'],
    ueba_events_device_time: ['device_id', 'request_date'],
  };
  for (const [name, columns] of Object.entries(indexes)) {
    await db.schema.createIndex(name).on('ueba_events').columns(columns).execute();
  }
}

async function createMfaTables(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('triggers')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('workflow_id', 'text', (column) => column.notNull())
    .addColumn('workflow_version', 'integer', (column) => column.notNull())
    .addColumn('rule_id', 'text', (column) => column.notNull())
    .addColumn('message', 'text', (column) => column.notNull())
    .addColumn('factors', 'text', (column) => column.notNull())
    .addColumn('acr', 'text', (column) => column.notNull())
    .addColumn('custom', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();

  await db.schema
    .createTable('mfa_events')
    .addColumn('seq', dialect.serialType, (column) => dialect.serialColumn(column))
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('trigger_id', 'text', (column) => column.notNull())
    .addColumn('published_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('mfa_events_app_seq').on('mfa_events').columns(['app_id', 'seq']).execute();
  await db.schema.createIndex('mfa_events_user_seq').on('mfa_events').columns(['app_id', 'original_identity', 'seq']).execute();

  await db.schema
    .createTable('user_status')
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('pending_trigger_id', 'text')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('user_status_pk', ['app_id', 'original_identity'])
    .execute();
}

async function createDecisionTable(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('decisions')
    .addColumn('seq', dialect.serialType, (column) => dialect.serialColumn(column))
    .addColumn('id', 'text', (column) => column.notNull().unique())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('workflow_id', 'text', (column) => column.notNull())
    .addColumn('workflow_version', 'integer', (column) => column.notNull())
    .addColumn('mode', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text')
    .addColumn('hit', 'integer', (column) => column.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('explanation', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('decisions_app_time').on('decisions').columns(['app_id', 'created_at']).execute();
  await db.schema.createIndex('decisions_user_time').on('decisions').columns(['app_id', 'original_identity', 'created_at']).execute();
}

async function createConfigurationTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflow_versions')
    .addColumn('workflow_id', 'text', (column) => column.notNull())
    .addColumn('app_scope', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('active', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_id', 'app_scope', 'version'])
    .execute();
  // The database itself guarantees at most one active version per workflow and scope.
  await db.schema
    .createIndex('workflow_versions_one_active')
    .on('workflow_versions')
    .columns(['workflow_id', 'app_scope'])
    .unique()
    .where(sql.ref('active'), '=', 1)
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (column) => column.primaryKey())
    .addColumn('alg', 'text', (column) => column.notNull())
    .addColumn('private_jwk', 'text', (column) => column.notNull())
    .addColumn('public_jwk', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .execute();
}

async function createFactorTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('factor_enrolments')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('secret', 'text')
    .addColumn('destination', 'text')
    .addColumn('last_used_step', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('activated_at', 'bigint')
    .execute();
  await db.schema.createIndex('factor_enrolments_user').on('factor_enrolments').columns(['app_id', 'original_identity', 'type']).execute();

  await db.schema
    .createTable('otp_challenges')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('channel', 'text', (column) => column.notNull())
    .addColumn('destination', 'text', (column) => column.notNull())
    .addColumn('code_hash', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('last_sent_at', 'bigint', (column) => column.notNull())
    .addColumn('sends', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('otp_challenges_expiry').on('otp_challenges').column('expires_at').execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('code_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pk', ['app_id', 'original_identity', 'code_hash'])
    .execute();

  await db.schema
    .createTable('counters')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('count', 'integer', (column) => column.notNull())
    .addColumn('window_ends_at', 'bigint')
    .addColumn('locked_until', 'bigint')
    .execute();

  await db.schema
    .createTable('used_token_ids')
    .addColumn('jti', 'text', (column) => column.primaryKey())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('used_token_ids_expiry').on('used_token_ids').column('expires_at').execute();
}

/** Unique per app; the index names are how a unique violation is traced back to its field. */
export const USER_UNIQUE_FIELDS = ['username', 'email', 'phone'] as const;

async function createUserTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('username', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('roles', 'text', (column) => column.notNull())
    .addColumn('groups', 'text', (column) => column.notNull())
    .addColumn('department', 'text')
    .addColumn('attributes', 'text', (column) => column.notNull())
    .addColumn('disabled', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('users_pk', ['app_id', 'original_identity'])
    .execute();
  // NULLs never collide in a unique index (both dialects), so users without a username or phone coexist.
  for (const field of USER_UNIQUE_FIELDS) {
    await db.schema.createIndex(`users_${field}_unique`).on('users').columns(['app_id', field]).unique().execute();
  }
}

async function createWebAuthnTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('credential_id', 'text', (column) => column.notNull())
    .addColumn('public_key', 'text', (column) => column.notNull())
    .addColumn('counter', 'bigint', (column) => column.notNull())
    .addColumn('transports', 'text', (column) => column.notNull())
    .addColumn('device_type', 'text', (column) => column.notNull())
    .addColumn('backed_up', 'integer', (column) => column.notNull())
    .addColumn('aaguid', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('webauthn_credentials_id_unique').on('webauthn_credentials').columns(['app_id', 'credential_id']).unique().execute();
  await db.schema.createIndex('webauthn_credentials_user').on('webauthn_credentials').columns(['app_id', 'original_identity']).execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('app_id', 'text', (column) => column.notNull())
    .addColumn('original_identity', 'text', (column) => column.notNull())
    .addColumn('purpose', 'text', (column) => column.notNull())
    .addColumn('challenge', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('webauthn_challenges_expiry').on('webauthn_challenges').column('expires_at').execute();
}

/**
 * Signing keys and the state-token secret become sealed with the factor keys. The migration only adds
 * the column saying which key sealed a row; the rows it finds keep null there, meaning "clear", and the
 * first start that has the keys seals them (`KeyStore`, `loadStateTokens`). It cannot seal them itself:
 * migrations run before the keys are known (`openStorage` is given none, and an operator must be able to
 * migrate without them), and the dev config keeps its generated keys in this very database. That start-up
 * path is needed anyway: after a factor-key rotation it re-seals rows under the new key the same way.
 */
async function addSealedByColumns(db: Kysely<any>): Promise<void> {
  for (const table of ['signing_keys', 'settings']) {
    await db.schema.alterTable(table).addColumn('sealed_by', 'text').execute();
  }
}

/** The admin console's sessions (hashed cookie values) and its audit log. */
async function createConsoleTables(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'text', (column) => column.primaryKey())
    .addColumn('admin_name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('idle_expires_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_expiry').on('console_sessions').column('idle_expires_at').execute();
  await db.schema
    .createTable('console_audit')
    .addColumn('seq', dialect.serialType, (column) => dialect.serialColumn(column))
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('actor', 'text', (column) => column.notNull())
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('target', 'text', (column) => column.notNull())
    .addColumn('before', 'text', (column) => column.notNull())
    .addColumn('after', 'text', (column) => column.notNull())
    .execute();
}

/** The console's unpublished workflow edits: one per workflow and scope, shared by every instance. */
async function createWorkflowDraftTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflow_drafts')
    .addColumn('workflow_id', 'text', (column) => column.notNull())
    .addColumn('app_scope', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('base_version', 'integer', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('workflow_drafts_pk', ['workflow_id', 'app_scope'])
    .execute();
}

/**
 * Apps created through the console. A table of its own that no other migration touches, so it applies the
 * same before or after `0007_console`.
 */
async function createAppTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('origins', 'text', (column) => column.notNull())
    .addColumn('factors', 'text')
    .addColumn('trust_device_days', 'integer')
    .addColumn('fail_mode', 'text')
    .addColumn('secret_hash', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
}

/**
 * Applies pending migrations, one instance at a time (see `SqlDialect.exclusiveMigration`), so
 * instances starting together apply each migration once. The bookkeeping tables are pinned to the
 * current schema because Kysely's existence check would otherwise see another schema's copy.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const migrationTableSchema = await dialect.migrationSchema(db);
  return dialect.exclusiveMigration(db, async (migrating, inTransaction) => {
    const migrator = new Migrator({
      db: migrating,
      provider: { getMigrations: async () => migrations(dialect) },
      migrationTableName: 'camfa_migration',
      migrationLockTableName: 'camfa_migration_lock',
      disableTransactions: inTransaction,
      // Branches add migrations side by side (0007_console, 0008_apps) that touch different tables: a database
      // that already has the later one must still take the earlier one.
      allowUnorderedMigrations: true,
      ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
    });
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
    return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  });
}
