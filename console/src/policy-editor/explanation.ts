/**
 * From the engine's decision explanation (`server-mock/src/policy/decision.ts`) to the path it lit through the
 * document: which nodes the event went through, what each statistic came to, which rules held, which fired.
 */
import type { ConditionTrace, Explanation, RuleTrace } from '../../../server-mock/src/policy/decision.js';
import { nodeKey, rulesOf, statisticsOf, useId, usesOf, type WorkflowDocument } from './model.js';

/**
 * `taken`: the event went through (a statistic was computed, the rule fired, its return value is the outcome);
 * `passed`: evaluated and did not hold; `undecided`: an error left it open; `skipped`: never evaluated
 * (an earlier rule fired, or `match` turned the event away).
 */
export type TraceState = 'taken' | 'passed' | 'undecided' | 'skipped';

export interface NodeTrace {
  state: TraceState;
  /** Statistic values by the name the node's CEL uses (`known`, not `unusual-country.known`). */
  values: { name: string; value: unknown; note: string | null }[];
  condition: ConditionTrace | null;
  error: string | null;
}

function ruleState(trace: RuleTrace | undefined, explanation: Explanation, id: string): TraceState {
  if (!trace) return 'skipped';
  if (explanation.firedRule === id && trace.result === true) return 'taken';
  return trace.result === null ? 'undecided' : 'passed';
}

function ruleTrace(rule: RuleTrace | undefined, state: TraceState): NodeTrace {
  return { state, values: [], condition: rule?.condition ?? null, error: rule?.error ?? null };
}

/** Every node's part in the decision, keyed by node key. Nodes the explanation does not mention are `skipped`. */
export function traceNodes(document: WorkflowDocument, explanation: Explanation): Map<string, NodeTrace> {
  const traces = new Map<string, NodeTrace>();
  const applied = explanation.match.applied && explanation.error === null;
  traces.set('workflow', { state: applied ? 'taken' : 'passed', values: [], condition: null, error: explanation.match.error ?? explanation.error });
  const statistics = new Map(explanation.statistics.map((statistic) => [statistic.id, statistic]));
  statisticsOf(document).forEach((statistic, index) => {
    const trace = statistics.get(statistic.id);
    traces.set(nodeKey({ kind: 'statistic', index }), {
      state: trace ? 'taken' : 'skipped',
      values: trace ? [{ name: statistic.id, value: trace.value, note: trace.note }] : [],
      condition: null,
      error: null,
    });
  });
  const own = new Map(explanation.rules.filter((rule) => rule.template === null).map((rule) => [rule.id, rule]));
  rulesOf(document).forEach((rule, index) => {
    const trace = own.get(rule.id);
    const state = ruleState(trace, explanation, rule.id);
    traces.set(nodeKey({ kind: 'rule', index }), ruleTrace(trace, state));
    traces.set(nodeKey({ kind: 'return', index }), { state: state === 'taken' ? 'taken' : 'skipped', values: [], condition: null, error: null });
  });
  const fromTemplates = new Map(explanation.rules.filter((rule) => rule.template !== null).map((rule) => [rule.id, rule]));
  usesOf(document).forEach((use, index) => {
    const id = useId(use);
    const trace = fromTemplates.get(id);
    const prefix = `${id}.`;
    const values = explanation.statistics
      .filter((statistic) => statistic.id.startsWith(prefix))
      .map((statistic) => ({ name: statistic.id.slice(prefix.length), value: statistic.value, note: statistic.note }));
    traces.set(nodeKey({ kind: 'use', index }), { ...ruleTrace(trace, ruleState(trace, explanation, id)), values });
  });
  return traces;
}

/** Whether an edge lies on the decision's path: both ends taken, or a taken input into a rule that was evaluated. */
export function edgeTaken(traces: ReadonlyMap<string, NodeTrace>, from: string, to: string): boolean {
  const start = traces.get(from)?.state;
  const end = traces.get(to)?.state;
  return start === 'taken' && (end === 'taken' || end === 'passed' || end === 'undecided');
}
