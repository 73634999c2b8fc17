import { css } from 'lit';
import { themeStyles } from '../../themes/themes.js';
import { controlStyles } from '../../styles/controls.styles.js';

export default [
  themeStyles,
  controlStyles,
  css`
    :host {
      display: block;
      --gap: var(--guard-spacing-s);
    }
    .base {
      display: grid;
      gap: var(--gap);
    }
    ul {
      display: grid;
      gap: var(--gap);
      margin: 0;
      padding: 0;
      list-style: none;
    }
    [part~='option'] {
      display: grid;
      grid-template-columns: 1fr auto;
      align-items: start;
      width: 100%;
      gap: var(--guard-spacing-xs) var(--guard-spacing-m);
      padding: var(--guard-spacing-m);
      border: 1px solid var(--guard-color-border);
      background: var(--guard-color-surface-raised);
      text-align: start;
    }
    /*
     * One visual language: only the option under the pointer or the keyboard is outlined in the primary colour
     * (with the focus ring); states are words — "Ready", "Set up now", "Recommended" — in plain labels, never
     * boxed or filled, so no label looks like a second selection or a button.
     */
    [part~='option']:hover:not(:disabled),
    [part~='option']:focus-visible {
      border-color: var(--guard-color-primary);
    }
    [part~='option-name'] {
      font-weight: var(--guard-font-weight-bold);
    }
    [part~='option-description'] {
      grid-column: 1 / -1;
    }
    [part~='option-badge'],
    [part~='option-recommended'] {
      color: var(--guard-color-text-muted);
      font-size: var(--guard-font-size-small);
    }
    [part~='option-ready'] {
      color: var(--guard-color-success);
      font-weight: var(--guard-font-weight-bold);
    }
    [part~='option-recommended'] {
      grid-column: 1 / -1;
      color: var(--guard-color-primary);
      font-weight: var(--guard-font-weight-bold);
    }
  `,
];
