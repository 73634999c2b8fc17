/**
 * The Live page: the backend's stream (SSE) of UEBA events (geo, device, intranet) and decisions (with their
 * explanations), newest first and bounded, filtered by app, user and outcome on the server; pause holds new
 * rows back; a chart of decisions and step-ups per minute (uPlot, loaded lazily) with the same numbers as a
 * table. New rows are announced politely as counts, at most once per `announceInterval`, never row by row.
 */
import { css, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { ConsoleApp, DecisionRecord, LiveFilters } from '../../api.js';
import type { UebaEvent } from '../../../../server-mock/src/protocol/index.js';
import { i18n } from '../../i18n/i18n.js';
import { decisionOutcome, decisionSource, eventWhere } from '../event-cells.js';
import { ConsolePage } from '../page.js';
import { LiveFeed, type LiveItem } from './live-feed.js';
import { LiveStreamController } from './stream.js';
import type { LiveChart } from './chart.js';
import { defineElement } from '../../../../src/index.js';

type Outcome = NonNullable<LiveFilters['outcome']> | '';

const time = (at: string | number) => new Date(at).toLocaleTimeString(i18n.lang);

export class CamfaLivePage extends ConsolePage {
  static override styles = [
    ...ConsolePage.styles,
    css`
      .chart {
        min-height: 180px;
      }
      .legend {
        display: flex;
        gap: var(--wa-space-m);
      }
      .swatch {
        display: inline-block;
        width: 1em;
        height: 0.25em;
        vertical-align: middle;
        margin-inline-end: var(--wa-space-2xs);
      }
      .decisions {
        background: var(--wa-color-brand-fill-loud);
      }
      .step-ups {
        background: var(--wa-color-warning-fill-loud);
      }
    `,
  ];

  /** The least time between two announcements of new rows to a screen reader. */
  @property({ type: Number, attribute: 'announce-interval' }) announceInterval = 5000;

  @state() private apps: ConsoleApp[] = [];
  @state() private filters: LiveFilters = {};
  @state() private announcement = '';
  @state() private chartFailed = false;
  @query('#chart') private chartContainer?: HTMLElement;

  private readonly feed = new LiveFeed();
  private unannounced = { events: 0, decisions: 0 };
  private announceTimer?: ReturnType<typeof setTimeout>;
  private chart?: LiveChart;
  private chartFrame?: number;

  private readonly stream = new LiveStreamController(this, {
    open: () => this.api?.live(this.filters),
    onItem: (item) => this.receive(item),
  });

  override connectedCallback(): void {
    super.connectedCallback();
    void this.attempt(async () => {
      this.apps = await this.api.apps();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.announceTimer);
    if (this.chartFrame !== undefined) cancelAnimationFrame(this.chartFrame);
    this.chart?.destroy();
    this.chart = undefined;
  }

  protected override firstUpdated(): void {
    void this.loadChart();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // A client given after the page was connected (or a new one) opens the stream the connection could not.
    if (changed.has('api') && this.stream.state === 'closed') this.stream.reconnect();
  }

  private async loadChart(): Promise<void> {
    const container = this.chartContainer;
    if (!container) return;
    try {
      const { LiveChart, chartStyles } = await import('./chart.js');
      this.shadowRoot?.adoptedStyleSheets.push(chartStyles.styleSheet!);
      const style = getComputedStyle(this);
      const token = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
      const colours = {
        text: token('--wa-color-text-normal', 'CanvasText'),
        grid: token('--wa-color-surface-border', 'GrayText'),
        decisions: token('--wa-color-brand-fill-loud', 'royalblue'),
        stepUps: token('--wa-color-warning-fill-loud', 'darkorange'),
      };
      this.chart = new LiveChart(container, this.feed.series(), colours, { decisions: this.t('live.decisions'), stepUps: this.t('live.stepUps') });
    } catch {
      // Without the chart the same numbers are in its table.
      this.chartFailed = true;
    }
  }

  private receive(item: LiveItem): void {
    this.feed.add(item);
    if (item.kind === 'decision') this.unannounced.decisions += 1;
    else this.unannounced.events += 1;
    this.announceTimer ??= setTimeout(() => this.announce(), this.announceInterval);
    this.chartFrame ??= requestAnimationFrame(() => {
      this.chartFrame = undefined;
      this.chart?.update(this.feed.series());
    });
    this.requestUpdate();
  }

  private announce(): void {
    this.announceTimer = undefined;
    const { events, decisions } = this.unannounced;
    this.unannounced = { events: 0, decisions: 0 };
    this.announcement = this.t(this.feed.paused ? 'live.announcePaused' : 'live.announce', { events, decisions });
  }

  private filter(changes: Partial<LiveFilters>): void {
    this.filters = Object.fromEntries(Object.entries({ ...this.filters, ...changes }).filter(([, value]) => value)) as LiveFilters;
    this.feed.clear();
    this.chart?.update(this.feed.series());
    this.stream.reconnect();
  }

  private readonly togglePause = (): void => {
    if (this.feed.paused) this.feed.resume();
    else this.feed.pause();
    this.requestUpdate();
  };

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('live.title'), t('live.intro'))} ${this.renderError(this.error)}
      <div role="status" class="visually-hidden" id="announcement">${this.announcement}</div>
      ${this.renderFilters()} ${this.renderCharts()} ${this.renderStream()}`;
  }

  private renderFilters(): TemplateResult {
    const { t } = this;
    const value = (event: Event) => (event.target as HTMLInputElement).value;
    return html`<section aria-labelledby="filters">
      <h2 id="filters">${t('live.filters')}</h2>
      <div class="toolbar">
        <wa-select
          id="filter-app"
          label=${t('live.filterApp')}
          .value=${this.filters.app ?? ''}
          @change=${(event: Event) => this.filter({ app: value(event) })}
        >
          <wa-option value="">${t('live.appAll')}</wa-option>
          ${this.apps.map((app) => html`<wa-option value=${app.id}>${app.name}</wa-option>`)}
        </wa-select>
        <wa-input
          id="filter-user"
          label=${t('live.filterUser')}
          hint=${t('live.filterUserHint')}
          autocomplete="off"
          @change=${(event: Event) => this.filter({ user: value(event).trim() })}
        ></wa-input>
        <wa-select
          id="filter-outcome"
          label=${t('live.filterOutcome')}
          .value=${this.filters.outcome ?? ''}
          @change=${(event: Event) => this.filter({ outcome: (value(event) as Outcome) || undefined })}
        >
          <wa-option value="">${t('live.outcomeAll')}</wa-option>
          <wa-option value="hit">${t('live.outcomeStepUp')}</wa-option>
          <wa-option value="pass">${t('live.outcomePass')}</wa-option>
        </wa-select>
        <wa-button id="pause" aria-pressed=${this.feed.paused ? 'true' : 'false'} @click=${this.togglePause}>${t('live.pause')}</wa-button>
        <span class="quiet">${t(`live.state.${this.stream.state}`)}${this.feed.paused ? ` · ${t('live.held', { count: this.feed.held.length })}` : ''}</span>
      </div>
    </section>`;
  }

  private renderCharts(): TemplateResult {
    const { t } = this;
    const series = this.feed.series();
    const rows = series.starts.map((start, index) => ({ start, decisions: series.decisions[index]!, stepUps: series.stepUps[index]! }));
    return html`<section aria-labelledby="charts">
      <h2 id="charts">${t('live.charts')}</h2>
      <div class="legend" aria-hidden="true">
        <span><span class="swatch decisions"></span>${t('live.decisions')}</span>
        <span><span class="swatch step-ups"></span>${t('live.stepUps')}</span>
      </div>
      <div id="chart" class="chart" role="img" aria-label=${t('live.chartLabel')}></div>
      ${this.chartFailed ? html`<p class="quiet">${t('live.chartFailed')}</p>` : nothing}
      <details>
        <summary>${t('live.chartTable')}</summary>
        <table id="chart-table">
          <thead>
            <tr>
              <th scope="col">${t('live.minute')}</th>
              <th scope="col">${t('live.decisions')}</th>
              <th scope="col">${t('live.stepUps')}</th>
            </tr>
          </thead>
          <tbody>
            ${rows
              .filter((row) => row.decisions > 0)
              .map(
                (row) =>
                  html`<tr>
                    <td>${time(row.start * 1000)}</td>
                    <td>${row.decisions}</td>
                    <td>${row.stepUps}</td>
                  </tr>`,
              )}
          </tbody>
        </table>
      </details>
    </section>`;
  }

  private renderStream(): TemplateResult {
    const { t } = this;
    const rows = this.feed.rows;
    return html`<section aria-labelledby="stream">
      <h2 id="stream">${t('live.stream')}</h2>
      ${
        rows.length === 0
          ? html`<p class="empty">${t('live.empty')}</p>`
          : html`<table id="live-table">
              <caption class="visually-hidden">
                ${t('live.tableCaption', { count: rows.length })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">${t('live.time')}</th>
                  <th scope="col">${t('live.kind')}</th>
                  <th scope="col">${t('live.filterApp')}</th>
                  <th scope="col">${t('live.filterUser')}</th>
                  <th scope="col">${t('live.details')}</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map((item) => (item.kind === 'ueba' ? this.renderEvent(item.key, item.event) : this.renderDecision(item.key, item.decision)))}
              </tbody>
            </table>`
      }
    </section>`;
  }

  private renderEvent(key: string, event: UebaEvent): TemplateResult {
    const { t } = this;
    return html`<tr data-key=${key} data-kind="ueba">
      <td>${time(event.requestDate)}</td>
      <td>${t('live.kindEvent')}${event.behaviorType ? html` <code>${event.behaviorType}</code>` : nothing}</td>
      <td>${event.appId}</td>
      <td>${event.originalIdentity}</td>
      <td>${eventWhere(t, event)}</td>
    </tr>`;
  }

  private renderDecision(key: string, decision: DecisionRecord): TemplateResult {
    const { t } = this;
    const { explanation } = decision;
    return html`<tr data-key=${key} data-kind="decision">
      <td>${time(decision.createdAt)}</td>
      <td>${decisionOutcome(t, decision)}</td>
      <td>${decision.appId}</td>
      <td>${decision.originalIdentity}</td>
      <td>
        ${decisionSource(t, decision)}
        <details>
          <summary>${t('live.why')}</summary>
          <ul>
            ${explanation.statistics.map((statistic) => html`<li><code>${statistic.id}</code> = <code>${JSON.stringify(statistic.value)}</code></li>`)}
            ${explanation.rules.map(
              (rule) =>
                html`<li>
                  <code>${rule.id}</code>:
                  ${rule.result === true ? t('live.ruleHeld') : rule.result === false ? t('live.ruleNotHeld') : t('live.ruleUndecided')}
                </li>`,
            )}
          </ul>
        </details>
      </td>
    </tr>`;
  }
}

defineElement('camfa-live-page', CamfaLivePage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-live-page': CamfaLivePage;
  }
}
