import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import type { NodeTrace } from './explanation.js';
import { translate, type Language, type MessageKey } from './messages.js';
import { nodeKey, nodeLabel, rulesOf, statisticsOf, usesOf, type NodeRef, type WorkflowDocument } from './model.js';
import type { EditorOperation } from './operations.js';
import { editorStyles } from './styles.js';

/**
 * @summary The workflow as ordered lists, one per part the engine evaluates: every node is a button that opens
 * it in the inspector, with move and remove buttons beside it; Alt+ArrowUp / Alt+ArrowDown reorder the
 * focused entry. Everything the graph does can be done here from the keyboard.
 * @event {EditorOperation} camfa-editor-operation - The user asked for a change or a selection.
 */
export class PolicyOutline extends LitElement {
  static override styles = [
    editorStyles,
    css`
      ol,
      ul {
        list-style: none;
        padding: 0;
        margin: 0 0 0.5rem;
      }
      li {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem;
        align-items: center;
        margin-block: 0.25rem;
      }
      li > ul {
        flex-basis: 100%;
        padding-inline-start: 1.5rem;
      }
      .select {
        flex: 1;
        text-align: start;
      }
      .select[aria-current='true'] {
        outline: 2px solid var(--camfa-editor-accent);
      }
      .badge {
        color: var(--camfa-editor-danger);
      }
      h3 {
        font-size: 1rem;
        margin: 0.75rem 0 0.25rem;
      }
    `,
  ];

  @property({ attribute: false }) document: WorkflowDocument | null = null;
  @property() selected = 'workflow';
  @property({ attribute: false }) errorCounts: ReadonlyMap<string, number> = new Map();
  @property({ attribute: false }) traces: ReadonlyMap<string, NodeTrace> | null = null;
  @property({ type: Boolean }) readonly = false;
  @property() language: Language = 'en';

  /** Set by a keyboard move, so focus follows the entry to its new place. */
  private refocus = false;

  private t = (key: MessageKey, values?: Record<string, string | number>) => translate(this.language, key, values);

  private send(operation: EditorOperation): void {
    this.dispatchEvent(new CustomEvent('camfa-editor-operation', { detail: operation, bubbles: true, composed: true }));
  }

  /** Focuses the entry of a node (after it moved, or for a host that selects one). */
  focusNode(key: string): void {
    this.renderRoot.querySelector<HTMLButtonElement>(`[data-key="${key}"]`)?.focus();
  }

  protected override updated(): void {
    if (!this.refocus) return;
    this.refocus = false;
    this.focusNode(this.selected);
  }

  private onKeydown(event: KeyboardEvent, ref: NodeRef): void {
    if (this.readonly || !event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    this.refocus = true;
    this.send({ op: 'move', ref, offset: event.key === 'ArrowUp' ? -1 : 1 });
  }

  private entry(ref: NodeRef, count: number, nested: TemplateResult | typeof nothing = nothing): TemplateResult {
    const document = this.document!;
    const key = nodeKey(ref);
    const name = nodeLabel(document, ref) || this.t(`kind.${ref.kind}`);
    const errors = this.errorCounts.get(key) ?? 0;
    const trace = this.traces?.get(key);
    const index = ref.kind === 'workflow' ? 0 : ref.index;
    const movable = !this.readonly && ref.kind !== 'workflow' && ref.kind !== 'return';
    return html`<li data-state=${trace?.state ?? nothing}>
      <button
        type="button"
        class="action select"
        data-key=${key}
        aria-current=${this.selected === key ? 'true' : 'false'}
        @click=${() => this.send({ op: 'select', ref })}
        @keydown=${(event: KeyboardEvent) => this.onKeydown(event, ref)}
      >
        ${this.t(`kind.${ref.kind}`)}: ${name} ${errors > 0 ? html`<span class="badge">(${this.t('errors.count', { count: errors })})</span>` : nothing}
        ${trace ? html`<span class="hint">— ${this.t(`trace.${trace.state}`)}</span>` : nothing}
      </button>
      ${movable && index > 0 ? this.button(this.t('action.moveUp', { name }), '↑', () => this.move(ref, -1)) : nothing}
      ${movable && index < count - 1 ? this.button(this.t('action.moveDown', { name }), '↓', () => this.move(ref, 1)) : nothing}
      ${movable ? this.button(this.t('action.remove', { name }), '✕', () => this.send({ op: 'remove', ref })) : nothing} ${nested}
    </li>`;
  }

  private move(ref: NodeRef, offset: number): void {
    this.refocus = true;
    this.send({ op: 'move', ref, offset });
  }

  private button(label: string, text: string, onClick: () => void): TemplateResult {
    return html`<button type="button" class="action" aria-label=${label} @click=${onClick}>${text}</button>`;
  }

  private section(id: string, title: MessageKey, entries: TemplateResult[], add: TemplateResult | typeof nothing): TemplateResult {
    return html`<h3 id=${id}>${this.t(title)}</h3>
      <ol aria-labelledby=${id}>
        ${entries}
      </ol>
      ${this.readonly ? nothing : add}`;
  }

  protected override render() {
    const document = this.document;
    if (!document) return nothing;
    const statistics = statisticsOf(document).map((_, index, all) => this.entry({ kind: 'statistic', index }, all.length));
    const rules = rulesOf(document).map((_, index, all) =>
      this.entry(
        { kind: 'rule', index },
        all.length,
        html`<ul>
          ${this.entry({ kind: 'return', index }, 1)}
        </ul>`,
      ),
    );
    const uses = usesOf(document).map((_, index, all) => this.entry({ kind: 'use', index }, all.length));
    return html`<nav part="base" aria-label=${this.t('outline.label')}>
      <ul>
        ${this.entry({ kind: 'workflow' }, 1)}
      </ul>
      ${this.section(
        'outline-statistics',
        'section.statistics',
        statistics,
        this.button(this.t('action.addStatistic'), this.t('action.addStatistic'), () => this.send({ op: 'add', kind: 'statistic' })),
      )}
      ${this.section(
        'outline-rules',
        'section.rules',
        rules,
        this.button(this.t('action.addRule'), this.t('action.addRule'), () => this.send({ op: 'add', kind: 'rule' })),
      )}
      ${this.section('outline-uses', 'section.uses', uses, nothing)}
    </nav>`;
  }
}

if (!customElements.get('camfa-policy-outline')) customElements.define('camfa-policy-outline', PolicyOutline);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policy-outline': PolicyOutline;
  }
  interface GlobalEventHandlersEventMap {
    'camfa-editor-operation': CustomEvent<EditorOperation>;
  }
}
