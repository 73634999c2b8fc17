import type { FactorType } from '../protocol/index.js';
import type { AggregateResult } from './statistics.js';

/**
 * What `judge` returns: the decision and its explanation. Its own module because both the engine, which
 * builds it, and `explain.ts`, which prints it, need it, and neither should import the other for it.
 */

export type ConditionTrace =
  | { expression: string; result: boolean | null; error?: string }
  | { group: 'all' | 'any'; result: boolean | null; conditions: ConditionTrace[] }
  | { group: 'not'; result: boolean | null; condition: ConditionTrace };

export interface StatisticTrace {
  id: string;
  description: string;
  /** null when withheld: an all-apps statistic's raw values never enter an explanation (the note summarises them). */
  value: AggregateResult;
  /** Why the value is not simply what storage returned, if it is not. */
  note: string | null;
}

export interface RuleTrace {
  id: string;
  /** The template that added the rule, or null for the document's own. */
  template: string | null;
  description: string | null;
  /** true: fired; false: conditions not met; null: an error left it undecided (never fires). */
  result: boolean | null;
  condition: ConditionTrace;
  /** A problem after the conditions held (e.g. the factor expression failed), which stopped the rule firing. */
  error: string | null;
}

/** JSON: stored with every decision and printed by `policy simulate`. */
export interface Explanation {
  workflowId: string;
  workflowName: string;
  now: number;
  params: Record<string, unknown>;
  paramProblems: string[];
  /** `applied: false` means the workflow's match said this event is not its business: no statistics, no rules. */
  match: { expression: string | null; applied: boolean; error: string | null };
  statistics: StatisticTrace[];
  /** The rules evaluated, in order; evaluation stops at the first that fires. */
  rules: RuleTrace[];
  firedRule: string | null;
  /** Rules after the fired one, never evaluated. */
  notEvaluated: string[];
  /** Set only when the input itself could not be judged (e.g. `now` is not a number); the decision is then no hit. */
  error: string | null;
}

export interface Decision {
  workflowId: string;
  hit: boolean;
  ruleId: string | null;
  /** In the order the user should be offered them; empty when no rule fired. */
  factors: FactorType[];
  acr: string;
  /** The default text (English unless the author wrote otherwise); '' when no rule fired. */
  message: string;
  /** The message by language tag, when the rule gave texts by language; else empty. */
  messages: Record<string, string>;
  custom: Record<string, unknown>;
  explanation: Explanation;
}
