import { css } from 'lit';
import { themeStyles } from '../../themes/themes.js';
import { controlStyles } from '../../styles/controls.styles.js';

export default [
  themeStyles,
  controlStyles,
  css`
    :host {
      display: block;
      --width: 12ch;
      --gap: var(--guard-spacing-xs);
    }
    .base {
      display: grid;
      gap: var(--gap);
    }
    label {
      font-weight: var(--guard-font-weight-bold);
    }
    input {
      width: calc(var(--width) + 2 * var(--guard-spacing-m));
      max-width: 100%;
      padding: var(--guard-spacing-s) var(--guard-spacing-m);
      border: 1px solid var(--guard-color-border);
      border-radius: var(--guard-radius);
      background: var(--guard-color-surface);
      color: var(--guard-color-text);
      font-family: var(--guard-font-family-mono);
      font-size: var(--guard-font-size-large);
      letter-spacing: 0.3em;
    }
    input[aria-invalid='true'] {
      border-color: var(--guard-color-danger);
    }
  `,
];
