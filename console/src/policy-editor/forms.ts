/**
 * One inspector form per node kind, over the fields in `fields.ts`. The forms write document values only
 * through `context.edit(path, value)`, so the graph, the outline and the YAML view all see the same edit.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { LIMITS, MESSAGE_LANGUAGES } from '../../../server-mock/src/policy/schema.js';
import { actionButton, celField, fieldErrors, selectField, textField, yamlField, type Choice, type FormContext, type Path } from './fields.js';
import { freshId, type Condition, type RuleDocument, type StatisticDocument, type UseDocument, type WorkflowDocument } from './model.js';
import { AGGREGATE_OPS, FACTOR_TYPES, FILTER_OPS, PARAM_TYPES, TEMPLATE_CATALOG } from './vocabulary.js';
import type { MessageKey } from './messages.js';

const plain = (values: readonly string[]): Choice[] => values.map((value) => ({ value, label: value }));
/** Choices whose labels are translated: each value with the message key of its label. */
const labelled = (t: FormContext['t'], labels: Record<string, MessageKey>): Choice[] =>
  Object.entries(labels).map(([value, key]) => ({ value, label: t(key) }));

/** `params.lookback` as a window's size is a parameter reference (`{ param: lookback }`); anything else is the value itself. */
function referenceText(value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'param' in value ? `params.${String((value as { param: unknown }).param)}` : value;
}

function parseWindowValue(kind: 'last' | 'duration') {
  return (text: string): unknown => {
    const reference = /^params\.([A-Za-z_]\w*)$/.exec(text.trim());
    if (reference) return { param: reference[1] };
    return kind === 'last' && /^\d+$/.test(text.trim()) ? Number(text) : text;
  };
}

export function workflowForm(context: FormContext, document: WorkflowDocument): TemplateResult {
  const { t } = context;
  const modes = document.modes ?? [];
  const toggleMode = (mode: 'api' | 'event', on: boolean) =>
    context.edit(['modes'], on ? [...modes.filter((item) => item !== mode), mode] : modes.filter((item) => item !== mode));
  return html`${textField(context, ['id'], t('field.id'), document.id)} ${textField(context, ['name'], t('field.name'), document.name)}
    ${textField(context, ['description'], t('field.description'), document.description, { optional: true })}
    <fieldset class="field" data-field="modes">
      <legend>${t('field.modes')}</legend>
      ${(['api', 'event'] as const).map(
        (mode) =>
          html`<label class="inline"
            ><input
              type="checkbox"
              .checked=${modes.includes(mode)}
              ?disabled=${context.readonly}
              @change=${(event: Event) => toggleMode(mode, (event.target as HTMLInputElement).checked)}
            />
            ${mode}</label
          >`,
      )}
      ${fieldErrors(context, ['modes'])}
    </fieldset>
    ${celField(context, ['match'], t('field.match'), document.match ?? '', true)} ${paramsFields(context, document)}`;
}

function paramsFields(context: FormContext, document: WorkflowDocument): TemplateResult {
  const { t } = context;
  const params = document.params ?? {};
  const rename = (from: string, to: string) => {
    if (!to || to === from || to in params) return;
    context.edit(['params'], Object.fromEntries(Object.entries(params).map(([name, declaration]) => [name === from ? to : name, declaration])));
  };
  const add = () => context.edit(['params', freshId('param', Object.keys(params))], { type: 'number', default: 1 });
  return html`<fieldset class="field" data-field="params">
    <legend>${t('field.params')}</legend>
    ${Object.entries(params).map(
      ([name, declaration]) =>
        html`<div class="group">
          <label class="inline"
            >${t('field.paramName')}
            <input .value=${name} ?readonly=${context.readonly} @change=${(event: Event) => rename(name, (event.target as HTMLInputElement).value)}
          /></label>
          ${selectField(context, ['params', name, 'type'], t('field.paramType'), declaration.type, plain(PARAM_TYPES))}
          ${yamlField(context, ['params', name, 'default'], t('field.paramDefault'), declaration.default, false)}
          ${actionButton(context, t('action.removeParam', { name }), () => context.edit(['params', name], undefined), '✕')}
        </div>`,
    )}
    ${fieldErrors(context, ['params'])} ${actionButton(context, t('action.addParam'), add)}
  </fieldset>`;
}

/** Aggregates computed over a field (`parse.ts` refuses a field on the others). */
const NEEDS_FIELD = new Set<string>(['distinct', 'sum', 'values']);

export function statisticForm(context: FormContext, statistic: StatisticDocument): TemplateResult {
  const { t } = context;
  const kind = statistic.window?.last !== undefined ? 'last' : 'duration';
  const switchWindow = (next: string) => context.edit(['window'], next === 'last' ? { last: 10 } : { duration: '5m' });
  return html`${textField(context, ['id'], t('field.id'), statistic.id)}
  ${textField(context, ['description'], t('field.description'), statistic.description, { optional: true })}
  ${selectField(context, ['op'], t('field.op'), statistic.op, plain(AGGREGATE_OPS), (op) => {
    // One edit, so an emitted document never has an aggregate with a field it refuses.
    const { field: _field, ...rest } = statistic;
    context.edit([], NEEDS_FIELD.has(op) ? { ...statistic, op } : { ...rest, op });
  })}
  ${
    NEEDS_FIELD.has(statistic.op) || statistic.field !== undefined
      ? textField(context, ['field'], t('field.field'), statistic.field, { optional: true, list: 'event-fields' })
      : nothing
  }
  ${textField(context, ['groupBy'], t('field.groupBy'), statistic.groupBy, { optional: true, list: 'event-fields' })}
  ${selectField(context, ['scope'], t('field.scope'), statistic.scope ?? 'app', labelled(t, { app: 'scope.app', 'all-apps': 'scope.all-apps' }))}
  ${selectField(context, ['window'], t('field.window'), kind, labelled(t, { last: 'field.windowLast', duration: 'field.windowDuration' }), switchWindow)}
  ${textField(context, ['window', kind], t('field.windowValue'), referenceText(statistic.window?.[kind]), { parse: parseWindowValue(kind) })}
  ${filterFields(context, statistic)}`;
}

type FilterDocument = NonNullable<StatisticDocument['filter']>[number];
const VALUE_KINDS = ['none', 'string', 'number', 'boolean', 'list', 'event', 'param'] as const;
type ValueKind = (typeof VALUE_KINDS)[number];

function valueKind(value: FilterDocument['value']): ValueKind {
  if (value === undefined) return 'none';
  if (Array.isArray(value)) return 'list';
  if (value !== null && typeof value === 'object') return 'event' in value ? 'event' : 'param';
  return typeof value as 'string' | 'number' | 'boolean';
}

const FRESH_VALUE: Record<ValueKind, unknown> = {
  none: undefined,
  string: '',
  number: 0,
  boolean: true,
  list: [],
  event: { event: 'originalIdentity' },
  param: { param: '' },
};

function filterValueField(context: FormContext, path: Path, number: number, value: FilterDocument['value']): TemplateResult | typeof nothing {
  const { t } = context;
  const kind = valueKind(value);
  const label = t('field.filterValue', { number });
  if (kind === 'none') return nothing;
  if (kind === 'event') return textField(context, [...path, 'event'], label, (value as { event: string }).event, { list: 'event-fields' });
  if (kind === 'param') return textField(context, [...path, 'param'], label, (value as { param: string }).param);
  if (kind === 'list') return yamlField(context, path, label, value, false);
  if (kind === 'number') return textField(context, path, label, value, { type: 'number', parse: Number });
  if (kind === 'boolean') return selectField(context, path, label, String(value), plain(['true', 'false']), (next) => context.edit(path, next === 'true'));
  return textField(context, path, label, value);
}

function filterFields(context: FormContext, statistic: StatisticDocument): TemplateResult {
  const { t } = context;
  const filters = statistic.filter ?? [];
  const add = () => context.edit(['filter', filters.length], { field: 'behaviorType', op: 'eq', value: 'login' });
  return html`<fieldset class="field" data-field="filter">
    <legend>${t('field.filter')}</legend>
    ${filters.map((filter, index) => {
      const number = index + 1;
      const path = ['filter', index] as const;
      const kindChoices = VALUE_KINDS.map((kind) => ({ value: kind, label: t(`value.${kind}`) }));
      return html`<div class="group">
        ${textField(context, [...path, 'field'], t('field.filterField', { number }), filter.field, { list: 'event-fields' })}
        ${selectField(context, [...path, 'op'], t('field.filterOp', { number }), filter.op, plain(FILTER_OPS))}
        ${selectField(context, [...path, 'valueKind'], t('field.filterValueKind', { number }), valueKind(filter.value), kindChoices, (kind) =>
          context.edit([...path, 'value'], FRESH_VALUE[kind as ValueKind]),
        )}
        ${filterValueField(context, [...path, 'value'], number, filter.value)}
        ${actionButton(context, t('action.removeFilter', { number }), () => context.edit(path, undefined), '✕')}
      </div>`;
    })}
    ${fieldErrors(context, ['filter'])} ${filters.length < LIMITS.filtersPerStatistic ? actionButton(context, t('action.addFilter'), add) : nothing}
  </fieldset>`;
}

const GROUP_KINDS = ['expression', 'all', 'any', 'not'] as const;
type GroupKind = (typeof GROUP_KINDS)[number];

function groupKind(condition: Condition): GroupKind {
  return typeof condition === 'string' ? 'expression' : (Object.keys(condition)[0] as GroupKind);
}

/** The condition turned into another kind, keeping what it held: an expression becomes a group's first member and back. */
function regroup(condition: Condition, kind: GroupKind): Condition {
  const members = typeof condition === 'string' ? [condition] : 'not' in condition ? [condition.not] : 'all' in condition ? condition.all : condition.any;
  if (kind === 'expression') return typeof members[0] === 'string' ? members[0] : 'true';
  if (kind === 'not') return { not: members[0] ?? 'true' };
  return kind === 'all' ? { all: members } : { any: members };
}

/** A `when` condition, recursively: an expression, or a group of conditions (README "Conditions"). */
export function conditionFields(context: FormContext, path: Path, condition: Condition, depth = 1): TemplateResult {
  const { t } = context;
  const kind = groupKind(condition);
  const kinds = GROUP_KINDS.map((value) => ({ value, label: t(`field.groupKind.${value}`) }));
  const chooser = selectField(context, [...path, '(kind)'], t('field.group'), kind, kinds, (next) => context.edit(path, regroup(condition, next as GroupKind)));
  if (typeof condition === 'string')
    return html`${depth === 1 ? chooser : nothing}${celField(context, path, depth === 1 ? t('field.when') : t('field.member', { number: (path.at(-1) as number) + 1 }), condition)}`;
  if ('not' in condition)
    return html`${chooser}
      <div class="group">${conditionFields(context, [...path, 'not'], condition.not, depth + 1)}</div>`;
  const key = 'all' in condition ? 'all' : 'any';
  const members = 'all' in condition ? condition.all : condition.any;
  return html`${chooser}
    <ol class="group">
      ${members.map(
        (member, index) =>
          html`<li>
            ${conditionFields(context, [...path, key, index], member, depth + 1)}
            ${members.length > 1 ? actionButton(context, t('action.removeCondition', { number: index + 1 }), () => context.edit([...path, key, index], undefined), '✕') : nothing}
          </li>`,
      )}
    </ol>
    ${depth < LIMITS.conditionDepth ? actionButton(context, t('action.addCondition'), () => context.edit([...path, key, members.length], 'true')) : nothing}`;
}

export function ruleForm(context: FormContext, rule: RuleDocument): TemplateResult {
  const { t } = context;
  return html`${textField(context, ['id'], t('field.id'), rule.id)}
  ${textField(context, ['description'], t('field.description'), rule.description, { optional: true })}
  ${conditionFields(context, ['when'], rule.when as Condition)}`;
}

export function returnForm(context: FormContext, rule: RuleDocument): TemplateResult {
  const { t } = context;
  const then = rule.then;
  const fromExpression = !Array.isArray(then.factors);
  const source = selectField(
    context,
    ['then', 'factors', '(source)'],
    t('field.factorsSource'),
    fromExpression ? 'expr' : 'list',
    labelled(t, { list: 'field.factorsList', expr: 'field.factorsExpr' }),
    (next) => context.edit(['then', 'factors'], next === 'expr' ? { expr: "['totp']" } : ['totp']),
  );
  const factors = fromExpression
    ? celField(context, ['then', 'factors', 'expr'], t('field.factorsExprValue'), (then.factors as { expr: string }).expr)
    : factorListFields(context, then.factors as string[]);
  return html`${source} ${factors} ${textField(context, ['then', 'acr'], t('field.acr'), then.acr, { optional: true })} ${messageFields(context, then.message)}`;
}

function factorListFields(context: FormContext, factors: readonly string[]): TemplateResult {
  const { t } = context;
  const path = ['then', 'factors'] as const;
  const remaining = FACTOR_TYPES.filter((factor) => !factors.includes(factor));
  const move = (index: number) =>
    context.edit(
      path,
      factors.map((_, at) => (at === index - 1 ? factors[index] : at === index ? factors[index - 1] : factors[at])),
    );
  let chosen = remaining[0] ?? '';
  return html`<fieldset class="field" data-field="factors">
    <legend>${t('field.factors')}</legend>
    <ol>
      ${factors.map(
        (factor, index) =>
          html`<li>
            ${factor} ${index > 0 ? actionButton(context, t('action.moveUp', { name: factor }), () => move(index), '↑') : nothing}
            ${actionButton(context, t('action.removeFactor', { name: factor }), () => context.edit([...path, index], undefined), '✕')}
          </li>`,
      )}
    </ol>
    ${
      remaining.length > 0 && !context.readonly
        ? html`${selectField(context, ['then', 'factors', '(new)'], t('field.newFactor'), chosen, plain(remaining), (value) => (chosen = value))}
          ${actionButton(context, t('action.addFactor'), () => context.edit(path, [...factors, chosen]))}`
        : nothing
    }
    ${fieldErrors(context, path)}
  </fieldset>`;
}

function messageFields(context: FormContext, message: RuleDocument['then']['message']): TemplateResult {
  const { t } = context;
  const byLanguage = message !== undefined && typeof message === 'object';
  const kind = selectField(
    context,
    ['then', 'message', '(kind)'],
    t('field.messageKind'),
    byLanguage ? 'languages' : 'one',
    labelled(t, { one: 'field.messageOne', languages: 'field.messageLanguages' }),
    (next) =>
      context.edit(
        ['then', 'message'],
        next === 'languages' ? { en: typeof message === 'string' ? message : '' } : ((message as Record<string, string> | undefined)?.en ?? ''),
      ),
  );
  if (!byLanguage) return html`${kind} ${textField(context, ['then', 'message'], t('field.message'), message, { optional: true })}`;
  return html`${kind}
  ${MESSAGE_LANGUAGES.map((language) => textField(context, ['then', 'message', language], t('field.messageIn', { language }), (message as Record<string, string>)[language], { optional: language !== 'en' }))}`;
}

export function useForm(context: FormContext, use: UseDocument): TemplateResult {
  const { t } = context;
  const entry = TEMPLATE_CATALOG.find((template) => template.name === use.template);
  const choices = TEMPLATE_CATALOG.map((template) => ({ value: template.name, label: template.name }));
  return html`${selectField(context, ['template'], t('field.template'), use.template, choices, (template) =>
    // Another template's parameters mean nothing to this one: the use starts from its defaults.
    context.edit([], { template, ...(use.id === undefined ? {} : { id: use.id }) }),
  )}
  ${entry ? html`<p class="hint">${entry.summary}</p>` : nothing} ${textField(context, ['id'], t('field.id'), use.id, { optional: true })}
  ${(entry?.paramNames ?? []).map((name) => yamlField(context, ['params', name], t('field.templateParam', { name }), use.params?.[name]))}`;
}
