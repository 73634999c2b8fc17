import { html, LitElement, nothing, render, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { OTP_DIGITS } from '../../../server-mock/src/protocol/index.js';
import { GuardCloseEvent } from '../../events/close.js';
import { GuardLoginSubmitEvent, type LoginMethod } from '../../events/login-submit.js';
import type { GuardContext } from '../../controllers/context.js';
import type { TranslationKey } from '../../i18n/strings.js';
import type { Theme } from '../../themes/themes.js';
import { systemClock, type Clock } from '../../controllers/countdown.js';
import { LocalizeController } from '../../controllers/localize.js';
import { LoginFlow } from '../../controllers/login-flow.js';
import { loginStyles } from './login.styles.js';

export type { LoginMethod };

const ALL_METHODS: readonly LoginMethod[] = ['password', 'sms', 'email'];
const METHOD_LABELS: Record<LoginMethod, TranslationKey> = { password: 'login.methodPassword', sms: 'login.methodSms', email: 'login.methodEmail' };

let instances = 0;

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
  @state() private passwordShown = false;

  private readonly ids = `guard-login-${++instances}`;
  private readonly localize = new LocalizeController(this);
  /** The calls (sign-in, login codes, passkeys) and their state; this element renders them. */
  private readonly flow = new LoginFlow(this);
  /** Moves focus after the next render (to the code input when the code step opens). */
  private focusAfterRender?: string;
  private sentShown?: LoginFlow['sent'];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('methods') && !this.methods.includes(this.method)) this.method = this.methods[0] ?? 'password';
  }

  protected override update(changed: PropertyValues<this>): void {
    super.update(changed);
    render(this.context ? this.renderControls() : nothing, this, { host: this });
  }

  protected override updated(): void {
    // Each code sent (a new `sent`) opens the code step: focus goes to its input.
    const { sent } = this.flow;
    if (sent && sent !== this.sentShown) this.focusAfterRender = `${this.ids}-code`;
    this.sentShown = sent;
    if (!this.focusAfterRender) return;
    this.querySelector<HTMLElement>(`#${this.focusAfterRender}`)?.focus();
    this.focusAfterRender = undefined;
  }

  protected override render(): TemplateResult | typeof nothing {
    if (!this.context) return nothing;
    const { t } = this.localize;
    const { pending, error } = this.flow.request;
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
          this.methods.length > 1 && !this.flow.sent
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
    const { t } = this.localize;
    const id = (name: string) => `${this.ids}-${name}`;
    const form = id('form');
    const { sent, request, resend } = this.flow;
    const busy = request.pending;
    const submit = (idle: TranslationKey, working: TranslationKey) => html`<button type="submit" form=${form}>${t(busy ? working : idle)}</button>`;
    const shell = html`<form id=${form} method="post" @submit=${this.onSubmit}></form>`;

    if (sent) {
      const seconds = resend.seconds;
      return html`${shell}
        <p id=${id('sent')}>${t('code.sent', { destination: sent.sentTo })}</p>
        <label for=${id('code')}>${t('otp.label')}</label>
        <input
          id=${id('code')}
          form=${form}
          name="code"
          autocomplete="one-time-code"
          inputmode="numeric"
          maxlength=${OTP_DIGITS}
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
    return html`<button type="button" @click=${() => this.flow.signInWithPasskey()}>${this.localize.t('login.passkeySubmit')}</button>`;
  }

  private field(name: string): string {
    return this.querySelector<HTMLInputElement>(`#${this.ids}-${name}`)?.value.trim() ?? '';
  }

  /** @internal The flow's WebOTP hook: the code read from the SMS appears in the field. */
  showCode(code: string): void {
    const field = this.querySelector<HTMLInputElement>(`#${this.ids}-code`);
    if (field) field.value = code;
  }

  private switchMethod(method: LoginMethod): void {
    this.method = method;
    this.flow.request.clear();
  }

  private togglePassword(): void {
    this.passwordShown = !this.passwordShown;
  }

  private changeLogin(): void {
    this.flow.changeLogin();
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
    const flow = this.flow;
    if (flow.request.pending) return;
    flow.stopAutofill();
    if (flow.sent) {
      await flow.signInWithCode(this.field('code'));
      return;
    }
    const login = this.field('login');
    if (!this.dispatchEvent(new GuardLoginSubmitEvent({ method: this.method, login }))) return;
    if (this.method === 'password') await flow.signIn({ login, password: this.field('password') });
    else await flow.sendCode(login);
  }

  private resendCode(): Promise<boolean> {
    return this.flow.sendCode(this.flow.sent!.login);
  }
}
