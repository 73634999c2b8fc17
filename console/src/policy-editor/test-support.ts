/**
 * For the editor's browser tests: the backend's own parser and judge, run in the page, so a test checks
 * what the editor emits against the real rules instead of a copy of them.
 */
import { judge, parseWorkflow } from '../../../server-mock/src/policy/engine.js';
import type { AggregateResult } from '../../../server-mock/src/policy/statistics.js';
import type { PolicyError } from '../../../server-mock/src/policy/parse.js';
import type { WorkflowDocument } from './model.js';

// parse.ts measures the document with Node's Buffer; the browser has none, and this is all it uses.
const globals = globalThis as { Buffer?: unknown };
globals.Buffer ??= { byteLength: (text: string) => new TextEncoder().encode(text).length };

export function parse(document: WorkflowDocument) {
  return parseWorkflow(JSON.stringify(document), 'editor-test');
}

export function serverErrors(document: WorkflowDocument): PolicyError[] {
  const result = parse(document);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors;
}

/** The explanation the engine gives for `event` with the given statistic results. */
export function explain(document: WorkflowDocument, event: Record<string, unknown>, stats: Record<string, AggregateResult>) {
  const result = parse(document);
  if (!result.ok) throw new Error(`expected a valid document: ${JSON.stringify(result.errors)}`);
  return judge(result.workflow, { event: { originalIdentity: 'u1', ...event } as never, stats, now: Date.parse('2026-01-01T00:00:00Z') }).explanation;
}

/** Waits until `check` holds, a frame at a time (no fixed sleeps). */
export async function until(check: () => boolean, what: string, withinMs = 15_000): Promise<void> {
  // Bounded by time rather than frames: the first CodeMirror or dagre import is compiled on demand by the test
  // server, which takes seconds on a loaded machine.
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}
