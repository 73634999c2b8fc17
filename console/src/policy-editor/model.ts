/**
 * The workflow document as the editor holds it, the nodes it is made of, and the edits both views make.
 * Plain TypeScript with no DOM: the graph, the outline and the inspector are thin views over these functions.
 * Every edit returns a new document and leaves the one it was given untouched, so a host can keep the old one
 * (the baseline, an undo step) by reference.
 */
import type { z } from 'zod';
import type { documentSchema } from '../../../server-mock/src/policy/schema.js';

/** A workflow document as written (YAML or JSON): the policy files' and `/v1/admin/workflows`' shape. */
export type WorkflowDocument = z.input<typeof documentSchema>;
export type StatisticDocument = NonNullable<WorkflowDocument['statistics']>[number];
export type RuleDocument = NonNullable<WorkflowDocument['rules']>[number];
export type UseDocument = NonNullable<WorkflowDocument['uses']>[number];
export type Condition = string | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export type Section = 'statistics' | 'rules' | 'uses';
export type NodeKind = 'workflow' | 'statistic' | 'rule' | 'return' | 'use';

/**
 * Which part of the document a node shows. `workflow` is the input side (modes, parameters and the `match`
 * filter); a rule is its judgment (`when`) and its return value (`then`), two nodes of one list entry.
 */
export type NodeRef = { kind: 'workflow' } | { kind: Exclude<NodeKind, 'workflow'>; index: number };

const SECTION_OF = { statistic: 'statistics', rule: 'rules', return: 'rules', use: 'uses' } as const satisfies Record<Exclude<NodeKind, 'workflow'>, Section>;

/** A stable string for a node: `workflow`, `statistic:0`, `rule:1`, `return:1`, `use:0`. */
export function nodeKey(ref: NodeRef): string {
  return ref.kind === 'workflow' ? 'workflow' : `${ref.kind}:${ref.index}`;
}

export function parseNodeKey(key: string): NodeRef | null {
  if (key === 'workflow') return { kind: 'workflow' };
  const match = /^(statistic|rule|return|use):(\d+)$/.exec(key);
  return match ? { kind: match[1] as Exclude<NodeKind, 'workflow'>, index: Number(match[2]) } : null;
}

export function sectionOf(ref: NodeRef): Section | null {
  return ref.kind === 'workflow' ? null : SECTION_OF[ref.kind];
}

/** The id a template use is known by: its own, else its template's (the rule it adds has that id too). */
export function useId(use: UseDocument): string {
  return use.id ?? use.template;
}

function entries<S extends Section>(document: WorkflowDocument, section: S): NonNullable<WorkflowDocument[S]> {
  return (document[section] ?? []) as NonNullable<WorkflowDocument[S]>;
}

export function statisticsOf(document: WorkflowDocument): StatisticDocument[] {
  return entries(document, 'statistics');
}
export function rulesOf(document: WorkflowDocument): RuleDocument[] {
  return entries(document, 'rules');
}
export function usesOf(document: WorkflowDocument): UseDocument[] {
  return entries(document, 'uses');
}

/** Every node of the document, in the order the engine evaluates them. */
export function nodesOf(document: WorkflowDocument): NodeRef[] {
  return [
    { kind: 'workflow' },
    ...statisticsOf(document).map((_, index) => ({ kind: 'statistic' as const, index })),
    ...rulesOf(document).flatMap((_, index) => [
      { kind: 'rule' as const, index },
      { kind: 'return' as const, index },
    ]),
    ...usesOf(document).map((_, index) => ({ kind: 'use' as const, index })),
  ];
}

/** The document value a node edits: the document itself, a statistic, a rule's body (`rule` and `return` both), a use. */
export function nodeValue(document: WorkflowDocument, ref: NodeRef): Record<string, unknown> | undefined {
  const section = sectionOf(ref);
  if (!section || ref.kind === 'workflow') return document as Record<string, unknown>;
  return entries(document, section)[ref.index] as Record<string, unknown> | undefined;
}

/** What a node is called in the views: its id, or what it is when it has none yet. */
export function nodeLabel(document: WorkflowDocument, ref: NodeRef): string {
  if (ref.kind === 'workflow') return document.name || document.id;
  if (ref.kind === 'use') {
    const use = usesOf(document)[ref.index];
    return use ? useId(use) : '';
  }
  return String(nodeValue(document, ref)?.id ?? '');
}

/** A value at `path` inside `value`, or undefined. */
export function getAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** `value` with `replacement` at `path`; `undefined` removes the key (or the list item). Copies only the spine. */
export function setAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value) && typeof head === 'number') {
    const copy = [...value];
    const next = setAt(copy[head], rest, replacement);
    if (next === undefined && rest.length === 0) copy.splice(head, 1);
    else copy[head] = next;
    return copy;
  }
  const record: Record<string, unknown> = value !== null && typeof value === 'object' ? { ...(value as Record<string, unknown>) } : {};
  const next = setAt(record[head], rest, replacement);
  if (next === undefined) delete record[head];
  else record[head] = next;
  return record;
}

/** A `stats.<id>` reference in CEL or a `{{stats.<id>}}` in a message. */
function statisticReference(id: string): RegExp {
  return new RegExp(`\\bstats\\.${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g');
}

/** Whether a rule's condition, factor expression or message names the statistic. */
export function ruleReferences(rule: RuleDocument, statisticId: string): boolean {
  return statisticReference(statisticId).test(JSON.stringify([rule.when, rule.then]));
}

/** Every string inside a rule's condition and outcome with `stats.<from>` renamed to `stats.<to>`. */
function renameReferences(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.replace(statisticReference(from), `stats.${to}`);
  if (Array.isArray(value)) return value.map((item) => renameReferences(item, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renameReferences(item, from, to)]));
  }
  return value;
}

/**
 * The document with `value` at `path` inside the node (`undefined` removes it). A statistic's new id is
 * carried into the rules that referred to the old one, so renaming never silently breaks a condition.
 */
export function updateNode(document: WorkflowDocument, ref: NodeRef, path: readonly (string | number)[], value: unknown): WorkflowDocument {
  const section = sectionOf(ref);
  if (!section || ref.kind === 'workflow') return setAt(document, path, value) as WorkflowDocument;
  let next = setAt(document, [section, ref.index, ...path], value) as WorkflowDocument;
  const previous = statisticsOf(document)[ref.index]?.id;
  if (ref.kind === 'statistic' && path.length === 1 && path[0] === 'id' && previous && typeof value === 'string' && /^[A-Za-z_]\w*$/.test(value)) {
    next = {
      ...next,
      rules: rulesOf(next).map(
        (rule) => ({ ...rule, when: renameReferences(rule.when, previous, value), then: renameReferences(rule.then, previous, value) }) as RuleDocument,
      ),
    };
  }
  return next;
}

/** The first of `base`, `base2`, `base3`, … that `taken` does not hold. */
export function freshId(base: string, taken: Iterable<string>, separator = ''): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let number = 2; ; number += 1) if (!used.has(`${base}${separator}${number}`)) return `${base}${separator}${number}`;
}

/** A new statistic: the signed-in user's own events, counted over the last 10; the author narrows it from there. */
export function addStatistic(document: WorkflowDocument): { document: WorkflowDocument; ref: NodeRef } {
  const statistics = statisticsOf(document);
  const statistic: StatisticDocument = {
    id: freshId(
      'statistic',
      statistics.map((item) => item.id),
    ),
    filter: [{ field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } }],
    window: { last: 10 },
    op: 'count',
  };
  return { document: { ...document, statistics: [...statistics, statistic] }, ref: { kind: 'statistic', index: statistics.length } };
}

/** A new rule that never fires until its condition is written, so adding one changes no decision. */
export function addRule(document: WorkflowDocument): { document: WorkflowDocument; ref: NodeRef } {
  const rules = rulesOf(document);
  const rule: RuleDocument = {
    id: freshId('rule', [...rules.map((item) => item.id), ...usesOf(document).map(useId)], '-'),
    when: 'false',
    then: { factors: ['totp'] },
  };
  return { document: { ...document, rules: [...rules, rule] }, ref: { kind: 'rule', index: rules.length } };
}

/** A template use; a second use of one template gets its own id, since the id names the rule it adds. */
export function addUse(document: WorkflowDocument, template: string, params: Record<string, unknown> = {}): { document: WorkflowDocument; ref: NodeRef } {
  const uses = usesOf(document);
  const taken = [...uses.map(useId), ...rulesOf(document).map((rule) => rule.id)];
  const id = freshId(template, taken, '-');
  const use: UseDocument = { template, ...(id === template ? {} : { id }), ...(Object.keys(params).length > 0 ? { params } : {}) };
  return { document: { ...document, uses: [...uses, use] }, ref: { kind: 'use', index: uses.length } };
}

/** The document without the node's entry (a rule's `return` removes the rule: a rule cannot go without an outcome). */
export function removeNode(document: WorkflowDocument, ref: NodeRef): WorkflowDocument {
  const section = sectionOf(ref);
  if (!section || ref.kind === 'workflow') return document;
  return { ...document, [section]: entries(document, section).filter((_, index) => index !== ref.index) };
}

/** The document with the node's entry moved by `offset` places in its list (order matters: the first rule that holds fires). */
export function moveNode(document: WorkflowDocument, ref: NodeRef, offset: number): { document: WorkflowDocument; ref: NodeRef } {
  const section = sectionOf(ref);
  if (!section || ref.kind === 'workflow') return { document, ref };
  const list = [...entries(document, section)];
  const target = ref.index + offset;
  if (target < 0 || target >= list.length) return { document, ref };
  const [moved] = list.splice(ref.index, 1);
  list.splice(target, 0, moved!);
  return { document: { ...document, [section]: list }, ref: { ...ref, index: target } };
}

/** A first condition on a statistic's value, by what the aggregate returns (README: "Statistic values"). */
export function starterCondition(statistic: StatisticDocument): string {
  const reference = `stats.${statistic.id}`;
  if (statistic.groupBy !== undefined) return `size(${reference}) > 0`;
  if (statistic.op === 'values') return `size(${reference}) > 0`;
  if (statistic.op === 'latest') return `${reference} != null`;
  return `${reference} > 0`;
}

/**
 * Connecting a statistic to a rule makes the rule depend on it: a condition on the statistic joins the rule's
 * conditions (all of them must hold). Anything else, or a rule that already refers to the statistic, is no change.
 */
export function connect(document: WorkflowDocument, from: NodeRef, to: NodeRef): WorkflowDocument {
  if (from.kind !== 'statistic' || (to.kind !== 'rule' && to.kind !== 'return')) return document;
  const statistic = statisticsOf(document)[from.index];
  const rule = rulesOf(document)[to.index];
  if (!statistic || !rule || ruleReferences(rule, statistic.id)) return document;
  const when = rule.when as Condition;
  const condition = starterCondition(statistic);
  const joined: Condition =
    when === 'false' || when === '' ? condition : typeof when === 'object' && 'all' in when ? { all: [...when.all, condition] } : { all: [when, condition] };
  return updateNode(document, { kind: 'rule', index: to.index }, ['when'], joined);
}

/** An empty workflow: what "new" starts from. It needs a rule or a template before it is valid. */
export function emptyDocument(id = 'new-workflow', name = 'New workflow'): WorkflowDocument {
  return { id, name, modes: ['api'], statistics: [], rules: [], uses: [] };
}
