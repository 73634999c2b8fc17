import { css } from 'lit';
import { themeStyles } from '../../themes/themes.js';
import { controlStyles } from '../../styles/controls.styles.js';

export default [
  themeStyles,
  controlStyles,
  css`
    :host {
      display: block;
      --width: 28rem;
      --gap: var(--guard-spacing-m);
    }
    dialog {
      width: var(--width);
      max-width: calc(100vw - 2 * var(--guard-spacing-m));
      max-height: calc(100vh - 2 * var(--guard-spacing-m));
      padding: var(--guard-spacing-l);
      border: 1px solid var(--guard-color-border);
      border-radius: var(--guard-radius);
      background: var(--guard-color-surface);
      color: var(--guard-color-text);
      box-shadow: var(--guard-shadow);
    }
    dialog::backdrop {
      background: var(--guard-color-backdrop, rgb(15 23 42 / 0.5));
    }
    .base,
    section {
      display: grid;
      gap: var(--gap);
    }
    .header {
      display: flex;
      align-items: start;
      justify-content: space-between;
      gap: var(--gap);
    }
    h2,
    h3,
    p {
      margin: 0;
    }
    h2 {
      font-size: var(--guard-font-size-large);
    }
    h3 {
      font-size: var(--guard-font-size);
    }
    .close {
      padding: 0 var(--guard-spacing-s);
      border: none;
      background: none;
      font-size: var(--guard-font-size-large);
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: var(--guard-spacing-m);
    }
    .qr {
      width: 12rem;
      aspect-ratio: 1;
      padding: var(--guard-spacing-s);
      background: #fff;
    }
    .qr svg {
      display: block;
      width: 100%;
      height: 100%;
    }
    code,
    ol {
      font-family: var(--guard-font-family-mono);
    }
    /* The label ends with its language's colon; no space after "：". */
    .setup-key {
      display: flex;
      flex-wrap: wrap;
      gap: var(--guard-spacing-xs);
    }
    .secret {
      overflow-wrap: anywhere;
    }
    ol {
      columns: 2;
      margin: 0;
      padding-inline-start: var(--guard-spacing-l);
    }
    .trust {
      display: flex;
      gap: var(--guard-spacing-s);
      align-items: start;
    }
  `,
];
