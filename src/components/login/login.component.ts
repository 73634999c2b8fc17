import { html, LitElement, nothing, render, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { GuardError, type GuardErrorCode } from '../../core/errors.js';
import { passkeyCeremony } from '../../core/passkeys.js';
import type { LoginCodeSent } from '../../core/types.js';
import { GuardCloseEvent } from '../../events/close.js';
import { GuardErrorEvent } from '../../events/error.js';
import { GuardLoginSubmitEvent, type LoginMethod } from '../../events/login-submit.js';
import type { GuardContext } from '../../controllers/context.js';
import type { TranslationKey } from '../../i18n/strings.js';
import type { Theme } from '../../themes/themes.js';
import { CountdownController, systemClock, type Clock } from '../../controllers/countdown.js';
import { LocalizeController } from '../../controllers/localize.js';
import { RequestController } from '../../controllers/request.js';
import { loadWebAuthn } from '../../lazy.js';
import { loginStyles } from './login.styles.js';

export type { LoginMethod };

const ALL_METHODS: readonly LoginMethod[] = ['password', 'sms', 'email'];
const METHOD_LABELS: Record<LoginMethod, TranslationKey> = { password: 'login.methodPassword', sms: 'login.methodSms', email: 'login.methodEmail' };

let instances = 0;

/** Why the background passkey autofill may end without anyone being told. */
const QUIET_AUTOFILL = new Set<GuardErrorCode>(['unsupported_factor', 'passkeys_unavailable', 'passkey_cancelled', 'cancelled']);

/**
 * Password managers and the browser's autofill only see inputs in the document's light DOM (they do not look
 * into shadow roots, and a form-associated custom element hides its real `<input>` from them just the same),
 * so, the approach Hanko took, the form controls are rendered as light-DOM children of the element and
 * projected into its shadow root's slot. Each control is a direct child so `static styles` can reach it with
 * `::slotted()` (no stylesheet is added to the page); the controls join the empty `<form>` beside them through
 * their `form` attribute, which keeps Enter-to-submit and the password managers' form detection. The chrome
 * (title, method switch, error region) stays in the shadow root.
 *
 * Renders once `context` is set; `Guard` sets it. `context.login` runs the login (with `before-login`, the
 * metadata and any step-up); errors are shown translated and re-emitted as `guard-error`.
 *
 * Passkeys: the username field carries `autocomplete="username webauthn"`, and where the browser supports
 * passkey autofill (conditional mediation) a passkey request runs in the background from the first render, so
 * the browser offers the user's passkeys among its suggestions; submitting the form or leaving the page cancels
 * it. "Sign in with a passkey" asks for one in the browser's own dialog. SimpleWebAuthn loads lazily.
 *
 * @tag guard-login
 * @summary Sign-in form: username / e-mail / phone + password, a one-time code by SMS or e-mail, or a passkey.
 *
 * @event {{ method: LoginMethod; login: string }} guard-login-submit - Before a password login or sending a
 *   login code; cancelable (`preventDefault()` stops it). Carries no secret.
 * @event {{ error: GuardError }} guard-error - Sending a code or signing in failed (also shown in `error`).
 * @event guard-close - The user closed the modal (`mode="modal"`: close button or Escape).
 *
 * @slot - Reserved: the element renders its own form controls here.
 *
 * @csspart base - The form surface (`role="dialog"` in modal mode).
 * @csspart title - The heading.
 * @csspart methods - The sign-in method switch.
 * @csspart error - The error region (`role="alert"`).
 *
 * @cssproperty [--width=24rem] - Maximum width of the surface.
 * @cssproperty [--gap=var(--guard-spacing-m)] - Space between fields.
 */
export class GuardLogin extends LitElement {
  static override styles = loginStyles;

  /** Set by `Guard`: the API client, strings and login runner. */
  @property({ attribute: false }) context?: GuardContext;

  /** `light` (default), `dark` or `auto` (`prefers-color-scheme`). */
  @property({ reflect: true }) theme?: Theme;

  /** `modal` shows an overlay with a close button; `Guard` sets it in modal mode. */
  @property({ reflect: true }) mode: 'normal' | 'modal' = 'normal';

  /** The sign-in methods offered, in this order, space-separated: `password`, `sms`, `email`. */
  @property({
    converter: (value) => {
      const chosen = ALL_METHODS.filter((method) => value?.split(/\s+/).includes(method));
      return chosen.length > 0 ? chosen : [...ALL_METHODS];
    },
  })
  methods: LoginMethod[] = [...ALL_METHODS];

  /** Seconds before another login code may be asked for (the backend's resend cooldown). */
  @property({ type: Number, attribute: 'resend-delay' }) resendDelay = 30;

  /** Time source of the resend countdown. */
  @property({ attribute: false }) clock: Clock = systemClock;

  @state() private method: LoginMethod = 'password';
  /** Set once a login code was sent: the form asks for the code. */
  @state() private sent?: LoginCodeSent & { login: string };
  @state() private passwordShown = false;

  private readonly ids = `guard-login-${++instances}`;
  private readonly localize = new LocalizeController(this);
  private readonly request = new RequestController(this);
  private readonly resend = new CountdownController(this, () => this.clock);
  /** Moves focus after the next render (to the code input when the code step opens). */
  private focusAfterRender?: string;
  /** The background passkey request of the browser's autofill; undefined: none yet (one starts after render). */
  private autofill?: AbortController;

  override connectedCallback(): void {
    super.connectedCallback();
    // Back in the page: updated() starts passkey autofill again.
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopAutofill();
    this.autofill = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('methods') && !this.methods.includes(this.method)) this.method = this.methods[0] ?? 'password';
  }

  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    render(this.context ? this.renderControls() : nothing, this, { host: this });
  }

  protected override updated(): void {
    if (this.context && this.isConnected && this.autofill === undefined) void this.startAutofill();
    if (!this.focusAfterRender) return;
    this.querySelector<HTMLElement>(`#${this.focusAfterRender}`)?.focus();
    this.focusAfterRender = undefined;
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!this.context) return nothing;
    const t = this.t;
    const { pending, error } = this.request;
    const modal = this.mode === 'modal';
    return html`
      <div
        part="base"
        role=${modal ? 'dialog' : nothing}
        aria-modal=${modal ? 'true' : nothing}
        aria-labelledby=${modal ? 'title' : nothing}
        aria-busy=${pending ? 'true' : 'false'}
        @keydown=${modal ? this.onModalKeydown : nothing}
      >
        ${modal ? html`<button class="close" type="button" aria-label=${t('common.close')} @click=${this.close}>×</button>` : nothing}
        <h2 part="title" id="title">${t('login.title')}</h2>
        ${
          this.methods.length > 1 && !this.sent
            ? html`<div part="methods" role="group" aria-label=${t('login.methodsLabel')}>
                ${this.methods.map(
                  (method) =>
                    html`<button type="button" aria-pressed=${method === this.method ? 'true' : 'false'} @click=${() => this.switchMethod(method)}>
                      ${t(METHOD_LABELS[method])}
                    </button>`,
                )}
              </div>`
            : nothing
        }
        <div part="error" class="error" role="alert">${error ? t(`errors.${error.code}`) : nothing}</div>
        <div class="fields"><slot></slot></div>
      </div>
    `;
  }

  /** The light-DOM controls (see the class comment); each is a direct child of the element. */
  private renderControls(): TemplateResult {
    const t = this.t;
    const id = (name: string) => `${this.ids}-${name}`;
    const form = id('form');
    const busy = this.request.pending;
    const submit = (idle: TranslationKey, working: TranslationKey) => html`<button type="submit" form=${form}>${t(busy ? working : idle)}</button>`;
    const shell = html`<form id=${form} method="post" @submit=${this.onSubmit}></form>`;

    if (this.sent) {
      const seconds = this.resend.seconds;
      return html`${shell}
        <p id=${id('sent')}>${t('code.sent', { destination: this.sent.sentTo })}</p>
        <label for=${id('code')}>${t('login.codeLabel')}</label>
        <input
          id=${id('code')}
          form=${form}
          name="code"
          autocomplete="one-time-code"
          inputmode="numeric"
          required
          aria-describedby=${id('sent')}
          ?readonly=${busy}
        />
        ${submit('common.verify', 'common.verifying')}
        <button type="button" ?disabled=${seconds > 0 || busy} @click=${this.resendCode}>
          ${seconds > 0 ? t('code.resendIn', { seconds }) : t('code.resend')}
        </button>
        <button type="button" @click=${this.changeLogin}>${t('common.back')}</button>`;
    }

    if (this.method === 'password') {
      return html`${shell}
        <label for=${id('login')}>${t('login.identifierLabel')}</label>
        <input
          id=${id('login')}
          form=${form}
          name="username"
          autocomplete="username webauthn"
          autocapitalize="none"
          spellcheck="false"
          required
          ?readonly=${busy}
        />
        <label for=${id('password')}>${t('login.passwordLabel')}</label>
        <input
          id=${id('password')}
          form=${form}
          name="password"
          type=${this.passwordShown ? 'text' : 'password'}
          autocomplete="current-password"
          required
          ?readonly=${busy}
        />
        <button type="button" aria-pressed=${this.passwordShown ? 'true' : 'false'} @click=${this.togglePassword}>
          ${t(this.passwordShown ? 'login.hidePassword' : 'login.showPassword')}
        </button>
        ${submit('login.submit', 'login.submitting')} ${this.renderPasskeyButton()}`;
    }

    const sms = this.method === 'sms';
    return html`${shell}
      <label for=${id('login')}>${t(sms ? 'login.phoneLabel' : 'login.emailLabel')}</label>
      <input
        id=${id('login')}
        form=${form}
        name=${sms ? 'phone' : 'email'}
        type=${sms ? 'tel' : 'email'}
        autocomplete=${sms ? 'tel' : 'email'}
        aria-describedby=${sms ? id('hint') : nothing}
        required
        ?readonly=${busy}
      />
      ${sms ? html`<p id=${id('hint')}>${t('login.phoneHint')}</p>` : nothing} ${submit('login.sendCode', 'code.sending')} ${this.renderPasskeyButton()}`;
  }

  /** Only where the browser has WebAuthn: elsewhere the button could only say "not available". */
  private renderPasskeyButton(): TemplateResult | typeof nothing {
    if (typeof globalThis.PublicKeyCredential !== 'function') return nothing;
    return html`<button type="button" @click=${this.signInWithPasskey}>${this.t('login.passkeySubmit')}</button>`;
  }

  /** Bound, so templates can destructure it. */
  private get t(): LocalizeController['t'] {
    return (key, values) => this.localize.t(key, values);
  }

  private field(name: string): string {
    return this.querySelector<HTMLInputElement>(`#${this.ids}-${name}`)?.value.trim() ?? '';
  }

  private switchMethod(method: LoginMethod): void {
    this.method = method;
    this.request.clear();
  }

  private togglePassword(): void {
    this.passwordShown = !this.passwordShown;
  }

  private changeLogin(): void {
    this.sent = undefined;
    this.request.clear();
    this.focusAfterRender = `${this.ids}-login`;
  }

  private close(): void {
    this.dispatchEvent(new GuardCloseEvent());
  }

  private onModalKeydown(event: KeyboardEvent): void {
    if (event.key === 'Escape') this.close();
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.request.pending) return;
    // The user chose the form: the browser's passkey suggestions go away.
    this.stopAutofill();
    const context = this.context!;
    if (this.sent) {
      const { login, challengeId } = this.sent;
      await this.request.run(() => context.login({ login, challengeId, code: this.field('code') }));
      return;
    }
    const login = this.field('login');
    if (!this.dispatchEvent(new GuardLoginSubmitEvent({ method: this.method, login }))) return;
    if (this.method === 'password') await this.request.run(() => context.login({ login, password: this.field('password') }));
    else await this.sendCode(login);
  }

  /**
   * Offers the user's passkeys in the browser's autofill (conditional mediation) until one is picked, the form
   * is submitted or the element leaves. A convenience only: where the browser or the backend cannot offer it,
   * nothing is shown and the form works as before.
   */
  private async startAutofill(): Promise<void> {
    const controller = (this.autofill = new AbortController());
    const { signal } = controller;
    const { api } = this.context!;
    const chosen = await passkeyCeremony(loadWebAuthn, signal, async (webauthn) => {
      if (!(await webauthn.browserSupportsWebAuthnAutofill())) return undefined;
      const started = await api.passkeyLoginOptions({ signal });
      // The username field may sit in a page's shadow root, where SimpleWebAuthn's document-wide check cannot see it.
      const response = await webauthn.startAuthentication({ optionsJSON: started.options, useBrowserAutofill: true, verifyBrowserAutofillInput: false });
      return { challengeId: started.challengeId, passkey: response };
    }).catch((caught: unknown) => {
      // Not shown: the form works as before. A browser or app without passkeys, or a request the form or
      // the page cancelled, is expected; anything else (the backend failing) is emitted for the page to see.
      const error = GuardError.from(caught);
      if (!QUIET_AUTOFILL.has(error.code)) this.dispatchEvent(new GuardErrorEvent(error));
      return undefined;
    });
    if (!chosen || signal.aborted) return;
    const signedIn = await this.request.run(() => this.context!.login({ login: '', ...chosen }));
    if (!signedIn) this.restartAutofill();
  }

  private stopAutofill(): void {
    this.autofill?.abort();
  }

  private restartAutofill(): void {
    this.autofill = undefined;
    this.requestUpdate();
  }

  /** "Sign in with a passkey": the browser's passkey dialog (it replaces the autofill request while it is open). */
  private async signInWithPasskey(): Promise<void> {
    if (this.request.pending) return;
    const context = this.context!;
    this.stopAutofill();
    const signedIn = await this.request.run((signal) =>
      passkeyCeremony(loadWebAuthn, signal, async (webauthn) => {
        const started = await context.api.passkeyLoginOptions({ signal });
        const passkey = await webauthn.startAuthentication({ optionsJSON: started.options });
        return context.login({ login: '', challengeId: started.challengeId, passkey });
      }),
    );
    if (!signedIn) this.restartAutofill();
  }

  private resendCode(): Promise<void> {
    return this.sendCode(this.sent!.login);
  }

  private async sendCode(login: string): Promise<void> {
    const { api, i18n } = this.context!;
    const sent = await this.request.run(async (signal) => {
      try {
        return await api.sendLoginCode({ login, locale: i18n.language }, { signal });
      } catch (caught) {
        // A cooldown says when the next send is allowed: the countdown shows it.
        const retryAt = GuardError.from(caught).retryAt;
        if (retryAt) this.resend.start(retryAt);
        throw caught;
      }
    });
    if (!sent) return;
    this.sent = { ...sent, login };
    this.focusAfterRender = `${this.ids}-code`;
    this.resend.start(new Date(this.clock.now() + this.resendDelay * 1000));
  }
}
