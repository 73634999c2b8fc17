import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { OTP_DIGITS } from '../../../server-mock/src/protocol/index.js';
import { endsStepUp, type GuardError } from '../../core/errors.js';
import type { MfaTriggerData, StepUpSuccess, TotpEnrolment } from '../../core/types.js';
import { systemClock, type Clock } from '../../controllers/countdown.js';
import { LocalizeController } from '../../controllers/localize.js';
import { StepUpFlow, type StepUpScreen } from '../../controllers/step-up-flow.js';
import { asSentence, pickTranslation } from '../../i18n/i18n.js';
import { GuardCloseEvent } from '../../events/close.js';
import type { GuardErrorEvent } from '../../events/error.js';
import type { GuardFaceCaptureEvent } from '../../events/face-capture.js';
import type { GuardFactorSelectEvent } from '../../events/factor-select.js';
import type { GuardOtpCompleteEvent } from '../../events/otp-complete.js';
import { GuardStepUpCompleteEvent } from '../../events/step-up-complete.js';
import type { GuardContext } from '../../controllers/context.js';
import type { GuardFaceCapture } from '../face-capture/face-capture.component.js';
import { loadFace } from '../../lazy.js';
import type { Theme } from '../../themes/themes.js';
import type { GuardOtpInput } from '../otp-input/otp-input.component.js';
import styles from './step-up.styles.js';

/** Recovery codes are shown as `xxxx-xxxx-xxxx`. */
const RECOVERY_CODE_LENGTH = 14;
const FACTOR_SELECT_PARTS =
  'base:factor-select, error:factor-select-error, list:factor-list, option:factor-option, option-name:factor-option-name, option-description:factor-option-description, option-badge:factor-option-badge, option-ready:factor-option-ready, option-recommended:factor-option-recommended';
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
 * @csspart step - "Step 1 of 2" under the heading of a first enrolment and of its recovery codes.
 * @csspart qr-code - The TOTP enrolment QR code.
 * @csspart secret - The TOTP setup key for typing by hand.
 * @csspart recovery-codes - The list of new recovery codes.
 * @csspart passkey-button - "Use your passkey" / "Create a passkey".
 * @csspart face-capture - `<guard-face-capture>` (camera preview and guidance), loaded with the face chunk.
 * @csspart factor-select - `<guard-factor-select>`'s `base` (also `factor-select-error`, `factor-list`,
 *   `factor-option`, `factor-option-name`, `factor-option-description`, `factor-option-badge`, `factor-option-ready`,
 *   `factor-option-recommended`).
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

  private readonly localize = new LocalizeController(this);
  /** The calls, timers and screens; this element renders them. */
  private readonly flow = new StepUpFlow(this, (success) => this.finish(success));
  private readonly observer = new MutationObserver(() => this.holdOpen());
  /** The screen of the last render: a new one gets focus. */
  private shown?: StepUpScreen;
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
    if ((changed.has('trigger') || changed.has('context')) && this.trigger && this.context) void this.flow.load();
  }

  protected override updated(): void {
    if (!this.dismissed) this.openModal();
    if (this.flow.screen !== this.shown) void this.focusScreen();
    this.shown = this.flow.screen;
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
    this.flow.request.abort();
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

  /** The camera failed: shown here, and every other factor stays one click away. */
  private onFaceError(event: GuardErrorEvent): void {
    event.stopPropagation();
    this.flow.request.fail(event.detail.error);
  }

  private retryFace(): void {
    this.flow.request.clear();
    void this.renderRoot.querySelector<GuardFaceCapture>('guard-face-capture')?.restart();
  }

  private async sendCode(channel: 'sms' | 'email'): Promise<void> {
    // A new code for the same challenge: the old one's digits go.
    if (await this.flow.sendCode(channel)) this.otp?.clear();
  }

  private async verify(code: string): Promise<void> {
    if (this.flow.request.pending || !code) return this.otp?.focus();
    if (!(await this.flow.verify(code))) this.otp?.clear();
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
    const error = this.flow.request.error;
    const message = error ? t(`errors.${error.code}`) : '';
    const reason = this.reasonText();
    const screen = this.flow.offer && !(error && endsStepUp(error)) ? this.renderScreen(message) : undefined;
    // The title row is a div, not <header>: a header in the dialog would be a second banner beside the page's.
    return html`<dialog part="dialog" aria-labelledby="title" aria-describedby=${this.locked ? 'reason lock-notice' : 'reason'} @cancel=${this.onCancel}>
      <div part="base" class="base">
        <div class="header">
          <h2 part="title" id="title">${t('stepUp.title')}</h2>
          ${this.cancellable ? html`<button part="close-button" class="close" aria-label=${t('stepUp.cancel')} @click=${this.cancel}>×</button>` : nothing}
        </div>
        <p part="reason" id="reason">${reason ? asSentence(reason, t('common.fullStop')) : ''}</p>
        ${this.locked ? html`<p part="lock-notice" id="lock-notice">${t('stepUp.locked')}</p>` : nothing}
        <div part="error" class="error" role="alert" aria-live="assertive">${screen?.field ? '' : message}</div>
        ${screen?.content ?? this.renderLoading(error)}
      </div>
    </dialog>`;
  }

  /** The policy's reason in the UI language when its author translated it, else the author's default text. */
  private reasonText(): string | undefined {
    // The factors' answer repeats the trigger's reason: its fields win, translations only the trigger carried stay.
    const reason = { ...this.trigger?.reason, ...this.flow.offer?.reason };
    return pickTranslation(reason.messages, this.context?.i18n.language ?? 'en') ?? reason.message;
  }

  private renderLoading(error: GuardError | undefined) {
    const { t } = this.localize;
    if (this.flow.request.pending) return html`<p role="status">${t('common.loading')}</p>`;
    if (error && !endsStepUp(error))
      return html`<div class="actions"><button class="primary" @click=${() => this.flow.load()}>${t('common.retry')}</button></div>`;
    return nothing;
  }

  /** The current screen, and whether it has a code field (which then shows the error beside it). */
  private renderScreen(message: string): { content: TemplateResult; field: boolean } {
    const { t } = this.localize;
    const screen = this.flow.screen;
    switch (screen.name) {
      case 'factors':
        return {
          content: html`<guard-factor-select
            data-autofocus
            exportparts=${FACTOR_SELECT_PARTS}
            .context=${this.context}
            .factors=${this.flow.offer!.factors}
            @guard-factor-select=${(event: GuardFactorSelectEvent) => this.flow.select(event.detail)}
          ></guard-factor-select>`,
          field: false,
        };
      case 'totp':
        return this.renderFactor(t('totp.title'), html`<p>${t('totp.prompt')}</p>`, message);
      case 'enrol':
        return screen.enrolment ? this.renderFactor(t('totp.enrolTitle'), this.renderEnrolment(screen.enrolment, screen.qr), message) : this.pending();
      case 'code': {
        const { channel, sentTo, challengeId } = screen;
        const status = html`<p role="status">${sentTo ? t('code.sent', { destination: sentTo }) : this.flow.request.pending ? t('code.sending') : ''}</p>`;
        const seconds = this.flow.countdown.seconds;
        // aria-disabled rather than disabled while counting down: a disabled button would drop the focus it holds.
        const send = html`<button class="secondary" aria-disabled=${seconds > 0 ? 'true' : 'false'} @click=${() => this.sendCode(channel)}>
          ${seconds > 0 ? t('code.resendIn', { seconds }) : t(challengeId ? 'code.resend' : 'code.send')}
        </button>`;
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
    const failed = this.flow.request.error && !this.flow.request.pending;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t(enrol ? 'face.enrolTitle' : 'face.title'), enrol ? 1 : undefined)}
      <p>${t('face.intro')}</p>
      ${
        ready
          ? html`<guard-face-capture
              part="face-capture"
              .context=${this.context}
              .analyser=${this.flow.faceAnalyser}
              @guard-face-capture=${(event: GuardFaceCaptureEvent) => this.flow.sendFace(enrol, event.detail.frames)}
              @guard-error=${this.onFaceError}
            ></guard-face-capture>`
          : html`<p role="status">${t('face.loading')}</p>`
      }
      ${this.flow.request.pending && ready ? html`<p role="status">${t('face.verifying')}</p>` : nothing}
      <div class="actions">
        ${failed && ready ? html`<button class="primary" data-autofocus @click=${this.retryFace}>${t('common.retry')}</button>` : nothing} ${this.renderBack()}
      </div>
      <p class="muted">${t('face.otherMethods')}</p>
    </section>`;
  }

  private pending() {
    return { content: html`<p role="status">${this.localize.t('common.loading')}</p>`, field: false };
  }

  /** The screen's heading; `step` (1: set up the factor, 2: save the recovery codes) adds "Step N of M" to a first enrolment. */
  private renderTitle(title: string, step?: 1 | 2) {
    // A user who already holds recovery codes gets none after this enrolment: one step, no cue.
    const hasCodes = this.flow.offer?.factors.some((factor) => factor.type === 'recovery_code' && factor.enrolled);
    const cue = step && !hasCodes ? html`<p part="step" class="muted">${this.localize.t('stepUp.step', { step, steps: 2 })}</p>` : nothing;
    return html`<h3 part="screen-title" id="screen-title">${title}</h3>
      ${cue}`;
  }

  private renderBack() {
    return html`<button class="link" @click=${() => this.flow.show({ name: 'factors' })}>${this.localize.t('factors.useAnother')}</button>`;
  }

  /** A factor's screen: title, what to do, the code field, "trust this device", verify, and a way back. */
  private renderFactor(title: string, intro: TemplateResult, message: string, extraActions?: TemplateResult) {
    const { t } = this.localize;
    const screen = this.flow.screen;
    const recovery = screen.name === 'recovery';
    const pending = this.flow.request.pending;
    return {
      content: html`<section aria-labelledby="screen-title">
        ${this.renderTitle(title, screen.name === 'enrol' ? 1 : undefined)} ${intro}
        <guard-otp-input
          data-autofocus
          exportparts=${OTP_PARTS}
          label=${t(recovery ? 'recovery.label' : 'otp.label')}
          hint=${recovery ? '' : t('otp.hint', { count: OTP_DIGITS })}
          .error=${message}
          length=${recovery ? RECOVERY_CODE_LENGTH : OTP_DIGITS}
          ?alphanumeric=${recovery}
          ?webotp=${screen.name === 'code' && screen.channel === 'sms'}
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

  private onTrustChange(event: Event): void {
    this.flow.trust = (event.target as HTMLInputElement).checked;
    this.requestUpdate();
  }

  /** "Trust this device", when the step-up may offer it. */
  private renderTrust() {
    const { t } = this.localize;
    if (!this.flow.offer!.trustDevice) return nothing;
    return html`<label class="trust">
      <input type="checkbox" .checked=${this.flow.trust} @change=${this.onTrustChange} />
      <span>${t('stepUp.trustDevice')}<br /><span class="muted">${t('stepUp.trustDeviceHint')}</span></span>
    </label>`;
  }

  /** The passkey screen: what will happen, then one button that starts the browser's prompt. Errors show in the alert region. */
  private renderPasskey(register: boolean) {
    const { t } = this.localize;
    const pending = this.flow.request.pending;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t(register ? 'passkey.enrolTitle' : 'passkey.title'), register ? 1 : undefined)}
      <p>${t(register ? 'passkey.enrolPrompt' : 'passkey.prompt')}</p>
      <p role="status">${pending ? t('passkey.waiting') : ''}</p>
      ${this.renderTrust()}
      <div class="actions">
        <button part="passkey-button" class="primary" data-autofocus aria-disabled=${pending ? 'true' : 'false'} @click=${() => this.flow.usePasskey(register)}>
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
      ${qr ? html`<div part="qr-code" class="qr" role="img" aria-label=${t('totp.qrAlt', { appName: this.flow.offer!.appName })}>${qr}</div>` : nothing}
      <details>
        <summary>${t('totp.cantScan')}</summary>
        <p>${t('totp.secretHint')}</p>
        <p class="setup-key"><span>${t('totp.secretLabel')}</span><code part="secret" class="secret">${enrolment.secret}</code></p>
        <button class="secondary" @click=${() => this.flow.copy(enrolment.secret)}>${t(this.flow.copied ? 'common.copied' : 'totp.copySecret')}</button>
      </details>
      <p>${t('totp.enrolConfirm')}</p>`;
  }

  private renderSavedCodes(codes: string[], success: StepUpSuccess) {
    const { t } = this.localize;
    return html`<section aria-labelledby="screen-title">
      ${this.renderTitle(t('recovery.codesTitle'), 2)}
      <p>${t('recovery.codesIntro')}</p>
      <ol part="recovery-codes">
        ${codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="actions">
        <button class="secondary" data-autofocus @click=${() => this.flow.copy(codes.join('\n'))}>
          ${t(this.flow.copied ? 'common.copied' : 'recovery.copyAll')}
        </button>
        <button class="secondary" @click=${() => this.download(codes)}>${t('recovery.download')}</button>
      </div>
      <button class="primary" @click=${() => this.finish(success)}>${t('recovery.saved')}</button>
    </section>`;
  }
}
