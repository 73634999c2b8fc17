/**
 * `<camfa-console>`: the console's app shell. It asks the backend who is signed in; without a session it shows
 * the sign-in, with one the banner (language, theme, the admin's name and role, sign out), the navigation and
 * the current page, which gets the API client and the session. After each navigation focus moves to the new
 * page's heading.
 */
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ConsoleApi, ConsoleApiError, SESSION_ENDED, type ConsoleSession } from '../api.js';
import { CONSOLE_LANGUAGES, ConsoleI18n, i18n, I18nController, LANGUAGE_NAMES, type ConsoleLanguage } from '../i18n/i18n.js';
import type { ConsolePage } from '../pages/page.js';
import { applyTheme, preferredTheme, type ConsoleTheme } from '../theme.js';
import { PAGE_TITLES, PAGES, pagePath, RouterController, type PageName } from './routes.js';
import { shellStyles } from './shell.styles.js';
import type { SignedInEvent } from './sign-in.js';
import '../pages/apps/apps-page.js';
import '../pages/audit/audit-page.js';
import '../pages/live/live-page.js';
import '../pages/policies/policies-page.js';
import '../pages/simulate/simulate-page.js';
import '../pages/users/users-page.js';
import './sign-in.js';
import '../components.js';
import { defineElement } from '../../../src/index.js';

let stylesAdopted = false;

export class CamfaConsole extends LitElement {
  /** The client pages use; by default the backend this page came from. Tests set one on a test server. */
  @property({ attribute: false }) api = new ConsoleApi({ baseUrl: '/console/api' });

  /** undefined while asking the backend, null when nobody is signed in. */
  @state() private session?: ConsoleSession | null;
  @state() private error?: unknown;
  @state() private theme: ConsoleTheme = 'light';

  private readonly router = new RouterController(this);
  private readonly localize = new I18nController(this);

  protected override createRenderRoot(): HTMLElement {
    if (!stylesAdopted) document.adoptedStyleSheets = [...document.adoptedStyleSheets, shellStyles.styleSheet!];
    stylesAdopted = true;
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.theme = preferredTheme();
    applyTheme(this.theme);
    this.api.addEventListener(SESSION_ENDED, this.onSessionEnded);
    void i18n.setLanguage(ConsoleI18n.preferred()).then(() => this.checkSession());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.api.removeEventListener(SESSION_ENDED, this.onSessionEnded);
  }

  /** Asks the backend who is signed in; a 401 shows the sign-in. */
  async checkSession(): Promise<void> {
    this.error = undefined;
    try {
      this.session = await this.api.session();
    } catch (error) {
      if (error instanceof ConsoleApiError && error.status === 401) this.session = null;
      else this.error = error;
    }
  }

  protected override updated(): void {
    // The tab's title names the page too: the browser's history, tabs and screen readers show it.
    const { t } = this.localize;
    document.title = this.session ? `${t(PAGE_TITLES[this.router.page])} · ${t('app.title')}` : `${t('signIn.title')} · ${t('app.title')}`;
    if (!this.router.navigated) return;
    this.router.navigated = false;
    // The page (or the sign-in) is the last thing in <main>, after the shell's own error region.
    const page = this.querySelector('main')?.lastElementChild;
    if (page && 'focusHeading' in page) void (page as ConsolePage).focusHeading();
  }

  protected override render(): TemplateResult {
    const { t } = this.localize;
    const signedIn = this.session != null;
    return html`<a class="skip" href="#content">${t('app.skip')}</a>
      ${this.renderBanner()} ${signedIn ? this.renderNav() : nothing}
      <main id="content" tabindex="-1" class=${signedIn ? '' : 'signed-out'}>
        <div class="error" role="alert">${this.error ? i18n.error(this.error) : nothing}</div>
        ${this.error ? html`<wa-button @click=${this.checkSession}>${t('common.retry')}</wa-button>` : nothing} ${this.renderMain()}
      </main>`;
  }

  private renderBanner(): TemplateResult {
    const { t } = this.localize;
    const admin = this.session?.admin;
    return html`<header>
      <span class="title">${t('app.title')}</span>
      <wa-select label=${t('header.language')} size="s" .value=${i18n.lang} @change=${this.changeLanguage}>
        ${CONSOLE_LANGUAGES.map((lang) => html`<wa-option value=${lang} lang=${lang}>${LANGUAGE_NAMES[lang]}</wa-option>`)}
      </wa-select>
      <wa-switch .checked=${this.theme === 'dark'} @change=${this.toggleTheme}>${t('header.theme')}</wa-switch>
      ${
        admin
          ? html`<span class="admin">${t('header.signedInAs', { name: admin.name })} <wa-badge variant="neutral">${t(`role.${admin.role}`)}</wa-badge></span>
              <wa-button size="s" @click=${this.signOut}>${t('header.signOut')}</wa-button>`
          : nothing
      }
    </header>`;
  }

  private renderNav(): TemplateResult {
    const { t } = this.localize;
    return html`<nav aria-label=${t('nav.label')}>
      <ul>
        ${PAGES.map(
          (page) =>
            html`<li>
              <a
                href=${pagePath(page)}
                aria-current=${page === this.router.page ? 'page' : nothing}
                @click=${(event: MouseEvent) => this.router.linkClick(event, page)}
                >${t(PAGE_TITLES[page])}</a
              >
            </li>`,
        )}
      </ul>
    </nav>`;
  }

  private renderMain(): TemplateResult | typeof nothing {
    if (this.session === undefined) return this.error ? nothing : html`<p role="status"><wa-spinner></wa-spinner> ${this.localize.t('common.loading')}</p>`;
    if (this.session === null) return html`<camfa-sign-in .api=${this.api} theme=${this.theme} @camfa-signed-in=${this.onSignedIn}></camfa-sign-in>`;
    return this.renderPage(this.router.page, this.session);
  }

  private renderPage(page: PageName, session: ConsoleSession): TemplateResult {
    const { api } = this;
    switch (page) {
      case 'apps':
        return html`<camfa-apps-page .api=${api} .session=${session}></camfa-apps-page>`;
      case 'policies':
        return html`<camfa-policies-page .api=${api} .session=${session}></camfa-policies-page>`;
      case 'simulate':
        return html`<camfa-simulate-page .api=${api} .session=${session}></camfa-simulate-page>`;
      case 'live':
        return html`<camfa-live-page .api=${api} .session=${session}></camfa-live-page>`;
      case 'users':
        return html`<camfa-users-page .api=${api} .session=${session}></camfa-users-page>`;
      case 'audit':
        return html`<camfa-audit-page .api=${api} .session=${session}></camfa-audit-page>`;
    }
  }

  private readonly onSignedIn = (event: SignedInEvent): void => {
    this.session = event.session;
    this.router.navigated = true;
  };

  /** A page's call found the session gone: back to the sign-in, whose heading takes the focus. */
  private readonly onSessionEnded = (): void => {
    this.session = null;
    this.router.navigated = true;
  };

  private readonly signOut = async (): Promise<void> => {
    try {
      await this.api.signOut();
      this.session = null;
    } catch (error) {
      this.error = error;
    }
  };

  private readonly changeLanguage = (event: Event): void => {
    void i18n.setLanguage((event.target as HTMLSelectElement).value as ConsoleLanguage, { remember: true });
  };

  private readonly toggleTheme = (event: Event): void => {
    this.theme = (event.target as HTMLInputElement).checked ? 'dark' : 'light';
    applyTheme(this.theme, { remember: true });
  };
}

defineElement('camfa-console', CamfaConsole);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-console': CamfaConsole;
  }
}
