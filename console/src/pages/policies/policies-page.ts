/**
 * The Policies page: the global workflows and each app's, with their version, the version in force, the draft
 * and the inheritance both ways (an app's workflow over a global one, the global ones an app inherits); "New
 * workflow" (id, scope, empty or from a built-in template) saves a first draft; the chosen workflow opens in
 * `<camfa-workflow-panel>`.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { ConsoleApp, WorkflowObject, WorkflowSummary } from '../../api.js';
import { ConsolePage } from '../page.js';
import { loadPolicyEditor, type PolicyEditorModule } from './editor-slot.js';
import { WORKFLOW_CHANGED, type WorkflowRef } from './workflow-panel.js';
import './workflow-panel.js';
import { defineElement } from '../../../../src/index.js';

interface Scope {
  app: ConsoleApp | null;
  workflows: WorkflowSummary[];
}

const EMPTY_TEMPLATE = '';

export class CamfaPoliciesPage extends ConsolePage {
  @state() private scopes?: Scope[];
  @state() private opened?: WorkflowRef;
  @state() private creating = false;
  @state() private editorModule?: PolicyEditorModule;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.attempt(() => this.load());
    this.addEventListener(WORKFLOW_CHANGED, this.onWorkflowChanged);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener(WORKFLOW_CHANGED, this.onWorkflowChanged);
  }

  private readonly onWorkflowChanged = (): void => void this.attempt(() => this.load());

  private async load(): Promise<void> {
    const apps = await this.api.apps();
    const [global, ...perApp] = await Promise.all([this.api.workflows(), ...apps.map((app) => this.api.workflows(app.id))]);
    this.scopes = [{ app: null, workflows: global ?? [] }, ...apps.map((app, index) => ({ app, workflows: perApp[index] ?? [] }))];
  }

  /** "Loading…" until the lists come, and not beside the error when they cannot. */
  private renderLoading() {
    return this.error ? nothing : html`<p role="status">${this.t('common.loading')}</p>`;
  }

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('policies.title'), t('policies.intro'))} ${this.renderError(this.error)}
      <div role="status">${this.notice}</div>
      <div class="toolbar">
        <wa-button id="new-workflow" ?disabled=${!this.canEdit} aria-expanded=${this.creating ? 'true' : 'false'} @click=${this.startCreating}
          >${t('policies.new')}</wa-button
        >
      </div>
      ${this.renderNewForm()} ${this.scopes ? this.scopes.map((scope) => this.renderScope(scope)) : this.renderLoading()}
      ${this.opened ? html`<camfa-workflow-panel .api=${this.api} .session=${this.session} .ref=${this.opened}></camfa-workflow-panel>` : nothing}`;
  }

  private renderScope({ app, workflows }: Scope): TemplateResult {
    const { t } = this;
    const global = this.scopes?.[0]?.workflows ?? [];
    const own = new Set(workflows.map(({ id }) => id));
    const inherited = app ? global.filter(({ id, activeVersion }) => !own.has(id) && activeVersion !== null) : [];
    const title = app ? t('policies.app', { app: app.name }) : t('policies.global');
    const empty = workflows.length + inherited.length === 0;
    return html`<section aria-label=${title}>
      <h2>${title}</h2>
      ${
        empty
          ? html`<p class="quiet">${t('policies.empty')}</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">${t('policies.workflow')}</th>
                  <th scope="col">${t('policies.version')}</th>
                  <th scope="col">${t('policies.state')}</th>
                  <th scope="col">${t('policies.inheritance')}</th>
                  <th scope="col"><span class="visually-hidden">${t('policies.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                ${workflows.map((workflow) => this.renderWorkflow(workflow, app))}
                ${inherited.map(
                  (workflow) =>
                    html`<tr class="quiet">
                      <th scope="row"><code>${workflow.id}</code> ${workflow.name ?? ''}</th>
                      <td>${workflow.activeVersion}</td>
                      <td colspan="3">${t('policies.inherited')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  }

  private renderWorkflow(workflow: WorkflowSummary, app: ConsoleApp | null): TemplateResult {
    const { t } = this;
    const inForce = workflow.activeVersion === null ? t('policies.noneInForce') : t('policies.inForce', { version: workflow.activeVersion });
    const inheritance = workflow.overrides
      ? t('policies.overrides', { id: workflow.id })
      : workflow.overriddenBy.length > 0
        ? t('policies.overriddenBy', { apps: workflow.overriddenBy.join(', ') })
        : '';
    return html`<tr>
      <th scope="row"><code>${workflow.id}</code> ${workflow.name ?? ''}</th>
      <td>${workflow.version}</td>
      <td>${inForce} ${workflow.draft ? html`<wa-badge variant="neutral">${t('policies.draft')}</wa-badge>` : nothing}</td>
      <td>${inheritance ? html`<wa-badge variant=${workflow.overrides ? 'warning' : 'neutral'}>${inheritance}</wa-badge>` : nothing}</td>
      <td>
        <wa-button size="s" @click=${() => (this.opened = { id: workflow.id, app: app?.id ?? null })}
          >${t('policies.edit')}<span class="visually-hidden">: ${workflow.id}${app ? ` (${app.name})` : ''}</span></wa-button
        >
      </td>
    </tr>`;
  }

  private readonly startCreating = (): Promise<void> =>
    this.attempt(async () => {
      this.creating = !this.creating;
      if (this.creating) this.editorModule = await loadPolicyEditor();
    });

  private renderNewForm(): TemplateResult | typeof nothing {
    const { t } = this;
    if (!this.creating) return nothing;
    const templates = this.editorModule?.TEMPLATE_CATALOG ?? [];
    return html`<form id="new-form" class="stack" aria-labelledby="new-title" @submit=${this.create}>
      <h2 id="new-title">${t('policies.newTitle')}</h2>
      <wa-input name="id" label=${t('policies.newId')} hint=${t('policies.newIdHint')} required pattern="[a-z0-9][a-z0-9-]*"></wa-input>
      <wa-select name="scope" label=${t('policies.scope')} value="">
        <wa-option value="">${t('policies.global')}</wa-option>
        ${(this.scopes ?? []).flatMap(({ app }) => (app ? [html`<wa-option value=${app.id}>${app.name}</wa-option>`] : []))}
      </wa-select>
      <wa-select name="template" label=${t('policies.startFrom')} value=${EMPTY_TEMPLATE}>
        <wa-option value=${EMPTY_TEMPLATE}>${t('policies.startEmpty')}</wa-option>
        ${templates.map((template) => html`<wa-option value=${template.name}>${template.name} — ${template.summary}</wa-option>`)}
      </wa-select>
      <div class="toolbar">
        <wa-button type="submit" variant="brand">${t('policies.create')}</wa-button>
        <wa-button @click=${() => (this.creating = false)}>${t('common.cancel')}</wa-button>
      </div>
    </form>`;
  }

  /** The first draft: the workflow exists from here on (version 0 until it is published). */
  private readonly create = (event: SubmitEvent): Promise<void> =>
    this.attempt(async () => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const value = (name: string) => String((form.querySelector(`[name="${name}"]`) as HTMLInputElement | null)?.value ?? '');
      const id = value('id').trim();
      const app = value('scope') || null;
      if (!id || !(form.querySelector('wa-input') as HTMLInputElement | null)?.checkValidity()) return;
      const document = this.startingDocument(id, value('template'));
      await this.api.saveDraft(id, app ?? undefined, { document });
      this.creating = false;
      await this.load();
      this.opened = { id, app };
      this.notice = this.t('policies.createdDraft', { id });
    });

  private startingDocument(id: string, template: string): WorkflowObject {
    const editor = this.editorModule;
    if (!editor) return { id, name: id, modes: ['api'] };
    const empty = editor.emptyDocument(id, id);
    const entry = editor.TEMPLATE_CATALOG.find(({ name }) => name === template);
    if (!entry) return empty;
    return editor.applyOperation(empty, { op: 'add-template', template: entry.name, params: entry.starterParams }).document;
  }
}

defineElement('camfa-policies-page', CamfaPoliciesPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policies-page': CamfaPoliciesPage;
  }
}
