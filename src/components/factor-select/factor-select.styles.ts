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
    [part~='option']:hover:not(:disabled) {
      border-color: var(--guard-color-primary);
    }
    .enrolled {
      border-inline-start: 4px solid var(--guard-color-primary);
    }
    [part~='option-name'] {
      font-weight: var(--guard-font-weight-bold);
    }
    [part~='option-description'] {
      grid-column: 1 / -1;
    }
    [part~='option-badge'] {
      padding: 0 var(--guard-spacing-s);
      border: 1px solid currentColor;
      border-radius: var(--guard-radius-small);
      color: var(--guard-color-primary);
      font-size: var(--guard-font-size-small);
    }
    /* The edge's colour: the legend of its highlight. */
    [part~='option-ready'] {
      border-color: var(--guard-color-primary);
      background: var(--guard-color-primary);
      color: var(--guard-color-on-primary);
    }
    :disabled [part~='option-badge'] {
      color: var(--guard-color-text-muted);
    }
  `,
];
