import type { ExpressionBuilder, Kysely } from 'kysely';
import type { AggregateResult } from '../policy/statistics.js';
import type { UebaEvent } from '../protocol/index.js';
import { AggregateBuilder } from './aggregate-query.js';
import { GroupCommit } from './group-commit.js';
import { RowInserts } from './row-inserts.js';
import type { SqlDialect } from './dialect.js';
import { migrateToLatest, USER_UNIQUE_FIELDS } from './migrations.js';
import {
  appScope,
  auditEntryFromRow,
  appFromRow,
  appToRow,
  challengeFromRow,
  challengeToRow,
  consoleSessionFromRow,
  consoleSessionToRow,
  counterFromRow,
  decisionFromRow,
  decisionToRow,
  eventFromRow,
  enrolmentFromRow,
  enrolmentToRow,
  eventToRow,
  keyFromRow,
  keyToRow,
  mfaEventFromRow,
  recoveryCodeFromRow,
  triggerFromRow,
  triggerToRow,
  userFromRow,
  userStatusFromRow,
  userToRow,
  webAuthnChallengeFromRow,
  webAuthnChallengeToRow,
  webAuthnCredentialFromRow,
  webAuthnCredentialToRow,
  draftFromRow,
  workflowFromRow,
} from './rows.js';
import { GLOBAL_SCOPE } from './schema.js';
import type { Database } from './schema.js';
import type {
  AggregateQuery,
  AuditEntryInput,
  AuditEntryRecord,
  ConsoleSessionRecord,
  CounterRecord,
  DecisionRecord,
  FactorEnrolmentRecord,
  KeyRecord,
  MfaEventRecord,
  OtpChallengeRecord,
  PublishMfaEventInput,
  RecoveryCodeRecord,
  Storage,
  StoredAppRecord,
  StoredSecret,
  TriggerRecord,
  UserRecord,
  UserStatusRecord,
  WebAuthnChallengeRecord,
  WebAuthnCredentialRecord,
  WebAuthnPurpose,
  WorkflowDraftRecord,
  WorkflowVersionRecord,
} from './types.js';
import { UniqueViolation, VersionConflict } from './types.js';

/**
 * `Storage` over Kysely, one code path for SQLite and PostgreSQL; the differences live in
 * `SqlDialect`. Ties in "newest first" orderings are broken by insertion order, so two events with the
 * same timestamp still come back in a stable order.
 */
export class KyselyStorage implements Storage {
  /** Hot inserts share transactions (see GroupCommit). */
  private readonly writes: GroupCommit;
  private readonly statistics: AggregateBuilder;
  private readonly inserts: RowInserts;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlDialect: SqlDialect,
  ) {
    this.statistics = new AggregateBuilder(db, sqlDialect);
    this.writes = new GroupCommit(db);
    this.inserts = new RowInserts(db);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.sqlDialect.name;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db, this.sqlDialect);
  }

  async close(): Promise<void> {
    await this.writes.drain();
    await this.db.destroy();
  }

  insertEvent(event: UebaEvent): Promise<void> {
    const row = eventToRow(event);
    return this.writes.run((trx) => trx.executeQuery(this.inserts.for('ueba_events', row)));
  }

  async listEvents(query: { appId: string; originalIdentity?: string; limit: number }): Promise<UebaEvent[]> {
    let select = this.db.selectFrom('ueba_events').selectAll().where('app_id', '=', query.appId);
    if (query.originalIdentity !== undefined) select = select.where('original_identity', '=', query.originalIdentity);
    const rows = await select.orderBy('request_date', 'desc').orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(eventFromRow);
  }

  async getEvent(appId: string, id: string): Promise<UebaEvent | null> {
    const row = await this.db.selectFrom('ueba_events').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
    return row ? eventFromRow(row) : null;
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

  async resolveTrigger(id: string, resolvedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('triggers')
      .set({ resolved_at: resolvedAt })
      .where('id', '=', id)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
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

  insertDecision(decision: DecisionRecord): Promise<void> {
    const row = decisionToRow(decision);
    return this.writes.run((trx) => trx.executeQuery(this.inserts.for('decisions', row)));
  }

  async listDecisions(query: { appId: string; originalIdentity?: string; limit: number }): Promise<DecisionRecord[]> {
    let select = this.db.selectFrom('decisions').selectAll().where('app_id', '=', query.appId);
    if (query.originalIdentity !== undefined) select = select.where('original_identity', '=', query.originalIdentity);
    const rows = await select.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(decisionFromRow);
  }

  async tailEvents(query: { afterSeq: number; limit: number }): Promise<{ seq: number; event: UebaEvent }[]> {
    const rows = await this.db.selectFrom('ueba_events').selectAll().where('seq', '>', query.afterSeq).orderBy('seq', 'asc').limit(query.limit).execute();
    return rows.map((row) => ({ seq: Number(row.seq), event: eventFromRow(row) }));
  }

  async tailDecisions(query: { afterSeq: number; limit: number }): Promise<{ seq: number; decision: DecisionRecord }[]> {
    const rows = await this.db.selectFrom('decisions').selectAll().where('seq', '>', query.afterSeq).orderBy('seq', 'asc').limit(query.limit).execute();
    return rows.map((row) => ({ seq: Number(row.seq), decision: decisionFromRow(row) }));
  }

  async tailHeads(): Promise<{ events: number; decisions: number }> {
    const [events, decisions] = await Promise.all(
      (['ueba_events', 'decisions'] as const).map((table) =>
        this.db
          .selectFrom(table)
          .select((eb) => eb.fn.max('seq').as('head'))
          .executeTakeFirstOrThrow(),
      ),
    );
    return { events: Number(events!.head ?? 0), decisions: Number(decisions!.head ?? 0) };
  }

  /**
   * Deactivating first takes SQLite's write lock before the version is read; the PostgreSQL table
   * lock keeps two instances from both reading the same highest version.
   */
  async saveWorkflowVersion(input: { workflowId: string; appId: string | null; source: string; createdAt: number; expectedVersion?: number }): Promise<number> {
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
      const current = Number(highest ?? 0);
      // Thrown inside the transaction, so the deactivation above rolls back with it.
      if (input.expectedVersion !== undefined && input.expectedVersion !== current) throw new VersionConflict(input.expectedVersion, current);
      const version = current + 1;
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

  async listWorkflowVersions(workflowId: string, appId: string | null): Promise<(WorkflowVersionRecord & { active: boolean })[]> {
    const rows = await this.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where(whereScope({ workflow_id: workflowId, app_scope: appScope(appId) }))
      .orderBy('version', 'desc')
      .execute();
    return rows.map((row) => ({ ...workflowFromRow(row), active: Number(row.active) === 1 }));
  }

  async highestWorkflowVersions(appId: string | null): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('workflow_versions')
      .select(['workflow_id', (eb) => eb.fn.max('version').as('version')])
      .where('app_scope', '=', appScope(appId))
      .groupBy('workflow_id')
      .execute();
    return new Map(rows.map((row) => [row.workflow_id, Number(row.version)]));
  }

  async saveWorkflowDraft(draft: WorkflowDraftRecord): Promise<void> {
    const row = {
      workflow_id: draft.workflowId,
      app_scope: appScope(draft.appId),
      source: draft.source,
      base_version: draft.baseVersion,
      updated_at: draft.updatedAt,
      updated_by: draft.updatedBy,
    };
    await this.db
      .insertInto('workflow_drafts')
      .values(row)
      .onConflict((conflict) =>
        conflict
          .columns(['workflow_id', 'app_scope'])
          .doUpdateSet({ source: row.source, base_version: row.base_version, updated_at: row.updated_at, updated_by: row.updated_by }),
      )
      .execute();
  }

  async getWorkflowDraft(workflowId: string, appId: string | null): Promise<WorkflowDraftRecord | null> {
    const row = await this.db
      .selectFrom('workflow_drafts')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .where('app_scope', '=', appScope(appId))
      .executeTakeFirst();
    return row ? draftFromRow(row) : null;
  }

  async listWorkflowDrafts(appId: string | null): Promise<WorkflowDraftRecord[]> {
    const rows = await this.db.selectFrom('workflow_drafts').selectAll().where('app_scope', '=', appScope(appId)).orderBy('workflow_id').execute();
    return rows.map(draftFromRow);
  }

  async deleteWorkflowDraft(workflowId: string, appId: string | null): Promise<boolean> {
    const result = await this.db
      .deleteFrom('workflow_drafts')
      .where('workflow_id', '=', workflowId)
      .where('app_scope', '=', appScope(appId))
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
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

  async replaceKeySecret(kid: string, expected: string, next: StoredSecret): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ private_jwk: next.value, sealed_by: next.sealedBy })
      .where('kid', '=', kid)
      .where('private_jwk', '=', expected)
      .execute();
  }

  async getOrCreateSetting(name: string, value: string): Promise<string> {
    return (await this.getOrCreateSecretSetting(name, { value, sealedBy: null })).value;
  }

  async getOrCreateSecretSetting(name: string, secret: StoredSecret): Promise<StoredSecret> {
    await this.db
      .insertInto('settings')
      .values({ name, value: secret.value, sealed_by: secret.sealedBy })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('settings').select(['value', 'sealed_by']).where('name', '=', name).executeTakeFirstOrThrow();
    return { value: row.value, sealedBy: row.sealed_by };
  }

  async replaceSecretSetting(name: string, expected: string, next: StoredSecret): Promise<void> {
    await this.db.updateTable('settings').set({ value: next.value, sealed_by: next.sealedBy }).where('name', '=', name).where('value', '=', expected).execute();
  }

  async insertFactorEnrolment(enrolment: FactorEnrolmentRecord): Promise<void> {
    await this.db.insertInto('factor_enrolments').values(enrolmentToRow(enrolment)).execute();
  }

  async getFactorEnrolment(id: string): Promise<FactorEnrolmentRecord | null> {
    const row = await this.db.selectFrom('factor_enrolments').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : enrolmentFromRow(row);
  }

  async listFactorEnrolments(appId: string, originalIdentity: string): Promise<FactorEnrolmentRecord[]> {
    const rows = await this.db
      .selectFrom('factor_enrolments')
      .selectAll()
      .where('app_id', '=', appId)
      .where('original_identity', '=', originalIdentity)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(enrolmentFromRow);
  }

  /** The conditional update decides which of two concurrent activations of one enrolment wins. */
  activateFactorEnrolment(input: { id: string; activatedAt: number; lastUsedStep: number | null }): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const activated = await trx
        .updateTable('factor_enrolments')
        .set({ status: 'active', activated_at: input.activatedAt, last_used_step: input.lastUsedStep })
        .where('id', '=', input.id)
        .where('status', '=', 'pending')
        .returning(['app_id', 'original_identity', 'type'])
        .executeTakeFirst();
      if (activated === undefined) return false;
      await trx
        .deleteFrom('factor_enrolments')
        .where('app_id', '=', activated.app_id)
        .where('original_identity', '=', activated.original_identity)
        .where('type', '=', activated.type)
        .where('id', '<>', input.id)
        .execute();
      return true;
    });
  }

  async advanceFactorStep(id: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('factor_enrolments')
      .set({ last_used_step: step })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteFactorEnrolment(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('factor_enrolments').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async insertOtpChallenge(challenge: OtpChallengeRecord): Promise<void> {
    await this.db.insertInto('otp_challenges').values(challengeToRow(challenge)).execute();
  }

  async getOtpChallenge(id: string): Promise<OtpChallengeRecord | null> {
    const row = await this.db.selectFrom('otp_challenges').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : challengeFromRow(row);
  }

  async countOtpAttempt(input: { id: string; now: number; maxAttempts: number }): Promise<OtpChallengeRecord | null> {
    const row = await this.db
      .updateTable('otp_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', input.id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', input.now)
      .where('attempts', '<', input.maxAttempts)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? null : challengeFromRow(row);
  }

  async consumeOtpChallenge(id: string, consumedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('otp_challenges')
      .set({ consumed_at: consumedAt })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceOtpCode(input: { id: string; codeHash: string; expiresAt: number; sentAt: number; sentBefore: number; maxAttempts: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('otp_challenges')
      .set((eb) => ({ code_hash: input.codeHash, expires_at: input.expiresAt, last_sent_at: input.sentAt, sends: eb('sends', '+', 1) }))
      .where('id', '=', input.id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', input.sentAt)
      .where('attempts', '<', input.maxAttempts)
      .where('last_sent_at', '<=', input.sentBefore)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceRecoveryCodes(input: { appId: string; originalIdentity: string; codeHashes: string[]; createdAt: number }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('app_id', '=', input.appId).where('original_identity', '=', input.originalIdentity).execute();
      if (input.codeHashes.length === 0) return;
      await trx
        .insertInto('recovery_codes')
        .values(
          input.codeHashes.map((codeHash) => ({
            app_id: input.appId,
            original_identity: input.originalIdentity,
            code_hash: codeHash,
            created_at: input.createdAt,
            used_at: null,
          })),
        )
        .execute();
    });
  }

  async listRecoveryCodes(appId: string, originalIdentity: string): Promise<RecoveryCodeRecord[]> {
    const rows = await this.db
      .selectFrom('recovery_codes')
      .selectAll()
      .where('app_id', '=', appId)
      .where('original_identity', '=', originalIdentity)
      .orderBy('created_at')
      .orderBy('code_hash')
      .execute();
    return rows.map(recoveryCodeFromRow);
  }

  async useRecoveryCode(input: { appId: string; originalIdentity: string; codeHash: string; usedAt: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: input.usedAt })
      .where('app_id', '=', input.appId)
      .where('original_identity', '=', input.originalIdentity)
      .where('code_hash', '=', input.codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * One upsert whose update is conditional: PostgreSQL holds the conflicting row's lock while it checks
   * the condition and SQLite has a single writer, so concurrent increments never pass the limit.
   */
  async incrementCounter(input: { key: string; now: number; limit: number; windowMs: number | null }): Promise<CounterRecord | null> {
    if (!(input.limit >= 1)) throw new Error('counter limit must be at least 1');
    const row = await this.db
      .insertInto('counters')
      .values({ key: input.key, count: 1, window_ends_at: input.windowMs === null ? null : input.now + input.windowMs, locked_until: null })
      .onConflict((conflict) =>
        conflict
          .column('key')
          .doUpdateSet((eb) => ({
            count: eb
              .case()
              .when(windowEnded(eb, input.now))
              .then(eb.lit(1))
              .else(eb('counters.count', '+', 1))
              .end(),
            window_ends_at: eb.case().when(windowEnded(eb, input.now)).then(eb.ref('excluded.window_ends_at')).else(eb.ref('counters.window_ends_at')).end(),
          }))
          .where((eb) =>
            eb.and([
              eb.or([windowEnded(eb, input.now), eb('counters.count', '<', input.limit)]),
              eb.or([eb('counters.locked_until', 'is', null), eb('counters.locked_until', '<=', input.now)]),
            ]),
          ),
      )
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? null : counterFromRow(row);
  }

  async getCounter(key: string): Promise<CounterRecord | null> {
    const row = await this.db.selectFrom('counters').selectAll().where('key', '=', key).executeTakeFirst();
    return row === undefined ? null : counterFromRow(row);
  }

  async lockCounter(key: string, lockedUntil: number): Promise<void> {
    await this.db.updateTable('counters').set({ locked_until: lockedUntil }).where('key', '=', key).execute();
  }

  async deleteCounter(key: string): Promise<void> {
    await this.db.deleteFrom('counters').where('key', '=', key).execute();
  }

  async consumeTokenId(jti: string, expiresAt: number): Promise<boolean> {
    const inserted = await this.db
      .insertInto('used_token_ids')
      .values({ jti, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .returning('jti')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('used_token_ids').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('otp_challenges').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
    await this.db
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('expires_at', '<=', now)]))
      .execute();
    await this.db
      .deleteFrom('counters')
      .where('window_ends_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .execute();
  }

  async saveUser(user: UserRecord): Promise<void> {
    const row = userToRow(user);
    const { app_id: _app, original_identity: _id, created_at: _created, ...changes } = row;
    try {
      await this.db
        .insertInto('users')
        .values(row)
        .onConflict((conflict) => conflict.columns(['app_id', 'original_identity']).doUpdateSet(changes))
        .execute();
    } catch (error) {
      throw uniqueViolation(error) ?? error;
    }
  }

  async getUser(appId: string, originalIdentity: string): Promise<UserRecord | null> {
    const row = await this.db.selectFrom('users').selectAll().where('app_id', '=', appId).where('original_identity', '=', originalIdentity).executeTakeFirst();
    return row === undefined ? null : userFromRow(row);
  }

  async findUserByLogin(appId: string, login: { username?: string; email?: string; phone?: string }): Promise<UserRecord | null> {
    const conditions = USER_UNIQUE_FIELDS.filter((field) => login[field] !== undefined);
    if (conditions.length === 0) return null;
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('app_id', '=', appId)
      .where((eb) => eb.or(conditions.map((field) => eb(field, '=', login[field]!))))
      .executeTakeFirst();
    return row === undefined ? null : userFromRow(row);
  }

  async deleteUser(appId: string, originalIdentity: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('app_id', '=', appId).where('original_identity', '=', originalIdentity).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async listUsers(query: { appId: string; limit: number; after?: string }): Promise<UserRecord[]> {
    let select = this.db.selectFrom('users').selectAll().where('app_id', '=', query.appId);
    if (query.after !== undefined) select = select.where('original_identity', '>', query.after);
    const rows = await select.orderBy('original_identity').limit(query.limit).execute();
    return rows.map(userFromRow);
  }

  async insertWebAuthnCredential(credential: WebAuthnCredentialRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('webauthn_credentials')
      .values(webAuthnCredentialToRow(credential))
      .onConflict((conflict) => conflict.columns(['app_id', 'credential_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async getWebAuthnCredential(appId: string, credentialId: string): Promise<WebAuthnCredentialRecord | null> {
    const row = await this.db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('app_id', '=', appId)
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    return row === undefined ? null : webAuthnCredentialFromRow(row);
  }

  async listWebAuthnCredentials(appId: string, originalIdentity: string): Promise<WebAuthnCredentialRecord[]> {
    const rows = await this.db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('app_id', '=', appId)
      .where('original_identity', '=', originalIdentity)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(webAuthnCredentialFromRow);
  }

  async recordWebAuthnUse(input: { id: string; counter: number; backedUp: boolean; usedAt: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('webauthn_credentials')
      .set({ counter: input.counter, backed_up: input.backedUp ? 1 : 0, last_used_at: input.usedAt })
      .where('id', '=', input.id)
      .where((eb) => (input.counter === 0 ? eb('counter', '=', 0) : eb('counter', '<', input.counter)))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteWebAuthnCredential(input: { appId: string; originalIdentity: string; id: string }): Promise<boolean> {
    const result = await this.db
      .deleteFrom('webauthn_credentials')
      .where('id', '=', input.id)
      .where('app_id', '=', input.appId)
      .where('original_identity', '=', input.originalIdentity)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async insertWebAuthnChallenge(challenge: WebAuthnChallengeRecord): Promise<void> {
    await this.db.insertInto('webauthn_challenges').values(webAuthnChallengeToRow(challenge)).execute();
  }

  async getWebAuthnChallenge(id: string): Promise<WebAuthnChallengeRecord | null> {
    const row = await this.db.selectFrom('webauthn_challenges').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : webAuthnChallengeFromRow(row);
  }

  async consumeWebAuthnChallenge(input: {
    id: string;
    appId: string;
    originalIdentity: string | null;
    purpose: WebAuthnPurpose;
    now: number;
  }): Promise<WebAuthnChallengeRecord | null> {
    const row = await this.db
      .updateTable('webauthn_challenges')
      .set({ consumed_at: input.now })
      .where('id', '=', input.id)
      .where('app_id', '=', input.appId)
      .where('original_identity', '=', input.originalIdentity ?? '')
      .where('purpose', '=', input.purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', input.now)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? null : webAuthnChallengeFromRow(row);
  }

  async insertConsoleSession(session: ConsoleSessionRecord): Promise<void> {
    await this.db.insertInto('console_sessions').values(consoleSessionToRow(session)).execute();
  }

  async getConsoleSession(idHash: string): Promise<ConsoleSessionRecord | null> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row === undefined ? null : consoleSessionFromRow(row);
  }

  async touchConsoleSession(idHash: string, idleExpiresAt: number): Promise<void> {
    await this.db.updateTable('console_sessions').set({ idle_expires_at: idleExpiresAt }).where('id_hash', '=', idHash).execute();
  }

  async deleteConsoleSession(idHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async insertAuditEntry(entry: AuditEntryInput): Promise<AuditEntryRecord> {
    const row = await this.db
      .insertInto('console_audit')
      .values({ ...entry, before: JSON.stringify(entry.before ?? null), after: JSON.stringify(entry.after ?? null) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return auditEntryFromRow(row);
  }

  async listAuditEntries(query: { limit: number; before?: number }): Promise<AuditEntryRecord[]> {
    let select = this.db.selectFrom('console_audit').selectAll();
    if (query.before !== undefined) select = select.where('seq', '<', query.before);
    const rows = await select.orderBy('seq', 'desc').limit(query.limit).execute();
    return rows.map(auditEntryFromRow);
  }
  async insertApp(app: StoredAppRecord): Promise<boolean> {
    const row = await this.db
      .insertInto('apps')
      .values(appToRow(app))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async getApp(id: string): Promise<StoredAppRecord | null> {
    const row = await this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : appFromRow(row);
  }

  async listApps(): Promise<StoredAppRecord[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('id').execute();
    return rows.map(appFromRow);
  }

  async replaceApp(app: StoredAppRecord, expectedVersion: number): Promise<boolean> {
    const { id: _id, created_at: _created, ...changes } = appToRow(app);
    const result = await this.db.updateTable('apps').set(changes).where('id', '=', app.id).where('version', '=', expectedVersion).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteApp(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function whereScope(scope: { workflow_id: string; app_scope: string }) {
  return (eb: ExpressionBuilder<Database, 'workflow_versions'>) => eb.and([eb('workflow_id', '=', scope.workflow_id), eb('app_scope', '=', scope.app_scope)]);
}

function windowEnded(eb: ExpressionBuilder<Database, 'counters'>, now: number) {
  return eb.and([eb('counters.window_ends_at', 'is not', null), eb('counters.window_ends_at', '<=', now)]);
}

/**
 * Which user field a unique-index error is about: SQLite names the columns in its message, PostgreSQL the
 * index in `constraint` (`users_<field>_unique`).
 */
function uniqueViolation(error: unknown): UniqueViolation | null {
  const details = error as { code?: string; constraint?: string; message?: string };
  if (details.code !== '23505' && details.code !== 'SQLITE_CONSTRAINT_UNIQUE') return null;
  const text = `${details.constraint ?? ''} ${details.message ?? ''}`;
  const field = USER_UNIQUE_FIELDS.find((name) => text.includes(`users_${name}_unique`) || text.includes(`users.${name}`));
  return field ? new UniqueViolation(field) : null;
}
