/**
 * The Simulate page: a workflow of any scope (its draft or the version in force) run against an event typed in
 * a form or one of the app's recent real events, with that event's real history; the decision (outcome, rule,
 * factors, message, the statistic values) and the path it took lit on the read-only editor. "Replay the last N
 * events" says how many decisions the chosen text would change against the version in force, and which.
 * Nothing here changes anything, so viewers use all of it.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import {
  policyProblems,
  type ConsoleApp,
  type PolicyProblem,
  type ReplayResult,
  type SimulationResult,
  type WorkflowDetail,
  type WorkflowSummary,
} from '../../api.js';
import type { UebaEvent } from '../../../../server-mock/src/protocol/index.js';
import { i18n } from '../../i18n/i18n.js';
import { ConsolePage } from '../page.js';
import { loadPolicyEditor } from '../policies/editor-slot.js';
import { readEventForm, renderEventForm } from './event-form.js';
import { renderDecision, renderReplay } from './results.js';
import { defineElement } from '../../../../src/index.js';

type Version = 'draft' | 'active';
type EventSource = 'typed' | 'recent';

const DEFAULT_REPLAY = 100;

export class CamfaSimulatePage extends ConsolePage {
  static override styles = [
    ...ConsolePage.styles,
    css`
      .panes {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
        gap: var(--wa-space-l);
      }
      fieldset {
        border: 1px solid var(--wa-color-surface-border);
        border-radius: var(--wa-border-radius-m);
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: var(--wa-space-2xs) var(--wa-space-m);
      }
      dd {
        margin: 0;
      }
    `,
  ];

  @state() private apps: ConsoleApp[] = [];
  @state() private workflows?: WorkflowSummary[];
  @state() private detail?: WorkflowDetail;
  @state() private version: Version = 'draft';
  @state() private runFor = '';
  @state() private eventSource: EventSource = 'typed';
  @state() private recent: UebaEvent[] = [];
  @state() private result?: SimulationResult;
  @state() private replayed?: ReplayResult;
  @state() private problems: PolicyProblem[] = [];
  @state() private editorReady = false;
  /** True while a chosen workflow loads: a run started then would judge the previous one. */
  @state() private choosing = false;
  /** Counts the workflows chosen, so the answer for an earlier choice (or a run of it) never replaces a later one's. */
  private choices = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.attempt(async () => {
      this.apps = await this.api.apps();
      const lists = await Promise.all([this.api.workflows(), ...this.apps.map((app) => this.api.workflows(app.id))]);
      this.workflows = lists.flat();
      this.runFor = this.apps[0]?.id ?? '';
      const first = this.workflows[0];
      if (first) await this.choose(first);
    });
  }

  /** The app whose events and history the run uses: the workflow's own, or the one picked for a global workflow. */
  private get appId(): string {
    return this.detail?.app ?? this.runFor;
  }

  private async choose(workflow: WorkflowSummary): Promise<void> {
    const choice = ++this.choices;
    this.choosing = true;
    const [detail] = await Promise.all([this.api.workflow(workflow.id, workflow.app ?? undefined), loadPolicyEditor()]).finally(() => {
      if (choice === this.choices) this.choosing = false;
    });
    this.editorReady = true;
    if (choice !== this.choices) return;
    this.detail = detail;
    this.version = detail.draftSource !== null ? 'draft' : 'active';
    this.result = undefined;
    this.replayed = undefined;
    this.problems = [];
    if (this.eventSource === 'recent') await this.loadRecent();
  }

  private async loadRecent(): Promise<void> {
    this.recent = this.appId ? await this.api.appEvents(this.appId, 50) : [];
  }

  private readonly onWorkflow = (event: Event): Promise<void> =>
    this.attempt(async () => {
      const key = (event.target as HTMLSelectElement).value;
      const workflow = this.workflows?.find((candidate) => workflowKey(candidate) === key);
      if (workflow) await this.choose(workflow);
    });

  private readonly onRunFor = (event: Event): Promise<void> =>
    this.attempt(async () => {
      this.runFor = (event.target as HTMLSelectElement).value;
      if (this.eventSource === 'recent') await this.loadRecent();
    });

  private readonly onEventSource = (event: Event): Promise<void> =>
    this.attempt(async () => {
      this.eventSource = (event.target as HTMLSelectElement).value as EventSource;
      if (this.eventSource === 'recent') await this.loadRecent();
    });

  /** The text run: the draft or the version in force, as stored. */
  private source(): string | null {
    const { detail } = this;
    if (!detail) return null;
    return this.version === 'draft' ? detail.draftSource : detail.source;
  }

  /** Runs a call that judges the chosen text: an invalid one is refused with errors the editor shows on its nodes. */
  private async judged<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.problems = [];
      return result;
    } catch (error) {
      this.problems = policyProblems(error);
      throw error;
    }
  }

  private readonly run = (event: SubmitEvent): Promise<void> =>
    this.attempt(async () => {
      event.preventDefault();
      const { detail } = this;
      const source = this.source();
      if (!detail || source === null) return;
      const form = event.target as HTMLFormElement;
      const chosen = this.eventSource === 'recent' ? (form.querySelector('[name="eventId"]') as HTMLSelectElement | null)?.value : undefined;
      const body = this.eventSource === 'recent' ? { source, eventId: chosen, appId: this.appId } : { source, event: readEventForm(form), appId: this.appId };
      const choice = this.choices;
      const result = await this.judged(() => this.api.simulate(detail.id, detail.app ?? undefined, body));
      if (choice !== this.choices) return;
      this.result = result;
      this.notice = result.decision.hit ? this.t('simulate.announceHit', { rule: result.decision.ruleId ?? '' }) : this.t('simulate.announcePass');
    });

  private readonly replay = (event: SubmitEvent): Promise<void> =>
    this.attempt(async () => {
      event.preventDefault();
      const { detail } = this;
      const source = this.source();
      if (!detail || source === null) return;
      const limit = Number((this.renderRoot.querySelector('[name="limit"]') as HTMLInputElement | null)?.value) || DEFAULT_REPLAY;
      const choice = this.choices;
      const replayed = await this.judged(() => this.api.replay(detail.id, detail.app ?? undefined, { source, appId: this.appId, limit }));
      if (choice !== this.choices) return;
      this.replayed = replayed;
      this.notice = this.t('simulate.replayed', { changed: replayed.changed, total: replayed.total });
    });

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('simulate.title'), t('simulate.intro'))} ${this.renderError(this.error)}
      <div role="status" class="visually-hidden">${this.notice}</div>
      ${
        this.workflows === undefined
          ? html`<p role="status">${t('common.loading')}</p>`
          : this.workflows.length === 0
            ? html`<p class="empty">${t('simulate.noWorkflows')}</p>`
            : html`${this.renderChoice()}
                <div class="panes">${this.renderEvent()} ${this.renderOutcome()}</div>
                ${this.renderReplayForm()}`
      }`;
  }

  private renderChoice(): TemplateResult {
    const { t, detail } = this;
    const label = (workflow: WorkflowSummary) =>
      workflow.app ? t('policies.editorTitleApp', { id: workflow.id, app: workflow.app }) : t('policies.editorTitleGlobal', { id: workflow.id });
    return html`<section aria-labelledby="choice" class="toolbar">
      <h2 id="choice" class="visually-hidden">${t('simulate.workflow')}</h2>
      <wa-select id="workflow" label=${t('simulate.workflow')} .value=${detail ? workflowKey(detail) : ''} @change=${this.onWorkflow}>
        ${(this.workflows ?? []).map((workflow) => html`<wa-option value=${workflowKey(workflow)}>${label(workflow)}</wa-option>`)}
      </wa-select>
      <wa-select
        id="version"
        label=${t('simulate.version')}
        .value=${this.version}
        @change=${(event: Event) => (this.version = (event.target as HTMLSelectElement).value as Version)}
      >
        <wa-option value="draft" ?disabled=${detail?.draftSource === null}>${t('simulate.versionDraft')}</wa-option>
        <wa-option value="active" ?disabled=${detail?.source === null}>${t('simulate.versionActive', { version: detail?.activeVersion ?? '–' })}</wa-option>
      </wa-select>
      ${
        detail?.app === null
          ? html`<wa-select id="run-for" label=${t('simulate.runFor')} .value=${this.runFor} @change=${this.onRunFor}>
              ${this.apps.map((app) => html`<wa-option value=${app.id}>${app.name}</wa-option>`)}
            </wa-select>`
          : nothing
      }
    </section>`;
  }

  private renderEvent(): TemplateResult {
    const { t } = this;
    return html`<section aria-labelledby="event">
      <h2 id="event">${t('simulate.event')}</h2>
      <form id="run-form" class="stack" aria-busy=${this.choosing} @submit=${this.run}>
        <wa-select id="event-source" label=${t('simulate.eventSource')} .value=${this.eventSource} @change=${this.onEventSource}>
          <wa-option value="typed">${t('simulate.typed')}</wa-option>
          <wa-option value="recent">${t('simulate.recent')}</wa-option>
        </wa-select>
        ${this.eventSource === 'typed' ? renderEventForm(t, false) : this.renderRecent()}
        <wa-button id="run" type="submit" variant="brand" ?disabled=${this.choosing || this.source() === null}>${t('simulate.run')}</wa-button>
      </form>
    </section>`;
  }

  private renderRecent(): TemplateResult {
    const { t } = this;
    if (this.recent.length === 0) return html`<p class="quiet">${t('simulate.noRecent')}</p>`;
    const label = (event: UebaEvent) =>
      [
        new Date(event.requestDate).toLocaleString(i18n.lang),
        event.originalIdentity,
        event.behaviorType,
        [event.country, event.city].filter(Boolean).join(' '),
        event.ip,
      ]
        .filter(Boolean)
        .join(' · ');
    return html`<wa-select name="eventId" label=${t('simulate.recentPick')} value=${this.recent[0]!.id}>
      ${this.recent.map((event) => html`<wa-option value=${event.id}>${label(event)}</wa-option>`)}
    </wa-select>`;
  }

  private renderOutcome(): TemplateResult {
    const { t, detail, result } = this;
    const document = this.version === 'draft' ? (detail?.draftDocument ?? detail?.document) : detail?.document;
    return html`<section aria-labelledby="decision">
      <h2 id="decision">${t('simulate.decision')}</h2>
      ${result ? renderDecision(t, result) : html`<p class="empty">${t('simulate.empty')}</p>`}
      ${
        this.editorReady && document
          ? html`<camfa-policy-editor
              readonly
              .document=${document}
              .errors=${this.problems}
              .explanation=${result?.decision.explanation ?? null}
            ></camfa-policy-editor>`
          : nothing
      }
    </section>`;
  }

  private renderReplayForm(): TemplateResult {
    const { t } = this;
    return html`<section aria-labelledby="replay">
      <h2 id="replay">${t('simulate.replayTitle')}</h2>
      <p class="quiet">${t('simulate.replayIntro')}</p>
      <form id="replay-form" class="toolbar" @submit=${this.replay}>
        <wa-input name="limit" type="number" min="1" max="500" value=${DEFAULT_REPLAY} label=${t('simulate.replayLimit')}></wa-input>
        <wa-button id="replay-run" type="submit" ?disabled=${this.choosing || this.source() === null}>${t('simulate.replayRun')}</wa-button>
      </form>
      ${this.replayed ? renderReplay(t, this.replayed) : nothing}
    </section>`;
  }
}

function workflowKey(workflow: Pick<WorkflowSummary, 'id' | 'app'>): string {
  return `${workflow.app ?? ''}/${workflow.id}`;
}

defineElement('camfa-simulate-page', CamfaSimulatePage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-simulate-page': CamfaSimulatePage;
  }
}
