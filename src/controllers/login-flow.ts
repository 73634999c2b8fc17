import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { GuardError, type GuardErrorCode } from '../core/errors.js';
import { passkeyCeremony } from '../core/passkeys.js';
import type { LoginCodeSent } from '../core/types.js';
import { receiveSmsCode } from '../core/web-otp.js';
import { GuardErrorEvent } from '../events/error.js';
import { loadWebAuthn } from '../lazy.js';
import type { GuardContext, LoginCredentials } from './context.js';
import { CountdownController, type Clock } from './countdown.js';
import { RequestState } from './request.js';

/** Why the background passkey autofill may end without anyone being told. */
const QUIET_AUTOFILL = new Set<GuardErrorCode>(['unsupported_factor', 'passkeys_unavailable', 'passkey_cancelled', 'cancelled']);

/** What the flow reads from its element. */
export interface LoginFlowHost extends ReactiveControllerHost, EventTarget {
  context?: GuardContext;
  clock: Clock;
  /** Seconds before another login code may be asked for. */
  resendDelay: number;
  readonly isConnected: boolean;
  /** Shows a code WebOTP read from the SMS in the code field, just before the flow signs in with it. */
  showCode(code: string): void;
}

/**
 * The sign-in's calls and their state: signing in (`context.login`), sending and resending a login code with
 * its countdown, and passkeys, both the browser's autofill (conditional mediation, running in the background
 * while the element is in the page and aborted when it leaves) and the browser's passkey dialog. One call at a
 * time (`request`); failures are shown by the element and emitted from it as `guard-error`.
 */
export class LoginFlow implements ReactiveController {
  /** Set once a login code was sent: the form asks for the code. */
  sent?: LoginCodeSent & { login: string };
  readonly request: RequestState;
  readonly resend: CountdownController;
  private readonly host: LoginFlowHost;
  /** The background passkey request of the browser's autofill; undefined: none yet (one starts after render). */
  private autofill?: AbortController;
  /** The WebOTP wait for the SMS of the last login code sent by text message. */
  private smsWait?: AbortController;

  constructor(host: LoginFlowHost) {
    this.host = host;
    this.request = new RequestState(host);
    this.resend = new CountdownController(host, () => host.clock);
    host.addController(this);
  }

  hostConnected(): void {
    // Back in the page: the next update offers passkeys again.
    this.host.requestUpdate();
  }

  hostUpdated(): void {
    if (this.host.context && this.host.isConnected && this.autofill === undefined) void this.offerPasskeys();
  }

  hostDisconnected(): void {
    this.request.abort();
    this.stopAutofill();
    this.autofill = undefined;
    this.smsWait?.abort();
  }

  /** Runs the login; false when it failed (shown and emitted) or was aborted. */
  async signIn(credentials: LoginCredentials): Promise<boolean> {
    return !!(await this.request.run(() => this.host.context!.login(credentials)));
  }

  /** Signs in with the code that was sent. */
  signInWithCode(code: string): Promise<boolean> {
    const { login, challengeId } = this.sent!;
    return this.signIn({ login, challengeId, code });
  }

  /** Back to the login field (another login, or another method). */
  changeLogin(): void {
    this.smsWait?.abort();
    this.sent = undefined;
    this.request.clear();
  }

  /** Sends a login code (again); true when it went out and the form now asks for it. */
  async sendCode(login: string): Promise<boolean> {
    const { api, i18n } = this.host.context!;
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
    if (!sent) return false;
    this.sent = { ...sent, login };
    this.resend.start(new Date(this.host.clock.now() + this.host.resendDelay * 1000));
    if (sent.channel === 'sms') void this.awaitSmsCode();
    return true;
  }

  /** Where the browser has WebOTP: the code from the SMS fills the field and signs in, as if typed and submitted. */
  private async awaitSmsCode(): Promise<void> {
    this.smsWait?.abort();
    const wait = (this.smsWait = new AbortController());
    const code = await receiveSmsCode(wait.signal);
    if (wait.signal.aborted || !code || !this.sent || this.request.pending) return;
    this.host.showCode(code);
    await this.signInWithCode(code);
  }

  /** The user chose the form: the browser's passkey suggestions go away. */
  stopAutofill(): void {
    this.autofill?.abort();
  }

  /** "Sign in with a passkey": the browser's passkey dialog (it replaces the autofill request while it is open). */
  async signInWithPasskey(): Promise<void> {
    if (this.request.pending) return;
    const context = this.host.context!;
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

  /**
   * Offers the user's passkeys in the browser's autofill (conditional mediation) until one is picked, the form
   * is submitted or the element leaves. A convenience only: where the browser or the backend cannot offer it,
   * nothing is shown and the form works as before.
   */
  private async offerPasskeys(): Promise<void> {
    const controller = (this.autofill = new AbortController());
    const { signal } = controller;
    const { api } = this.host.context!;
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
      if (!QUIET_AUTOFILL.has(error.code)) this.host.dispatchEvent(new GuardErrorEvent(error));
      return undefined;
    });
    if (!chosen || signal.aborted) return;
    if (!(await this.signIn({ login: '', ...chosen }))) this.restartAutofill();
  }

  private restartAutofill(): void {
    this.autofill = undefined;
    this.host.requestUpdate();
  }
}
