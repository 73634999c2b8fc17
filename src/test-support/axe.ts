/**
 * axe-core for the browser tests: `await expectNoAxeViolations(element)` checks the element with its open
 * shadow roots and slotted content (or the whole page without an argument) and fails listing every
 * violation, the nodes it found them on and how to fix them.
 */
// axe-core ships one UMD file: loaded as a module it defines `window.axe`.
import 'axe-core';
import type AxeCore from 'axe-core';
import type { Result, RunOptions } from 'axe-core';

declare global {
  interface Window {
    axe: typeof AxeCore;
  }
}

export async function expectNoAxeViolations(target: Element | Document = document, options: RunOptions = {}): Promise<void> {
  const { violations } = await window.axe.run(target, { resultTypes: ['violations'], ...options });
  if (violations.length > 0) throw new Error(`axe-core found ${violations.length} violation(s):\n${violations.map(describe).join('\n')}`);
}

function describe(violation: Result): string {
  const nodes = violation.nodes.map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.replace(/\n\s*/g, ' ')}`);
  return [`  ${violation.id} (${violation.impact}): ${violation.help} (${violation.helpUrl})`, ...nodes].join('\n');
}

/** The accessible name assistive technology gets for `element`, as axe-core computes it (shadow trees included). */
export function accessibleName(element: Element): string {
  window.axe.setup(document);
  try {
    return window.axe.commons.text.accessibleText(element);
  } finally {
    window.axe.teardown();
  }
}
