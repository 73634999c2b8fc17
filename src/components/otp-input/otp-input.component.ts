import { html, LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import { receiveSmsCode } from '../../core/web-otp.js';
import { GuardOtpCompleteEvent } from '../../events/otp-complete.js';
import styles from './otp-input.styles.js';

/**
 * @tag guard-otp-input
 * @summary A one-time code field: one real input (`autocomplete="one-time-code"`, so SMS autofill, password
 * managers and paste work), digits only unless `alphanumeric`, completing when the code is whole.
 *
 * With `webotp` (an SMS code), a browser with WebOTP fills it from the arriving SMS, with the user's consent.
 *
 * @event {{ code: string }} guard-otp-complete - A whole code was typed, pasted or read from the SMS, or Enter was pressed with one.
 *
 * @csspart base - The wrapper of label, field, hint and error.
 * @csspart label - The label.
 * @csspart input - The input.
 * @csspart hint - The hint under the field.
 * @csspart error - The error region (role="alert"), linked to the input.
 *
 * @cssproperty [--width=12ch] - Width of the code itself.
 * @cssproperty [--gap=var(--guard-spacing-xs)] - Space between label, field and messages.
 */
export class GuardOtpInput extends LitElement {
  static override styles = styles;
  // The host forwards focus to the input, so `otp.focus()` and the dialog's autofocus land in the field.
  static override shadowRootOptions = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  /** Visible label, already translated by the parent. */
  @property() label = '';
  /** Visible help under the field. */
  @property() hint = '';
  /** A translated error; non-empty marks the field invalid and is announced. */
  @property() error = '';
  /** Characters of a whole code (the input's `maxlength`). */
  @property({ type: Number }) length = 6;
  /** Letters, digits and dashes (recovery codes) instead of digits only; completes on Enter only. */
  @property({ type: Boolean }) alphanumeric = false;
  /** While the code is being checked; the field stays focusable (a disabled field would drop the focus). */
  @property({ type: Boolean }) busy = false;
  @property() value = '';
  /** The code comes by SMS: where the browser offers WebOTP, an arriving code fills the field and completes it. */
  @property({ type: Boolean }) webotp = false;
  /** The WebOTP wait while `webotp` is set and the field is in the page. */
  private smsWait?: AbortController;

  private get input(): HTMLInputElement {
    return this.renderRoot.querySelector('input')!;
  }

  /** Empties the field and puts the focus back in it, after a refused code. */
  clear(): void {
    this.value = '';
    this.input.value = '';
    this.input.focus();
  }

  protected override updated(): void {
    if (this.webotp && this.isConnected && !this.smsWait) void this.awaitSmsCode();
    if (!this.webotp) this.stopSmsWait();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopSmsWait();
  }

  private async awaitSmsCode(): Promise<void> {
    const wait = (this.smsWait = new AbortController());
    const code = await receiveSmsCode(wait.signal);
    // Declined or unsupported: no new wait (it would fail again at once); the user types the code.
    if (wait.signal.aborted || !code) return;
    // The next update waits again, for the code of a resend.
    this.smsWait = undefined;
    this.value = code;
    this.input.value = code;
    this.complete();
  }

  private stopSmsWait(): void {
    this.smsWait?.abort();
    this.smsWait = undefined;
  }

  private onInput(): void {
    const typed = this.input.value;
    const cleaned = (this.alphanumeric ? typed.trim() : typed.replace(/\D/g, '')).slice(0, this.length);
    if (cleaned !== typed) this.input.value = cleaned;
    this.value = cleaned;
    if (!this.alphanumeric && cleaned.length === this.length) this.complete();
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (this.alphanumeric ? this.value !== '' : this.value.length === this.length) this.complete();
  }

  private complete(): void {
    if (!this.busy) this.dispatchEvent(new GuardOtpCompleteEvent(this.value));
  }

  protected override render() {
    return html`<div part="base" class="base">
      <label part="label" for="input">${this.label}</label>
      <input
        id="input"
        part="input"
        .value=${this.value}
        inputmode=${this.alphanumeric ? 'text' : 'numeric'}
        autocomplete=${this.alphanumeric ? 'off' : 'one-time-code'}
        autocapitalize="off"
        spellcheck="false"
        maxlength=${this.length}
        ?readonly=${this.busy}
        aria-invalid=${this.error ? 'true' : 'false'}
        aria-describedby="hint error"
        @input=${this.onInput}
        @keydown=${this.onKeydown}
      />
      <div part="hint" id="hint" class="muted">${this.hint}</div>
      <div part="error" id="error" class="error" role="alert" aria-live="assertive">${this.error}</div>
    </div>`;
  }
}
