/**
 * The Policies page: the global workflows and each app's, with the inheritance visible (an app's workflow
 * overriding a global one of the same id, global ones an app inherits), and the chosen workflow in the
 * policy editor, published as a new version; the server's validation errors go back onto the editor's nodes.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { policyProblems, type ConsoleApp, type PolicyProblem, type WorkflowDocument, type WorkflowSummary } from '../../api.js';
import { ConsolePage } from '../page.js';
import { loadPolicyEditor } from './editor-slot.js';
import { defineElement } from '../../../../src/index.js';

interface Scope {
  app: ConsoleApp | null;
  workflows: WorkflowSummary[];
}

export class CamfaPoliciesPage extends ConsolePage {
  @state() private scopes?: Scope[];
  @state() private open?: WorkflowDocument;
  @state() private draft?: Record<string, unknown>;
  @state() private problems: PolicyProblem[] = [];
  @state() private editorReady = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    await this.attempt(async () => {
      const apps = await this.api.apps();
      const [global, ...perApp] = await Promise.all([this.api.workflows(), ...apps.map((app) => this.api.workflows(app.id))]);
      this.scopes = [{ app: null, workflows: global ?? [] }, ...apps.map((app, index) => ({ app, workflows: perApp[index] ?? [] }))];
    });
  }

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('policies.title'), t('policies.intro'))} ${this.renderError(this.error)}
      <div role="status">${this.notice}</div>
      ${this.scopes ? this.scopes.map((scope) => this.renderScope(scope)) : html`<p role="status">${t('common.loading')}</p>`} ${this.renderEditor()}`;
  }

  private renderScope({ app, workflows }: Scope): TemplateResult {
    const { t } = this;
    const global = this.scopes?.[0]?.workflows ?? [];
    const own = new Set(workflows.map(({ id }) => id));
    const inherited = app ? global.filter(({ id }) => !own.has(id)) : [];
    const title = app ? t('policies.app', { app: app.name }) : t('policies.global');
    return html`<section aria-label=${title}>
      <h2>${title}</h2>
      ${
        workflows.length + inherited.length === 0
          ? html`<p class="quiet">${t('policies.empty')}</p>`
          : html`<ul>
              ${workflows.map(
                (workflow) =>
                  html`<li>
                    ${this.renderWorkflow(workflow, app)}
                    ${app && global.some(({ id }) => id === workflow.id) ? html`<wa-badge variant="warning">${t('policies.overrides', { id: workflow.id })}</wa-badge>` : nothing}
                  </li>`,
              )}
              ${inherited.map((workflow) => html`<li class="quiet"><code>${workflow.id}</code> ${workflow.name} — ${t('policies.inherited')}</li>`)}
            </ul>`
      }
    </section>`;
  }

  private renderWorkflow(workflow: WorkflowSummary, app: ConsoleApp | null): TemplateResult {
    return html`<code>${workflow.id}</code> ${workflow.name} <span class="quiet">(${this.t('policies.modes')}: ${workflow.modes.join(', ')})</span>
      <wa-button size="s" @click=${() => this.openWorkflow(workflow, app)}
        >${this.t('policies.edit')}<span class="visually-hidden">: ${workflow.id}</span></wa-button
      >`;
  }

  private renderEditor(): TemplateResult | typeof nothing {
    const { t, open } = this;
    if (!open) return nothing;
    // The editor's slot (console/src/policy-editor/, loaded by editor-slot.ts).
    const editor = this.editorReady
      ? html`<camfa-policy-editor
          .document=${this.draft}
          .baseline=${open.document}
          .errors=${this.problems}
          .readonly=${!this.canEdit}
          @camfa-policy-change=${(event: CustomEvent<Record<string, unknown>>) => (this.draft = event.detail)}
        ></camfa-policy-editor>`
      : html`<p role="status" class="empty">${t('policies.editorLoading')}</p>`;
    return html`<section aria-labelledby="editor-title">
      <h2 id="editor-title">${t('policies.editorTitle', { id: open.id, version: open.version })}</h2>
      ${editor}
      <wa-button variant="brand" ?disabled=${!this.canEdit || !this.editorReady} @click=${this.publish}>${t('policies.publish')}</wa-button>
    </section>`;
  }

  private openWorkflow(workflow: WorkflowSummary, app: ConsoleApp | null): Promise<void> {
    return this.attempt(async () => {
      const [open] = await Promise.all([this.api.workflow(workflow.id, app?.id), this.loadEditor()]);
      this.open = open;
      this.draft = open.document;
      this.problems = [];
    });
  }

  private async loadEditor(): Promise<void> {
    // A build without the editor keeps showing "editor loading"; that is not an error of the page.
    this.editorReady = await loadPolicyEditor().catch(() => false);
  }

  private readonly publish = (): Promise<void> =>
    this.attempt(async () => {
      const { open, draft } = this;
      if (!open || !draft) return;
      try {
        const published = await this.api.publishWorkflow(open.id, open.app ?? undefined, draft);
        this.open = { ...open, ...published, document: draft };
        this.problems = [];
        this.notice = this.t('policies.published', { version: published.version });
      } catch (error) {
        this.problems = policyProblems(error);
        throw error;
      }
    });
}

defineElement('camfa-policies-page', CamfaPoliciesPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-policies-page': CamfaPoliciesPage;
  }
}
