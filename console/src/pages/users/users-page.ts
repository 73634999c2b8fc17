/**
 * The Users page: an app's directory users (search over the loaded pages), or any user the app names by id (most
 * apps sign their users in themselves), and for the chosen user the MFA status with the pending step-up's reason
 * and "clear lock" (which ends the pending step-up so the app's middleware lets the user's calls through again),
 * the lockouts reset, the factors (removable), and the user's recent events and decisions.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { FACTOR_TYPES, type ConsolePendingStepUp, type ConsoleUserMfaStatus, type UebaEvent } from '../../../../server-mock/src/protocol/index.js';
import { ConsoleApiError, type ConsoleApp, type DecisionRecord, type DirectoryUser, type UserFactor, type UserLockout, type UserFactors } from '../../api.js';
import type { ConsoleStringKey } from '../../i18n/en.js';
import { i18n } from '../../i18n/i18n.js';
import { decisionOutcome, decisionSource, eventWhere } from '../event-cells.js';
import { ConsolePage } from '../page.js';
import { defineElement } from '../../../../src/index.js';

const PAGE_SIZE = 100;
/** How much of a user's history the page shows: enough to see what led to a step-up. */
const HISTORY = 20;

interface Selected {
  id: string;
  /** Absent when the built-in directory does not hold the user (once `known`): the app only names them. */
  user?: DirectoryUser;
  /** The directory was asked (or listed the user). */
  known?: boolean;
  status?: ConsoleUserMfaStatus;
  factors?: UserFactors;
  lockouts?: UserLockout[];
  events?: UebaEvent[];
  decisions?: DecisionRecord[];
}

const when = (at: number) => new Date(at).toLocaleString(i18n.lang);

/** The sign-ins the backend counts failures of beside the step-up factors (`login/lockout-subjects.ts`). */
const SIGN_IN_NAMES: Record<string, ConsoleStringKey> = {
  password: 'users.signIn.password',
  'login-sms': 'users.signIn.loginSms',
  'login-email': 'users.signIn.loginEmail',
  'login-passkey': 'users.signIn.loginPasskey',
};
const isFactorType = (name: string): name is (typeof FACTOR_TYPES)[number] => (FACTOR_TYPES as readonly string[]).includes(name);

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
          hint=${t('users.searchHint')}
          .value=${this.search}
          @input=${(event: Event) => (this.search = (event.target as HTMLInputElement).value)}
          @keydown=${this.openOnEnter}
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
    const id = this.search.trim();
    // A user the app signs in itself is in no directory page: support staff open them by their exact id.
    const lookUp =
      id && !this.users.some((user) => user.originalIdentity === id)
        ? html`<wa-button @click=${() => this.select(id)}>${t('users.lookUp', { user: id })}</wa-button>`
        : nothing;
    if (shown.length === 0)
      return html`<p class="empty">${t('users.empty')}</p>
        ${lookUp}`;
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
                  <wa-button size="s" @click=${() => this.select(user.originalIdentity)}
                    >${t('users.details')}<span class="visually-hidden">: ${user.originalIdentity}</span></wa-button
                  >
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${lookUp} ${this.more ? html`<wa-button @click=${this.loadMore}>${t('common.more')}</wa-button>` : nothing}`;
  }

  private renderSelected(selected: Selected): TemplateResult {
    const { t } = this;
    const { id, user, status } = selected;
    return html`<section aria-labelledby="selected" class="stack">
      <h2 id="selected">${t('users.selected', { user: id })}</h2>
      ${user || !selected.known ? nothing : html`<p class="quiet">${t('users.notInDirectory')}</p>`}
      <section aria-labelledby="status">
        <h3 id="status">${t('users.status')}</h3>
        <p>${t('users.status')}: ${status ? (status.pending ? this.renderPending(status.pending) : t('users.verified')) : t('common.loading')}</p>
        <wa-button ?disabled=${!this.canEdit || !status?.pending} @click=${() => this.clearLock(id)}>${t('users.clearLock')}</wa-button>
      </section>
      <section aria-labelledby="lockouts">
        <h3 id="lockouts">${t('users.lockouts')}</h3>
        <p class="quiet">${t('users.lockoutsIntro')}</p>
        ${selected.lockouts ? this.renderLockouts(selected.lockouts) : html`<p>${t('common.loading')}</p>`}
        <wa-button ?disabled=${!this.canEdit || !selected.lockouts?.length} @click=${() => this.resetLockouts(id)}>${t('users.resetLockouts')}</wa-button>
      </section>
      <section aria-labelledby="factors">
        <h3 id="factors">${t('users.factors')}</h3>
        ${selected.factors ? this.renderFactors(id, selected.factors) : html`<p>${t('common.loading')}</p>`}
      </section>
      ${this.renderEvents(selected.events)} ${this.renderDecisions(selected.decisions)}
    </section>`;
  }

  /** Why the step-up is pending (the rule's message, its rule and workflow) and until when. */
  private renderPending(pending: ConsolePendingStepUp): TemplateResult {
    const { t } = this;
    const expiresAt = Date.parse(pending.expiresAt);
    return html`${t('users.pending', { reason: pending.reason.message || pending.reason.ruleId })}
      <span class="quiet"
        >(${t('simulate.rule')} <code>${pending.reason.ruleId}</code>${
          pending.workflowId ? html` · ${t('simulate.workflow')} <code>${pending.workflowId}</code>` : nothing
        }${Number.isNaN(expiresAt) ? nothing : html` · ${pending.expired ? t('users.pendingExpired') : t('users.pendingUntil', { time: when(expiresAt) })}`})</span
      >`;
  }

  private renderLockouts(lockouts: UserLockout[]): TemplateResult {
    const { t } = this;
    if (lockouts.length === 0) return html`<p>${t('users.nothingLocked')}</p>`;
    return html`<ul id="user-lockouts">
      ${lockouts.map(
        (lockout) =>
          html`<li>
            ${this.lockoutName(lockout)}: ${t('users.failures', { count: lockout.failures })} ·
            ${
              lockout.locked
                ? html`<strong>${lockout.retryAt === null ? t('users.lockedUntilReset') : t('users.lockedUntil', { time: when(lockout.retryAt) })}</strong>`
                : t('users.notLocked')
            }
          </li>`,
      )}
    </ul>`;
  }

  /** A step-up factor by its name, a sign-in by how and under which of the user's login names. */
  private lockoutName({ factor, login }: Pick<UserLockout, 'factor' | 'login'>): string {
    const { t } = this;
    if (isFactorType(factor)) return t(`factor.${factor}`);
    const signIn = SIGN_IN_NAMES[factor];
    if (!signIn) return factor;
    return login ? t('users.signInBy', { signIn: t(signIn), login: t(`users.loginField.${login}`) }) : t(signIn);
  }

  private renderFactors(id: string, { factors, recoveryCodesLeft }: UserFactors): TemplateResult {
    const { t } = this;
    return html`${factors.length === 0 ? html`<p class="quiet">${t('users.noFactors')}</p>` : nothing}
      <ul>
        ${factors.map(
          (factor) =>
            html`<li>
              ${t(`factor.${factor.type}`)} ${factor.name ? html`<q>${factor.name}</q>` : nothing} <span class="quiet">${factor.status}</span>
              <wa-button size="s" variant="danger" appearance="outlined" ?disabled=${!this.canEdit} @click=${() => this.removeFactor(id, factor)}
                >${t('users.removeFactor')}<span class="visually-hidden">: ${t(`factor.${factor.type}`)}</span></wa-button
              >
            </li>`,
        )}
      </ul>
      <p>${t('users.recoveryLeft', { count: recoveryCodesLeft })}</p>`;
  }

  private renderEvents(events: UebaEvent[] | undefined): TemplateResult {
    const { t } = this;
    return this.renderHistory(
      { id: 'events', title: t('users.events'), empty: t('users.noEvents'), columns: [t('live.time'), t('users.behavior'), t('live.details')] },
      events,
      (event) => [when(event.requestDate), [event.behaviorType, event.behaviorResult].filter(Boolean).join(' · '), eventWhere(t, event)],
    );
  }

  private renderDecisions(decisions: DecisionRecord[] | undefined): TemplateResult {
    const { t } = this;
    return this.renderHistory(
      { id: 'decisions', title: t('users.decisions'), empty: t('users.noDecisions'), columns: [t('live.time'), t('live.filterOutcome'), t('live.details')] },
      decisions,
      (decision) => [when(decision.createdAt), decisionOutcome(t, decision), decisionSource(t, decision)],
    );
  }

  /** A titled part of the user's history: loading, empty, or a table `#user-<id>` of a row an item, newest first. */
  private renderHistory<T extends { id: string }>(
    part: { id: string; title: string; empty: string; columns: string[] },
    items: T[] | undefined,
    cells: (item: T) => unknown[],
  ): TemplateResult {
    const { t } = this;
    const table = (shown: T[]) =>
      html`<table id=${`user-${part.id}`}>
        <thead>
          <tr>
            ${part.columns.map((column) => html`<th scope="col">${column}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (item) =>
              html`<tr data-id=${item.id}>
                ${cells(item).map((cell) => html`<td>${cell}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>`;
    const body = !items ? html`<p>${t('common.loading')}</p>` : items.length === 0 ? html`<p class="quiet">${part.empty}</p>` : table(items);
    return html`<section aria-labelledby=${`${part.id}-heading`}>
      <h3 id=${`${part.id}-heading`}>${part.title}</h3>
      ${body}
    </section>`;
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

  private readonly openOnEnter = (event: KeyboardEvent): void => {
    const id = this.search.trim();
    if (event.key === 'Enter' && id) void this.select(id);
  };

  private select(id: string): Promise<void> {
    const listed = this.users?.find((user) => user.originalIdentity === id);
    this.selected = { id, user: listed };
    return this.attempt(async () => {
      // Beyond the loaded pages, or added since they loaded: the directory says whether it holds the user.
      const user = listed ?? (await this.directoryUser(id));
      if (this.selected?.id === id) this.selected = { ...this.selected, user, known: true };
      await this.refreshSelected();
    });
  }

  private async directoryUser(id: string): Promise<DirectoryUser | undefined> {
    try {
      return await this.api.user(this.appId!, id);
    } catch (error) {
      if (error instanceof ConsoleApiError && error.code === 'user_not_found') return undefined;
      throw error;
    }
  }

  /** The chosen user's status, factors and history, again (callers run it inside `attempt`). */
  private async refreshSelected(): Promise<void> {
    const appId = this.appId;
    const selected = this.selected;
    if (!appId || !selected) return;
    const { id } = selected;
    const [status, factors, lockouts, events, decisions] = await Promise.all([
      this.api.mfaStatus(appId, id),
      this.api.userFactors(appId, id),
      this.api.userLockouts(appId, id),
      this.api.userEvents(appId, id, HISTORY),
      this.api.userDecisions(appId, id, HISTORY),
    ]);
    // Another user chosen meanwhile keeps what is shown for them.
    if (this.selected?.id === id) this.selected = { ...this.selected, status, factors, lockouts, events, decisions };
  }

  private clearLock(id: string): Promise<void> {
    return this.attempt(async () => {
      await this.api.clearMfaStatus(this.appId!, id);
      await this.refreshSelected();
      this.notice = this.t('users.cleared', { user: id });
    });
  }

  private resetLockouts(id: string): Promise<void> {
    return this.attempt(async () => {
      const reset = await this.api.resetUserLockouts(this.appId!, id);
      await this.refreshSelected();
      // The answer names each as `factor` or `factor:login` (the login field), as the audit log keeps them.
      const names = reset.map((name) => {
        const [factor = name, login] = name.split(':');
        return this.lockoutName({ factor, login: login as UserLockout['login'] });
      });
      this.notice = names.length === 0 ? this.t('users.noLockouts', { user: id }) : this.t('users.lockoutsReset', { user: id, list: names.join(', ') });
    });
  }

  private removeFactor(id: string, factor: UserFactor): Promise<void> {
    return this.attempt(async () => {
      await this.api.removeUserFactor(this.appId!, id, factor.id);
      await this.refreshSelected();
      this.notice = this.t('users.removed', { user: id, factor: this.t(`factor.${factor.type}`) });
    });
  }
}

defineElement('camfa-users-page', CamfaUsersPage);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-users-page': CamfaUsersPage;
  }
}
