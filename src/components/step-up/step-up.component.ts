import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { endsStepUp, GuardError } from '../../core/errors.js';
import { passkeyCeremony } from '../../core/passkeys.js';
import type { MfaTriggerData, OtpChannel, OtpSent, StepUpFactors, StepUpSuccess, TotpEnrolment, TrustRequest } from '../../core/types.js';
import { CountdownController, systemClock, type Clock } from '../../controllers/countdown.js';
import { LocalizeController } from '../../controllers/localize.js';
import { asSentence, pickTranslation } from '../../i18n/i18n.js';
import { RequestController } from '../../controllers/request.js';
import { GuardCloseEvent } from '../../events/close.js';
import type { GuardErrorEvent } from '../../events/error.js';
import type { GuardFaceCaptureEvent } from '../../events/face-capture.js';
import type { GuardFactorSelectEvent } from '../../events/factor-select.js';
import type { GuardOtpCompleteEvent } from '../../events/otp-complete.js';
import { GuardStepUpCompleteEvent } from '../../events/step-up-complete.js';
import type { GuardContext } from '../../controllers/context.js';
import type { FaceAnalyser } from '../../core/chunks.js';
import type { GuardFaceCapture } from '../face-capture/face-capture.component.js';
import { loadFace, loadQrCode, loadWebAuthn } from '../../lazy.js';
import type { Theme } from '../../themes/themes.js';
import type { GuardOtpInput } from '../otp-input/otp-input.component.js';
import styles from './step-up.styles.js';

/** What the dialog shows under the reason, once the factors are known. */
type Screen =
  | { name: 'factors' }
  | { name: 'totp' }
  | { name: 'enrol'; enrolment?: TotpEnrolment; qr?: Element }
  | { name: 'code'; channel: OtpChannel; sentTo?: string; challengeId?: string }
  | { name: 'recovery' }
  | { name: 'passkey'; register: boolean }
  | { name: 'face'; enrol: boolean; ready?: boolean }
  | { name: 'saved-codes'; success: StepUpSuccess };

/** Recovery codes are shown as `xxxx-xxxx-xxxx`. */
const RECOVERY_CODE_LENGTH = 14;
const OTP_LENGTH = 6;
const FACTOR_SELECT_PARTS =
  'base:factor-select, error:factor-select-error, list:factor-list, option:factor-option, option-name:factor-option-name, option-description:factor-option-description, option-badge:factor-option-badge, option-ready:factor-option-ready';
const OTP_PARTS = 'base:otp, label:otp-label, input:otp-input, hint:otp-hint, error:otp-error';

/** The focused element, looking into open shadow roots (the page's own components). */
function deepActiveElement(): HTMLElement | undefined {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement ? active : undefined;
}

/**
 * @tag guard-step-up
 * @summary Session-locked step-up dialog: shows why, lets the user pick a factor, proves it (TOTP, first TOTP
 * enrolment with its recovery codes, SMS or e-mail code, recovery code, passkey or a first passkey, face) and
 * ends with an mfaToken. Passkeys (SimpleWebAuthn) and face (Human, tfjs) load lazily, when the user starts one. A native
 * modal `<dialog>`: the page behind is inert, focus stays inside and returns where it was afterwards.
 *
 * @event {StepUpSuccess} guard-step-up-complete - The user passed a factor (`detail.mfaToken`).
 * @event {{ error: GuardError }} guard-error - A call failed (also shown); `endsStepUp(error)` tells whether it can go on.
 * @event guard-close - The user cancelled (Escape or the close button; only when `cancellable`).
 *
 * @csspart dialog - The `<dialog>`.
 * @csspart base - The dialog's content.
 * @csspart title - The heading.
 * @csspart close-button - The close button (when cancellable).
 * @csspart reason - Why the step-up is asked for: the policy's reason, in the UI language when translated.
 * @csspart lock-notice - "Your session is paused until you verify." (when `locked`).
 * @csspart error - The error region (role="alert"); errors about a typed code show in `otp-error` instead.
 * @csspart screen-title - The heading of a factor's screen.
 * @csspart qr-code - The TOTP enrolment QR code.
 * @csspart secret - The TOTP setup key for typing by hand.
 * @csspart recovery-codes - The list of new recovery codes.
 * @csspart passkey-button - "Use your passkey" / "Create a passkey".
 * @csspart face-capture - `<guard-face-capture>` (camera preview and guidance), loaded with the face chunk.
 * @csspart factor-select - `<guard-factor-select>`'s `base` (also `factor-select-error`, `factor-list`,
 *   `factor-option`, `factor-option-name`, `factor-option-description`, `factor-option-badge`, `factor-option-ready`).
 * @csspart otp - `<guard-otp-input>`'s `base` (also `otp-label`, `otp-input`, `otp-hint`, `otp-error`).
 *
 * @cssproperty [--width=28rem] - Dialog width.
 * @cssproperty [--gap=var(--guard-spacing-m)] - Space between the dialog's blocks.
 */
export class GuardStepUp extends LitElement {
  static override styles = styles;

  @property({ attribute: false }) context?: GuardContext;
  /** The step-up to run (`MfaTriggerData`, as `startMfa` receives it). */
  @property({ attribute: false }) trigger?: MfaTriggerData;
  /** Whether the user may close it without passing (Escape, close button). */
  @property({ type: Boolean, reflect: true }) cancellable = false;
  /** While true, a script removing or hiding the element (or closing its dialog) is undone. */
  @property({ type: Boolean, reflect: true }) locked = false;
  @property({ reflect: true }) theme: Theme = 'light';
  /** Time for the resend countdown; tests pass a fake one. */
  @property({ attribute: false }) clock: Clock = systemClock;
  /** Loads the face chunk (Human and `<guard-face-capture>`); tests pass a stub. */
  @property({ attribute: false }) loadFace = loadFace;

  @state() private offer: StepUpFactors | undefined;
  @state() private screen: Screen = { name: 'factors' };
  @state() private trust = false;
  @state() private copied = false;

  private readonly localize = new LocalizeController(this);
  // A locked step-up that a script removed is back within a microtask: its call goes on.
  private readonly request = new RequestController(this, () => this.locked);
  private readonly countdown = new CountdownController(this, () => this.clock);
  private readonly observer = new MutationObserver(() => this.holdOpen());
  /** Human with its models, loaded once per step-up and kept across retries. */
  private faceAnalyser: Promise<FaceAnalyser> | undefined;
  /** Where it was put, to put it back there. */
  private home: (Node & ParentNode) | null = null;
  private previousFocus: HTMLElement | undefined;
  /** Closed by us (completed or cancelled), as opposed to by a script. */
  private dismissed = false;

  // Getters rather than Lit's @query: one decorator less in the core bundle.
  private get dialog(): HTMLDialogElement {
    return this.renderRoot.querySelector('dialog')!;
  }

  private get otp(): GuardOtpInput | null {
    return this.renderRoot.querySelector('guard-otp-input');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.home = this.parentNode;
    this.observer.observe(this, { attributes: true, attributeFilter: ['hidden', 'style', 'class', 'inert'] });
    // Back after a removal: the dialog lost its modality; updated() restores it.
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.observer.disconnect();
    if (this.dismissed) return;
    // The element's own disconnection (rather than a MutationObserver on the parent) also sees an ancestor removed.
    if (this.locked) queueMicrotask(() => this.returnHome());
    else this.restoreFocus();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if ((changed.has('trigger') || changed.has('context')) && this.trigger && this.context) void this.loadFactors();
  }

  protected override updated(changed: PropertyValues): void {
    if (!this.dismissed) this.openModal();
    if (changed.has('screen') || changed.has('offer')) void this.focusScreen();
  }

  private openModal(): void {
    const dialog = this.dialog;
    this.observer.observe(dialog, { attributes: true, attributeFilter: ['open', 'style', 'hidden', 'class'] });
    if (!this.isConnected || dialog.matches(':modal')) return;
    this.previousFocus ??= deepActiveElement();
    // A dialog taken out of the page keeps `open` but not its modality, and showModal() refuses an open dialog.
    if (dialog.open) dialog.close();
    dialog.showModal();
  }

  /** Undoes a script's hiding while locked; a dialog closed by a script counts as a cancel only when that is allowed. */
  private holdOpen(): void {
    const dialog = this.dialog;
    if (this.dismissed || !this.isConnected) return;
    if (this.locked) {
      this.hidden = false;
      this.inert = false;
      dialog.hidden = false;
      dialog.removeAttribute('style');
      dialog.removeAttribute('class');
      const style = getComputedStyle(this);
      if (style.display === 'none') this.style.setProperty('display', 'block', 'important');
      if (style.visibility !== 'visible') this.style.setProperty('visibility', 'visible', 'important');
    }
    if (dialog.open) return;
    if (this.cancellable && !this.locked) this.cancel();
    else this.openModal();
  }

  private returnHome(): void {
    if (!this.locked || this.dismissed || this.isConnected) return;
    (this.home?.isConnected ? this.home : document.body).append(this);
  }

  private restoreFocus(): void {
    this.previousFocus?.focus();
    this.previousFocus = undefined;
  }

  private dismiss(): void {
    this.dismissed = true;
    this.dialog.close();
    this.restoreFocus();
  }

  private cancel(): void {
    this.request.abort();
    this.dismiss();
    this.dispatchEvent(new GuardCloseEvent());
  }

  private finish(success: StepUpSuccess): void {
    this.dismiss();
    this.dispatchEvent(new GuardStepUpCompleteEvent(success));
  }

  private onCancel(event: Event): void {
    // Escape. The browser may refuse the prevention (no user activation since the last one); holdOpen() then reopens.
    event.preventDefault();
    if (this.cancellable) this.cancel();
  }

  private async focusScreen(): Promise<void> {
    const target = this.renderRoot.querySelector<HTMLElement & { updateComplete?: Promise<unknown> }>('[data-autofocus]');
    await target?.updateComplete;
    target?.focus();
  }

  private show(screen: Screen): void {
    this.request.abort();
    this.request.clear();
    this.copied = false;
    this.screen = screen;
  }

  private async loadFactors(): Promise<void> {
    const { api } = this.context!;
    const { stateToken } = this.trigger!;
    this.offer = undefined;
    this.show({ name: 'factors' });
    this.offer = (await this.request.run((signal) => api.factors(stateToken, { signal }))) ?? undefined;
  }

  private onFactorSelect({ detail: { type, enrolled } }: GuardFactorSelectEvent): void {
    switch (type) {
      case 'totp':
        return enrolled ? this.show({ name: 'totp' }) : void this.startEnrolment();
      case 'sms':
      case 'email':
        return void this.sendCode(type);
      case 'recovery_code':
        return this.show({ name: 'recovery' });
      case 'webauthn':
        return this.show({ name: 'passkey', register: !enrolled });
      case 'face':
        return void this.startFace(!enrolled);
      default:
        this.request.fail(new GuardError('unsupported_factor'));
    }
  }

  private async startEnrolment(): Promise<void> {
    this.show({ name: 'enrol' });
    const enrolment = await this.request.run((signal) => this.context!.api.enrolTotp(this.trigger!.stateToken, { signal }));
    if (!enrolment) return;
    const screen: Screen = (this.screen = { name: 'enrol', enrolment });
    // Without the QR code (its chunk failed to load) the setup key still works.
    // Parsed into a node for Lit to render: smaller in the core bundle than the unsafeHTML directive.
    const qr = await loadQrCode()
      .then(async ({ qrSvg }) => new DOMParser().parseFromString(await qrSvg(enrolment.uri), 'image/svg+xml').documentElement)
      .catch(() => undefined);
    if (this.screen === screen) this.screen = { ...screen, qr };
  }

  private async startFace(enrol: boolean): Promise<void> {
    this.show({ name: 'face', enrol });
    const chunk = await this.request.run(() => this.loadFace());
    if (!chunk || this.screen.name !== 'face') return;
    chunk.defineFaceCapture();
    this.faceAnalyser ??= chunk.humanAnalyser(this.context!.faceModelsUrl ?? `${this.context!.api.host}/v1/face/`);
    // A failed model load is shown by the capture element; the next attempt loads again.
    this.faceAnalyser.catch(() => (this.faceAnalyser = undefined));
    this.screen = { name: 'face', enrol, ready: true };
  }

  private async sendFace(enrol: boolean, frames: string[]): Promise<void> {
    const stateToken = this.trigger!.stateToken;
    const { api } = this.context!;
    const success = await this.request.run(async (signal) => {
      const input = { stateToken, frames, ...(await this.trustRequest()) };
      return enrol ? api.enrolFace(input, { signal }) : api.verifyFace(input, { signal });
    });
    if (success) this.succeed(success);
  }

  /** The camera failed: shown here, and every other factor stays one click away. */
  private onFaceError(event: GuardErrorEvent): void {
    event.stopPropagation();
    this.request.fail(event.detail.error);
  }

  private retryFace(): void {
    this.request.clear();
    void this.renderRoot.querySelector<GuardFaceCapture>('guard-face-capture')?.restart();
  }

  /** Sends the first code, or a new one for the same challenge (its attempt counter is kept). */
  private async sendCode(channel: OtpChannel): Promise<void> {
    const current = this.screen.name === 'code' && this.screen.channel === channel ? this.screen : undefined;
    if (this.countdown.seconds > 0 && current) return;
    if (!current) this.show({ name: 'code', channel });
    const { api, i18n } = this.context!;
    const input = { stateToken: this.trigger!.stateToken, channel, locale: i18n.language };
    const challengeId = current?.challengeId;
    const sent = await this.request.run((signal) => (challengeId ? api.resendCode({ ...input, challengeId }, { signal }) : api.sendCode(input, { signal })));
    if (!sent) {
      // cooldown, rate_limited and locked say when to try again.
      const retryAt = this.request.error?.retryAt;
      if (retryAt) this.countdown.start(retryAt);
      return;
    }
    this.screen = { name: 'code', channel, sentTo: (sent as Partial<OtpSent>).sentTo ?? current?.sentTo, challengeId: sent.challengeId };
    this.countdown.start(sent.resendAvailableAt);
    if (current) this.otp?.clear();
  }

  private async trustRequest(): Promise<TrustRequest> {
    if (!this.trust || !this.offer?.trustDevice) return {};
    // Trusting without a device id is still worth asking for: the backend decides.
    const metadata = await this.context!.metadata.load().catch(() => undefined);
    return { trustDevice: true, ...(metadata?.deviceId ? { deviceId: metadata.deviceId } : {}) };
  }

  private async verify(code: string): Promise<void> {
    const screen = this.screen;
    if (this.request.pending || !code) return this.otp?.focus();
    const { api } = this.context!;
    const stateToken = this.trigger!.stateToken;
    const success = await this.request.run(async (signal) => {
      const input = { stateToken, code, ...(await this.trustRequest()) };
      switch (screen.name) {
        case 'enrol':
          return api.verifyTotp({ ...input, enrolmentId: screen.enrolment!.enrolmentId }, { signal });
        case 'code':
          return api.verifyCode({ ...input, channel: screen.channel, challengeId: screen.challengeId! }, { signal });
        case 'recovery':
          return api.verifyRecoveryCode(input, { signal });
        default:
          return api.verifyTotp(input, { signal });
      }
    });
    if (!success) return this.otp?.clear();
    this.succeed(success);
  }

  /** A first enrolment shows its recovery codes before the step-up ends. */
  private succeed(success: StepUpSuccess): void {
    if (success.recoveryCodes?.length) this.show({ name: 'saved-codes', success });
    else this.finish(success);
  }

  /** Creates the user's first passkey, or proves one: the browser asks for the authenticator and user verification. */
  private async usePasskey(register: boolean): Promise<void> {
    if (this.request.pending) return;
    const { api } = this.context!;
    const stateToken = this.trigger!.stateToken;
    const success = await this.request.run((signal) =>
      passkeyCeremony(loadWebAuthn, signal, async (webauthn) => {
        if (register) {
          const started = await api.passkeyRegistrationOptions(stateToken, { signal });
          const response = await webauthn.startRegistration({ optionsJSON: started.options });
          return api.verifyPasskeyRegistration({ stateToken, challengeId: started.challengeId, response, ...(await this.trustRequest()) }, { signal });
        }
        const started = await api.passkeyOptions(stateToken, { signal });
        const response = await webauthn.startAuthentication({ optionsJSON: started.options });
        return api.verifyPasskey({ stateToken, challengeId: started.challengeId, response, ...(await this.trustRequest()) }, { signal });
      }),
    );
    if (success) this.succeed(success);
  }

  private copy(text: string): void {
    // Where the clipboard is refused the text stays on screen to select by hand.
    navigator.clipboard.writeText(text).then(
      () => (this.copied = true),
      () => {},
    );
  }

  private download(codes: string[]): void {
    const url = URL.createObjectURL(new Blob([`${codes.join('\n')}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'recovery-codes.txt';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  protected override render() {
    const { t } = this.localize;
    const error = this.request.error;
    const message = error ? t(`errors.${error.code}`) : '';
    const reason = this.reasonText();
    const screen = this.offer && !(error && endsStepUp(error)) ? this.renderScreen(message) : undefined;
    return html`<dialog part="dialog" aria-labelledby="title" aria-describedby=${this.locked ? 'reason lock-notice' : 'reason'} @cancel=${this.onCancel}>
      <div part="base" class="base">
        <header>
          <h2 part="title" id="title">${t('stepUp.title')}</h2>
          ${this.cancellable ? html`<button part="close-button" class="close" aria-label=${t('stepUp.cancel')} @click=${this.cancel}>×</button>` : nothing}
        </header>
        <p part="reason" id="reason">${reason ? t('stepUp.reason', { message: asSentence(reason, t('common.fullStop')) }) : ''}</p>
        ${this.locked ? html`<p part="lock-notice" id="lock-notice">${t('stepUp.locked')}</p>` : nothing}
        <div part="error" class="error" role="alert" aria-live="assertive">${screen?.field ? '' : message}</div>
        ${screen?.content ?? this.renderLoading(error)}
      </div>
    </dialog>`;
  }

  /** The policy's reason in the UI language when its author translated it, else the author's default text. */
  private reasonText(): string | undefined {
    // The factors' answer repeats the trigger's reason: its fields win, translations only the trigger carried stay.
    const reason = { ...this.trigger?.reason, ...this.offer?.reason };
    return pickTranslation(reason.messages, this.context?.i18n.language ?? 'en') ?? reason.message;
  }

  private renderLoading(error: GuardError | undefined) {
    const { t } = this.localize;
    if (this.request.pending) return html`<p role="status">${t('common.loading')}</p>`;
    if (error && !endsStepUp(error)) return html`<div class="actions"><button class="primary" @click=${this.loadFactors}>${t('common.retry')}</button></div>`;
    return nothing;
  }

  /** The current screen, and whether it has a code field (which then shows the error beside it). */
  private renderScreen(message: string): { content: TemplateResult; field: boolean } {
    const { t } = this.localize;
    const screen = this.screen;
    switch (screen.name) {
      case 'factors':
        return {
          content: html`<guard-factor-select
            data-autofocus
            exportparts=${FACTOR_SELECT_PARTS}
            .context=${this.context}
            .factors=${this.offer!.factors}
            @guard-factor-select=${this.onFactorSelect}
          ></guard-factor-select>`,
          field: false,
        };
      case 'totp':
        return this.renderFactor(t('totp.title'), html`<p>${t('totp.prompt')}</p>`, message);
      case 'enrol':
        return screen.enrolment ? this.renderFactor(t('totp.enrolTitle'), this.renderEnrolment(screen.enrolment, screen.qr), message) : this.pending();
      case 'code': {
        const { channel, sentTo, challengeId } = screen;
        const status = html`<p role="status">${sentTo ? t('code.sent', { destination: sentTo }) : this.request.pending ? t('code.sending') : ''}</p>`;
        const seconds = this.countdown.seconds;
        const send = html`<button class="secondary" aria-disabled=${seconds > 0 ? 'true' : 'false'} @click=${() => this.sendCode(channel)}>
            ${t(challengeId ? 'code.resend' : 'code.send')}
          </button>
          ${seconds > 0 ? html`<span class="muted">${t('code.resendIn', { seconds })}</span>` : nothing}`;
        const title = t(channel === 'sms' ? 'code.smsTitle' : 'code.emailTitle');
        if (!challengeId)
          return {
            content: html`<section>
              ${this.renderTitle(title)}${status}
              <div class="actions">${send}${this.renderBack()}</div>
            </section>`,
            field: false,
          };
        return this.renderFactor(title, status, message, send);
      }
      case 'recovery':
        return this.renderFactor(t('recovery.title'), html`<p>${t('recovery.prompt')}</p>`, message);
      case 'passkey':
        return { content: this.renderPasskey(screen.register), field: false };
      case 'saved-codes':
        return { content: this.renderSavedCodes(screen.success.recoveryCodes!, screen.success), field: false };
      case 'face':
        return { content: this.renderFace(screen.enrol, screen.ready), field: false };
    }
  }

  private renderFace(enrol: boolean, ready: boolean | undefined) {
    const { t } = this.localize;
    const failed = this.request.error && !this.request.pending;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t(enrol ? 'face.enrolTitle' : 'face.title'))}
      <p>${t('face.intro')}</p>
      ${
        ready
          ? html`<guard-face-capture
              part="face-capture"
              .context=${this.context}
              .analyser=${this.faceAnalyser}
              @guard-face-capture=${(event: GuardFaceCaptureEvent) => this.sendFace(enrol, event.detail.frames)}
              @guard-error=${this.onFaceError}
            ></guard-face-capture>`
          : html`<p role="status">${t('face.loading')}</p>`
      }
      ${this.request.pending && ready ? html`<p role="status">${t('face.verifying')}</p>` : nothing}
      <div class="actions">
        ${failed && ready ? html`<button class="primary" data-autofocus @click=${this.retryFace}>${t('common.retry')}</button>` : nothing} ${this.renderBack()}
      </div>
      <p class="muted">${t('face.otherMethods')}</p>
    </section>`;
  }

  private pending() {
    return { content: html`<p role="status">${this.localize.t('common.loading')}</p>`, field: false };
  }

  private renderTitle(title: string) {
    return html`<h3 part="screen-title" id="screen-title">${title}</h3>`;
  }

  private renderBack() {
    return html`<button class="link" @click=${() => this.show({ name: 'factors' })}>${this.localize.t('factors.useAnother')}</button>`;
  }

  /** A factor's screen: title, what to do, the code field, "trust this device", verify, and a way back. */
  private renderFactor(title: string, intro: TemplateResult, message: string, extraActions?: TemplateResult) {
    const { t } = this.localize;
    const recovery = this.screen.name === 'recovery';
    const pending = this.request.pending;
    return {
      content: html`<section aria-labelledby="screen-title">
        ${this.renderTitle(title)} ${intro}
        <guard-otp-input
          data-autofocus
          exportparts=${OTP_PARTS}
          label=${t(recovery ? 'recovery.label' : 'otp.label')}
          hint=${recovery ? '' : t('otp.hint', { count: OTP_LENGTH })}
          .error=${message}
          length=${recovery ? RECOVERY_CODE_LENGTH : OTP_LENGTH}
          ?alphanumeric=${recovery}
          ?busy=${pending}
          @guard-otp-complete=${(event: GuardOtpCompleteEvent) => this.verify(event.detail.code)}
        ></guard-otp-input>
        ${this.renderTrust()}
        <div class="actions">
          <button class="primary" @click=${() => this.verify(this.otp?.value ?? '')}>${t(pending ? 'common.verifying' : 'common.verify')}</button>
          ${extraActions ?? nothing} ${this.renderBack()}
        </div>
      </section>`,
      field: true,
    };
  }

  /** "Trust this device", when the step-up may offer it. */
  private renderTrust() {
    const { t } = this.localize;
    if (!this.offer!.trustDevice) return nothing;
    return html`<label class="trust">
      <input type="checkbox" .checked=${this.trust} @change=${(event: Event) => (this.trust = (event.target as HTMLInputElement).checked)} />
      <span>${t('stepUp.trustDevice')}<br /><span class="muted">${t('stepUp.trustDeviceHint')}</span></span>
    </label>`;
  }

  /** The passkey screen: what will happen, then one button that starts the browser's prompt. Errors show in the alert region. */
  private renderPasskey(register: boolean) {
    const { t } = this.localize;
    const pending = this.request.pending;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t(register ? 'passkey.enrolTitle' : 'passkey.title'))}
      <p>${t(register ? 'passkey.enrolPrompt' : 'passkey.prompt')}</p>
      <p role="status">${pending ? t('passkey.waiting') : ''}</p>
      ${this.renderTrust()}
      <div class="actions">
        <button part="passkey-button" class="primary" data-autofocus aria-disabled=${pending ? 'true' : 'false'} @click=${() => this.usePasskey(register)}>
          ${t(register ? 'passkey.create' : 'passkey.use')}
        </button>
        ${this.renderBack()}
      </div>
    </section>`;
  }

  private renderEnrolment(enrolment: TotpEnrolment, qr: Element | undefined) {
    const { t } = this.localize;
    return html`<p>${t('totp.enrolInstall')}</p>
      <p>${t('totp.enrolScan')}</p>
      ${qr ? html`<div part="qr-code" class="qr" role="img" aria-label=${t('totp.qrAlt', { appName: this.offer!.appName })}>${qr}</div>` : nothing}
      <details>
        <summary>${t('totp.cantScan')}</summary>
        <p>${t('totp.secretHint')}</p>
        <p class="setup-key"><span>${t('totp.secretLabel')}</span><code part="secret" class="secret">${enrolment.secret}</code></p>
        <button class="secondary" @click=${() => this.copy(enrolment.secret)}>${t(this.copied ? 'common.copied' : 'totp.copySecret')}</button>
      </details>
      <p>${t('totp.enrolConfirm')}</p>`;
  }

  private renderSavedCodes(codes: string[], success: StepUpSuccess) {
    const { t } = this.localize;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t('recovery.codesTitle'))}
      <p>${t('recovery.codesIntro')}</p>
      <ol part="recovery-codes">
        ${codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="actions">
        <button class="secondary" data-autofocus @click=${() => this.copy(codes.join('\n'))}>${t(this.copied ? 'common.copied' : 'recovery.copyAll')}</button>
        <button class="secondary" @click=${() => this.download(codes)}>${t('recovery.download')}</button>
      </div>
      <button class="primary" @click=${() => this.finish(success)}>${t('recovery.saved')}</button>
    </section>`;
  }
}
