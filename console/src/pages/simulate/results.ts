/**
 * What a simulation and a replay answered, as text and tables: the same facts the lit path on the editor
 * shows, readable without the graph (statistic values included).
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { ReplayResult, SimulationResult } from '../../api.js';
import type { ConsoleStringKey } from '../../i18n/en.js';
import { i18n } from '../../i18n/i18n.js';

type Translate = (key: ConsoleStringKey, params?: Record<string, string | number>) => string;

/** Statistic values as JSON: lists, counts and maps read the same as in the policy files. */
const shown = (value: unknown) => (value === null ? '—' : JSON.stringify(value));

export function renderDecision(t: Translate, { decision }: SimulationResult): TemplateResult {
  const { explanation } = decision;
  return html`<dl id="outcome">
      <dt>${t('simulate.outcome')}</dt>
      <dd>
        <wa-badge variant=${decision.hit ? 'warning' : 'success'}>${decision.hit ? t('simulate.hit') : t('simulate.pass')}</wa-badge>
      </dd>
      <dt>${t('simulate.rule')}</dt>
      <dd>${decision.ruleId ?? t('common.none')}</dd>
      <dt>${t('simulate.factors')}</dt>
      <dd>${decision.factors.length > 0 ? decision.factors.map((factor) => t(`factor.${factor}`)).join(', ') : t('common.none')}</dd>
      <dt>${t('simulate.message')}</dt>
      <dd>${decision.message || t('common.none')}</dd>
      <dt>${t('simulate.acr')}</dt>
      <dd><code>${decision.acr}</code></dd>
    </dl>
    ${
      explanation.statistics.length === 0
        ? nothing
        : html`<table id="statistics">
            <caption class="visually-hidden">
              ${t('simulate.statistics')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('simulate.statistic')}</th>
                <th scope="col">${t('simulate.value')}</th>
              </tr>
            </thead>
            <tbody>
              ${explanation.statistics.map(
                (statistic) =>
                  html`<tr>
                    <th scope="row"><code>${statistic.id}</code></th>
                    <td><code>${shown(statistic.value)}</code>${statistic.note ? html` <span class="quiet">(${statistic.note})</span>` : nothing}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

export function renderReplay(t: Translate, replayed: ReplayResult): TemplateResult {
  const outcome = (decision: { hit: boolean; ruleId: string | null } | null) =>
    decision === null ? t('simulate.noneInForce') : decision.hit ? `${t('simulate.hit')} (${decision.ruleId ?? ''})` : t('simulate.pass');
  return html`<p id="replay-summary">${t('simulate.replayed', { changed: replayed.changed, total: replayed.total })}</p>
    ${
      replayed.changes.length === 0
        ? nothing
        : html`<table id="replay-changes">
            <caption class="visually-hidden">
              ${t('simulate.replayChanges')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('simulate.when')}</th>
                <th scope="col">${t('simulate.user')}</th>
                <th scope="col">${t('simulate.before')}</th>
                <th scope="col">${t('simulate.after')}</th>
              </tr>
            </thead>
            <tbody>
              ${replayed.changes.map(
                (change) =>
                  html`<tr data-event=${change.eventId}>
                    <td>${new Date(change.requestDate).toLocaleString(i18n.lang)}</td>
                    <td>${change.originalIdentity}</td>
                    <td>${outcome(change.before)}</td>
                    <td>${outcome(change.after)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}
