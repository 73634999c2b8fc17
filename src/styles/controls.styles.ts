import { css } from 'lit';

/**
 * Buttons, the error region and focus rings, shared by every element so the core bundle carries them once. Outside
 * `components/`, where each folder is a component entry point (`camfa-guard/components/<name>`).
 */
export const controlStyles = css`
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
    border-radius: var(--guard-radius);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  /* Unavailable but focusable (a countdown): it looks unavailable in readable colours, not faded. */
  .secondary[aria-disabled='true'] {
    cursor: not-allowed;
    border-color: var(--guard-color-border);
    color: var(--guard-color-text-muted);
  }
  button:focus-visible,
  input:focus-visible,
  a:focus-visible {
    outline: var(--guard-focus-ring-width) solid var(--guard-color-focus);
    outline-offset: 2px;
  }
  .primary,
  .secondary {
    padding: var(--guard-spacing-s) var(--guard-spacing-m);
    border: 1px solid var(--guard-color-primary);
    font-weight: var(--guard-font-weight-bold);
  }
  .primary {
    background: var(--guard-color-primary);
    color: var(--guard-color-on-primary);
  }
  .primary:hover:not(:disabled) {
    background: var(--guard-color-primary-hover);
  }
  .secondary {
    background: transparent;
    color: var(--guard-color-primary);
  }
  .link {
    padding: 0;
    border: none;
    background: none;
    color: var(--guard-color-primary);
    text-decoration: underline;
  }
  .error:not(:empty) {
    padding: var(--guard-spacing-s) var(--guard-spacing-m);
    border-radius: var(--guard-radius-small);
    background: var(--guard-color-danger-surface);
    color: var(--guard-color-danger);
    font-size: var(--guard-font-size-small);
  }
  .muted {
    color: var(--guard-color-text-muted);
    font-size: var(--guard-font-size-small);
  }
`;
