import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { REGEX_LIMITS } from './cel.js';
import { judge, parseWorkflow, type Workflow } from './engine.js';

const NOW = 1_740_830_400_000;
/** The pattern whose backtracking cost doubles with every "a": 25 characters took 278 ms on a JS RegExp. */
const CATASTROPHIC = '^(a+)+$';

function parse(when: string) {
  return parseWorkflow(stringify({ id: 'wf', name: 'Regex', modes: ['event'], rules: [{ id: 'ua', when, then: { factors: ['totp'] } }] }), 'wf.yaml');
}

function workflow(when: string): Workflow {
  const result = parse(when);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.workflow;
}

/** The decision, and the fastest of `runs` evaluations: the minimum is what the code costs, the rest is a busy machine. */
function timedJudge(compiled: Workflow, event: Record<string, unknown>, runs = 1) {
  let ms = Infinity;
  let decision = judge(compiled, { event: { id: 'e0', appId: 'shop', originalIdentity: 'alice' }, stats: {}, now: NOW });
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    decision = judge(compiled, { event: { id: 'e1', appId: 'shop', originalIdentity: 'alice', ...event }, stats: {}, now: NOW });
    ms = Math.min(ms, performance.now() - started);
  }
  return { decision, ms };
}

describe('matches() runs on RE2', () => {
  it('answers the catastrophic pattern on a 1 KB and an 8 KB user agent in linear time', () => {
    const compiled = workflow(`event.ua.matches("${CATASTROPHIC}")`);
    // 26 first: a backtracking engine takes about a second there, so a regression fails instead of hanging.
    for (const length of [26, 1024, REGEX_LIMITS.inputLength - 1]) {
      const { decision, ms } = timedJudge(compiled, { ua: `${'a'.repeat(length)}!` }, 3);
      // A backtracking engine needs about 2^length steps here: it would not return before the heat death.
      expect(ms).toBeLessThan(50);
      expect(decision.hit).toBe(false);
      expect(decision.explanation.rules[0]).toMatchObject({ result: false, condition: { result: false } });
    }
    expect(timedJudge(compiled, { ua: 'a'.repeat(1024) }).decision.hit).toBe(true);
  });

  it('keeps CEL semantics: a match anywhere in the text, receiver and function forms, computed patterns', () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0';
    expect(timedJudge(workflow('event.ua.matches("HeadlessChrome/[0-9]+")'), { ua }).decision.hit).toBe(true);
    expect(timedJudge(workflow('matches(event.ua, "^Mozilla")'), { ua }).decision.hit).toBe(true);
    expect(timedJudge(workflow('(event.ua + "").matches(("(?i)linux"))'), { ua }).decision.hit).toBe(true);
    expect(timedJudge(workflow('event.ua.matches(event.custom.pattern)'), { ua, custom: { pattern: 'X1[0-9]' } }).decision.hit).toBe(true);
    expect(timedJudge(workflow('!event.ua.matches("^Windows")'), { ua }).decision.hit).toBe(true);
  });

  it('refuses at load what RE2 cannot run, naming the rule', () => {
    for (const [pattern, reason] of [
      ['(a)\\\\1', 'RE2 syntax'],
      ['(?=a)b', 'RE2 syntax'],
      ['a'.repeat(REGEX_LIMITS.patternLength + 1), `longer than ${REGEX_LIMITS.patternLength}`],
    ] as const) {
      const result = parse(`event.ua.matches("${pattern}")`);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors[0]).toMatchObject({ node: expect.stringContaining('ua'), message: expect.stringContaining(reason) });
    }
  });

  it('leaves the rule undecided (never a hit) for a computed pattern RE2 refuses or an over-long text', () => {
    const compiled = workflow('event.ua.matches(event.custom.pattern)');
    const refused = timedJudge(compiled, { ua: 'aa', custom: { pattern: '(a)\\1' } }).decision;
    expect(refused.hit).toBe(false);
    expect(refused.explanation.rules[0]).toMatchObject({ result: null, condition: { error: expect.stringContaining('RE2 syntax') } });
    const long = timedJudge(workflow('event.ua.matches("a")'), { ua: 'a'.repeat(REGEX_LIMITS.inputLength + 1) }).decision;
    expect(long.hit).toBe(false);
    expect(long.explanation.rules[0]).toMatchObject({ result: null, condition: { error: expect.stringContaining(`longer than ${REGEX_LIMITS.inputLength}`) } });
  });
});
