/**
 * The event a simulation judges, typed in a form: the UEBA table's fields a business system sends, plus what
 * the backend would derive from them (geo from the IP, intranet, device / system / browser from the UA), so a
 * reviewer can try "the same user from another country" without finding such an IP.
 */
import { html, type TemplateResult } from 'lit';
import type { SimulatedEvent } from '../../api.js';
import type { ConsoleStringKey } from '../../i18n/en.js';

type TextField = Exclude<keyof SimulatedEvent, 'intranet' | 'trustedDevice' | 'latitude' | 'longitude'>;

/** What a business system sends. */
export const SENT_FIELDS: readonly TextField[] = [
  'originalIdentity',
  'ip',
  'ua',
  'behaviorType',
  'behaviorResult',
  'resourcesType',
  'actionType',
  'loginType',
  'deviceId',
];

/** What the backend derives, typed here to try a case directly. */
export const DERIVED_FIELDS: readonly TextField[] = ['country', 'province', 'city', 'deviceType', 'systemType', 'browserType'];

const COORDINATES = ['latitude', 'longitude'] as const;

type Translate = (key: ConsoleStringKey, params?: Record<string, string | number>) => string;

export function renderEventForm(t: Translate, disabled: boolean): TemplateResult {
  const field = (name: TextField) =>
    html`<wa-input
      name=${name}
      label=${name}
      ?required=${name === 'originalIdentity'}
      ?disabled=${disabled}
      autocomplete="off"
      spellcheck="false"
      value=${name === 'originalIdentity' ? 'alice' : ''}
    ></wa-input>`;
  return html`<fieldset class="stack">
      <legend>${t('simulate.sent')}</legend>
      ${SENT_FIELDS.map(field)}
    </fieldset>
    <fieldset class="stack">
      <legend>${t('simulate.derived')}</legend>
      ${DERIVED_FIELDS.map(field)}
      ${COORDINATES.map((name) => html`<wa-input name=${name} label=${name} type="number" step="any" ?disabled=${disabled}></wa-input>`)}
      <wa-checkbox name="intranet" ?disabled=${disabled}>intranet</wa-checkbox>
    </fieldset>`;
}

/** The typed event; empty fields are left out (the engine sees them as null). */
export function readEventForm(root: ParentNode): SimulatedEvent {
  const value = (name: string) => (root.querySelector(`[name="${name}"]`) as HTMLInputElement | null)?.value?.trim() ?? '';
  const event: SimulatedEvent = { originalIdentity: value('originalIdentity') };
  for (const name of [...SENT_FIELDS, ...DERIVED_FIELDS]) {
    const text = value(name);
    if (text && name !== 'originalIdentity') event[name] = text;
  }
  for (const name of COORDINATES) {
    const text = value(name);
    if (text !== '' && Number.isFinite(Number(text))) event[name] = Number(text);
  }
  event.intranet = (root.querySelector('[name="intranet"]') as HTMLInputElement | null)?.checked ?? false;
  return event;
}
