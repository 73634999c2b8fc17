/**
 * The Users page: an app's directory users (search over the loaded pages), and for the chosen user the MFA
 * status with the pending step-up's reason, the factors (removable) and "clear lock", which ends the pending
 * step-up so the app's middleware lets the user's calls through again.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import type { ConsoleApp, DirectoryUser, UserMfaStatus, UserFactors } from '../../api.js';
import { ConsolePage } from '../page.js';
import { defineElement } from '../../../../src/index.js';

const PAGE_SIZE = 100;

interface Selected {
  user: DirectoryUser;
  status?: UserMfaStatus;
  factors?: UserFactors;
}

export class CamfaUsersPage extends ConsolePage {
  @state() private apps?: ConsoleApp[];
  @state() private appId?: string;
  @state() private users?: DirectoryUser[];
  @state() private more = false;
  @state() private search = '';
  @state() private selected?: Selected;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.attempt(async () => {
      this.apps = await this.api.apps();
      if (this.apps[0]) await this.chooseApp(this.apps[0].id);
    });
  }

  protected override render(): TemplateResult {
    const { t } = this;
    return html`${this.renderHeading(t('users.title'), t('users.intro'))}
      <div class="toolbar">
        <wa-select label=${t('users.app')} .value=${this.appId ?? ''} @change=${(event: Event) => this.chooseApp((event.target as HTMLSelectElement).value)}>
          ${(this.apps ?? []).map((app) => html`<wa-option value=${app.id}>${app.name} (${app.id})</wa-option>`)}
        </wa-select>
        <wa-input
          type="search"
          label=${t('users.search')}
          .value=${this.search}
          @input=${(event: Event) => (this.search = (event.target as HTMLInputElement).value)}
        ></wa-input>
      </div>
      ${this.renderError(this.error)}
      <div role="status">${this.notice}</div>
      ${this.renderUsers()} ${this.selected ? this.renderSelected(this.selected) : nothing}`;
  }

  private renderUsers(): TemplateResult {
    const { t } = this;
    if (!this.users) return html``;
    const query = this.search.trim().toLowerCase();
    const shown = this.users.filter((user) =>
      [user.originalIdentity, user.username, user.email, user.phone].some((value) => value?.toLowerCase().includes(query)),
    );
    if (shown.length === 0) return html`<p class="empty">${t('users.empty')}</p>`;
    return html`<table>
        <thead>
          <tr>
            <th scope="col">${t('users.id')}</th>
            <th scope="col">${t('users.login')}</th>
            <th scope="col"><span class="visually-hidden">${t('users.details')}</span></th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (user) =>
              html`<tr>
                <td><code>${user.originalIdentity}</code></td>
                <td>${[user.username, user.email, user.phone].filter(Boolean).join(', ')}</td>
                <td>
                  <wa-button size="s" @click=${() => this.select(user)}
                    >${t('users.details')}<span class="visually-hidden">: ${user.originalIdentity}</span></wa-button
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more ? html`<wa-button @click=${this.loadMore}>${t('common.more')}</wa-button>` : nothing}`;
  }

  private renderSelected({ user, status, factors }: Selected): TemplateResult {
    const { t } = this;
    const id = user.originalIdentity;
    return html`<section aria-labelledby="selected">
      <h2 id="selected">${t('users.factors', { user: id })}</h2>
      <p>
        ${t('users.status')}:
        ${status ? (status.pending ? t('users.pending', { reason: status.pending.reason.message }) : t('users.verified')) : t('common.loading')}
      </p>
      <wa-button ?disabled=${!this.canEdit || !status?.pending} @click=${() => this.clearLock(id)}>${t('users.clearLock')}</wa-button>
      ${factors ? this.renderFactors(id, factors) : nothing}
    </section>`;
  }

  private renderFactors(id: string, { factors, recoveryCodesLeft }: UserFactors): TemplateResult {
    const { t } = this;
    return html`${factors.length === 0 ? html`<p class="quiet">${t('users.noFactors')}</p>` : nothing}
      <ul>
        ${factors.map(
          (factor) =>
            html`<li>
              ${t(`factor.${factor.type}`)} ${factor.name ? html`<q>${factor.name}</q>` : nothing} <span class="quiet">${factor.status}</span>
              <wa-button size="s" variant="danger" appearance="outlined" ?disabled=${!this.canEdit} @click=${() => this.removeFactor(id, factor.id)}
                >${t('users.removeFactor')}<span class="visually-hidden">: ${t(`factor.${factor.type}`)}</span></wa-button
              >
            </li>`,
        )}
      </ul>
      <p>${t('users.recoveryLeft', { count: recoveryCodesLeft })}</p>`;
  }

  private async chooseApp(appId: string): Promise<void> {
    this.appId = appId;
    this.selected = undefined;
    this.users = undefined;
    await this.attempt(async () => {
      const users = await this.api.users(appId, { limit: PAGE_SIZE });
      this.users = users;
      this.more = users.length === PAGE_SIZE;
    });
  }

  private readonly loadMore = (): Promise<void> =>
    this.attempt(async () => {
      const page = await this.api.users(this.appId!, { limit: PAGE_SIZE, after: this.users?.at(-1)?.originalIdentity });
      this.users = [...(this.users ?? []), ...page];
      this.more = page.length === PAGE_SIZE;
    });

  private select(user: DirectoryUser): Promise<void> {
    this.selected = { user };
    return this.attempt(() => this.refreshSelected());
  }

  /** The chosen user's status and factors, again (callers run it inside `attempt`). */
  private async refreshSelected(): Promise<void> {
    const appId = this.appId;
    const user = this.selected?.user;
    if (!appId || !user) return;
    const [status, factors] = await Promise.all([this.api.mfaStatus(appId, user.originalIdentity), this.api.userFactors(appId, user.originalIdentity)]);
    if (this.selected?.user === user) this.selected = { user, status, factors };
  }

  private clearLock(id: string): Promise<void> {
    return this.attempt(async () => {
      await this.api.clearMfaStatus(this.appId!, id);
      await this.refreshSelected();
      this.notice = this.t('users.cleared', { user: id });
    });
  }

  private removeFactor(id: string, factorId: string): Promise<void> {
    return this.attempt(async () => {
      await this.api.removeUserFactor(this.appId!, id, factorId);
      await this.refreshSelected();
    });
  }
}

defineElement('camfa-users-page', CamfaUsersPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-users-page': CamfaUsersPage;
  }
}
