import type { ConditionTrace, Decision } from './decision.js';

/** Human-readable form of a decision's explanation, as `camfa-guard policy simulate` prints it. */

const MARK = { true: '✓', false: '✗', null: '?' } as const;

function mark(result: boolean | null): string {
  return MARK[String(result) as keyof typeof MARK];
}

function conditionLines(trace: ConditionTrace, indent: string): string[] {
  if ('expression' in trace) {
    const error = trace.error ? `   error: ${trace.error}` : '';
    return [`${indent}${mark(trace.result)} ${trace.expression}${error}`];
  }
  const members = trace.group === 'not' ? [trace.condition] : trace.conditions;
  return [`${indent}${mark(trace.result)} ${trace.group}`, ...members.flatMap((member) => conditionLines(member, `${indent}  `))];
}

function compact(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Date's own limit; beyond it toISOString throws, and an explanation must print whatever the clock said. */
const MAX_DATE_MS = 8.64e15;

function timestamp(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);
}

export function formatExplanation(decision: Decision): string {
  const { explanation } = decision;
  const lines: string[] = [];
  const outcome = decision.hit ? `STEP-UP (rule ${decision.ruleId})` : 'no step-up';
  lines.push(`Workflow ${explanation.workflowId} (${explanation.workflowName}) at ${timestamp(explanation.now)}: ${outcome}`);
  if (decision.hit) {
    lines.push(`  factors: ${decision.factors.join(', ')}`, `  acr: ${decision.acr}`);
    if (decision.message) lines.push(`  message: ${decision.message}`);
    for (const [tag, text] of Object.entries(decision.messages)) lines.push(`    ${tag}: ${text}`);
    if (Object.keys(decision.custom).length > 0) lines.push(`  custom: ${compact(decision.custom)}`);
  }
  if (explanation.error) lines.push(`Error: ${explanation.error}`);
  const params = Object.entries(explanation.params);
  if (params.length > 0) lines.push(`Parameters: ${params.map(([name, value]) => `${name}=${compact(value)}`).join(', ')}`);
  for (const problem of explanation.paramProblems) lines.push(`  ! ${problem}`);
  if (explanation.match.expression !== null) {
    const error = explanation.match.error ? ` (error: ${explanation.match.error})` : '';
    lines.push(`Match: ${explanation.match.expression} → ${explanation.match.applied ? 'applies' : 'does not apply; nothing else evaluated'}${error}`);
  }
  if (explanation.statistics.length > 0) {
    lines.push('Statistics:');
    for (const statistic of explanation.statistics) {
      lines.push(`  ${statistic.id} = ${compact(statistic.value)}`, `      ${statistic.description}`);
      if (statistic.note) lines.push(`      (${statistic.note})`);
    }
  }
  if (explanation.rules.length > 0) {
    lines.push('Rules (in order; the first that holds fires):');
    for (const rule of explanation.rules) {
      const origin = rule.template ? ` [template ${rule.template}]` : '';
      const fired = explanation.firedRule === rule.id ? '  → fired' : '';
      lines.push(`  ${mark(rule.result)} ${rule.id}${origin}${fired}${rule.description ? `: ${rule.description}` : ''}`);
      lines.push(...conditionLines(rule.condition, '      '));
      if (rule.error) lines.push(`      error: ${rule.error}`);
    }
  }
  if (explanation.notEvaluated.length > 0) lines.push(`Not evaluated (an earlier rule fired): ${explanation.notEvaluated.join(', ')}`);
  return lines.join('\n');
}
