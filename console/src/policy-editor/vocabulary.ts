/**
 * What the editor offers: the built-in templates (one action inserts each) and the names CEL may use, for
 * completion. Lists come from the schema and the engine where they are exported, so a new event field or
 * template shows up here without an edit.
 */
import { TEMPLATES } from '../../../server-mock/src/policy/templates.js';
import { EVENT_FIELDS, FACTOR_TYPES } from '../../../server-mock/src/protocol/index.js';
import { AGGREGATE_OPS, FILTER_OPS, PARAM_TYPES } from '../../../server-mock/src/policy/schema.js';
import { statisticsOf, type NodeRef, type WorkflowDocument } from './model.js';

export { AGGREGATE_OPS, EVENT_FIELDS, FACTOR_TYPES, FILTER_OPS, PARAM_TYPES };

export interface TemplateEntry {
  name: string;
  summary: string;
  paramNames: readonly string[];
  /** Parameters a new use starts with: none, unless the template has required ones (then a working example). */
  starterParams: Record<string, unknown>;
}

/** Required parameters have no default to fall back on; these examples make a fresh use valid at once. */
const REQUIRED_EXAMPLES: Record<string, Record<string, unknown>> = {
  'factor-by-attribute': { attribute: 'role', map: { admin: ['webauthn', 'totp'] }, default: ['totp'] },
};

export const TEMPLATE_CATALOG: readonly TemplateEntry[] = [...TEMPLATES.values()].map((template) => ({
  name: template.name,
  summary: template.summary,
  paramNames: template.paramNames,
  starterParams: template.params.safeParse({}).success ? {} : (REQUIRED_EXAMPLES[template.name] ?? {}),
}));

export interface Completion {
  label: string;
  type: 'variable' | 'property' | 'function';
  detail?: string;
}

/**
 * The user attributes the built-in directory gives workflows (`policyAttributes` in
 * `server-mock/src/users/directory.ts`, which is not importable here: it brings the directory's storage code).
 */
const USER_ATTRIBUTES = ['roles', 'groups', 'department', 'username'];

/**
 * The engine's CEL helpers (`HELPER_FUNCTIONS` in `server-mock/src/policy/cel.ts` is module-private) and
 * the CEL built-ins authors reach for most.
 */
const FUNCTIONS = ['size', 'has', 'matches', 'inCidr', 'distanceKm', 'eventDistanceKm', 'speedKmh', 'userAttribute', 'timestamp', 'duration'];

/** Completions for a CEL field of `ref`: event fields, user attributes, the scope's parameters and statistics, helpers. */
export function celCompletions(document: WorkflowDocument, ref: NodeRef): Completion[] {
  const params = Object.keys(document.params ?? {});
  // `match` runs before any statistic is fetched, so it may name none.
  const stats = ref.kind === 'workflow' ? [] : statisticsOf(document).map((statistic) => statistic.id);
  return [
    ...['event', 'user', 'params', 'stats', 'now'].map((label) => ({ label, type: 'variable' as const })),
    ...['id', ...EVENT_FIELDS, 'custom'].map((field) => ({ label: `event.${field}`, type: 'property' as const, detail: 'event' })),
    ...USER_ATTRIBUTES.map((attribute) => ({ label: `user.${attribute}`, type: 'property' as const, detail: 'user' })),
    ...params.map((name) => ({ label: `params.${name}`, type: 'property' as const, detail: 'parameter' })),
    ...stats.map((id) => ({ label: `stats.${id}`, type: 'property' as const, detail: 'statistic' })),
    ...FUNCTIONS.map((name) => ({ label: name, type: 'function' as const })),
  ];
}
