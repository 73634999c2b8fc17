/**
 * The Apps page: every app (config ones marked "from config", read-only), creating one in a dialog, and the
 * secret shown once (after creating or rotating) in a copyable field with a warning; closing it forgets it.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { FACTOR_TYPES, type FactorType } from '../../../../server-mock/src/protocol/index.js';
import type { ConsoleApp, NewApp } from '../../api.js';
import { ConsolePage } from '../page.js';
import type { AppChangeEvent } from './app-card.js';
import { appsPageStyles } from './apps.styles.js';
import './app-card.js';
import { defineElement } from '../../../../src/index.js';

export class CamfaAppsPage extends ConsolePage {
  static override styles = [...ConsolePage.styles, appsPageStyles];

  @state() private apps?: ConsoleApp[];
  @state() private creating = false;
  @state() private createError?: unknown;
  @state() private busy = false;
  /** Shown once: set by a create or a rotation, dropped when its dialog closes. */
  @state() private secret?: { id: string; value: string };

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  readonly load = (): Promise<void> =>
    this.attempt(async () => {
      this.apps = await this.api.apps();
    });

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('apps.title'), t('apps.intro'))}
      <div class="toolbar">
        <wa-button variant="brand" ?disabled=${!this.canEdit} @click=${() => (this.creating = true)}>${t('apps.create')}</wa-button>
      </div>
      ${this.renderError(this.error)} ${this.error ? html`<wa-button @click=${this.load}>${t('common.retry')}</wa-button>` : nothing} ${this.renderList()}
      ${this.renderCreate()} ${this.renderSecret()}`;
  }

  private renderList(): TemplateResult {
    if (!this.apps) return this.error ? html`` : html`<p role="status"><wa-spinner></wa-spinner> ${this.t('common.loading')}</p>`;
    if (this.apps.length === 0) return html`<p class="empty">${this.t('apps.empty')}</p>`;
    return html`<div class="apps" @camfa-app-change=${this.onAppChange}>
      ${this.apps.map((app) => html`<camfa-app-card .api=${this.api} .app=${app} ?can-edit=${this.canEdit}></camfa-app-card>`)}
    </div>`;
  }

  private renderCreate(): TemplateResult {
    const { t } = this;
    return html`<wa-dialog label=${t('apps.createTitle')} ?open=${this.creating} @wa-after-hide=${this.onCreateHidden}>
      <form id="create" @submit=${this.create}>
        <wa-input name="id" label=${t('apps.id')} required autocomplete="off" spellcheck="false"></wa-input>
        <wa-input name="name" label=${t('apps.name')} required autocomplete="off"></wa-input>
        <wa-textarea name="origins" label=${t('apps.origins')} hint=${t('apps.originsHint')} rows="2"></wa-textarea>
        <fieldset>
          <legend>${t('apps.factors')}</legend>
          ${FACTOR_TYPES.map((factor) => html`<wa-checkbox name="factor" value=${factor} checked>${t(`factor.${factor}`)}</wa-checkbox>`)}
        </fieldset>
        <wa-input name="trustDeviceDays" type="number" min="1" max="365" label=${t('apps.trustDeviceDays')} hint=${t('apps.trustDeviceHint')}></wa-input>
        ${this.renderError(this.createError, 'create-error')}
        <!-- What Enter in a field submits (Web Awesome's inputs look for a submit button in the form). -->
        <button type="submit" hidden aria-label=${t('apps.create')}></button>
      </form>
      <wa-button slot="footer" @click=${() => (this.creating = false)}>${t('common.cancel')}</wa-button>
      <wa-button slot="footer" variant="brand" ?loading=${this.busy} @click=${this.create}>${t('apps.create')}</wa-button>
    </wa-dialog>`;
  }

  private renderSecret(): TemplateResult {
    const { t, secret } = this;
    return html`<wa-dialog
      label=${secret ? t('apps.secretTitle', { id: secret.id }) : t('apps.secretLabel')}
      ?open=${secret !== undefined}
      @wa-after-hide=${(event: Event) => event.target === event.currentTarget && (this.secret = undefined)}
    >
      <wa-callout variant="warning">${t('apps.secretWarning')}</wa-callout>
      <div class="secret">
        <wa-input id="secret" label=${t('apps.secretLabel')} readonly .value=${secret?.value ?? ''} spellcheck="false"></wa-input>
        <wa-copy-button .value=${secret?.value ?? ''} copy-label=${t('apps.secretLabel')}></wa-copy-button>
      </div>
      <wa-button slot="footer" variant="brand" @click=${() => (this.secret = undefined)}>${t('common.close')}</wa-button>
    </wa-dialog>`;
  }

  /** The footer's button sits outside the form (in the dialog's footer slot); Enter in a field submits the form. */
  private readonly create = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = this.renderRoot.querySelector<HTMLFormElement>('#create');
    if (!form?.reportValidity()) return;
    this.busy = true;
    this.createError = undefined;
    try {
      const { app, secret } = await this.api.createApp(newApp(form));
      this.apps = [...(this.apps ?? []), app];
      this.creating = false;
      this.secret = { id: app.id, value: secret };
    } catch (error) {
      this.createError = error;
    } finally {
      this.busy = false;
    }
  };

  private readonly onCreateHidden = (event: Event): void => {
    if (event.target !== event.currentTarget) return;
    this.creating = false;
    this.createError = undefined;
    this.renderRoot.querySelector<HTMLFormElement>('#create')?.reset();
  };

  private readonly onAppChange = (event: AppChangeEvent): void => {
    const { app, secret, removed, reload } = event.detail;
    if (reload) void this.load();
    if (removed) this.apps = this.apps?.filter(({ id }) => id !== removed);
    if (app) this.apps = this.apps?.map((known) => (known.id === app.id ? app : known));
    if (app && secret) this.secret = { id: app.id, value: secret };
  };
}

/** The create form's fields as the API takes them (Web Awesome's controls are form-associated). */
function newApp(form: HTMLFormElement): NewApp {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const days = text('trustDeviceDays');
  return {
    id: text('id'),
    name: text('name'),
    origins: text('origins').split(/\s+/).filter(Boolean),
    factors: data.getAll('factor').map(String) as FactorType[],
    ...(days ? { trustDeviceDays: Number(days) } : {}),
  };
}

defineElement('camfa-apps-page', CamfaAppsPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-apps-page': CamfaAppsPage;
  }
  interface HTMLElementEventMap {
    'camfa-app-change': AppChangeEvent;
  }
}
