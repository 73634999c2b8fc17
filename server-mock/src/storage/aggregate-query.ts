import { sql } from 'kysely';
import type { CompiledQuery, Expression, Kysely, RawBuilder, Selectable, SelectQueryBuilder, SqlBool } from 'kysely';
import { type CustomValue, EVENT_FIELDS, type EventField } from '../protocol/index.js';
import type { SqlDialect } from './dialect.js';
import { decodeColumn, eventFromRow } from './rows.js';
import { EVENT_COLUMNS } from './schema.js';
import { StatementShapes } from './statement-shapes.js';
import type { Database, FieldKind, UebaEventTable } from './schema.js';
import type { AggregateOp, AggregateResult, AggregateValue, FieldFilter } from '../policy/statistics.js';
import type { AggregateQuery } from './types.js';

/**
 * Window statistics as SQL. Every statistic is one query of the shape
 * `select <aggregate> from (<matching events in the window>) as w`, where the inner query is a
 * range scan of one `ueba_events` index bounded by the window (or an ordered, limited scan for
 * `{ last: N }`), so its cost follows the rows in the window and not the size of the table.
 */

/** Custom keys are the only caller text that reaches SQL; this keeps them to harmless characters. */
export const CUSTOM_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_VALUES = 1000;

type ValueType = 'string' | 'number' | 'boolean';
type Field = { source: 'column'; field: EventField } | { source: 'custom'; key: string };
type Row = Record<string, unknown>;
type EventSelect = SelectQueryBuilder<Database, 'ueba_events', Row>;

const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const KIND_OF_TYPE: Record<ValueType, FieldKind> = { string: 'text', number: 'number', boolean: 'boolean' };

function resolveField(name: string): Field {
  if (name.startsWith('custom.')) {
    const key = name.slice('custom.'.length);
    if (!CUSTOM_KEY.test(key)) throw new Error(`invalid custom key in field "${name}"`);
    return { source: 'custom', key };
  }
  if (!(EVENT_FIELDS as readonly string[]).includes(name)) throw new Error(`unknown event field "${name}"`);
  return { source: 'column', field: name as EventField };
}

export class AggregateBuilder {
  /** The hot path's statements, compiled once per shape of query. */
  private readonly shapes = new StatementShapes((query) => this.compile(query));

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async run(query: AggregateQuery): Promise<AggregateResult> {
    const { rows } = await this.db.executeQuery<Row>(this.shapes.for(query));
    return decodeRows(query, rows);
  }

  /** The statistic's SQL and parameters as Kysely compiles them, with no shape reused. */
  compile(query: AggregateQuery): CompiledQuery {
    return this.build(query).compile(this.db);
  }

  /** The query's plan, one line per plan node (for checks that statistics stay index scans). */
  async explain(query: AggregateQuery): Promise<string[]> {
    const compiled = this.compile(query);
    const { rows } = await this.db.executeQuery<Row>({
      ...compiled,
      sql: this.dialect.explainPrefix + compiled.sql,
    });
    return rows.map((row) => this.dialect.planLine(row));
  }

  private build(query: AggregateQuery): RawBuilder<Row> {
    const valueField = query.field === undefined ? undefined : resolveField(query.field);
    const groupField = query.groupBy === undefined ? undefined : resolveField(query.groupBy);
    if (valueField === undefined && ['distinct', 'sum', 'values'].includes(query.op)) {
      throw new Error(`aggregate op "${query.op}" needs a field`);
    }
    const events = this.matchingEvents(query);
    let inner = (query.op === 'latest' ? events.selectAll() : events.select(['request_date', 'seq'])) as EventSelect;
    if (valueField !== undefined && query.op !== 'latest') {
      const value = query.op === 'sum' ? this.numeric(valueField) : this.stored(valueField);
      inner = inner.select(value.as('v'));
    }
    if (groupField !== undefined) inner = inner.select(this.groupKey(groupField).as('g'));
    return this.outer(query, inner);
  }

  /** Events matching the filters inside the window, newest first for `last`. */
  private matchingEvents(query: AggregateQuery): EventSelect {
    const conditions = query.filters.map((filter) => this.filter(filter));
    if (query.appId !== null) conditions.push(sql<SqlBool>`app_id = ${query.appId}`);
    if (query.excludeEventId !== undefined) conditions.push(sql<SqlBool>`id <> ${query.excludeEventId}`);
    requireWholeMillis('now', query.now);
    let events = this.db.selectFrom('ueba_events').where(sql<SqlBool>`request_date <= ${query.now}`);
    if ('durationMs' in query.window) {
      requireWholeMillis('window.durationMs', query.window.durationMs);
      events = events.where(sql<SqlBool>`request_date > ${query.now - query.window.durationMs}`);
    }
    if (conditions.length > 0) events = events.where((eb) => eb.and(conditions));
    if ('last' in query.window) {
      requireWholeMillis('window.last', query.window.last);
      events = events.orderBy('request_date', 'desc').orderBy('seq', 'desc').limit(query.window.last);
    }
    return events as EventSelect;
  }

  private filter(filter: FieldFilter): Expression<SqlBool> {
    const field = resolveField(filter.field);
    switch (filter.op) {
      case 'exists':
        return sql<SqlBool>`${this.stored(field)} is not null`;
      case 'missing':
        return sql<SqlBool>`${this.stored(field)} is null`;
      case 'eq':
        return this.equals(field, [scalar(filter)]);
      case 'in':
        return this.equals(field, list(filter));
      case 'ne':
        return negate(this.equals(field, [scalar(filter)]));
      case 'nin':
        return negate(this.equals(field, list(filter)));
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        return this.compare(field, filter.op, scalar(filter));
      default:
        throw new Error(`unknown filter op "${String(filter.op)}"`);
    }
  }

  /**
   * True when the field equals one of `values`, comparing types as well (custom `"1"` is not `1`);
   * a null in `values` matches a missing field. Plain `=` / `in` so indexes apply; NULL for a missing
   * field only ever rejects the row, and `negate` turns it into a match.
   */
  private equals(field: Field, values: CustomValue[]): Expression<SqlBool> {
    const alternatives: Expression<SqlBool>[] = [];
    if (values.includes(null)) alternatives.push(sql<SqlBool>`${this.stored(field)} is null`);
    for (const type of ['string', 'number', 'boolean'] as const) {
      const ofType = values.filter((value) => typeof value === type);
      const typed = this.typed(field, type);
      if (ofType.length === 0 || typed === null) continue;
      const bound = ofType.map((value) => bind(field, value));
      alternatives.push(bound.length === 1 ? sql<SqlBool>`${typed} = ${bound[0]}` : sql<SqlBool>`${typed} in (${sql.join(bound)})`);
    }
    if (alternatives.length === 0) return sql<SqlBool>`1 = 0`;
    return alternatives.length === 1 ? alternatives[0]! : sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
  }

  private compare(field: Field, op: keyof typeof COMPARISONS, value: CustomValue): Expression<SqlBool> {
    if (typeof value !== 'number' && typeof value !== 'string') {
      throw new Error(`filter op "${op}" needs a number or a string`);
    }
    const typed = this.typed(field, typeof value === 'number' ? 'number' : 'string');
    if (typed === null) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`${typed} ${sql.raw(COMPARISONS[op])} ${bind(field, value)}`;
  }

  /** The field's value when it has the given JSON type, else NULL (or null: never of that type). */
  private typed(field: Field, type: ValueType): RawBuilder<unknown> | null {
    if (field.source === 'column') {
      const { column, kind } = EVENT_COLUMNS[field.field];
      return kind === KIND_OF_TYPE[type] ? sql.ref(column) : null;
    }
    if (type === 'number') return this.dialect.customNumber(field.key);
    if (type === 'string') return this.dialect.customString(field.key);
    return sql`(case ${this.dialect.customJson(field.key)} when 'true' then 1 when 'false' then 0 end)`;
  }

  private numeric(field: Field): RawBuilder<unknown> {
    const typed = this.typed(field, 'number');
    if (typed === null) throw new Error('aggregate op "sum" needs a numeric field');
    return typed;
  }

  /** The value as stored (custom values as JSON text, JSON null as SQL NULL): for distinct, values, group keys. */
  private stored(field: Field): RawBuilder<unknown> {
    if (field.source === 'column') return sql.ref(EVENT_COLUMNS[field.field].column);
    return sql`nullif(${this.dialect.customJson(field.key)}, 'null')`;
  }

  /**
   * Group keys are strings, so a custom string "1" and a number 1 must land in one group: the key is
   * computed in SQL as the raw string for JSON strings and the JSON text for everything else.
   */
  private groupKey(field: Field): RawBuilder<unknown> {
    if (field.source === 'column') return sql.ref(EVENT_COLUMNS[field.field].column);
    return sql`coalesce(${this.dialect.customString(field.key)}, ${this.stored(field)})`;
  }

  private outer(query: AggregateQuery, inner: EventSelect): RawBuilder<Row> {
    const grouped = query.groupBy !== undefined;
    const newestFirst = sql`order by request_date desc, seq desc`;
    switch (query.op) {
      case 'latest':
        return grouped
          ? sql<Row>`select * from (select w.*, row_number() over (partition by g ${newestFirst}) as rn from (${inner}) as w) as r where rn = 1`
          : sql<Row>`select * from (${inner}) as w ${newestFirst} limit 1`;
      case 'values':
        return grouped
          ? sql<Row>`select g, v from (select g, v, row_number() over (partition by g order by case when v is null then 1 else 0 end, v) as rn from (select distinct g, v from (${inner}) as w) as d) as r where rn <= ${MAX_VALUES}`
          : sql<Row>`select distinct v from (${inner}) as w where v is not null order by v limit ${MAX_VALUES}`;
      case 'count':
        return this.reduce(sql`count(*)`, inner, grouped);
      case 'distinct':
        return this.reduce(sql`count(distinct v)`, inner, grouped);
      case 'sum':
        return this.reduce(sql`coalesce(sum(v), 0)`, inner, grouped);
      default:
        throw new Error(`unknown aggregate op "${String(query.op)}"`);
    }
  }

  private reduce(aggregate: RawBuilder<unknown>, inner: EventSelect, grouped: boolean) {
    return grouped ? sql<Row>`select g, ${aggregate} as n from (${inner}) as w group by g` : sql<Row>`select ${aggregate} as n from (${inner}) as w`;
  }
}

function decodeRows(query: AggregateQuery, rows: Row[]): AggregateResult {
  const valueField = query.field === undefined ? undefined : resolveField(query.field);
  if (query.groupBy === undefined) return decodeGroup(query.op, valueField, rows);
  const groupField = resolveField(query.groupBy);
  const rowsByGroup = new Map<string, Row[]>();
  for (const row of rows) {
    const key = groupKeyText(groupField, row['g']);
    const groupRows = rowsByGroup.get(key);
    if (groupRows === undefined) rowsByGroup.set(key, [row]);
    else groupRows.push(row);
  }
  const groups: Record<string, AggregateValue> = {};
  for (const [key, groupRows] of rowsByGroup) groups[key] = decodeGroup(query.op, valueField, groupRows);
  return groups;
}

function decodeGroup(op: AggregateOp, valueField: Field | undefined, rows: Row[]): AggregateValue {
  switch (op) {
    case 'latest':
      return rows[0] === undefined ? null : eventFromRow(rows[0] as Selectable<UebaEventTable>);
    case 'values':
      return rows.filter((row) => row['v'] !== null).map((row) => decodeStored(valueField!, row['v']));
    default:
      return Number(rows[0]?.['n'] ?? 0);
  }
}

function groupKeyText(field: Field, raw: unknown): string {
  if (raw === null || raw === undefined) return 'null';
  if (field.source === 'custom') return String(raw);
  return String(decodeColumn(EVENT_COLUMNS[field.field].kind, raw));
}

function decodeStored(field: Field, raw: unknown): CustomValue {
  if (raw === null || raw === undefined) return null;
  if (field.source === 'custom') return JSON.parse(String(raw)) as CustomValue;
  return decodeColumn(EVENT_COLUMNS[field.field].kind, raw);
}

/** Values reach SQL as parameters; SQLite has no boolean type and both dialects store flags as 0/1. */
function bind(field: Field, value: CustomValue): CustomValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (field.source === 'column' && field.field === 'requestDate') requireWholeMillis('requestDate filter', value);
  return value;
}

function negate(condition: Expression<SqlBool>): Expression<SqlBool> {
  return sql<SqlBool>`not coalesce(${condition}, false)`;
}

function isCustomValue(value: unknown): value is CustomValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function scalar(filter: FieldFilter): CustomValue {
  if (!isCustomValue(filter.value)) throw new Error(`filter op "${filter.op}" on "${filter.field}" needs one value`);
  return filter.value;
}

function list(filter: FieldFilter): CustomValue[] {
  const values = filter.value;
  if (!Array.isArray(values) || !values.every(isCustomValue)) {
    throw new Error(`filter op "${filter.op}" on "${filter.field}" needs a list of values`);
  }
  return values;
}

/** `request_date` is BIGINT on PostgreSQL, which refuses fractional parameters. */
function requireWholeMillis(name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new Error(`${name} must be a non-negative whole number`);
  }
}
