import { css, unsafeCSS, type CSSResult } from 'lit';

/**
 * Design tokens, `--guard-<name>`. Every element reads these (and only these) for colour, shape, type and
 * space; its own knobs (`--width`, `--gap`) default to a token. A page themes the elements by setting tokens
 * on them (`guard-login { --guard-color-primary: #0a7 }`): declarations from the page beat `:host` rules.
 */
export const LIGHT_TOKENS = {
  'color-primary': '#2563eb',
  'color-primary-hover': '#1d4ed8',
  'color-on-primary': '#ffffff',
  'color-surface': '#ffffff',
  'color-surface-raised': '#f8fafc',
  'color-text': '#0f172a',
  'color-text-muted': '#475569',
  'color-border': '#cbd5e1',
  'color-focus': '#2563eb',
  'color-danger': '#b91c1c',
  'color-danger-surface': '#fef2f2',
  'color-success': '#15803d',
  'color-backdrop': 'rgb(15 23 42 / 0.5)',
  'font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'PingFang SC', 'Hiragino Sans', sans-serif",
  'font-family-mono': "ui-monospace, 'SF Mono', Menlo, Consolas, monospace",
  'font-size': '1rem',
  'font-size-small': '0.875rem',
  'font-size-large': '1.25rem',
  'font-weight-bold': '600',
  'line-height': '1.5',
  radius: '0.5rem',
  'radius-small': '0.25rem',
  'spacing-xs': '0.25rem',
  'spacing-s': '0.5rem',
  'spacing-m': '1rem',
  'spacing-l': '1.5rem',
  'spacing-xl': '2rem',
  'focus-ring-width': '3px',
  shadow: '0 10px 30px rgb(15 23 42 / 0.2)',
} as const;

export type ThemeToken = keyof typeof LIGHT_TOKENS;
const THEME_TOKENS = Object.keys(LIGHT_TOKENS) as ThemeToken[];

/** Dark values for the tokens that change; the rest (shape, type, space) stay. */
export const DARK_TOKENS = {
  'color-primary': '#60a5fa',
  'color-primary-hover': '#93c5fd',
  'color-on-primary': '#0b1220',
  'color-surface': '#0f172a',
  'color-surface-raised': '#1e293b',
  'color-text': '#f1f5f9',
  'color-text-muted': '#94a3b8',
  'color-border': '#334155',
  'color-focus': '#93c5fd',
  'color-danger': '#f87171',
  'color-danger-surface': '#450a0a',
  'color-success': '#4ade80',
  'color-backdrop': 'rgb(2 6 23 / 0.7)',
  shadow: '0 10px 30px rgb(0 0 0 / 0.6)',
} as const satisfies Partial<Record<ThemeToken, string>>;

export type Theme = 'light' | 'dark' | 'auto';

// The values are our own constants, never user input, so building CSS text from them is safe.
const declarations = (tokens: Partial<Record<ThemeToken, string>>): CSSResult =>
  unsafeCSS(
    Object.entries(tokens)
      .map(([name, value]) => `--guard-${name}: ${value};`)
      .join(' '),
  );

/** Light tokens on the host. */
export const lightTheme = css`
  :host {
    ${declarations(LIGHT_TOKENS)}
    color-scheme: light;
  }
`;

/** Dark tokens on the host. */
export const darkTheme = css`
  :host {
    ${declarations({ ...LIGHT_TOKENS, ...DARK_TOKENS })}
    color-scheme: dark;
  }
`;

/** Light, or dark when the system prefers it. */
export const autoTheme = css`
  ${lightTheme}
  @media (prefers-color-scheme: dark) {
    ${darkTheme}
  }
`;

/**
 * What every element puts first in `static styles`: the tokens, chosen by the host's `theme` attribute
 * (`light` by default, `dark`, or `auto` following `prefers-color-scheme`), and the base text styles. Only
 * `:host` and shadow-tree selectors: nothing reaches the page.
 */
export const themeStyles = css`
  :host {
    ${declarations(LIGHT_TOKENS)}
    color-scheme: light;
    box-sizing: border-box;
    font-family: var(--guard-font-family);
    font-size: var(--guard-font-size);
    line-height: var(--guard-line-height);
    color: var(--guard-color-text);
  }
  :host([theme='dark']) {
    ${declarations(DARK_TOKENS)}
    color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) {
      ${declarations(DARK_TOKENS)}
      color-scheme: dark;
    }
  }
  /*
   * A guard element inside another's shadow tree (the code field in the step-up, the picker) takes every token
   * from the element around it: that element's theme, and what the page set on it, reach all the way in. This
   * rule is the outer tree's, so it beats the nested element's own :host defaults.
   */
  :is(guard-login, guard-step-up, guard-factor-select, guard-otp-input, guard-face-capture) {
    ${unsafeCSS(THEME_TOKENS.map((name) => `--guard-${name}: inherit;`).join(' '))}
    color-scheme: inherit;
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
`;
