import { css } from 'lit';
import { themeStyles } from '../../themes/themes.js';

export default [
  themeStyles,
  css`
    :host {
      display: grid;
      gap: var(--gap, var(--guard-spacing-m));
      --preview-width: 100%;
    }
    video {
      width: var(--preview-width);
      aspect-ratio: 4 / 3;
      object-fit: cover;
      border-radius: var(--guard-radius);
      background: var(--guard-color-border);
      /* A mirror is what people expect of a front camera. */
      transform: scaleX(-1);
    }
    p {
      margin: 0;
      min-height: 1.5em;
    }
  `,
];
