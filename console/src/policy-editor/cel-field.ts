import { css, html, LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { CelEditor } from './codemirror.js';
import type { Completion } from './vocabulary.js';

let fieldCount = 0;

/**
 * @summary A labelled CEL expression field: CodeMirror 6 with completion of event fields, user attributes,
 * parameters and statistics, its error in a live region next to it.
 * @event {{ value: string }} camfa-cel-input - The expression changed.
 * @csspart base - The field.   @csspart error - The error region.
 */
export class CelField extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    label {
      display: block;
      font-weight: var(--wa-font-weight-semibold, 600);
      margin-block-end: 0.25rem;
    }
    .editor {
      border: 1px solid var(--wa-color-neutral-border-loud, #8a8f98);
      border-radius: var(--wa-border-radius-m, 0.25rem);
      background: var(--wa-color-surface-default, Canvas);
      color: var(--wa-color-text-normal, CanvasText);
      font-family: var(--wa-font-family-code, ui-monospace, monospace);
      min-height: 2rem;
    }
    :host([invalid]) .editor {
      border-color: var(--wa-color-danger-border-loud, #b3261e);
    }
    .editor:focus-within {
      outline: 2px solid var(--wa-color-focus, #2563eb);
      outline-offset: 1px;
    }
    [part='error'] {
      color: var(--wa-color-danger-on-quiet, #b3261e);
      font-size: 0.875em;
      margin-block-start: 0.25rem;
    }
  `;

  /** The accessible label. */
  @property() label = '';
  @property() value = '';
  /** The error shown under the field (the server's message for this path); empty for none. */
  @property() error = '';
  @property({ type: Boolean, reflect: true }) invalid = false;
  @property({ type: Boolean }) readonly = false;
  /** Names offered for completion. */
  @property({ attribute: false }) completions: readonly Completion[] = [];

  private editor: CelEditor | null = null;
  private readonly ids = `cel-${++fieldCount}`;
  /** Resolves once CodeMirror is loaded and mounted (tests and focus wait on it). */
  ready: Promise<void> = Promise.resolve();

  override focus(): void {
    this.editor?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.ready = this.updateComplete.then(() => this.mount());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.editor?.destroy();
    this.editor = null;
  }

  private async mount(): Promise<void> {
    const { createCelEditor } = await import('./codemirror.js');
    const parent = this.renderRoot.querySelector<HTMLElement>('.editor');
    if (!parent || !this.isConnected || this.editor) return;
    this.editor = createCelEditor({
      parent,
      root: this.renderRoot as ShadowRoot,
      value: this.value,
      attributes: this.contentAttributes(),
      readonly: this.readonly,
      placeholder: '',
      completions: () => this.completions,
      onChange: (value) => {
        if (value === this.value) return;
        this.value = value;
        this.dispatchEvent(new CustomEvent('camfa-cel-input', { detail: { value }, bubbles: true, composed: true }));
      },
    });
  }

  private contentAttributes(): Record<string, string> {
    return {
      'aria-labelledby': `${this.ids}-label`,
      'aria-describedby': `${this.ids}-error`,
      'aria-invalid': String(this.invalid || this.error !== ''),
    };
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.editor) return;
    if (changed.has('value')) this.editor.setValue(this.value);
    if (changed.has('error') || changed.has('invalid') || changed.has('readonly')) this.editor.setAttributes(this.contentAttributes(), this.readonly);
  }

  protected override render() {
    return html`<div part="base">
      <label id="${this.ids}-label">${this.label}</label>
      <div class="editor"></div>
      <div part="error" id="${this.ids}-error" aria-live="polite">${this.error}</div>
    </div>`;
  }
}

if (!customElements.get('camfa-cel-field')) customElements.define('camfa-cel-field', CelField);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-cel-field': CelField;
  }
}
