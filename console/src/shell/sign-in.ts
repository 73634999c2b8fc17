/**
 * The sign-in page, shown while `GET /console/api/session` answers 401: the library's own `<guard-login>`
 * for the console app, whose login always steps up with TOTP or a passkey, then the step-up's mfaToken is
 * exchanged for the console's session cookie. Rendered in the light DOM (no shadow root of its own) so the
 * login's fields stay where password managers look for them.
 */
import { html, LitElement, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { Guard, GuardError } from '../../../src/index.js';
import type { ConsoleApi, ConsoleSession } from '../api.js';
import { i18n, I18nController } from '../i18n/i18n.js';
import type { ConsoleTheme } from '../theme.js';
import { defineElement } from '../../../src/index.js';

/** The backend's reserved app of the console (`CONSOLE_APP_ID` in `server-mock/src/console/`). */
export const CONSOLE_APP_ID = 'camfa-console';

export class SignedInEvent extends Event {
  static readonly type = 'camfa-signed-in';
  constructor(readonly session: ConsoleSession) {
    super(SignedInEvent.type, { bubbles: true, composed: true });
  }
}

export class CamfaSignIn extends LitElement {
  @property({ attribute: false }) api!: ConsoleApi;
  @property() theme: ConsoleTheme = 'light';

  @state() private error?: unknown;

  private readonly localize = new I18nController(this);
  private guard?: Guard;
  private stopLanguage?: () => void;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.guard = new Guard({ appId: CONSOLE_APP_ID, host: new URL(this.api.baseUrl, location.href).origin, lang: i18n.lang, theme: this.theme });
    // Administrators sign in with their password (or a passkey); the console app sends no login codes.
    this.guard.on('load', (element) => element.setAttribute('methods', 'password'));
    this.stopLanguage = i18n.onChange(() => void this.guard?.changeLang(i18n.lang));
    void this.updateComplete.then(() => this.signIn());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopLanguage?.();
    this.guard?.unmount();
    this.guard = undefined;
  }

  protected override updated(changed: Map<string, unknown>): void {
    // The library's elements take their theme as an attribute; the step-up modal lives on document.body.
    if (changed.has('theme')) for (const element of document.querySelectorAll('guard-login, guard-step-up')) element.setAttribute('theme', this.theme);
  }

  /** The heading the shell focuses when the sign-in replaces a page (the session ended). */
  async focusHeading(): Promise<void> {
    await this.updateComplete;
    this.querySelector<HTMLElement>('h1')?.focus();
  }

  protected override render(): TemplateResult {
    const { t } = this.localize;
    return html`<section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabindex="-1">${t('signIn.title')}</h1>
      <p class="intro">${t('signIn.intro')}</p>
      <div class="error" role="alert">${this.error ? i18n.error(this.error) : ''}</div>
      <div class="login"></div>
    </section>`;
  }

  /** One login after another until the backend accepts one as a console administrator's. */
  private async signIn(): Promise<void> {
    const guard = this.guard;
    const container = this.querySelector('.login');
    if (!guard || !container) return;
    try {
      const { token } = await guard.start(container);
      if (!token) throw new GuardError('unknown', 'The login gave no token');
      this.dispatchEvent(new SignedInEvent(await this.api.signIn(token)));
    } catch (error) {
      if (error instanceof GuardError && error.code === 'cancelled' && guard !== this.guard) return;
      this.error = error;
      if (guard === this.guard) void this.signIn();
    }
  }
}

defineElement('camfa-sign-in', CamfaSignIn);

declare global {
  interface HTMLElementTagNameMap {
    'camfa-sign-in': CamfaSignIn;
  }
  interface HTMLElementEventMap {
    'camfa-signed-in': SignedInEvent;
  }
}
