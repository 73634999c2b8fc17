/**
 * The toolbar's appearance switch, for every story: the element's own light and dark themes, and a page's theme
 * (tokens set on the element, as a page does with `guard-step-up { --guard-color-primary: … }`), which the
 * elements inside it (the picker, the code field) take on as well.
 */
import type { ThemeToken } from '../../src/themes/themes.js';

export const APPEARANCES = ['light', 'dark', 'themed'] as const;
export type Appearance = (typeof APPEARANCES)[number];

/** A brand of its own: teal, rounder, another typeface, warmer surfaces. */
export const BRAND_TOKENS: Partial<Record<ThemeToken, string>> = {
  'color-primary': '#0f766e',
  'color-primary-hover': '#115e59',
  'color-focus': '#0f766e',
  'color-surface': '#fffdf8',
  'color-surface-raised': '#f5f1e8',
  'color-border': '#d6cfc2',
  'font-family': "Georgia, 'Times New Roman', serif",
  radius: '1rem',
  'radius-small': '0.5rem',
};

/** Applies the appearance to the guard element a story renders, or to each one in the page a story builds. */
export function applyAppearance(root: HTMLElement, appearance: Appearance): void {
  const elements = root.localName.startsWith('guard-')
    ? [root]
    : [...root.children].filter((child): child is HTMLElement => child.localName.startsWith('guard-'));
  for (const element of elements) {
    element.setAttribute('theme', appearance === 'dark' ? 'dark' : 'light');
    // CSSOM property writes, not a style attribute: they work under a strict CSP too.
    for (const [token, value] of Object.entries(BRAND_TOKENS)) {
      if (appearance === 'themed') element.style.setProperty(`--guard-${token}`, value);
      else element.style.removeProperty(`--guard-${token}`);
    }
  }
}
