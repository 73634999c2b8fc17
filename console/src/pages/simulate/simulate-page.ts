/**
 * The Simulate page's layout: the event to judge on one side, the decision and the path it took on the other.
 * Its backend (running a draft against typed or recent events) comes later; until then it shows its empty state.
 */
import { css, html, type TemplateResult } from 'lit';
import { ConsolePage } from '../page.js';
import { defineElement } from '../../../../src/index.js';

export class CamfaSimulatePage extends ConsolePage {
  static override styles = [
    ...ConsolePage.styles,
    css`
      .panes {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
        gap: var(--wa-space-l);
      }
    `,
  ];

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('simulate.title'), t('simulate.intro'))}
      <div class="panes">
        <section aria-labelledby="event">
          <h2 id="event">${t('simulate.event')}</h2>
          <wa-textarea label=${t('simulate.event')} rows="8" disabled placeholder='{ "originalIdentity": "alice", "ip": "81.2.69.142" }'></wa-textarea>
        </section>
        <section aria-labelledby="decision">
          <h2 id="decision">${t('simulate.decision')}</h2>
          <p class="empty">${t('simulate.empty')}</p>
        </section>
      </div>`;
  }
}

defineElement('camfa-simulate-page', CamfaSimulatePage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-simulate-page': CamfaSimulatePage;
  }
}
