import '@awesome.me/webawesome/dist/components/button/button.js';
import '@awesome.me/webawesome/dist/components/tab/tab.js';
import '@awesome.me/webawesome/dist/components/tab-group/tab-group.js';
import '@awesome.me/webawesome/dist/components/tab-panel/tab-panel.js';
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { parse as parseYaml } from 'yaml';
import type { Explanation } from '../../../server-mock/src/policy/decision.js';
import { diffDocuments, toYaml } from './diff.js';
import { traceNodes, type NodeTrace } from './explanation.js';
import { toGraph } from './graph.js';
import './graph-view.js';
import type { InspectorEdit } from './inspector.js';
import './inspector.js';
import { languageOf, translate, type Language, type MessageKey } from './messages.js';
import { emptyDocument, nodeKey, parseNodeKey, type WorkflowDocument } from './model.js';
import { applyOperation, keepSelection, type EditorOperation } from './operations.js';
import './outline.js';
import { errorsByNode, type LocatedError, type ValidationError } from './paths.js';
import { editorStyles } from './styles.js';
import { TEMPLATE_CATALOG } from './vocabulary.js';

export type EditorView = 'graph' | 'outline' | 'yaml' | 'diff';

/**
 * @summary The visual policy-workflow editor: a graph and an outline of the same workflow document, an
 * inspector per node, the built-in templates, a YAML view and a diff against the published version. It
 * shows the server's validation errors on their node and field, and lights the path a decision took.
 * @event {WorkflowDocument} camfa-policy-change - The document changed; `detail` is the new document.
 * @event {{ document: WorkflowDocument }} camfa-policy-validate-request - The user asked for a server check;
 * the host validates (e.g. `PUT /v1/admin/workflows/:id` or a dry run) and sets `errors`.
 * @csspart base - The editor.   @csspart error - The YAML view's error region.
 */
export class PolicyEditor extends LitElement {
  static override styles = [
    editorStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 2fr) minmax(18rem, 1fr);
        gap: 1rem;
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-block-end: 0.5rem;
      }
      textarea {
        font-family: var(--wa-font-family-code, ui-monospace, monospace);
        min-height: 20rem;
      }
      pre {
        font-family: var(--wa-font-family-code, ui-monospace, monospace);
        margin: 0;
        white-space: pre-wrap;
      }
      .added {
        background: var(--wa-color-success-fill-quiet, color-mix(in srgb, #15803d 18%, transparent));
      }
      .removed {
        background: var(--wa-color-danger-fill-quiet, color-mix(in srgb, #b3261e 18%, transparent));
      }
    `,
  ];

  /** The workflow document (the shape of the policy files and `/v1/admin/workflows`). */
  @property({ attribute: false }) document: WorkflowDocument = emptyDocument();
  /** The server parser's errors (problem+json `errors` of `invalid_policy`): each names its node and field. */
  @property({ attribute: false }) errors: readonly ValidationError[] = [];
  /** A decision's explanation (`Decision.explanation`): the nodes it went through light up. */
  @property({ attribute: false }) explanation: Explanation | null = null;
  /** The published version, for the Changes view. */
  @property({ attribute: false }) baseline: WorkflowDocument | null = null;
  @property({ type: Boolean, reflect: true }) readonly = false;
  /** The view shown first; the user switches between them. */
  @property({ reflect: true }) view: EditorView = 'graph';

  @state() private selected = 'workflow';
  @state() private yamlError = '';
  @state() private language: Language = 'en';
  private located = new Map<string, LocatedError[]>();
  private traces: Map<string, NodeTrace> | null = null;

  private t = (key: MessageKey, values?: Record<string, string | number>) => translate(this.language, key, values);

  override connectedCallback(): void {
    super.connectedCallback();
    this.language = languageOf(this.closest('[lang]')?.getAttribute('lang'));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('document') || changed.has('errors')) this.located = errorsByNode(this.document, this.errors);
    if (changed.has('document') || changed.has('explanation')) this.traces = this.explanation ? traceNodes(this.document, this.explanation) : null;
    if (changed.has('document')) this.selected = keepSelection(this.document, this.selected);
  }

  /** Applies an operation from the graph, the outline or the inspector, and tells the host about a new document. */
  private apply(operation: EditorOperation): void {
    if (this.readonly && operation.op !== 'select') return;
    const result = applyOperation(this.document, operation);
    if (result.select) this.selected = nodeKey(result.select);
    if (result.document === this.document) return;
    this.document = result.document;
    this.dispatchEvent(new CustomEvent('camfa-policy-change', { detail: result.document, bubbles: true, composed: true }));
    // A new node opens in the inspector with its first field focused, so a keyboard user goes on typing.
    if (operation.op === 'add' || operation.op === 'add-template') void this.focusInspector();
  }

  private async focusInspector(): Promise<void> {
    await this.updateComplete;
    const inspector = this.renderRoot.querySelector('camfa-policy-inspector');
    await inspector?.updateComplete;
    inspector?.renderRoot.querySelector<HTMLElement>('input, select')?.focus();
  }

  private onOperation = (event: CustomEvent<EditorOperation>) => {
    event.stopPropagation();
    this.apply(event.detail);
  };

  private onInspectorEdit = (event: CustomEvent<InspectorEdit>) => {
    event.stopPropagation();
    this.apply({ op: 'edit', ...event.detail });
  };

  private requestValidation(): void {
    this.dispatchEvent(new CustomEvent('camfa-policy-validate-request', { detail: { document: this.document }, bubbles: true, composed: true }));
  }

  private applyYaml(): void {
    const text = this.renderRoot.querySelector<HTMLTextAreaElement>('#yaml')!.value;
    try {
      const next = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) as unknown;
      if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new Error('expected a mapping (id, name, modes, …)');
      this.yamlError = '';
      this.document = next as WorkflowDocument;
      this.dispatchEvent(new CustomEvent('camfa-policy-change', { detail: this.document, bubbles: true, composed: true }));
    } catch (error) {
      this.yamlError = this.t('yaml.invalid', { message: (error as Error).message.split('\n')[0] ?? '' });
    }
  }

  private errorCounts(): Map<string, number> {
    return new Map([...this.located].map(([key, errors]) => [key, errors.length]));
  }

  private templates(): TemplateResult | typeof nothing {
    if (this.readonly) return nothing;
    return html`<section class="toolbar" aria-labelledby="templates-title">
      <h2 id="templates-title" class="hint">${this.t('palette.templates')}</h2>
      ${TEMPLATE_CATALOG.map(
        (template) =>
          html`<wa-button
            size="s"
            appearance="outlined"
            data-template=${template.name}
            title=${template.summary}
            @click=${() => this.apply({ op: 'add-template', template: template.name, params: template.starterParams })}
            >${template.name}<span class="visually-hidden">: ${this.t('action.insertTemplate', { name: template.name })}</span></wa-button
          >`,
      )}
    </section>`;
  }

  private yamlView(): TemplateResult {
    return html`<label for="yaml">${this.t('yaml.label')}</label>
      <textarea id="yaml" .value=${toYaml(this.document)} ?readonly=${this.readonly} aria-describedby="yaml-error" spellcheck="false"></textarea>
      <div id="yaml-error" class="field-error" part="error" role="alert">${this.yamlError}</div>
      ${this.readonly ? nothing : html`<wa-button size="s" @click=${() => this.applyYaml()}>${this.t('action.applyYaml')}</wa-button>`}`;
  }

  private diffView(): TemplateResult {
    if (!this.baseline) return html`<p>${this.t('diff.noBaseline')}</p>`;
    const lines = diffDocuments(this.baseline, this.document);
    if (lines.every((line) => line.change === 'same')) return html`<p>${this.t('diff.none')}</p>`;
    const mark = { same: ' ', added: '+', removed: '-' } as const;
    return html`<pre aria-label=${this.t('diff.label')}>
${lines.map(
        (line) =>
          html`<div class=${line.change}>
            ${line.change === 'same' ? nothing : html`<span class="visually-hidden">${this.t(`diff.${line.change}`)}: </span>`}<span aria-hidden="true"
              >${mark[line.change]} </span
            >${line.text}
          </div>`,
      )}</pre>`;
  }

  protected override render() {
    const counts = this.errorCounts();
    const ref = parseNodeKey(this.selected);
    return html`<div
      part="base"
      role="region"
      aria-label=${this.t('editor.label')}
      @camfa-editor-operation=${this.onOperation}
      @camfa-inspector-edit=${this.onInspectorEdit}
    >
      <div class="toolbar">
        ${this.readonly ? nothing : html`<wa-button size="s" variant="brand" @click=${() => this.requestValidation()}>${this.t('action.validate')}</wa-button>`}
      </div>
      ${this.templates()}
      <div class="layout">
        <wa-tab-group active=${this.view} @wa-tab-show=${(event: CustomEvent<{ name: string }>) => (this.view = event.detail.name as EditorView)}>
          ${(['graph', 'outline', 'yaml', 'diff'] as const).map((view) => html`<wa-tab slot="nav" panel=${view}>${this.t(`view.${view}`)}</wa-tab>`)}
          <wa-tab-panel name="graph"
            ><camfa-policy-graph
              .graph=${toGraph(this.document)}
              .document=${this.document}
              .selected=${this.selected}
              .errorCounts=${counts}
              .traces=${this.traces}
              ?readonly=${this.readonly}
              .language=${this.language}
            ></camfa-policy-graph
          ></wa-tab-panel>
          <wa-tab-panel name="outline"
            ><camfa-policy-outline
              .document=${this.document}
              .selected=${this.selected}
              .errorCounts=${counts}
              .traces=${this.traces}
              ?readonly=${this.readonly}
              .language=${this.language}
            ></camfa-policy-outline
          ></wa-tab-panel>
          <wa-tab-panel name="yaml">${this.yamlView()}</wa-tab-panel>
          <wa-tab-panel name="diff">${this.diffView()}</wa-tab-panel>
        </wa-tab-group>
        <aside aria-label=${this.t('inspector.label')}>
          <camfa-policy-inspector
            .document=${this.document}
            .ref=${ref}
            .errors=${this.located.get(this.selected) ?? []}
            .trace=${this.traces?.get(this.selected) ?? null}
            ?readonly=${this.readonly}
            .language=${this.language}
          ></camfa-policy-inspector>
        </aside>
      </div>
    </div>`;
  }
}
