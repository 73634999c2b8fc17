/**
 * The Live page's layout: filters (app, user, outcome) over a stream of events and decisions. The stream (SSE)
 * and its charts come with their backend; until then the page shows its empty state.
 */
import { html, type TemplateResult } from 'lit';
import { ConsolePage } from '../page.js';
import { defineElement } from '../../../../src/index.js';

export class CamfaLivePage extends ConsolePage {
  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('live.title'), t('live.intro'))}
      <section aria-labelledby="filters">
        <h2 id="filters">${t('live.filters')}</h2>
        <div class="toolbar">
          <wa-input label=${t('live.filterApp')} disabled></wa-input>
          <wa-input label=${t('live.filterUser')} disabled></wa-input>
          <wa-select label=${t('live.filterOutcome')} value="all" disabled>
            <wa-option value="all">${t('live.outcomeAll')}</wa-option>
            <wa-option value="step-up">${t('live.outcomeStepUp')}</wa-option>
            <wa-option value="pass">${t('live.outcomePass')}</wa-option>
          </wa-select>
        </div>
      </section>
      <section aria-labelledby="stream">
        <h2 id="stream">${t('live.stream')}</h2>
        <p class="empty" role="log" aria-live="polite">${t('live.empty')}</p>
      </section>`;
  }
}

defineElement('camfa-live-page', CamfaLivePage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-live-page': CamfaLivePage;
  }
}
