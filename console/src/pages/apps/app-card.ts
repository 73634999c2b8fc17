/**
 * One app on the Apps page: its factor switches and trust-device lifetime (saved with the version it was
 * read at, so a stale edit is refused `edit_conflict` and shown as a conflict to reload), its fail mode, and
 * the rotate-secret and delete actions behind a confirmation. A config app shows read-only.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { FACTOR_TYPES, type FactorType } from '../../../../server-mock/src/protocol/index.js';
import { ConsoleApiError, type ConsoleApi, type ConsoleApp } from '../../api.js';
import { i18n, I18nController } from '../../i18n/i18n.js';
import { pageStyles } from '../../styles.js';
import { appCardStyles } from './apps.styles.js';
import { defineElement } from '../../../../src/index.js';

type Confirming = 'rotate' | 'remove';

/** Bubbles to the page: `app` changed (saved, or reloaded after a conflict), a `secret` to show once, or removed. */
export class AppChangeEvent extends Event {
  static readonly type = 'camfa-app-change';
  constructor(readonly detail: { app?: ConsoleApp; secret?: string; removed?: string; reload?: boolean }) {
    super(AppChangeEvent.type, { bubbles: true, composed: true });
  }
}

export class CamfaAppCard extends LitElement {
  static override styles = [pageStyles, appCardStyles];

  @property({ attribute: false }) api!: ConsoleApi;
  @property({ attribute: false }) app!: ConsoleApp;
  @property({ type: Boolean, attribute: 'can-edit' }) canEdit = false;

  @state() private factors: FactorType[] = [];
  @state() private trustDeviceDays = '';
  @state() private busy = false;
  @state() private error?: unknown;
  @state() private saved = false;
  @state() private confirming?: Confirming;

  private readonly localize = new I18nController(this);
  private readonly t = this.localize.t;

  // `live()` on the controls: after a reload the state may equal what was last rendered while the control,
  // flipped by the user, shows something else.
  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('app')) {
      this.factors = [...this.app.factors];
      this.trustDeviceDays = this.app.trustDeviceDays === null ? '' : String(this.app.trustDeviceDays);
    }
  }

  private get editable(): boolean {
    return this.canEdit && this.app.source === 'console';
  }

  protected override render(): TemplateResult {
    const { t, app } = this;
    const conflict = this.error instanceof ConsoleApiError && this.error.code === 'edit_conflict';
    return html`<article aria-labelledby="name">
      <header>
        <h2 id="name">${app.name} <code>${app.id}</code></h2>
        <wa-badge variant=${app.source === 'config' ? 'neutral' : 'brand'}>${t(`apps.source.${app.source}`)}</wa-badge>
        <span class="quiet">${t('apps.version', { version: app.version })}</span>
      </header>
      ${app.source === 'config' ? html`<p class="quiet">${t('apps.readOnly')}</p>` : nothing}
      <dl>
        <dt>${t('apps.origins')}</dt>
        <dd>${app.origins.length ? app.origins.map((origin) => html`<code>${origin}</code> `) : t('common.none')}</dd>
        <dt>${t('apps.failMode')}</dt>
        <dd>${t(`apps.failMode.${app.failMode}`)}</dd>
      </dl>
      ${this.renderSettings()}
      ${
        conflict
          ? html`<wa-callout variant="warning" role="alert">
              ${t('apps.conflict')}
              <wa-button size="s" @click=${this.reload}>${t('common.reload')}</wa-button>
            </wa-callout>`
          : html`<div class="error" role="alert">${this.error ? i18n.error(this.error) : nothing}</div>`
      }
      <div class="status" role="status">${this.saved ? t('apps.saved') : nothing}</div>
      ${this.renderConfirm()}
    </article>`;
  }

  private renderSettings(): TemplateResult {
    const { t } = this;
    const disabled = !this.editable || this.busy;
    return html`<form @submit=${this.save}>
      <fieldset>
        <legend>${t('apps.factors')}</legend>
        ${FACTOR_TYPES.map(
          (factor) =>
            html`<wa-switch
              name=${factor}
              .checked=${live(this.factors.includes(factor))}
              ?disabled=${disabled}
              @change=${(event: Event) => this.toggleFactor(factor, (event.target as HTMLInputElement).checked)}
              >${t(`factor.${factor}`)}</wa-switch
            >`,
        )}
      </fieldset>
      <wa-input
        type="number"
        min="1"
        max="365"
        name="trustDeviceDays"
        label=${t('apps.trustDeviceDays')}
        hint=${t('apps.trustDeviceHint')}
        .value=${live(this.trustDeviceDays)}
        ?disabled=${disabled}
        @input=${(event: Event) => (this.trustDeviceDays = (event.target as HTMLInputElement).value)}
      ></wa-input>
      <div class="actions">
        <wa-button type="submit" variant="brand" ?disabled=${disabled} ?loading=${this.busy}>${t('common.save')}</wa-button>
        <wa-button ?disabled=${disabled} @click=${() => (this.confirming = 'rotate')}>${t('apps.rotate')}</wa-button>
        <wa-button variant="danger" appearance="outlined" ?disabled=${disabled} @click=${() => (this.confirming = 'remove')}>${t('apps.remove')}</wa-button>
      </div>
    </form>`;
  }

  private renderConfirm(): TemplateResult {
    const { t } = this;
    const action = this.confirming ?? 'rotate';
    return html`<wa-dialog
      label=${t(action === 'rotate' ? 'apps.rotate' : 'apps.remove')}
      ?open=${this.confirming !== undefined}
      @wa-after-hide=${(event: Event) => event.target === event.currentTarget && (this.confirming = undefined)}
    >
      <p>${t(action === 'rotate' ? 'apps.rotateConfirm' : 'apps.removeConfirm', { id: this.app.id })}</p>
      <wa-button slot="footer" @click=${() => (this.confirming = undefined)}>${t('common.cancel')}</wa-button>
      <wa-button slot="footer" variant="danger" @click=${this.confirmed}>${t(action === 'rotate' ? 'apps.rotate' : 'apps.remove')}</wa-button>
    </wa-dialog>`;
  }

  private toggleFactor(factor: FactorType, on: boolean): void {
    // Kept in FACTOR_TYPES order, whatever order the switches were flipped in.
    this.factors = FACTOR_TYPES.filter((type) => (type === factor ? on : this.factors.includes(type)));
  }

  private readonly save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const days = this.trustDeviceDays.trim();
    await this.run(async () => {
      const app = await this.api.updateApp(this.app.id, this.app.version, { factors: this.factors, trustDeviceDays: days === '' ? null : Number(days) });
      this.saved = true;
      this.dispatchEvent(new AppChangeEvent({ app }));
    });
  };

  private readonly confirmed = async (): Promise<void> => {
    const action = this.confirming;
    this.confirming = undefined;
    await this.run(async () => {
      if (action === 'rotate') this.dispatchEvent(new AppChangeEvent({ app: this.app, secret: await this.api.rotateSecret(this.app.id) }));
      if (action === 'remove') {
        await this.api.removeApp(this.app.id);
        this.dispatchEvent(new AppChangeEvent({ removed: this.app.id }));
      }
    });
  };

  private readonly reload = (): void => {
    this.error = undefined;
    this.dispatchEvent(new AppChangeEvent({ reload: true }));
  };

  private async run(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = undefined;
    this.saved = false;
    try {
      await work();
    } catch (error) {
      this.error = error;
    } finally {
      this.busy = false;
    }
  }
}

defineElement('camfa-app-card', CamfaAppCard);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-app-card': CamfaAppCard;
  }
}
