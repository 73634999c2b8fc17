/** The console's shared look, built on Web Awesome's theme tokens so light and dark follow `wa-dark`. */
import { css } from 'lit';

export const pageStyles = css`
  :host {
    display: block;
    color: var(--wa-color-text-normal);
    font-family: var(--wa-font-family-body);
  }
  h1 {
    font-size: var(--wa-font-size-2xl);
    margin: 0 0 var(--wa-space-s);
  }
  h1:focus {
    outline: none;
  }
  h1:focus-visible {
    outline: var(--wa-focus-ring);
  }
  h2 {
    font-size: var(--wa-font-size-l);
    margin: 0;
  }
  .intro {
    color: var(--wa-color-text-quiet);
    margin: 0 0 var(--wa-space-l);
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: var(--wa-space-m);
    margin-block: var(--wa-space-m);
  }
  .stack {
    display: grid;
    gap: var(--wa-space-m);
  }
  .error:empty {
    display: none;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: start;
    vertical-align: top;
    padding: var(--wa-space-xs) var(--wa-space-s);
    border-bottom: 1px solid var(--wa-color-surface-border);
  }
  th {
    font-weight: var(--wa-font-weight-semibold, 600);
  }
  code,
  pre {
    font-family: var(--wa-font-family-code);
    font-size: var(--wa-font-size-s);
  }
  pre {
    margin: 0;
    white-space: pre-wrap;
    word-break: break-word;
  }
  .quiet {
    color: var(--wa-color-text-quiet);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .empty {
    padding: var(--wa-space-xl);
    text-align: center;
    color: var(--wa-color-text-quiet);
    border: 1px dashed var(--wa-color-surface-border);
    border-radius: var(--wa-border-radius-m);
  }
`;

/** Before/after lists. */
export const diffStyles = css`
  .diff {
    margin: 0;
    display: grid;
    gap: var(--wa-space-3xs);
  }
  .diff dd {
    margin: 0 0 0 var(--wa-space-s);
  }
  del {
    color: var(--wa-color-danger-on-quiet);
  }
  ins {
    color: var(--wa-color-success-on-quiet);
    text-decoration: none;
  }
`;
