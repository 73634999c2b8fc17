import { css } from 'lit';

export const appCardStyles = css`
  article {
    display: grid;
    gap: var(--wa-space-s);
    padding: var(--wa-space-l);
    border: 1px solid var(--wa-color-surface-border);
    border-radius: var(--wa-border-radius-l);
    background: var(--wa-color-surface-raised);
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--wa-space-s);
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: var(--wa-space-2xs) var(--wa-space-m);
    margin: 0;
  }
  dt {
    font-weight: var(--wa-font-weight-semibold, 600);
  }
  dd {
    margin: 0;
  }
  form,
  fieldset {
    display: grid;
    gap: var(--wa-space-s);
  }
  fieldset {
    grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
    border: 1px solid var(--wa-color-surface-border);
    border-radius: var(--wa-border-radius-m);
    padding: var(--wa-space-s) var(--wa-space-m);
    margin: 0;
  }
  legend {
    padding-inline: var(--wa-space-2xs);
  }
  wa-input {
    max-width: 24rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--wa-space-s);
  }
  .status:empty {
    display: none;
  }
`;

export const appsPageStyles = css`
  .apps {
    display: grid;
    gap: var(--wa-space-l);
  }
  form {
    display: grid;
    gap: var(--wa-space-m);
  }
  .secret {
    display: flex;
    align-items: end;
    gap: var(--wa-space-xs);
  }
  .secret wa-input {
    flex: 1;
  }
  fieldset {
    display: grid;
    gap: var(--wa-space-xs);
    border: 1px solid var(--wa-color-surface-border);
    border-radius: var(--wa-border-radius-m);
    margin: 0;
  }
`;
