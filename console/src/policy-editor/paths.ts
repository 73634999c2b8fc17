/**
 * From the server parser's errors (`PolicyError`: `node` such as `statistics[known]`, `rules[new-country].when`,
 * `params[lookback]`, `uses[extranet]`; `field` such as `window.last`, `filter[0].op`, `all[1]`) to the editor's
 * node and the inspector field that shows it. The parser names an entry by its id when that id is unique and
 * well-formed, else by its index (`Reporter.label` in `server-mock/src/policy/parse.ts`); this resolves both.
 */
import type { PolicyError } from '../../../server-mock/src/policy/parse.js';
import { nodeKey, rulesOf, statisticsOf, useId, usesOf, type NodeRef, type Section, type WorkflowDocument } from './model.js';

export type ValidationError = Pick<PolicyError, 'node' | 'field' | 'message'> & Partial<Pick<PolicyError, 'document'>>;

export interface LocatedError {
  /** The editor's node key (`statistic:0`, `rule:1`, `return:1`, `use:0`, `workflow`). */
  key: string;
  /** The inspector field, as a path inside the node: `window.last`, `filter[0].op`, `when.all[1]`, `params.lookback`; '' for the node as a whole. */
  field: string;
  message: string;
}

/** Fields the parser writes for "the entry itself", which the inspector shows on the node rather than on a field. */
const WHOLE = new Set(['(entry)', '(value)', '(document)']);

const KIND_OF = { statistics: 'statistic', rules: 'rule', uses: 'use' } as const;

function indexOf(document: WorkflowDocument, section: Section, label: string): number {
  if (/^\d+$/.test(label)) return Number(label);
  const names =
    section === 'statistics'
      ? statisticsOf(document).map((item) => item.id)
      : section === 'rules'
        ? rulesOf(document).map((item) => item.id)
        : usesOf(document).map(useId);
  return names.indexOf(label);
}

function joinField(prefix: string, field: string): string {
  if (WHOLE.has(field) || field === '') return prefix;
  if (!prefix) return field;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

/** The node and field one server error names; null when the document no longer has that node. */
export function locateError(document: WorkflowDocument, error: ValidationError): LocatedError | null {
  const { node, message } = error;
  const field = error.field ?? '';
  if (node === 'document') return { key: 'workflow', field: joinField('', field), message };
  const param = /^params\[(.+)\]$/.exec(node);
  if (param) return { key: 'workflow', field: joinField(`params.${param[1]}`, field), message };
  const entry = /^(statistics|rules|uses)\[(.+?)\](?:\.(when|then))?$/.exec(node);
  if (!entry) return null;
  const section = entry[1] as Section;
  const index = indexOf(document, section, entry[2]!);
  if (index < 0) return null;
  const part = entry[3];
  const ref: NodeRef = { kind: part === 'then' ? 'return' : KIND_OF[section], index };
  // The inspector names fields from the rule (`when`, `then.factors`); a plain CEL condition is reported as field
  // "expression", which in the inspector is the `when` field itself.
  const inner = part === 'when' ? joinField('when', field === 'expression' ? '' : field) : part === 'then' ? joinField('then', field) : field;
  return { key: nodeKey(ref), field: WHOLE.has(inner) ? '' : inner, message };
}

/** Every locatable error, grouped by node key; errors naming a node the document no longer has are left out. */
export function errorsByNode(document: WorkflowDocument, errors: readonly ValidationError[]): Map<string, LocatedError[]> {
  const grouped = new Map<string, LocatedError[]>();
  for (const error of errors) {
    const located = locateError(document, error);
    if (!located) continue;
    grouped.set(located.key, [...(grouped.get(located.key) ?? []), located]);
  }
  return grouped;
}

/** The messages an inspector field shows: errors on the field itself or anywhere inside it (`filter[0]` shows `filter[0].op`'s). */
export function errorsForField(errors: readonly LocatedError[] | undefined, field: string): string[] {
  return (errors ?? [])
    .filter((error) => error.field === field || error.field.startsWith(`${field}.`) || error.field.startsWith(`${field}[`))
    .map((error) => error.message);
}
