/**
 * Helpers for the element tests: a clock that moves when told, the deep focus, what the user sees, and
 * waiting for a condition without fixed sleeps.
 */
import type { Clock } from '../controllers/countdown.js';

/** A clock that moves only when told, running the timers that fall due on the way. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: Clock & { advance(ms: number): void } = {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout: (handle) => timers.delete(handle as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const [id, due] = [...timers].filter(([, timer]) => timer.at <= end).sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
        if (id === undefined || !due) break;
        timers.delete(id);
        now = due.at;
        due.callback();
      }
      now = end;
    },
  };
  return clock;
}

/** The focused element, looking into shadow roots. */
export function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** Every rendered text under `root` in document order, shadow trees and slotted content included. */
export function visibleStrings(root: Node): string[] {
  const strings: string[] = [];
  const walk = (node: Node): void => {
    if (node instanceof HTMLSlotElement) return node.assignedNodes({ flatten: true }).forEach(walk);
    if (node instanceof Element && node.shadowRoot) return walk(node.shadowRoot);
    if (node instanceof Element && getComputedStyle(node).display === 'none') return;
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent!.trim();
      if (text) strings.push(text);
      return;
    }
    node.childNodes.forEach(walk);
  };
  walk(root);
  return strings;
}

/** Waits a frame at a time until `condition` holds (2 s at most). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

/** The first element of `root` (shadow trees included) matching `selector`. */
export function deepQuery<T extends Element = HTMLElement>(root: Element | ShadowRoot, selector: string): T | null {
  const found = root.querySelector<T>(selector);
  if (found) return found;
  for (const element of root.querySelectorAll('*')) {
    const inner = element.shadowRoot && deepQuery<T>(element.shadowRoot, selector);
    if (inner) return inner;
  }
  return null;
}

/**
 * Every rendered element under `container` (shadow trees and slotted content included) that sticks out of it
 * sideways, and the container itself when it sticks out of the viewport: what a user sees cut off or scrolling.
 */
export function overflows(container: Element): string[] {
  const bounds = container.getBoundingClientRect();
  const found: string[] = [];
  const describe = (element: Element) => `${element.localName}${element.getAttribute('part') ? `[part=${element.getAttribute('part')}]` : ''}`;
  if (bounds.left < 0 || bounds.right > document.documentElement.clientWidth) found.push(`${describe(container)} past the viewport`);
  const walk = (node: Node): void => {
    if (node instanceof HTMLSlotElement) return node.assignedElements({ flatten: true }).forEach(walk);
    if (!(node instanceof Element)) return;
    const box = node.getBoundingClientRect();
    // Half a pixel of rounding; hidden and empty boxes take no room.
    if (box.width > 0 && (box.left < bounds.left - 0.5 || box.right > bounds.right + 0.5))
      found.push(`${describe(node)} by ${Math.round(Math.max(bounds.left - box.left, box.right - bounds.right))} px`);
    (node.shadowRoot ?? node).childNodes.forEach(walk);
  };
  (container.shadowRoot ?? container).childNodes.forEach(walk);
  return found;
}
