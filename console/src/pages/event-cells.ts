/**
 * How an event and a decision read in a table row, shared by the Live page and the Users page so one user's
 * history there reads exactly as it streamed by.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { UebaEvent } from '../../../server-mock/src/protocol/index.js';
import type { DecisionRecord } from '../api.js';
import type { ConsoleI18n } from '../i18n/i18n.js';

type Translate = ConsoleI18n['t'];

/** Where and on what: the place (or "no location"), the address, intranet or not, and the device. */
export function eventWhere(t: Translate, event: UebaEvent): TemplateResult {
  const place = [event.city, event.province, event.country].filter(Boolean).join(', ');
  const device = [event.deviceType, event.systemType, event.browserType].filter(Boolean).join(' · ');
  return html`${place || t('live.noGeo')} <span class="quiet">${event.ip ?? ''}</span> ·
    ${event.intranet ? t('live.intranet') : t('live.extranet')}${device ? html` · ${device}` : nothing}`;
}

/** Step-up or pass, as a badge whose text says it (the colour only repeats it). */
export function decisionOutcome(t: Translate, decision: Pick<DecisionRecord, 'hit'>): TemplateResult {
  return html`<wa-badge variant=${decision.hit ? 'warning' : 'success'}>${decision.hit ? t('live.outcomeStepUp') : t('live.outcomePass')}</wa-badge>`;
}

/** Which workflow version judged, in which mode, and the rule that fired if one did. */
export function decisionSource(t: Translate, decision: DecisionRecord): TemplateResult {
  return html`<code>${decision.workflowId}</code> v${decision.workflowVersion}
    (${decision.mode})${decision.ruleId ? html` · ${t('simulate.rule')} <code>${decision.ruleId}</code>` : nothing}`;
}
