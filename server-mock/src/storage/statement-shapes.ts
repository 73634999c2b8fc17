import type { CompiledQuery } from 'kysely';
import type { CustomValue } from '../protocol/index.js';
import type { FieldFilter } from '../policy/statistics.js';
import type { AggregateQuery } from './types.js';

type Slot = string | number;
/** Where a parameter of a shape's SQL comes from: the query's n-th slot, the window's start, or the shape itself. */
type Source = { slot: number } | { windowStart: true } | { constant: unknown };

interface Shape {
  template: CompiledQuery;
  sources: Source[];
}

// Markers stand where the query's values were, distinct from every constant a shape holds: strings with NUL
// (never in an identifier), numbers far above any timestamp or count. Their differences stay unique too, so
// `now - durationMs` is recognised as well.
const MARKER_BASE = 2 ** 50;
const MARKER_STEP = 2 ** 20;
const marker = (value: Slot, index: number): Slot => (typeof value === 'number' ? MARKER_BASE + index * MARKER_STEP : `\u0000${index}\u0000`);

/**
 * Kysely builds and compiles a statistic's query in 30–100 µs, longer than SQLite takes to run it, and every
 * capture runs several. The SQL depends only on the query's shape (op, fields, custom keys, filter ops, value
 * types and list lengths, which optional parts are set), so each shape is compiled once. Its parameters are
 * found by compiling the shape again with a distinct marker in place of every value: each parameter is then a
 * marker (that value of the query), the window's start (`now - durationMs`), or a constant of the shape. A shape
 * is kept only when its recipe gives back exactly the parameters Kysely compiled for the query that made it.
 */
export class StatementShapes {
  private readonly shapes = new Map<string, Shape>();

  constructor(
    private readonly compile: (query: AggregateQuery) => CompiledQuery,
    private readonly maxShapes = 1000,
  ) {}

  for(query: AggregateQuery): CompiledQuery {
    const { key, slots } = abstractQuery(query, (value) => value);
    const shape = this.shapes.get(key);
    if (shape) return { ...shape.template, parameters: shape.sources.map((source) => parameterOf(source, slots, query)) };
    const compiled = this.compile(query);
    const learned = this.learn(query, compiled);
    if (learned) {
      // Workflows declare a bounded set of shapes; this only guards against an unbounded stream of custom keys.
      if (this.shapes.size >= this.maxShapes) this.shapes.clear();
      this.shapes.set(key, learned);
    }
    return compiled;
  }

  private learn(query: AggregateQuery, compiled: CompiledQuery): Shape | null {
    const probe = abstractQuery(query, marker);
    const probed = this.compile(probe.query);
    if (probed.sql !== compiled.sql || probed.parameters.length !== compiled.parameters.length) return null;
    const markers = new Map(probe.slots.map((value, index) => [marker(value, index), index]));
    const nowMarker = probe.query.now;
    const durationMarker = 'durationMs' in probe.query.window ? probe.query.window.durationMs : null;
    const sources = probed.parameters.map((parameter): Source => {
      const index = markers.get(parameter as Slot);
      if (index !== undefined) return { slot: index };
      if (durationMarker !== null && parameter === nowMarker - durationMarker) return { windowStart: true };
      return { constant: parameter };
    });
    const reproduced = sources.map((source) => parameterOf(source, probe.slots, query));
    const same = reproduced.every((parameter, index) => Object.is(parameter, compiled.parameters[index]));
    return same ? { template: compiled, sources } : null;
  }
}

function parameterOf(source: Source, slots: readonly Slot[], query: AggregateQuery): unknown {
  if ('slot' in source) return slots[source.slot];
  if ('windowStart' in source) return query.now - (query.window as { durationMs: number }).durationMs;
  return source.constant;
}

/**
 * The query with `replace` applied to each of its string and number values in a fixed order, those values
 * (`slots`), and the key of its shape. Booleans and null stay in the key: they change the SQL itself.
 */
function abstractQuery(query: AggregateQuery, replace: (value: Slot, index: number) => Slot): { query: AggregateQuery; slots: Slot[]; key: string } {
  const slots: Slot[] = [];
  const tags: unknown[] = [];
  const slot = <T>(value: T): T => {
    if (typeof value !== 'string' && typeof value !== 'number') {
      tags.push(value === undefined ? 'absent' : value);
      return value;
    }
    tags.push(typeof value === 'string' ? 's' : Number.isSafeInteger(value) && value >= 0 ? 'whole' : 'number');
    slots.push(value);
    return replace(value, slots.length - 1) as T;
  };
  const filters = query.filters.map((filter): FieldFilter => {
    const value = Array.isArray(filter.value) ? filter.value.map((item: CustomValue) => slot(item)) : slot(filter.value);
    return value === undefined ? filter : { ...filter, value };
  });
  const window = 'durationMs' in query.window ? { durationMs: slot(query.window.durationMs) } : { last: slot(query.window.last) };
  const abstracted: AggregateQuery = { ...query, filters, window, appId: slot(query.appId), now: slot(query.now), excludeEventId: slot(query.excludeEventId) };
  if (query.excludeEventId === undefined) delete abstracted.excludeEventId;
  const filterShapes = query.filters.map((filter) => [filter.field, filter.op, Array.isArray(filter.value) ? filter.value.length : typeof filter.value]);
  const key = JSON.stringify([query.op, query.field, query.groupBy, Object.keys(query.window), filterShapes, tags]);
  return { query: abstracted, slots, key };
}
