import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import type { ConditionTrace } from '../../../server-mock/src/policy/decision.js';
import type { NodeTrace } from './explanation.js';
import type { FormContext, Path } from './fields.js';
import { ruleForm, returnForm, statisticForm, useForm, workflowForm } from './forms.js';
import { translate, type Language, type MessageKey } from './messages.js';
import { nodeValue, type NodeRef, type RuleDocument, type StatisticDocument, type UseDocument, type WorkflowDocument } from './model.js';
import type { LocatedError } from './paths.js';
import { editorStyles } from './styles.js';
import { celCompletions, EVENT_FIELDS } from './vocabulary.js';

export interface InspectorEdit {
  ref: NodeRef;
  path: Path;
  value: unknown;
}

/**
 * @summary The form for one node of the workflow, shared by the graph and the outline. Shows the node's server
 * errors (a summary in a live region, and each on the field its path names) and its part in a decision.
 * @event {InspectorEdit} camfa-inspector-edit - A field changed (a path inside the node and its new value).
 */
export class PolicyInspector extends LitElement {
  static override styles = editorStyles;

  @property({ attribute: false }) document: WorkflowDocument | null = null;
  @property({ attribute: false }) ref: NodeRef | null = null;
  @property({ attribute: false }) errors: readonly LocatedError[] = [];
  @property({ attribute: false }) trace: NodeTrace | null = null;
  @property({ type: Boolean }) readonly = false;
  @property() language: Language = 'en';

  private t = (key: MessageKey, values?: Record<string, string | number>) => translate(this.language, key, values);

  private form(document: WorkflowDocument, ref: NodeRef): TemplateResult | typeof nothing {
    const context: FormContext = {
      t: this.t,
      errors: this.errors,
      readonly: this.readonly,
      completions: celCompletions(document, ref),
      edit: (path, value) =>
        this.dispatchEvent(new CustomEvent<InspectorEdit>('camfa-inspector-edit', { detail: { ref, path, value }, bubbles: true, composed: true })),
    };
    const value = nodeValue(document, ref);
    if (!value) return nothing;
    switch (ref.kind) {
      case 'workflow':
        return workflowForm(context, document);
      case 'statistic':
        return statisticForm(context, value as StatisticDocument);
      case 'rule':
        return ruleForm(context, value as RuleDocument);
      case 'return':
        return returnForm(context, value as RuleDocument);
      case 'use':
        return useForm(context, value as UseDocument);
    }
  }

  private summary(): TemplateResult {
    const messages = this.errors.map((error) => (error.field ? `${error.field}: ${error.message}` : error.message));
    return html`<div class="error-summary" part="error" role="status" aria-live="polite" aria-atomic="true">
      ${
        messages.length > 0
          ? html`<p>${this.t('errors.summary')} (${this.t('errors.count', { count: messages.length })})</p>
              <ul>
                ${messages.map((message) => html`<li>${message}</li>`)}
              </ul>`
          : nothing
      }
    </div>`;
  }

  private traceView(trace: NodeTrace): TemplateResult {
    const condition = (node: ConditionTrace): TemplateResult => {
      const mark = node.result === true ? '✓' : node.result === false ? '✗' : '?';
      if ('expression' in node) return html`<li>${mark} <code>${node.expression}</code>${node.error ? html` — ${node.error}` : nothing}</li>`;
      const members = node.group === 'not' ? [node.condition] : node.conditions;
      return html`<li>
        ${mark} ${node.group}
        <ul>
          ${members.map(condition)}
        </ul>
      </li>`;
    };
    return html`<section class="trace" aria-label=${this.t(`trace.${trace.state}`)}>
      <p class="trace-state" data-state=${trace.state}>${this.t(`trace.${trace.state}`)}</p>
      ${trace.values.map((value) => html`<p>${this.t('trace.value', { name: value.name, value: JSON.stringify(value.value) })}${value.note ? ` (${value.note})` : ''}</p>`)}
      ${
        trace.condition
          ? html`<ul>
              ${condition(trace.condition)}
            </ul>`
          : nothing
      }
      ${trace.error ? html`<p>${trace.error}</p>` : nothing}
    </section>`;
  }

  protected override render() {
    const { document, ref } = this;
    if (!document || !ref) return html`<p class="hint">${this.t('inspector.empty')}</p>`;
    return html`<form part="base" aria-label=${this.t(`kind.${ref.kind}`)} @submit=${(event: Event) => event.preventDefault()}>
      <h3>${this.t(`kind.${ref.kind}`)}</h3>
      ${this.summary()} ${this.trace ? this.traceView(this.trace) : nothing} ${this.form(document, ref)}
      <datalist id="event-fields">${EVENT_FIELDS.map((field) => html`<option value=${field}></option>`)}</datalist>
    </form>`;
  }
}

if (!customElements.get('camfa-policy-inspector')) customElements.define('camfa-policy-inspector', PolicyInspector);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policy-inspector': PolicyInspector;
  }
  interface GlobalEventHandlersEventMap {
    'camfa-inspector-edit': CustomEvent<InspectorEdit>;
  }
}
