import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { FactorType } from '../protocol/index.js';
import { compileExpression, type CelProgram, type CelVariable, type ReferenceRules } from './cel.js';
import {
  DEFAULT_MESSAGE_KEY,
  documentSchema,
  durationToMs,
  IDENTIFIER,
  isEventField,
  LIMITS,
  PARAM_VALUE_SCHEMAS,
  ruleSchema,
  statisticSchema,
  type Message,
  type ParamType,
  type RawFilter,
  type RawRule,
  type RawStatistic,
  type RawThen,
  type RawWindow,
} from './schema.js';
import type { AggregateOp } from './statistics.js';
import { DEFAULT_ACR, TEMPLATES } from './templates.js';

export interface PolicyError {
  /** The name the caller gave the document (a file path, `global/login@3`, …). */
  document: string;
  /** `document`, `params[lookback]`, `statistics[knownCountries]`, `rules[new-country].when`, `uses[extranet]`, … */
  node: string;
  /** Path inside the node: `window.duration`, `filter[0].op`, `all[1]`, `params.lookback`, … */
  field: string;
  message: string;
}

export interface CompiledExpression {
  source: string;
  program: CelProgram;
}

/**
 * Where parameters and statistics come from for a group of nodes: the document itself, or one
 * template use (whose CEL sees the template's parameters as `params` and its statistics as `stats`).
 */
export interface Scope {
  /** `workflow`, or `uses[<id>]`. */
  name: string;
  /** The template use this scope belongs to; null for the document's own nodes. */
  use: { id: string; template: string } | null;
  /** Defaults, or the template use's validated parameters. */
  params: Record<string, unknown>;
}

export interface CompiledStatistic {
  /** Unique in the workflow: the statistic id, or `<use id>.<id>` for a template's. */
  id: string;
  /** The name the scope's CEL uses: `stats.<localId>`. */
  localId: string;
  scope: Scope;
  description: string | null;
  filter: RawFilter[];
  window: RawWindow;
  op: AggregateOp;
  field: string | null;
  groupBy: string | null;
  appScope: 'app' | 'all-apps';
}

export type CompiledCondition =
  ({ kind: 'expression' } & CompiledExpression) | { kind: 'all' | 'any'; conditions: CompiledCondition[] } | { kind: 'not'; condition: CompiledCondition };

export interface CompiledRule {
  id: string;
  description: string | null;
  scope: Scope;
  when: CompiledCondition;
  then: {
    factors: FactorType[] | CompiledExpression;
    acr: string;
    message: CompiledMessage;
    custom: Record<string, unknown>;
  };
}

/** A rule's message, not yet rendered. */
export interface CompiledMessage {
  /** The default text (`reason.message`): the one text given, else `en`, else `default`. */
  text: string;
  /** Texts by language tag (`reason.messages`); empty when the author wrote one plain text. */
  languages: Record<string, string>;
}

export interface ParamDeclaration {
  type: ParamType;
  default: unknown;
  description: string | null;
}

/** A parsed workflow: templates expanded, CEL compiled, parameters defaulted. Not JSON (it holds compiled programs). */
export interface Workflow {
  id: string;
  name: string;
  description: string | null;
  modes: ('api' | 'event')[];
  /** The document's own parameters; callers may override them per run. */
  params: Record<string, ParamDeclaration>;
  /** The scope of the document's own nodes; its `params` are the defaults. */
  scope: Scope;
  /** null: applies to every event. May use `event` and `params` only, so it can run before any statistic. */
  match: CompiledExpression | null;
  statistics: CompiledStatistic[];
  /** In evaluation order: the document's own rules, then one per template use. */
  rules: CompiledRule[];
  uses: { id: string; template: string; params: Record<string, unknown> }[];
}

export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; errors: PolicyError[] };

export interface ParseOptions {
  /**
   * The app the document belongs to; null or absent for a global workflow. An app's document is
   * managed with that app's own credentials, so it may read only that app's events: cross-app
   * statistics belong in global workflows, which only the admin token manages.
   */
  appId?: string | null;
}

const CROSS_APP_FIX = "an app's own workflow may read only its app's events; use a global workflow managed with the admin token for cross-app statistics";

/**
 * True when an all-apps statistic's result is made of other apps' event contents (their IPs, user ids,
 * custom fields): everything but an ungrouped `count` or `distinct`. Those two say how many events or
 * values there were, never what was in them, so they may be shown to the app whose event is judged; a
 * `sum` may not, since over one matching event it is that event's value.
 */
export function carriesOtherAppsValues(statistic: Pick<CompiledStatistic, 'appScope' | 'op' | 'groupBy'>): boolean {
  return statistic.appScope === 'all-apps' && (statistic.groupBy !== null || (statistic.op !== 'count' && statistic.op !== 'distinct'));
}

/** Raw nesting deeper than any valid document needs; refusing it early keeps recursive checks bounded. */
const MAX_NESTING = 40;

type Path = readonly PropertyKey[];

function formatPath(path: Path): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Collects errors for one document; the label helpers name nodes the way an author wrote them. */
class Reporter {
  readonly errors: PolicyError[] = [];
  constructor(
    private readonly document: string,
    private readonly raw: unknown,
  ) {}

  add(node: string, field: string, message: string): void {
    this.errors.push({ document: this.document, node, field: field || '(value)', message });
  }

  /** `statistics[knownCountries]` when the id is usable and unique, else `statistics[2]`. */
  label(section: 'statistics' | 'rules' | 'uses', index: number): string {
    const items = (this.raw as Record<string, unknown> | null)?.[section];
    const nameOf = (item: unknown): unknown => {
      if (item === null || typeof item !== 'object') return undefined;
      const record = item as Record<string, unknown>;
      return section === 'uses' ? (record.id ?? record.template) : record.id;
    };
    if (!Array.isArray(items)) return `${section}[${index}]`;
    const name = nameOf(items[index]);
    const unique = typeof name === 'string' && /^[\w.-]{1,64}$/.test(name) && items.filter((item) => nameOf(item) === name).length === 1;
    return unique ? `${section}[${name}]` : `${section}[${index}]`;
  }

  /** Maps a zod issue path of the whole document to node + field. */
  locate(path: Path): { node: string; field: string } {
    const [section, index, ...rest] = path;
    if ((section === 'statistics' || section === 'rules' || section === 'uses') && typeof index === 'number') {
      const node = this.label(section, index);
      if (section === 'rules' && (rest[0] === 'when' || rest[0] === 'then')) return { node: `${node}.${String(rest[0])}`, field: formatPath(rest.slice(1)) };
      return { node, field: formatPath(rest) || '(entry)' };
    }
    if (section === 'params' && index !== undefined) return { node: `params[${String(index)}]`, field: formatPath(rest) || '(entry)' };
    return { node: 'document', field: formatPath(path) || '(document)' };
  }

  zodIssues(issues: z.core.$ZodIssue[], prefix: { node: string; field: string } | null): void {
    for (const issue of issues) {
      // An unknown key is reported on the key itself, so the author sees which one to remove.
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(', ')] : issue.path;
      // zod says only "Invalid key in record" for a bad map key; the rule the key broke is in its nested issue.
      const message = issue.code === 'invalid_key' ? `invalid name: ${issue.issues[0]?.message ?? issue.message}` : issue.message;
      if (prefix) this.add(prefix.node, [prefix.field, formatPath(path)].filter(Boolean).join('.'), message);
      else {
        const { node, field } = this.locate(path);
        this.add(node, field, message);
      }
    }
  }
}

/**
 * Parses and checks a workflow document (YAML or JSON). Never throws: every problem comes back as an
 * error naming the document, the node and the field, and all problems found are reported at once.
 */
export function parseWorkflow(source: string, documentName: string, options: ParseOptions = {}): ParseResult {
  try {
    return parseChecked(source, documentName, options.appId ?? null);
  } catch (error) {
    // Only reachable through a bug or resource exhaustion (e.g. a stack overflow); still an answer, never a crash.
    return { ok: false, errors: [{ document: documentName, node: 'document', field: '(document)', message: `could not be checked: ${String(error)}` }] };
  }
}

/**
 * The document's `uses`: each template expanded and checked like the author's own statistics and rules,
 * which it appends to; the uses as recorded in the workflow.
 */
function expandUses(
  reporter: Reporter,
  documentUses: z.output<typeof documentSchema>['uses'],
  { appId, statistics, rules }: { appId: string | null; statistics: ReturnType<typeof checkStatistics>; rules: ReturnType<typeof checkRules> },
): Workflow['uses'] {
  const uses: Workflow['uses'] = [];
  const seenUses = new Set<string>();
  documentUses.forEach((use, index) => {
    const node = reporter.label('uses', index);
    const template = TEMPLATES.get(use.template);
    if (!template) {
      reporter.add(node, 'template', `unknown template "${use.template}"; built-in templates: ${[...TEMPLATES.keys()].join(', ')}`);
      return;
    }
    const id = use.id ?? use.template;
    if (seenUses.has(id) || rules.some((rule) => rule.id === id)) {
      reporter.add(node, 'id', `"${id}" is already a rule id; give this use its own id (it names the rule the template adds)`);
      return;
    }
    seenUses.add(id);
    const checkedParams = template.params.safeParse(use.params);
    if (!checkedParams.success) {
      reporter.zodIssues(checkedParams.error.issues, { node, field: 'params' });
      return;
    }
    const values = { ...Object.fromEntries(template.paramNames.map((name) => [name, null])), ...checkedParams.data };
    const templateScope: Scope = { name: `uses[${id}]`, use: { id, template: template.name }, params: values };
    const expansion = template.expand(checkedParams.data);
    // Template output goes through the document checks, so a template bug surfaces as an error here, not at run time.
    const templateStats = expansion.statistics.map((input, statIndex) => {
      const checked = statisticSchema.safeParse(input);
      if (!checked.success) reporter.zodIssues(checked.error.issues, { node, field: `statistics[${statIndex}]` });
      return checked.success ? checked.data : null;
    });
    if (appId !== null && templateStats.some((statistic) => statistic?.scope === 'all-apps')) {
      // Name what the author wrote: the acrossApps switch, or the template itself when it always counts across apps.
      const switchable = template.paramNames.includes('acrossApps');
      reporter.add(
        node,
        switchable ? 'params.acrossApps' : 'template',
        `${switchable ? `"${template.name}" with acrossApps: true` : `"${template.name}" always`} counts events of every app; ${CROSS_APP_FIX}`,
      );
      return;
    }
    const checkedRule = ruleSchema.safeParse({ id, ...expansion.rule });
    if (!checkedRule.success || templateStats.includes(null)) {
      if (!checkedRule.success) reporter.zodIssues(checkedRule.error.issues, { node, field: 'rule' });
      return;
    }
    const compiledStats = checkStatistics(reporter, templateStats as RawStatistic[], templateScope, (statIndex) => ({
      node,
      field: `statistics[${statIndex}]`,
    }));
    statistics.push(...compiledStats);
    rules.push(...checkRules(reporter, [checkedRule.data], templateScope, compiledStats, () => node));
    uses.push({ id, template: template.name, params: checkedParams.data });
  });
  return uses;
}

function parseChecked(source: string, documentName: string, appId: string | null): ParseResult {
  const fail = (field: string, message: string): ParseResult => ({ ok: false, errors: [{ document: documentName, node: 'document', field, message }] });
  if (typeof source !== 'string') return fail('(document)', 'expected the document text');
  if (Buffer.byteLength(source, 'utf8') > LIMITS.documentBytes) return fail('(document)', `larger than ${LIMITS.documentBytes / 1024} KB`);
  let raw: unknown;
  try {
    // JSON is YAML 1.2, so one parser reads both; duplicate keys are errors, and aliases are capped against "billion laughs".
    raw = parseYaml(source, { uniqueKeys: true, maxAliasCount: 100, logLevel: 'error' });
  } catch (error) {
    const position = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = position ? `line ${position.line}, column ${position.col}` : '(syntax)';
    return fail(where, `not valid YAML or JSON: ${String((error as Error).message ?? error).split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) return fail('(document)', 'the document is empty');
  if (nestingDepth(raw) > MAX_NESTING) return fail('(document)', `nested more than ${MAX_NESTING} levels deep`);

  const reporter = new Reporter(documentName, raw);
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    reporter.zodIssues(parsed.error.issues, null);
    return { ok: false, errors: reporter.errors };
  }
  const document = parsed.data;

  const params: Record<string, ParamDeclaration> = {};
  for (const [name, declaration] of Object.entries(document.params)) {
    const checked = PARAM_VALUE_SCHEMAS[declaration.type].safeParse(declaration.default);
    if (!checked.success) reporter.zodIssues(checked.error.issues, { node: `params[${name}]`, field: 'default' });
    params[name] = { type: declaration.type, default: checked.success ? checked.data : declaration.default, description: declaration.description ?? null };
  }
  const scope: Scope = {
    name: 'workflow',
    use: null,
    params: Object.fromEntries(Object.entries(params).map(([name, declaration]) => [name, declaration.default])),
  };

  let match: CompiledExpression | null = null;
  if (document.match !== undefined) {
    match = compileInto(
      reporter,
      document.match,
      'condition',
      { params: new Set(Object.keys(scope.params)), stats: new Set(), forbidden: new Set<CelVariable>(['stats', 'user', 'now']) },
      {
        node: 'document',
        field: 'match',
      },
    );
  }

  if (appId !== null) {
    document.statistics.forEach((statistic, index) => {
      if (statistic.scope === 'all-apps') reporter.add(reporter.label('statistics', index), 'scope', `"all-apps" reads every app's events; ${CROSS_APP_FIX}`);
    });
  }
  const statistics = checkStatistics(reporter, document.statistics, scope, (index) => ({ node: reporter.label('statistics', index), field: '' }));
  const rules = checkRules(reporter, document.rules, scope, statistics, (index) => reporter.label('rules', index));

  const uses = expandUses(reporter, document.uses, { appId, statistics, rules });

  if (reporter.errors.length > 0) return { ok: false, errors: reporter.errors };
  return {
    ok: true,
    workflow: {
      id: document.id,
      name: document.name,
      description: document.description ?? null,
      modes: document.modes,
      params,
      scope,
      match,
      statistics,
      rules,
      uses,
    },
  };
}

function compileInto(
  reporter: Reporter,
  source: string,
  kind: 'condition' | 'value',
  rules: ReferenceRules,
  at: { node: string; field: string },
): CompiledExpression | null {
  const compiled = compileExpression(source, kind, rules);
  if (!compiled.ok) {
    for (const problem of compiled.problems)
      reporter.add(at.node, at.field, `${problem} in CEL "${source.length > 80 ? `${source.slice(0, 77)}...` : source}"`);
    return null;
  }
  return { source, program: compiled.program };
}

const SCALAR_OPS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte']);
const NUMERIC_EVENT_FIELDS = new Set(['requestDate', 'latitude', 'longitude']);

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** What a filter's value must be for its op, checked against literals and against the parameter's current value alike. */
function filterValueProblem(op: RawFilter['op'], value: unknown): string | null {
  if (op === 'exists' || op === 'missing') return value === undefined ? null : `"${op}" takes no value`;
  if (value === undefined) return `"${op}" needs a value`;
  if (op === 'in' || op === 'nin') return Array.isArray(value) ? null : `"${op}" needs a list`;
  return isScalar(value) ? null : `"${op}" needs a single string, number or boolean`;
}

function checkStatistics(reporter: Reporter, raw: RawStatistic[], scope: Scope, at: (index: number) => { node: string; field: string }): CompiledStatistic[] {
  const compiled: CompiledStatistic[] = [];
  const seen = new Set<string>();
  raw.forEach((statistic, index) => {
    const { node, field: base } = at(index);
    const field = (name: string) => [base, name].filter(Boolean).join('.');
    const before = reporter.errors.length;
    if (seen.has(statistic.id)) reporter.add(node, field('id'), `duplicate statistic id "${statistic.id}"`);
    seen.add(statistic.id);

    const paramValue = (name: string, where: string): unknown => {
      if (!(name in scope.params)) reporter.add(node, field(where), `unknown parameter "${name}"; declared: ${Object.keys(scope.params).join(', ') || 'none'}`);
      return scope.params[name];
    };
    statistic.filter.forEach((filter, filterIndex) => {
      const where = `filter[${filterIndex}].value`;
      const value = filter.value;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        if ('event' in value) {
          if (!SCALAR_OPS.has(filter.op)) reporter.add(node, field(where), `"${filter.op}" cannot compare with an event field; use eq, ne, gt, gte, lt or lte`);
          return;
        }
        const problem = filterValueProblem(filter.op, paramValue(value.param, where));
        if (problem && value.param in scope.params) reporter.add(node, field(where), `parameter "${value.param}": ${problem}`);
        return;
      }
      const problem = filterValueProblem(filter.op, value);
      if (problem) reporter.add(node, field(where), problem);
    });

    if (statistic.window.last !== undefined && typeof statistic.window.last === 'object') {
      const value = paramValue(statistic.window.last.param, 'window.last');
      if (statistic.window.last.param in scope.params && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= LIMITS.lastEvents)) {
        reporter.add(node, field('window.last'), `parameter "${statistic.window.last.param}" must be a whole number from 1 to ${LIMITS.lastEvents}`);
      }
    }
    if (statistic.window.duration !== undefined && typeof statistic.window.duration === 'object') {
      const value = paramValue(statistic.window.duration.param, 'window.duration');
      if (statistic.window.duration.param in scope.params && (typeof value !== 'string' || durationToMs(value) === null)) {
        reporter.add(node, field('window.duration'), `parameter "${statistic.window.duration.param}" must be a duration such as "2m"`);
      }
    }

    const needsField = statistic.op === 'distinct' || statistic.op === 'sum' || statistic.op === 'values';
    if (needsField && statistic.field === undefined) reporter.add(node, field('field'), `"${statistic.op}" needs the field it is computed over`);
    if (!needsField && statistic.field !== undefined) reporter.add(node, field('field'), `"${statistic.op}" takes no field`);
    if (statistic.op === 'sum' && statistic.field && !statistic.field.startsWith('custom.') && !NUMERIC_EVENT_FIELDS.has(statistic.field)) {
      reporter.add(node, field('field'), `"sum" needs a numeric field (${[...NUMERIC_EVENT_FIELDS].join(', ')} or custom.<key>)`);
    }
    if (reporter.errors.length > before) return;
    compiled.push({
      id: scope.use ? `${scope.use.id}.${statistic.id}` : statistic.id,
      localId: statistic.id,
      scope,
      description: statistic.description ?? null,
      filter: statistic.filter,
      window: statistic.window,
      op: statistic.op,
      field: statistic.field ?? null,
      groupBy: statistic.groupBy ?? null,
      appScope: statistic.scope,
    });
  });
  return compiled;
}

function checkRules(reporter: Reporter, raw: RawRule[], scope: Scope, statistics: CompiledStatistic[], label: (index: number) => string): CompiledRule[] {
  const own = statistics.filter((statistic) => statistic.scope === scope);
  const references: MessageReferences = {
    params: new Set(Object.keys(scope.params)),
    stats: new Set(own.map((statistic) => statistic.localId)),
    forbidden: new Set(),
    otherAppsValues: new Set(own.filter(carriesOtherAppsValues).map((statistic) => statistic.localId)),
  };
  const compiled: CompiledRule[] = [];
  const seen = new Set<string>();
  raw.forEach((rule, index) => {
    const node = label(index);
    const before = reporter.errors.length;
    if (seen.has(rule.id)) reporter.add(node, 'id', `duplicate rule id "${rule.id}"`);
    seen.add(rule.id);
    const budget = { remaining: LIMITS.conditionsPerRule };
    const when = compileCondition(reporter, rule.when, references, { node: `${node}.when`, path: [] }, 1, budget);
    const then = compileThen(reporter, rule.then, references, `${node}.then`);
    if (reporter.errors.length > before || !when || !then) return;
    compiled.push({ id: rule.id, description: rule.description ?? null, scope, when, then });
  });
  return compiled;
}

const GROUP_KEYS = ['all', 'any', 'not'] as const;

function compileCondition(
  reporter: Reporter,
  raw: unknown,
  references: ReferenceRules,
  at: { node: string; path: Path },
  depth: number,
  budget: { remaining: number },
): CompiledCondition | null {
  const field = formatPath(at.path) || 'expression';
  if (--budget.remaining < 0) {
    if (budget.remaining === -1) reporter.add(at.node, field, `more than ${LIMITS.conditionsPerRule} conditions in one rule`);
    return null;
  }
  if (typeof raw === 'string') {
    const compiled = compileInto(reporter, raw, 'condition', references, { node: at.node, field });
    return compiled && { kind: 'expression', ...compiled };
  }
  const keys = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
  const key = keys[0] as (typeof GROUP_KEYS)[number] | undefined;
  if (keys.length !== 1 || !key || !GROUP_KEYS.includes(key)) {
    reporter.add(at.node, field, 'expected a CEL condition (a string) or a group { all: [...] }, { any: [...] } or { not: ... }');
    return null;
  }
  if (depth > LIMITS.conditionDepth) {
    reporter.add(at.node, field, `condition groups nested more than ${LIMITS.conditionDepth} deep`);
    return null;
  }
  const inner = (raw as Record<string, unknown>)[key];
  if (key === 'not') {
    const condition = compileCondition(reporter, inner, references, { node: at.node, path: [...at.path, 'not'] }, depth + 1, budget);
    return condition && { kind: 'not', condition };
  }
  if (!Array.isArray(inner) || inner.length === 0) {
    reporter.add(at.node, formatPath([...at.path, key]), `"${key}" needs a non-empty list of conditions`);
    return null;
  }
  const conditions = inner.map((member, index) =>
    compileCondition(reporter, member, references, { node: at.node, path: [...at.path, key, index] }, depth + 1, budget),
  );
  return conditions.every((condition) => condition !== null) ? { kind: key, conditions: conditions as CompiledCondition[] } : null;
}

const MESSAGE_REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;

interface MessageReferences extends ReferenceRules {
  /** Statistics a message must not quote: the user of the judged event's app reads the message. */
  otherAppsValues: ReadonlySet<string>;
}

/** Problems with `{{ ... }}` references in a message, which render values as text at judge time. */
function messageProblems(message: string, references: MessageReferences): string[] {
  const problems: string[] = [];
  for (const [, path = ''] of message.matchAll(MESSAGE_REFERENCE)) {
    const [root, ...keys] = path.split('.');
    const key = keys.join('.');
    if (root === 'params' && !references.params.has(key)) problems.push(`unknown parameter "${path}"`);
    else if (root === 'stats' && !references.stats.has(key)) problems.push(`unknown statistic "${path}"`);
    else if (root === 'stats' && references.otherAppsValues.has(key)) {
      problems.push(`"{{${path}}}" would show values from other apps' events to this app's user; quote an all-apps count or distinct count instead`);
    } else if (root === 'event' && !(key === 'id' || isEventField(key))) problems.push(`unknown event field "${path}"`);
    else if (root === 'user' && !keys.every((part) => IDENTIFIER.test(part))) problems.push(`"${path}" is not a user attribute path`);
    else if (root !== 'params' && root !== 'stats' && root !== 'event' && root !== 'user') {
      problems.push(`"{{${path}}}" must start with params., stats., event. or user.`);
    }
  }
  return problems;
}

function compileThen(reporter: Reporter, then: RawThen, references: MessageReferences, node: string): CompiledRule['then'] | null {
  const before = reporter.errors.length;
  let factors: FactorType[] | CompiledExpression | null = Array.isArray(then.factors) ? then.factors : null;
  if (!Array.isArray(then.factors)) factors = compileInto(reporter, then.factors.expr, 'value', references, { node, field: 'factors.expr' });
  const texts: [string, string][] =
    typeof then.message === 'string' ? [['message', then.message]] : Object.entries(then.message).map(([tag, text]) => [`message.${tag}`, text]);
  for (const [field, text] of texts) for (const problem of messageProblems(text, references)) reporter.add(node, field, problem);
  if (reporter.errors.length > before || !factors) return null;
  return { factors, acr: then.acr ?? DEFAULT_ACR, message: compileMessage(then.message), custom: then.custom };
}

function compileMessage(message: Message): CompiledMessage {
  if (typeof message === 'string') return { text: message, languages: {} };
  const { [DEFAULT_MESSAGE_KEY]: fallback, ...languages } = message;
  return { text: languages.en ?? fallback ?? '', languages };
}
