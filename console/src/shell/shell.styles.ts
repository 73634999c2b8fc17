/**
 * The shell renders in the light DOM (so `<guard-login>`'s fields stay visible to password managers): its
 * rules go to the document as a constructable stylesheet, which a CSP without `'unsafe-inline'` allows.
 */
import { css } from 'lit';

export const shellStyles = css`
  camfa-console {
    display: grid;
    grid-template-columns: 12rem 1fr;
    grid-template-rows: auto 1fr;
    grid-template-areas: 'banner banner' 'nav main';
    min-height: 100vh;
    color: var(--wa-color-text-normal);
    background: var(--wa-color-surface-default);
    font-family: var(--wa-font-family-body);
  }
  camfa-console .skip {
    position: absolute;
    inset-inline-start: var(--wa-space-s);
    top: -4rem;
  }
  camfa-console .skip:focus {
    top: var(--wa-space-s);
    z-index: 1;
    background: var(--wa-color-surface-raised);
    padding: var(--wa-space-xs) var(--wa-space-s);
  }
  camfa-console > header {
    grid-area: banner;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--wa-space-m);
    padding: var(--wa-space-s) var(--wa-space-l);
    border-bottom: 1px solid var(--wa-color-surface-border);
  }
  camfa-console > header .title {
    font-weight: var(--wa-font-weight-bold, 700);
    margin-inline-end: auto;
  }
  camfa-console > header wa-select {
    min-width: 10rem;
  }
  camfa-console > nav {
    grid-area: nav;
    padding: var(--wa-space-m);
    border-inline-end: 1px solid var(--wa-color-surface-border);
  }
  camfa-console > nav ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: var(--wa-space-2xs);
  }
  camfa-console > nav a {
    display: block;
    padding: var(--wa-space-xs) var(--wa-space-s);
    border-radius: var(--wa-border-radius-m);
    color: var(--wa-color-text-link);
    text-decoration: none;
  }
  camfa-console > nav a:hover {
    text-decoration: underline;
  }
  camfa-console > nav a[aria-current='page'] {
    background: var(--wa-color-brand-fill-quiet);
    color: var(--wa-color-brand-on-quiet);
    font-weight: var(--wa-font-weight-semibold, 600);
  }
  camfa-console > main {
    grid-area: main;
    padding: var(--wa-space-l);
    min-width: 0;
  }
  camfa-console > main.signed-out {
    grid-column: 1 / -1;
    max-width: 32rem;
    margin-inline: auto;
  }
  camfa-console .error:empty {
    display: none;
  }
  camfa-console h1:focus {
    outline: none;
  }
`;
