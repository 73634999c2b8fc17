import { FACTOR_TYPES, type CustomValue, type FactorType, type UebaEvent } from '../protocol/index.js';
import { fromCel, run, toCel, type CelContext } from './cel.js';
import {
  carriesOtherAppsValues,
  type CompiledCondition,
  type CompiledExpression,
  type CompiledRule,
  type CompiledStatistic,
  type Scope,
  type Workflow,
} from './parse.js';
import { durationToMs, LIMITS, PARAM_VALUE_SCHEMAS } from './schema.js';
import type { AggregateResult, FieldFilter, StatisticQuery, StatWindow } from './statistics.js';
import type { ConditionTrace, Decision, Explanation, RuleTrace } from './decision.js';

/**
 * The pure half of running a workflow: `planStatistics` says which aggregates to fetch, `judge` turns
 * their results into a decision with its explanation. No I/O and no clock: time arrives as `now`.
 */

export { parseWorkflow } from './parse.js';
export type { PolicyError, Workflow, ParseResult } from './parse.js';
export type { AggregateOp, AggregateResult, AggregateValue, FieldFilter, FilterOp, StatisticQuery, StatWindow } from './statistics.js';
export type { ConditionTrace, Decision, Explanation, RuleTrace, StatisticTrace } from './decision.js';
export { formatExplanation } from './explain.js';
export { TEMPLATES, DEFAULT_ACR } from './templates.js';

/** An event as `policy simulate` or a test may give it: any stored-event field may be missing. */
export type UebaEventLike = Partial<UebaEvent>;

export interface PlannedStatistic {
  id: string;
  query: StatisticQuery;
  /** The query in words, with its resolved values. */
  description: string;
  /**
   * Set when a filter compares with an event field this event lacks (say `deviceId`). Such a filter
   * matches nothing, like SQL's `= NULL`: the query still carries `value: null`, the runner may skip it,
   * and `judge` uses the empty result (0, [], null or {}) whatever storage answers, so the outcome never
   * depends on how an adapter treats null.
   */
  matchesNothing: string | null;
}

export interface JudgeInput {
  event: UebaEvent | UebaEventLike;
  /** Attributes of the user (roles, department, …) as the caller knows them; `{}` when absent. */
  user?: Record<string, unknown>;
  /** Overrides of the workflow's own parameters; invalid ones are ignored and listed in the explanation. */
  params?: Record<string, unknown>;
  /** Results by `PlannedStatistic.id`. A missing one counts as empty and is noted. */
  stats: Record<string, AggregateResult>;
  now: number;
}

/** The workflow's own parameters: defaults with valid overrides applied. Template parameters are fixed in the document. */
export function resolveParams(workflow: Workflow, overrides: Record<string, unknown> = {}): { params: Record<string, unknown>; problems: string[] } {
  const params = { ...workflow.scope.params };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    const declaration = workflow.params[name];
    if (!declaration) {
      problems.push(`unknown parameter "${name}" ignored`);
      continue;
    }
    const checked = PARAM_VALUE_SCHEMAS[declaration.type].safeParse(value);
    if (checked.success) params[name] = checked.data;
    else problems.push(`parameter "${name}" is not a valid ${declaration.type}; the default is used`);
  }
  return { params, problems };
}

const EMPTY_EVENT: Omit<UebaEvent, 'requestDate'> = {
  id: '',
  appId: '',
  originalIdentity: '',
  ip: null,
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
  behaviorType: null,
  behaviorResult: null,
  resourcesType: null,
  actionType: null,
  loginType: null,
  deviceId: null,
  custom: {},
};

/** Every field present, so `event.deviceId == null` works in CEL instead of failing with "no such key". */
function completeEvent(event: UebaEvent | UebaEventLike, now: number | null): Omit<UebaEvent, 'requestDate'> & { requestDate: number | null } {
  // A plain loop: this runs twice per workflow per captured event, and entries/fromEntries cost 5× as much.
  const complete: Record<string, unknown> = { ...EMPTY_EVENT, requestDate: now };
  for (const [key, value] of Object.entries(event)) if (value !== undefined) complete[key] = value;
  return complete as Omit<UebaEvent, 'requestDate'> & { requestDate: number | null };
}

function eventValue(event: Record<string, unknown>, field: string): CustomValue {
  const value = field.startsWith('custom.') ? (event.custom as Record<string, unknown> | undefined)?.[field.slice('custom.'.length)] : event[field];
  return value === undefined ? null : (value as CustomValue);
}

function paramsFor(scope: Scope, workflow: Workflow, workflowParams: Record<string, unknown>): Record<string, unknown> {
  return scope === workflow.scope ? workflowParams : scope.params;
}

function emptyResult(statistic: CompiledStatistic): AggregateResult {
  if (statistic.groupBy) return {};
  if (statistic.op === 'values') return [];
  if (statistic.op === 'latest') return null;
  return 0;
}

/** What an explanation may say about a withheld result: its size, never its content. */
function summarise(statistic: CompiledStatistic, value: AggregateResult): string {
  const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  if (statistic.groupBy) return counted(Object.keys(value ?? {}).length, 'group');
  if (statistic.op === 'values') return counted(Array.isArray(value) ? value.length : 0, 'distinct value');
  if (statistic.op === 'sum') return 'a sum';
  return value === null ? 'no event' : 'one event';
}

function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const [unit, size] = units.find(([, unitMs]) => ms % unitMs === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}

const OP_WORDS: Record<FieldFilter['op'], string> = {
  eq: '=',
  ne: '≠',
  in: 'in',
  nin: 'not in',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  exists: 'is set',
  missing: 'is not set',
};

function describeWindow(window: StatWindow): string {
  if ('durationMs' in window) return `in the last ${formatDuration(window.durationMs)}`;
  return window.last === 1 ? 'in the most recent matching event' : `among the last ${window.last} matching events`;
}

function describeQuery(query: PlannedStatistic['query']): string {
  const what = {
    count: 'number of events',
    distinct: `number of distinct ${query.field}`,
    sum: `sum of ${query.field}`,
    values: `distinct ${query.field} values`,
    latest: 'latest event',
  }[query.op];
  const where = query.filters.map((filter) =>
    filter.value === undefined ? `${filter.field} ${OP_WORDS[filter.op]}` : `${filter.field} ${OP_WORDS[filter.op]} ${JSON.stringify(filter.value)}`,
  );
  return [
    `${what} ${describeWindow(query.window)}`,
    query.scope === 'app' ? 'in this app' : 'across all apps',
    where.length > 0 ? `where ${where.join(' and ')}` : '',
    query.groupBy ? `grouped by ${query.groupBy}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function plan(statistic: CompiledStatistic, params: Record<string, unknown>, event: Record<string, unknown>): PlannedStatistic {
  let matchesNothing: string | null = null;
  const filters: FieldFilter[] = statistic.filter.map(({ field, op, value }) => {
    if (value === undefined) return { field, op };
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if ('param' in value) return { field, op, value: params[value.param] as CustomValue | CustomValue[] };
      const resolved = eventValue(event, value.event);
      if (resolved === null) matchesNothing ??= `${field} is compared with event.${value.event}, which this event lacks`;
      return { field, op, value: resolved };
    }
    return { field, op, value };
  });
  const { last, duration } = statistic.window;
  const lastValue = typeof last === 'object' ? Number(params[last.param]) : last;
  const durationValue = typeof duration === 'object' ? String(params[duration.param]) : duration;
  // Overrides are type-checked but not range-checked against this use, so bring them into range here.
  const window =
    lastValue !== undefined
      ? { last: Math.min(LIMITS.lastEvents, Math.max(1, Math.floor(lastValue) || 1)) }
      : { durationMs: durationToMs(durationValue ?? '') ?? LIMITS.durationMs };
  const query: PlannedStatistic['query'] = { filters, window, op: statistic.op, scope: statistic.appScope };
  if (statistic.field) query.field = statistic.field;
  if (statistic.groupBy) query.groupBy = statistic.groupBy;
  return { id: statistic.id, query, description: describeQuery(query), matchesNothing };
}

interface Prepared {
  params: Record<string, unknown>;
  paramProblems: string[];
  event: ReturnType<typeof completeEvent>;
  celEvent: Record<string, unknown>;
  match: Explanation['match'];
}

function prepare(workflow: Workflow, input: { event: UebaEvent | UebaEventLike; params?: Record<string, unknown> }, now: number | null): Prepared {
  const { params, problems } = resolveParams(workflow, input.params);
  const event = completeEvent(input.event, now);
  const celEvent = toCel(event) as Record<string, unknown>;
  if (!workflow.match) return { params, paramProblems: problems, event, celEvent, match: { expression: null, applied: true, error: null } };
  const outcome = run(workflow.match.program, { event: celEvent, params: toCel(params) as Record<string, unknown>, user: {}, stats: {}, now: 0n });
  const error = !outcome.ok ? outcome.error : typeof outcome.value === 'boolean' ? null : `gave ${typeof outcome.value} instead of true or false`;
  return {
    params,
    paramProblems: problems,
    event,
    celEvent,
    match: { expression: workflow.match.source, applied: outcome.ok && outcome.value === true, error },
  };
}

/**
 * The statistics to fetch for this event, with every reference resolved. Empty when the workflow's
 * `match` says the event is not its business (judge then needs no statistics either).
 */
export function planStatistics(workflow: Workflow, input: { event: UebaEvent | UebaEventLike; params?: Record<string, unknown> }): PlannedStatistic[] {
  const prepared = prepare(workflow, input, input.event.requestDate ?? null);
  if (!prepared.match.applied) return [];
  return workflow.statistics.map((statistic) => plan(statistic, paramsFor(statistic.scope, workflow, prepared.params), prepared.event));
}

function evaluateCondition(condition: CompiledCondition, context: CelContext): ConditionTrace {
  if (condition.kind === 'expression') {
    const outcome = run(condition.program, context);
    if (!outcome.ok) return { expression: condition.source, result: null, error: outcome.error };
    if (typeof outcome.value !== 'boolean') {
      return { expression: condition.source, result: null, error: `gave ${JSON.stringify(fromCel(outcome.value)) ?? 'nothing'} instead of true or false` };
    }
    return { expression: condition.source, result: outcome.value };
  }
  if (condition.kind === 'not') {
    const inner = evaluateCondition(condition.condition, context);
    // An undecided condition stays undecided under "not": a runtime error must never turn into a hit.
    return { group: 'not', result: inner.result === null ? null : !inner.result, condition: inner };
  }
  // Every member is evaluated, not short-circuited, so the explanation shows all of them.
  const conditions = condition.conditions.map((member) => evaluateCondition(member, context));
  const results = conditions.map((member) => member.result);
  const decisive = condition.kind === 'all' ? false : true;
  const result = results.includes(decisive) ? decisive : results.includes(null) ? null : !decisive;
  return { group: condition.kind, result, conditions };
}

/** `quoteValue: false` when the rule's statistics hold other apps' values, which the stored explanation must not carry. */
function factorsOf(rule: CompiledRule, context: CelContext, quoteValue: boolean): { factors: FactorType[] } | { error: string } {
  const factors = rule.then.factors;
  if (Array.isArray(factors)) return { factors };
  const outcome = run((factors as CompiledExpression).program, context);
  if (!outcome.ok) return { error: `factors: ${outcome.error}` };
  const value = fromCel(outcome.value);
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => (FACTOR_TYPES as readonly unknown[]).includes(item))) {
    const gave = quoteValue ? JSON.stringify(value) : 'a value (withheld: it may come from other apps)';
    return { error: `factors: gave ${gave}, not a non-empty list of ${FACTOR_TYPES.join(', ')}` };
  }
  return { factors: [...new Set(value as FactorType[])] };
}

function lookup(root: unknown, keys: string[]): unknown {
  let value = root;
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return 'unknown';
  if (Array.isArray(value)) return value.map(asText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function renderMessage(message: string, values: Record<string, unknown>): string {
  return message.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, path: string) => {
    const [root = '', ...keys] = path.split('.');
    return asText(lookup(values[root], keys));
  });
}

function noHit(workflow: Workflow, explanation: Explanation): Decision {
  return { workflowId: workflow.id, hit: false, ruleId: null, factors: [], acr: '', message: '', messages: {}, custom: {}, explanation };
}

/** Decides one event. Never throws: runtime errors leave their condition undecided and are in the explanation. */
export function judge(workflow: Workflow, input: JudgeInput): Decision {
  try {
    return judgeChecked(workflow, input);
  } catch (error) {
    // Reached only by input outside the types (a NaN clock, a cyclic user object): answer "no hit" and say why.
    return noHit(workflow, {
      workflowId: workflow.id,
      workflowName: workflow.name,
      now: input.now,
      params: {},
      paramProblems: [],
      match: { expression: workflow.match?.source ?? null, applied: false, error: null },
      statistics: [],
      rules: [],
      firedRule: null,
      notEvaluated: [],
      error: `could not judge this input: ${String(error)}`,
    });
  }
}

/** Each statistic's value (empty when it matches nothing or was not provided), by scope, explained as it is read. */
function statisticsByScope(
  workflow: Workflow,
  input: JudgeInput,
  prepared: ReturnType<typeof prepare>,
  explanation: Explanation,
): Map<Scope, Record<string, AggregateResult>> {
  const statsByScope = new Map<Scope, Record<string, AggregateResult>>();
  for (const statistic of workflow.statistics) {
    const planned = plan(statistic, paramsFor(statistic.scope, workflow, prepared.params), prepared.event);
    const provided = Object.hasOwn(input.stats, statistic.id) ? input.stats[statistic.id] : undefined;
    const value = planned.matchesNothing || provided === undefined ? emptyResult(statistic) : provided;
    const note = planned.matchesNothing ? `matches nothing: ${planned.matchesNothing}` : provided === undefined ? 'not provided; counted as empty' : null;
    explanation.statistics.push(
      // The explanation is stored with the judged event's app and listed to it, so other apps' raw values stay out.
      carriesOtherAppsValues(statistic)
        ? {
            id: statistic.id,
            description: planned.description,
            value: null,
            note: [note, `withheld: ${summarise(statistic, value)} from events of all apps`].filter(Boolean).join('; '),
          }
        : { id: statistic.id, description: planned.description, value, note },
    );
    const scoped = statsByScope.get(statistic.scope) ?? {};
    scoped[statistic.localId] = value;
    statsByScope.set(statistic.scope, scoped);
  }
  return statsByScope;
}

function judgeChecked(workflow: Workflow, input: JudgeInput): Decision {
  const prepared = prepare(workflow, input, input.now);
  const explanation: Explanation = {
    workflowId: workflow.id,
    workflowName: workflow.name,
    now: input.now,
    params: prepared.params,
    paramProblems: prepared.paramProblems,
    match: prepared.match,
    statistics: [],
    rules: [],
    firedRule: null,
    notEvaluated: [],
    error: null,
  };
  if (!prepared.match.applied) return noHit(workflow, explanation);

  const statsByScope = statisticsByScope(workflow, input, prepared, explanation);

  const user = input.user ?? {};
  const celUser = toCel(user) as Record<string, unknown>;
  const now = BigInt(Math.trunc(input.now));
  for (const [index, rule] of workflow.rules.entries()) {
    const params = paramsFor(rule.scope, workflow, prepared.params);
    const stats = statsByScope.get(rule.scope) ?? {};
    const context: CelContext = {
      event: prepared.celEvent,
      user: celUser,
      params: toCel(params) as Record<string, unknown>,
      stats: toCel(stats) as Record<string, unknown>,
      now,
    };
    const condition = evaluateCondition(rule.when, context);
    const trace: RuleTrace = {
      id: rule.id,
      template: rule.scope.use?.template ?? null,
      description: rule.description,
      result: condition.result,
      condition,
      error: null,
    };
    explanation.rules.push(trace);
    if (condition.result !== true) continue;
    const factors = factorsOf(rule, context, !workflow.statistics.some((statistic) => statistic.scope === rule.scope && carriesOtherAppsValues(statistic)));
    if ('error' in factors) {
      trace.result = null;
      trace.error = factors.error;
      continue;
    }
    explanation.firedRule = rule.id;
    const values = { event: prepared.event, params, stats, user };
    explanation.notEvaluated = workflow.rules.slice(index + 1).map((later) => later.id);
    return {
      workflowId: workflow.id,
      hit: true,
      ruleId: rule.id,
      factors: factors.factors,
      acr: rule.then.acr,
      message: renderMessage(rule.then.message.text, values),
      messages: Object.fromEntries(Object.entries(rule.then.message.languages).map(([tag, text]) => [tag, renderMessage(text, values)])),
      custom: rule.then.custom,
      explanation,
    };
  }
  return noHit(workflow, explanation);
}
