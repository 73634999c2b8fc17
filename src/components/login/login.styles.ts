import { css } from 'lit';
import { themeStyles } from '../../themes/themes.js';
import { controlStyles } from '../../styles/controls.styles.js';

/**
 * The form controls are light-DOM children (see GuardLogin), styled through `::slotted()`: every rule still
 * lives in this constructable stylesheet, so nothing is added to the page and a strict CSP needs no
 * `unsafe-inline`. Page rules on `input`/`button` win over `::slotted()` by the cascade's design.
 */
export const loginStyles = [
  themeStyles,
  controlStyles,
  css`
    :host {
      display: block;
      --width: 24rem;
      --gap: var(--guard-spacing-m);
    }
    :host([mode='modal']) {
      position: fixed;
      inset: 0;
      z-index: 2147483000;
      display: grid;
      place-items: center;
      padding: var(--guard-spacing-m);
      background: var(--guard-color-backdrop);
    }
    [part='base'] {
      position: relative;
      display: flex;
      flex-direction: column;
      gap: var(--gap);
      width: 100%;
      max-width: var(--width);
      padding: var(--guard-spacing-xl) var(--guard-spacing-l);
      background: var(--guard-color-surface);
      border: 1px solid var(--guard-color-border);
      border-radius: var(--guard-radius);
    }
    :host([mode='modal']) [part='base'] {
      box-shadow: var(--guard-shadow);
    }
    [part='title'] {
      margin: 0;
      font-size: var(--guard-font-size-large);
      font-weight: var(--guard-font-weight-bold);
    }
    [part='methods'] {
      display: flex;
      /* Each method's name on one line; at a narrow width a whole button moves to the next row instead. */
      flex-wrap: wrap;
      gap: var(--guard-spacing-xs);
      padding: var(--guard-spacing-xs);
      background: var(--guard-color-surface-raised);
      border-radius: var(--guard-radius);
    }
    [part='methods'] button {
      flex: 1 1 auto;
      white-space: nowrap;
      padding: var(--guard-spacing-s);
      border: 0;
      border-radius: var(--guard-radius-small);
      background: transparent;
      color: var(--guard-color-text-muted);
      font: inherit;
      font-size: var(--guard-font-size-small);
      cursor: pointer;
    }
    [part='methods'] button[aria-pressed='true'] {
      background: var(--guard-color-surface);
      color: var(--guard-color-text);
      font-weight: var(--guard-font-weight-bold);
    }
    /* Rendered even when silent (a live region must exist before it speaks), without taking a gap. */
    [part='error']:empty {
      margin-bottom: calc(-1 * var(--gap));
    }
    .close {
      position: absolute;
      top: var(--guard-spacing-s);
      right: var(--guard-spacing-s);
      padding: var(--guard-spacing-xs) var(--guard-spacing-s);
      border: 0;
      background: transparent;
      color: var(--guard-color-text-muted);
      font: inherit;
      font-size: var(--guard-font-size-large);
      line-height: 1;
      cursor: pointer;
    }
    .fields {
      display: flex;
      flex-direction: column;
      gap: var(--gap);
    }
    ::slotted(form) {
      display: contents;
    }
    ::slotted(label) {
      /* A label sits close to its input, closer than the gap between fields. */
      margin-bottom: calc(var(--guard-spacing-xs) - var(--gap));
      font-size: var(--guard-font-size-small);
      font-weight: var(--guard-font-weight-bold);
    }
    ::slotted(p) {
      margin: calc(var(--guard-spacing-xs) - var(--gap)) 0 0;
      color: var(--guard-color-text-muted);
      font-size: var(--guard-font-size-small);
    }
    ::slotted(input) {
      /* Light-DOM inputs keep the page's content-box sizing: 100% plus padding and border would overflow the card. */
      box-sizing: border-box;
      width: 100%;
      min-width: 0;
      padding: var(--guard-spacing-s) var(--guard-spacing-m);
      border: 1px solid var(--guard-color-border);
      border-radius: var(--guard-radius-small);
      background: var(--guard-color-surface);
      color: var(--guard-color-text);
      font: inherit;
    }
    /* The same large code field as the step-up's <guard-otp-input>. */
    ::slotted(input[autocomplete='one-time-code']) {
      font-family: var(--guard-font-family-mono);
      font-size: var(--guard-font-size-large);
      letter-spacing: 0.3em;
    }
    ::slotted(button) {
      padding: var(--guard-spacing-s) var(--guard-spacing-m);
      border: 0;
      border-radius: var(--guard-radius-small);
      font: inherit;
      cursor: pointer;
    }
    ::slotted(button[type='submit']) {
      background: var(--guard-color-primary);
      color: var(--guard-color-on-primary);
      font-weight: var(--guard-font-weight-bold);
    }
    ::slotted(button[type='submit']:hover) {
      background: var(--guard-color-primary-hover);
    }
    ::slotted(button[type='button']) {
      align-self: flex-start;
      padding: 0;
      background: transparent;
      color: var(--guard-color-primary);
      text-decoration: underline;
    }
    ::slotted(button:disabled) {
      color: var(--guard-color-text-muted);
      cursor: default;
      text-decoration: none;
    }
    ::slotted(:focus-visible) {
      outline: var(--guard-focus-ring-width) solid var(--guard-color-focus);
      outline-offset: 2px;
    }
  `,
];
