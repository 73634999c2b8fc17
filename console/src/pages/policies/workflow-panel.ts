/**
 * One workflow opened on the Policies page: the draft (or, without one, the version in force) in
 * `<camfa-policy-editor>` with the version in force as its baseline; every edit saved as the draft after a
 * pause, the server parser's errors put back on the nodes; Publish against the version loaded (a stale one is a
 * conflict the editor resolves by reloading and keeping the draft); the history, a diff with any version and a
 * one-click rollback. Viewers see all of it read-only.
 */
import { css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import {
  ConsoleApiError,
  conflictVersion,
  policyProblems,
  type PolicyProblem,
  type WorkflowDetail,
  type WorkflowObject,
  type WorkflowVersion,
} from '../../api.js';
import { i18n } from '../../i18n/i18n.js';
import { ConsolePage } from '../page.js';
import { loadPolicyEditor } from './editor-slot.js';
import { defineElement } from '../../../../src/index.js';
import type { EditorView } from '../../policy-editor/index.js';

/** Where a workflow lives: `app` null is the global scope. */
export interface WorkflowRef {
  id: string;
  app: string | null;
}

/** Long enough that typing a name is one save, short enough that closing the tab loses little. */
export const AUTOSAVE_DELAY_MS = 600;

/** Fired (bubbling) after a change the workflow list shows: a draft saved or discarded, a version published. */
export const WORKFLOW_CHANGED = 'camfa-workflow-changed';

type SaveState = 'idle' | 'pending' | 'saving' | 'saved';

const scopeOf = (ref: WorkflowRef) => ref.app ?? undefined;

/** Version texts are YAML or JSON; the yaml chunk comes with the editor's. */
async function parseSource(source: string): Promise<WorkflowObject> {
  const { parse } = await import('yaml');
  return parse(source) as WorkflowObject;
}

export class CamfaWorkflowPanel extends ConsolePage {
  static override styles = [
    ...ConsolePage.styles,
    css`
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: var(--wa-space-s);
        align-items: center;
        margin-block: var(--wa-space-m);
      }
    `,
  ];

  @property({ attribute: false }) ref?: WorkflowRef;

  @state() private detail?: WorkflowDetail;
  @state() private document?: WorkflowObject;
  @state() private problems: PolicyProblem[] = [];
  @state() private saveState: SaveState = 'idle';
  /** Set after an `edit_conflict`: the version someone else published meanwhile (null when unknown). */
  @state() private conflict?: number | null;
  @state() private versions?: WorkflowVersion[];
  @state() private compared?: { version: number; document: WorkflowObject };
  @state() private view: EditorView = 'graph';
  @state() private editorReady = false;
  private saveTimer?: ReturnType<typeof setTimeout>;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('ref') && this.ref) void this.open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // Leaving the page saves what was typed rather than dropping it.
    if (this.saveState === 'pending') void this.saveDraft();
  }

  private open(): Promise<void> {
    return this.attempt(async () => {
      this.versions = undefined;
      this.compared = undefined;
      this.conflict = undefined;
      await Promise.all([this.load(), this.loadEditor()]);
    });
  }

  private async loadEditor(): Promise<void> {
    await loadPolicyEditor();
    this.editorReady = true;
  }

  /** The stored state: the draft if there is one, else the version in force. */
  private async load(): Promise<void> {
    const { ref } = this;
    if (!ref) return;
    const detail = await this.api.workflow(ref.id, scopeOf(ref));
    this.detail = detail;
    this.document = detail.draftDocument ?? detail.document ?? { id: ref.id };
    this.problems = [];
    this.saveState = 'idle';
    if (this.versions) this.versions = await this.api.workflowVersions(ref.id, scopeOf(ref));
  }

  private changed(): void {
    this.dispatchEvent(new Event(WORKFLOW_CHANGED, { bubbles: true, composed: true }));
  }

  private readonly onEdit = (event: CustomEvent<WorkflowObject>): void => {
    if (!this.canEdit) return;
    this.document = event.detail;
    this.saveState = 'pending';
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.saveDraft(), AUTOSAVE_DELAY_MS);
  };

  private readonly onValidateRequest = (): Promise<void> =>
    this.attempt(async () => {
      const { ref, document } = this;
      if (!ref || !document) return;
      const { ok, errors } = await this.api.validateWorkflow(ref.id, scopeOf(ref), { document });
      this.problems = errors;
      this.notice = ok ? this.t('policies.valid') : this.t('policies.invalidCount', { count: errors.length });
    });

  private async saveDraft(): Promise<void> {
    clearTimeout(this.saveTimer);
    const { ref, document } = this;
    if (!ref || !document) return;
    this.saveState = 'saving';
    await this.attempt(async () => {
      const saved = await this.api.saveDraft(ref.id, scopeOf(ref), { document });
      this.problems = saved.errors;
      if (this.detail) this.detail = { ...this.detail, draft: saved.draft };
      this.saveState = this.saveState === 'saving' ? 'saved' : this.saveState;
      this.changed();
    });
    if (this.error) this.saveState = 'pending';
  }

  /** Refusals the panel shows itself: a conflict as its own callout, an invalid document on its nodes. */
  private refused(error: unknown): void {
    this.problems = policyProblems(error);
    if (error instanceof ConsoleApiError && error.code === 'edit_conflict') {
      this.conflict = conflictVersion(error) ?? null;
      return;
    }
    throw error;
  }

  private readonly publish = (): Promise<void> =>
    this.attempt(async () => {
      const { ref, detail, document } = this;
      if (!ref || !detail || !document) return;
      clearTimeout(this.saveTimer);
      try {
        const published = await this.api.publishWorkflow(ref.id, scopeOf(ref), detail.version, { document });
        await this.load();
        this.notice = this.t('policies.published', { version: published.version });
        this.changed();
      } catch (error) {
        this.refused(error);
      }
    });

  /** After a conflict: the newer version becomes the baseline and what `If-Match` says; the draft on screen stays. */
  private readonly reloadKeepingDraft = (): Promise<void> =>
    this.attempt(async () => {
      const mine = this.document;
      await this.load();
      this.conflict = undefined;
      if (!mine) return;
      this.document = mine;
      await this.saveDraft();
      this.notice = this.t('policies.reloaded', { version: this.detail?.version ?? 0 });
    });

  private readonly discardDraft = (): Promise<void> =>
    this.attempt(async () => {
      const { ref } = this;
      if (!ref) return;
      clearTimeout(this.saveTimer);
      await this.api.discardDraft(ref.id, scopeOf(ref));
      await this.load();
      this.notice = this.t('policies.discarded');
      this.changed();
    });

  private readonly toggleHistory = (): Promise<void> =>
    this.attempt(async () => {
      const { ref } = this;
      if (!ref) return;
      this.versions = this.versions ? undefined : await this.api.workflowVersions(ref.id, scopeOf(ref));
    });

  private compare(version: WorkflowVersion): Promise<void> {
    return this.attempt(async () => {
      this.compared = { version: version.version, document: await parseSource(version.source) };
      this.view = 'diff';
      this.notice = this.t('policies.comparing', { version: version.version });
    });
  }

  private rollback(version: WorkflowVersion): Promise<void> {
    return this.attempt(async () => {
      const { ref, detail } = this;
      if (!ref || !detail) return;
      clearTimeout(this.saveTimer);
      try {
        const rolledBack = await this.api.rollbackWorkflow(ref.id, scopeOf(ref), detail.version, version.version);
        this.compared = undefined;
        await this.load();
        this.notice = this.t('policies.rolledBack', { version: rolledBack.version, from: version.version });
        this.changed();
      } catch (error) {
        this.refused(error);
      }
    });
  }

  protected override render(): TemplateResult | typeof nothing {
    const { t, detail, ref } = this;
    if (!ref) return nothing;
    return html`<section aria-labelledby="editor-title">
      <h2 id="editor-title">${t(ref.app ? 'policies.editorTitleApp' : 'policies.editorTitleGlobal', { id: ref.id, app: ref.app ?? '' })}</h2>
      ${detail ? html`<p class="quiet">${this.describe(detail)}</p>` : nothing} ${this.renderError(this.error, 'panel-error')}
      <div role="status" class="quiet">${this.notice}</div>
      ${this.renderConflict()} ${this.renderActions()} ${this.renderEditor()} ${this.renderHistory()}
    </section>`;
  }

  private describe(detail: WorkflowDetail): string {
    const { t } = this;
    const inForce = detail.activeVersion === null ? t('policies.noneInForce') : t('policies.inForce', { version: detail.activeVersion });
    const draft = detail.draft ? t('policies.draftBy', { base: detail.draft.baseVersion, by: detail.draft.updatedBy }) : t('policies.noDraft');
    return `${inForce} · ${draft}`;
  }

  private renderConflict(): TemplateResult | typeof nothing {
    if (this.conflict === undefined) return nothing;
    const { t } = this;
    const message = this.conflict === null ? t('policies.conflict') : t('policies.conflictVersion', { version: this.conflict });
    return html`<wa-callout variant="warning" role="alert">
      <p>${message}</p>
      <wa-button id="reload-keep" size="s" @click=${this.reloadKeepingDraft}>${t('policies.reloadKeep')}</wa-button>
    </wa-callout>`;
  }

  private renderActions(): TemplateResult {
    const { t, canEdit, detail } = this;
    const saving = { idle: '', pending: t('policies.unsaved'), saving: t('policies.saving'), saved: t('policies.saved') }[this.saveState];
    return html`<div class="actions">
      <wa-button id="publish" variant="brand" ?disabled=${!canEdit || !this.editorReady || !detail} @click=${this.publish}>${t('policies.publish')}</wa-button>
      <wa-button id="discard" ?disabled=${!canEdit || !detail?.draft} @click=${this.discardDraft}>${t('policies.discard')}</wa-button>
      <wa-button id="history" aria-expanded=${this.versions ? 'true' : 'false'} @click=${this.toggleHistory}>${t('policies.history')}</wa-button>
      <span class="quiet" aria-live="polite">${saving}</span>
    </div>`;
  }

  private renderEditor(): TemplateResult {
    const { detail, document } = this;
    if (!this.editorReady || !detail || !document) return html`<p role="status" class="empty">${this.t('policies.editorLoading')}</p>`;
    return html`<camfa-policy-editor
      .document=${document}
      .baseline=${this.compared?.document ?? detail.document}
      .errors=${this.problems}
      .readonly=${!this.canEdit}
      .view=${this.view}
      @camfa-policy-change=${this.onEdit}
      @camfa-policy-validate-request=${this.onValidateRequest}
    ></camfa-policy-editor>`;
  }

  private renderHistory(): TemplateResult | typeof nothing {
    const { t, versions } = this;
    if (!versions) return nothing;
    return html`<section aria-labelledby="history-title">
      <h2 id="history-title">${t('policies.historyTitle')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">${t('policies.version')}</th>
            <th scope="col">${t('policies.createdAt')}</th>
            <th scope="col">${t('policies.state')}</th>
            <th scope="col"><span class="visually-hidden">${t('policies.actions')}</span></th>
          </tr>
        </thead>
        <tbody>
          ${versions.map((version) => this.renderVersion(version))}
        </tbody>
      </table>
    </section>`;
  }

  private renderVersion(version: WorkflowVersion): TemplateResult {
    const { t } = this;
    const compared = this.compared?.version === version.version;
    return html`<tr>
      <th scope="row">${version.version}</th>
      <td>${new Date(version.createdAt).toLocaleString(i18n.lang)}</td>
      <td>${version.active ? html`<wa-badge variant="success">${t('policies.active')}</wa-badge>` : nothing}</td>
      <td>
        <wa-button size="s" aria-pressed=${compared ? 'true' : 'false'} @click=${() => this.compare(version)}
          >${t('policies.compare', { version: version.version })}</wa-button
        >
        <wa-button size="s" ?disabled=${!this.canEdit || version.active} @click=${() => this.rollback(version)}
          >${t('policies.rollback', { version: version.version })}</wa-button
        >
      </td>
    </tr>`;
  }
}

defineElement('camfa-workflow-panel', CamfaWorkflowPanel);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-workflow-panel': CamfaWorkflowPanel;
  }
}
