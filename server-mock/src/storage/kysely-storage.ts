import type { ExpressionBuilder, Kysely } from 'kysely';
import type { UebaEvent } from '../types.js';
import { AggregateBuilder } from './aggregate-query.js';
import type { SqlDialect } from './dialect.js';
import { migrateToLatest } from './migrations.js';
import {
  appScope,
  decisionFromRow,
  decisionToRow,
  eventFromRow,
  eventToRow,
  keyFromRow,
  keyToRow,
  mfaEventFromRow,
  triggerFromRow,
  triggerToRow,
  userStatusFromRow,
  workflowFromRow,
} from './rows.js';
import { GLOBAL_SCOPE } from './schema.js';
import type { Database } from './schema.js';
import type {
  AggregateQuery,
  AggregateResult,
  DecisionRecord,
  KeyRecord,
  MfaEventRecord,
  PublishMfaEventInput,
  Storage,
  TriggerRecord,
  UserStatusRecord,
  WorkflowVersionRecord,
} from './types.js';

/**
 * `Storage` over Kysely, one code path for SQLite and PostgreSQL; the differences live in
 * `SqlDialect`. Ties in "newest first" orderings are broken by insertion order, so two events with the
 * same timestamp still come back in a stable order.
 */
export class KyselyStorage implements Storage {
  private readonly statistics: AggregateBuilder;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlDialect: SqlDialect,
  ) {
    this.statistics = new AggregateBuilder(db, sqlDialect);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.sqlDialect.name;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, this.sqlDialect);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  async insertEvent(event: UebaEvent): Promise<void> {
    await this.db.insertInto('ueba_events').values(eventToRow(event)).execute();
  }

  async listEvents(query: { appId: string; originalIdentity?: string; limit: number }): Promise<UebaEvent[]> {
    let select = this.db.selectFrom('ueba_events').selectAll().where('app_id', '=', query.appId);
    if (query.originalIdentity !== undefined) select = select.where('original_identity', '=', query.originalIdentity);
    const rows = await select.orderBy('request_date', 'desc').orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(eventFromRow);
  }

  aggregate(query: AggregateQuery): Promise<AggregateResult> {
    return this.statistics.run(query);
  }

  /** The plan of a statistic's query, so tests and benchmarks can check it stays an index range scan. */
  explainAggregate(query: AggregateQuery): Promise<string[]> {
    return this.statistics.explain(query);
  }

  async insertTrigger(trigger: TriggerRecord): Promise<void> {
    await this.db.insertInto('triggers').values(triggerToRow(trigger)).execute();
  }

  async getTrigger(id: string): Promise<TriggerRecord | null> {
    const row = await this.db.selectFrom('triggers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : triggerFromRow(row);
  }

  /**
   * The log insert comes first so SQLite takes its write lock at once; on PostgreSQL the table lock
   * makes sequence numbers commit in order, so an SSE reader resuming after `seq` never skips an
   * event whose lower number committed late. A resolve clears the pending trigger only when it is
   * the one resolved: a newer step-up published meanwhile stays pending.
   */
  publishMfaEvent(input: PublishMfaEventInput): Promise<MfaEventRecord> {
    return this.db.transaction().execute(async (trx) => {
      await this.sqlDialect.lockTable(trx, 'mfa_events');
      const row = await trx
        .insertInto('mfa_events')
        .values({
          type: input.type,
          app_id: input.appId,
          original_identity: input.originalIdentity,
          trigger_id: input.triggerId,
          published_at: input.publishedAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const resolved = input.type === 'security.mfa.resolved';
      await trx
        .insertInto('user_status')
        .values({
          app_id: input.appId,
          original_identity: input.originalIdentity,
          pending_trigger_id: resolved ? null : input.triggerId,
          updated_at: input.publishedAt,
        })
        .onConflict((conflict) =>
          conflict.columns(['app_id', 'original_identity']).doUpdateSet((eb) => ({
            pending_trigger_id: resolved
              ? eb.case().when('user_status.pending_trigger_id', '=', input.triggerId).then(null).else(eb.ref('user_status.pending_trigger_id')).end()
              : eb.ref('excluded.pending_trigger_id'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      if (resolved) {
        await trx.updateTable('triggers').set({ resolved_at: input.publishedAt }).where('id', '=', input.triggerId).where('resolved_at', 'is', null).execute();
      }
      return mfaEventFromRow(row);
    });
  }

  async getUserStatus(appId: string, originalIdentity: string): Promise<UserStatusRecord | null> {
    const row = await this.db
      .selectFrom('user_status')
      .selectAll()
      .where('app_id', '=', appId)
      .where('original_identity', '=', originalIdentity)
      .executeTakeFirst();
    return row === undefined ? null : userStatusFromRow(row);
  }

  async listMfaEvents(query: { appId: string; originalIdentity?: string; afterSeq: number; limit: number }): Promise<MfaEventRecord[]> {
    let select = this.db.selectFrom('mfa_events').selectAll().where('app_id', '=', query.appId).where('seq', '>', query.afterSeq);
    if (query.originalIdentity !== undefined) select = select.where('original_identity', '=', query.originalIdentity);
    const rows = await select.orderBy('seq', 'asc').limit(query.limit).execute();
    return rows.map(mfaEventFromRow);
  }

  async insertDecision(decision: DecisionRecord): Promise<void> {
    await this.db.insertInto('decisions').values(decisionToRow(decision)).execute();
  }

  async listDecisions(query: { appId: string; originalIdentity?: string; limit: number }): Promise<DecisionRecord[]> {
    let select = this.db.selectFrom('decisions').selectAll().where('app_id', '=', query.appId);
    if (query.originalIdentity !== undefined) select = select.where('original_identity', '=', query.originalIdentity);
    const rows = await select.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(decisionFromRow);
  }

  /**
   * Deactivating first takes SQLite's write lock before the version is read; the PostgreSQL table
   * lock keeps two instances from both reading the same highest version.
   */
  async saveWorkflowVersion(input: { workflowId: string; appId: string | null; source: string; createdAt: number }): Promise<number> {
    if (input.appId === GLOBAL_SCOPE) throw new Error('appId must be null or a non-empty string');
    return this.db.transaction().execute(async (trx) => {
      await this.sqlDialect.lockTable(trx, 'workflow_versions');
      const scope = { workflow_id: input.workflowId, app_scope: appScope(input.appId) };
      await trx.updateTable('workflow_versions').set({ active: 0 }).where(whereScope(scope)).execute();
      const { highest } = await trx
        .selectFrom('workflow_versions')
        .select((eb) => eb.fn.max('version').as('highest'))
        .where(whereScope(scope))
        .executeTakeFirstOrThrow();
      const version = Number(highest ?? 0) + 1;
      await trx
        .insertInto('workflow_versions')
        .values({ ...scope, version, source: input.source, created_at: input.createdAt, active: 1 })
        .execute();
      return version;
    });
  }

  async deactivateWorkflow(workflowId: string, appId: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('workflow_versions')
      .set({ active: 0 })
      .where(whereScope({ workflow_id: workflowId, app_scope: appScope(appId) }))
      .where('active', '=', 1)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Ordered by workflow id, the global version before the per-app ones. */
  async listActiveWorkflows(): Promise<WorkflowVersionRecord[]> {
    const rows = await this.db.selectFrom('workflow_versions').selectAll().where('active', '=', 1).orderBy('workflow_id').orderBy('app_scope').execute();
    return rows.map(workflowFromRow);
  }

  /** Oldest first, retired keys included (verifiers still need them until tokens signed with them expire). */
  async listKeys(): Promise<KeyRecord[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
    return rows.map(keyFromRow);
  }

  async insertKey(key: KeyRecord): Promise<void> {
    await this.db.insertInto('signing_keys').values(keyToRow(key)).execute();
  }

  /** Keeps the first retirement time when a key is retired twice. */
  async retireKey(kid: string, retiredAt: number): Promise<void> {
    await this.db.updateTable('signing_keys').set({ retired_at: retiredAt }).where('kid', '=', kid).where('retired_at', 'is', null).execute();
  }

  async getOrCreateSetting(name: string, value: string): Promise<string> {
    await this.db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}

function whereScope(scope: { workflow_id: string; app_scope: string }) {
  return (eb: ExpressionBuilder<Database, 'workflow_versions'>) => eb.and([eb('workflow_id', '=', scope.workflow_id), eb('app_scope', '=', scope.app_scope)]);
}
