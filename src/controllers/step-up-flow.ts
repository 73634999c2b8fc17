import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FaceAnalyser, FaceChunk } from '../core/chunks.js';
import { GuardError } from '../core/errors.js';
import { passkeyCeremony } from '../core/passkeys.js';
import type { FactorType, MfaTriggerData, OtpChannel, OtpSent, StepUpFactors, StepUpSuccess, TotpEnrolment, TrustRequest } from '../core/types.js';
import { loadQrCode, loadWebAuthn } from '../lazy.js';
import type { GuardContext } from './context.js';
import { CountdownController, type Clock } from './countdown.js';
import { RequestState } from './request.js';

/** What the step-up shows under the reason, once the factors are known. */
export type StepUpScreen =
  | { name: 'factors' }
  | { name: 'totp' }
  | { name: 'enrol'; enrolment?: TotpEnrolment; qr?: Element }
  | { name: 'code'; channel: OtpChannel; sentTo?: string; challengeId?: string }
  | { name: 'recovery' }
  | { name: 'passkey'; register: boolean }
  | { name: 'face'; enrol: boolean; ready?: boolean }
  | { name: 'saved-codes'; success: StepUpSuccess };

/** What the flow reads from its element (properties a page or a test may set at any time). */
export interface StepUpFlowHost extends ReactiveControllerHost, EventTarget {
  context?: GuardContext;
  trigger?: MfaTriggerData;
  /** While true the host leaving does not abort the call (the element puts itself back). */
  locked: boolean;
  clock: Clock;
  loadFace(): Promise<FaceChunk>;
}

/**
 * The step-up's state machine and every backend call it makes: the factors on offer, the screen, sending and
 * verifying codes, TOTP enrolment, passkeys and face. The element renders `screen` and turns `complete` into
 * its event. One call at a time (`request`: pending, error, `guard-error` from the host, aborted when a newer
 * call starts or the host leaves unlocked); the resend countdown's timers run only while the host is connected.
 */
export class StepUpFlow implements ReactiveController {
  offer: StepUpFactors | undefined;
  screen: StepUpScreen = { name: 'factors' };
  trust = false;
  /** The setup key or recovery codes of this screen were copied. */
  copied = false;
  /** Human with its models, loaded once per step-up and kept across retries. */
  faceAnalyser: Promise<FaceAnalyser> | undefined;
  readonly request: RequestState;
  readonly countdown: CountdownController;
  private readonly host: StepUpFlowHost;
  private readonly complete: (success: StepUpSuccess) => void;

  /** `complete`: the user passed (after seeing any new recovery codes). */
  constructor(host: StepUpFlowHost, complete: (success: StepUpSuccess) => void) {
    this.host = host;
    this.complete = complete;
    this.request = new RequestState(host);
    this.countdown = new CountdownController(host, () => host.clock);
    host.addController(this);
  }

  hostDisconnected(): void {
    // A locked step-up that a script removed is back within a microtask: its call goes on.
    if (!this.host.locked) this.request.abort();
  }

  /** Changes the screen; whatever the previous one was doing is dropped. */
  show(screen: StepUpScreen): void {
    this.request.abort();
    this.request.clear();
    this.copied = false;
    this.setScreen(screen);
  }

  private setScreen(screen: StepUpScreen): void {
    this.screen = screen;
    this.host.requestUpdate();
  }

  /** Asks for the factors on offer (a new trigger or context, or the retry button); the user starts over. */
  async load(): Promise<void> {
    const { stateToken } = this.host.trigger!;
    this.offer = undefined;
    this.show({ name: 'factors' });
    this.offer = (await this.request.run((signal) => this.host.context!.api.factors(stateToken, { signal }))) ?? undefined;
    // A new screen object, so the element focuses the factors now that they show.
    this.setScreen({ name: 'factors' });
  }

  /** The user picked a factor (`enrolled: false`: to set it up). */
  select({ type, enrolled }: { type: FactorType; enrolled: boolean }): void {
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
    const enrolment = await this.request.run((signal) => this.host.context!.api.enrolTotp(this.host.trigger!.stateToken, { signal }));
    if (!enrolment) return;
    const screen: StepUpScreen = { name: 'enrol', enrolment };
    this.setScreen(screen);
    // Without the QR code (its chunk failed to load) the setup key still works.
    const qr = await loadQrCode()
      .then(({ qrElement }) => qrElement(enrolment.uri))
      .catch(() => undefined);
    if (this.screen === screen) this.setScreen({ ...screen, qr });
  }

  private async startFace(enrol: boolean): Promise<void> {
    this.show({ name: 'face', enrol });
    const chunk = await this.request.run(() => this.host.loadFace());
    if (!chunk || this.screen.name !== 'face') return;
    chunk.defineFaceCapture();
    this.faceAnalyser ??= chunk.humanAnalyser(this.host.context!.faceModelsUrl ?? `${this.host.context!.api.host}/v1/face/`);
    // A failed model load is shown by the capture element; the next attempt loads again.
    this.faceAnalyser.catch(() => (this.faceAnalyser = undefined));
    this.setScreen({ name: 'face', enrol, ready: true });
  }

  async sendFace(enrol: boolean, frames: string[]): Promise<void> {
    const { stateToken } = this.host.trigger!;
    const { api } = this.host.context!;
    const success = await this.request.run(async (signal) => {
      const input = { stateToken, frames, ...(await this.trustRequest()) };
      return enrol ? api.enrolFace(input, { signal }) : api.verifyFace(input, { signal });
    });
    if (success) this.succeed(success);
  }

  /** Sends the first code, or a new one for the same challenge (its attempt counter is kept); true when a new one went out. */
  async sendCode(channel: OtpChannel): Promise<boolean> {
    const current = this.screen.name === 'code' && this.screen.channel === channel ? this.screen : undefined;
    if (this.countdown.seconds > 0 && current) return false;
    if (!current) this.show({ name: 'code', channel });
    const { api, i18n } = this.host.context!;
    const input = { stateToken: this.host.trigger!.stateToken, channel, locale: i18n.language };
    const challengeId = current?.challengeId;
    const sent = await this.request.run((signal) => (challengeId ? api.resendCode({ ...input, challengeId }, { signal }) : api.sendCode(input, { signal })));
    if (!sent) {
      // cooldown, rate_limited and locked say when to try again.
      const retryAt = this.request.error?.retryAt;
      if (retryAt) this.countdown.start(retryAt);
      return false;
    }
    this.setScreen({ name: 'code', channel, sentTo: (sent as Partial<OtpSent>).sentTo ?? current?.sentTo, challengeId: sent.challengeId });
    this.countdown.start(sent.resendAvailableAt);
    return !!current;
  }

  private async trustRequest(): Promise<TrustRequest> {
    if (!this.trust || !this.offer?.trustDevice) return {};
    // Trusting without a device id is still worth asking for: the backend decides.
    const metadata = await this.host.context!.metadata.load().catch(() => undefined);
    return { trustDevice: true, ...(metadata?.deviceId ? { deviceId: metadata.deviceId } : {}) };
  }

  /** Verifies a typed code on the current screen; false when it was refused (or aborted). */
  async verify(code: string): Promise<boolean> {
    const screen = this.screen;
    const { stateToken } = this.host.trigger!;
    const { api } = this.host.context!;
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
    if (success) this.succeed(success);
    return !!success;
  }

  /** Creates the user's first passkey, or proves one: the browser asks for the authenticator and user verification. */
  async usePasskey(register: boolean): Promise<void> {
    if (this.request.pending) return;
    const { stateToken } = this.host.trigger!;
    const { api } = this.host.context!;
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

  /** Copies the setup key or the recovery codes; where the clipboard is refused the text stays on screen to select by hand. */
  copy(text: string): void {
    navigator.clipboard.writeText(text).then(
      () => {
        this.copied = true;
        this.host.requestUpdate();
      },
      () => {},
    );
  }

  /** A first enrolment shows its recovery codes before the step-up ends. */
  private succeed(success: StepUpSuccess): void {
    if (success.recoveryCodes?.length) this.show({ name: 'saved-codes', success });
    else this.complete(success);
  }
}
