import { css } from 'lit';

/**
 * Shared by the editor's elements. Colours come from Web Awesome's design tokens, so the console's theme
 * classes (`wa-light`, `wa-dark` on an ancestor) restyle the editor with the rest of the page; the fallbacks
 * are CSS system colours, which follow the user's light or dark preference when no theme is loaded.
 */
export const editorStyles = css`
  :host {
    display: block;
    color: var(--wa-color-text-normal, CanvasText);
    font-family: var(--wa-font-family-body, system-ui, sans-serif);
    --camfa-editor-accent: var(--wa-color-brand-fill-loud, #2563eb);
    --camfa-editor-danger: var(--wa-color-danger-on-quiet, #b3261e);
    --camfa-editor-border: var(--wa-color-neutral-border-loud, #6b7280);
    --camfa-editor-surface: var(--wa-color-surface-default, Canvas);
    --camfa-editor-raised: var(--wa-color-surface-raised, Canvas);
    --camfa-editor-taken: var(--wa-color-success-fill-loud, #15803d);
  }
  .field {
    display: block;
    margin-block: 0 0.75rem;
    border: none;
    padding: 0;
  }
  fieldset.field {
    border: 1px solid var(--camfa-editor-border);
    border-radius: var(--wa-border-radius-m, 0.25rem);
    padding: 0.5rem;
  }
  label,
  legend {
    display: block;
    font-weight: var(--wa-font-weight-semibold, 600);
    margin-block-end: 0.25rem;
  }
  label.inline {
    display: inline-flex;
    gap: 0.25rem;
    align-items: center;
    font-weight: normal;
    margin-inline-end: 0.75rem;
  }
  input:not([type='checkbox']),
  select,
  textarea {
    box-sizing: border-box;
    width: 100%;
    font: inherit;
    color: inherit;
    background: var(--camfa-editor-surface);
    border: 1px solid var(--camfa-editor-border);
    border-radius: var(--wa-border-radius-m, 0.25rem);
    padding: 0.25rem 0.5rem;
  }
  [aria-invalid='true'] {
    border-color: var(--camfa-editor-danger);
  }
  :focus-visible {
    outline: 2px solid var(--wa-color-focus, #2563eb);
    outline-offset: 1px;
  }
  .field-error,
  .error-summary {
    color: var(--camfa-editor-danger);
    font-size: 0.875em;
  }
  .group {
    border-inline-start: 3px solid var(--camfa-editor-border);
    padding-inline-start: 0.5rem;
    margin-block: 0.5rem;
  }
  button.action {
    font: inherit;
    color: inherit;
    background: var(--camfa-editor-raised);
    border: 1px solid var(--camfa-editor-border);
    border-radius: var(--wa-border-radius-m, 0.25rem);
    padding: 0.125rem 0.5rem;
    cursor: pointer;
  }
  .hint {
    color: var(--wa-color-text-quiet, color-mix(in srgb, CanvasText 72%, Canvas));
    font-size: 0.875em;
  }
  [data-state='taken'] {
    border-color: var(--camfa-editor-taken);
  }
  .trace-state[data-state='taken'] {
    color: var(--camfa-editor-taken);
    font-weight: 600;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
