import { expect } from 'chai';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import type { ApiClient } from '../../core/api-client.js';
import { GuardError } from '../../core/errors.js';
import { GuardErrorEvent } from '../../events/error.js';
import { GuardFaceCaptureEvent } from '../../events/face-capture.js';
import type { MfaTriggerData, PolicyReason, StepUpFactor, StepUpFactors, StepUpSuccess } from '../../core/types.js';
import { Guard, type GuardContext } from '../../guard.js';
import { GuardI18n } from '../../i18n/i18n.js';
import type { MetadataClient } from '../../metadata/metadata-client.js';
import { expectNoAxeViolations } from '../../test-support/axe.js';
import { madeUpCredential, refusal, stubCredentials } from '../../test-support/credentials.js';
import { deepActiveElement, deepQuery, manualClock, overflows, until, visibleStrings } from '../../test-support/elements.js';
import { stubWebOtp } from '../../test-support/web-otp.js';
import type { GuardStepUp } from './step-up.js';
import './step-up.js';

const TRIGGER: MfaTriggerData = {
  stateToken: 'st-1',
  originalIdentity: 'alice',
  factors: [],
  reason: { ruleId: 'new-country', message: 'Sign-in from a new country' },
  acr: 'urn:camfa:acr:mfa',
  expiresAt: '2026-01-01T00:10:00Z',
  host: 'https://mfa.example.com',
  appId: 'shop',
};

const FACTORS: StepUpFactor[] = [
  { type: 'totp', enrolled: true, enrollable: false },
  { type: 'sms', enrolled: true, enrollable: false, hint: '+44 •••• 0123' },
  { type: 'email', enrolled: true, enrollable: false, hint: 'a•••@example.com' },
  { type: 'recovery_code', enrolled: true, enrollable: false },
];

const offer = (factors = FACTORS, trustDevice = false): StepUpFactors => ({
  factors,
  reason: TRIGGER.reason,
  acr: TRIGGER.acr,
  expiresAt: TRIGGER.expiresAt,
  appName: 'Shop',
  trustDevice,
});

const SUCCESS: StepUpSuccess = { mfaToken: 'jwt-1', expiresAt: '2026-01-01T00:05:00Z' };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

type Api = Pick<
  ApiClient,
  | 'factors'
  | 'enrolTotp'
  | 'verifyTotp'
  | 'sendCode'
  | 'resendCode'
  | 'verifyCode'
  | 'verifyRecoveryCode'
  | 'passkeyRegistrationOptions'
  | 'verifyPasskeyRegistration'
  | 'passkeyOptions'
  | 'verifyPasskey'
  | 'enrolFace'
  | 'verifyFace'
>;

const REGISTRATION_OPTIONS = {
  rp: { id: 'localhost', name: 'Shop' },
  user: { id: 'dXNlcg', name: 'alice', displayName: '' },
  challenge: 'Y2hhbGxlbmdl',
  pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
};

/** A context stubbed at the ApiClient boundary: each call is recorded (without its signal) and answered by `answers`. */
async function stubContext(answers: Partial<Api> = {}, lang = 'en') {
  const calls: [string, unknown][] = [];
  const defaults: Api = {
    factors: async () => offer(),
    enrolTotp: async () => ({ enrolmentId: 'en-1', secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Shop:alice?secret=JBSWY3DPEHPK3PXP&issuer=Shop' }),
    verifyTotp: async () => SUCCESS,
    sendCode: async () => ({ challengeId: 'ch-1', expiresAt: at(300), resendAvailableAt: at(30), sentTo: '+44 •••• 0123' }),
    resendCode: async () => ({ challengeId: 'ch-1', expiresAt: at(330), resendAvailableAt: at(60) }),
    verifyCode: async () => SUCCESS,
    verifyRecoveryCode: async () => SUCCESS,
    passkeyRegistrationOptions: async () => ({ challengeId: 'wch-1', expiresAt: at(300), options: REGISTRATION_OPTIONS }),
    verifyPasskeyRegistration: async () => SUCCESS,
    passkeyOptions: async () => ({ challengeId: 'wch-2', expiresAt: at(300), options: { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost' } }),
    verifyPasskey: async () => SUCCESS,
    enrolFace: async () => SUCCESS,
    verifyFace: async () => SUCCESS,
  };
  const api = Object.fromEntries(
    Object.entries(defaults).map(([name, answer]) => [
      name,
      (input: unknown) => {
        calls.push([name, input]);
        return ((answers as Record<string, typeof answer>)[name] ?? answer)(input as never);
      },
    ]),
  ) as unknown as ApiClient;
  const metadata = { load: async () => ({ deviceId: 'device-1' }) } as unknown as MetadataClient;
  const context: GuardContext = {
    appId: 'shop',
    api,
    i18n: await GuardI18n.create({ lang }),
    metadata,
    login: () => Promise.reject(new Error('no login here')),
  };
  return { context, calls };
}

interface Mounted {
  element: GuardStepUp;
  events: string[];
  completed: StepUpSuccess[];
  errors: string[];
}

async function mount(context: GuardContext, properties: Partial<GuardStepUp> = {}): Promise<Mounted> {
  const element = document.createElement('guard-step-up');
  Object.assign(element, { context, trigger: TRIGGER }, properties);
  const mounted: Mounted = { element, events: [], completed: [], errors: [] };
  element.addEventListener('guard-step-up-complete', (event) => mounted.completed.push(event.detail));
  element.addEventListener('guard-error', (event) => mounted.errors.push(event.detail.error.code));
  element.addEventListener('guard-close', () => mounted.events.push('close'));
  document.body.append(element);
  await settle(element);
  return mounted;
}

/** Lets pending stub answers arrive and the element (and the ones inside it) render. */
async function settle(element: GuardStepUp): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setTimeout(resolve));
    await element.updateComplete;
    for (const inner of element.shadowRoot!.querySelectorAll<HTMLElement & { updateComplete?: Promise<unknown> }>('guard-factor-select, guard-otp-input'))
      await inner.updateComplete;
  }
}

const root = (element: GuardStepUp) => element.shadowRoot!;
const dialog = (element: GuardStepUp) => root(element).querySelector('dialog')!;
const text = (element: GuardStepUp, part: string) => deepQuery(root(element), `[part~="${part}"]`)?.textContent?.trim() ?? '';
const focusedText = () => deepActiveElement()?.textContent?.trim();

/** Tabs to the factor whose name starts the button's text, then presses Enter: as a keyboard user would. */
async function chooseFactor(element: GuardStepUp, name: string): Promise<void> {
  for (let stop = 0; stop < 8 && !focusedText()?.startsWith(name); stop++) await sendKeys({ press: 'ArrowDown' });
  expect(focusedText()).to.match(new RegExp(`^${name}`));
  await sendKeys({ press: 'Enter' });
  await settle(element);
}

describe('<guard-step-up>', () => {
  let outside: HTMLButtonElement;
  beforeEach(() => {
    outside = Object.assign(document.createElement('button'), { textContent: 'Pay now' });
    document.body.append(outside);
    outside.focus();
  });
  afterEach(() => {
    for (const element of document.querySelectorAll('guard-step-up')) {
      element.locked = false;
      element.remove();
    }
    outside.remove();
  });

  describe('factor screens, keyboard only', () => {
    it('TOTP: picks the authenticator app and types the code', async () => {
      const { context, calls } = await stubContext();
      const { element, completed } = await mount(context);
      expect(text(element, 'reason')).to.equal('Sign-in from a new country.');
      await chooseFactor(element, 'Authenticator app');
      expect(text(element, 'screen-title')).to.equal('Authenticator app');
      await sendKeys({ type: '123456' });
      await settle(element);
      expect(calls.map(([name]) => name)).to.deep.equal(['factors', 'verifyTotp']);
      expect(calls[1]![1]).to.deep.equal({ stateToken: 'st-1', code: '123456' });
      expect(completed).to.deep.equal([SUCCESS]);
      expect(dialog(element).open).to.equal(false);
    });

    it('SMS: verifies the code of the SMS where the browser reads it (WebOTP); e-mail and TOTP ask for none', async () => {
      const webOtp = stubWebOtp();
      try {
        const { context, calls } = await stubContext();
        const { element, completed } = await mount(context);
        await chooseFactor(element, 'Text message');
        expect(webOtp.requests).to.have.length(1);
        webOtp.smsArrives('482913');
        await until(() => completed.length === 1, 'the verified step-up');
        expect(calls.at(-1)).to.deep.equal(['verifyCode', { stateToken: 'st-1', channel: 'sms', challengeId: 'ch-1', code: '482913' }]);
        element.remove();
        const asked = webOtp.requests.length;
        const other = await mount(context);
        await chooseFactor(other.element, 'E-mail');
        expect(webOtp.requests).to.have.length(asked);
      } finally {
        webOtp.restore();
      }
    });

    it('SMS: sends on entry in the UI language, says where to, counts down to resend on the injected clock, verifies', async () => {
      const { context, calls } = await stubContext();
      const clock = manualClock(T0);
      const { element, completed } = await mount(context, { clock });
      await chooseFactor(element, 'Text message');
      expect(calls[1]).to.deep.equal(['sendCode', { stateToken: 'st-1', channel: 'sms', locale: 'en' }]);
      expect(visibleStrings(root(element))).to.include('We sent a code to +44 •••• 0123.');
      // The resend button itself counts down, and looks unavailable until then.
      const resend = () => [...root(element).querySelectorAll('button')].find((button) => button.textContent!.trim().startsWith('Send a new code'))!;
      expect([resend().textContent!.trim(), resend().getAttribute('aria-disabled')]).to.deep.equal(['Send a new code in 30 s', 'true']);
      expect(getComputedStyle(resend()).color).to.equal('rgb(71, 85, 105)');
      clock.advance(12_000);
      await settle(element);
      expect(resend().textContent!.trim()).to.equal('Send a new code in 18 s');
      resend().click();
      await settle(element);
      expect(calls.map(([name]) => name)).to.deep.equal(['factors', 'sendCode']);
      clock.advance(18_000);
      await settle(element);
      expect([resend().textContent!.trim(), resend().getAttribute('aria-disabled')]).to.deep.equal(['Send a new code', 'false']);
      expect(getComputedStyle(resend()).color).to.equal('rgb(37, 99, 235)');
      resend().focus();
      await sendKeys({ press: 'Enter' });
      await settle(element);
      expect(calls[2]).to.deep.equal(['resendCode', { stateToken: 'st-1', channel: 'sms', challengeId: 'ch-1', locale: 'en' }]);
      expect(visibleStrings(root(element))).to.include('Send a new code in 30 s');
      // A resend puts the focus back in the code field.
      await sendKeys({ type: '654321' });
      await settle(element);
      expect(calls[3]).to.deep.equal(['verifyCode', { stateToken: 'st-1', channel: 'sms', challengeId: 'ch-1', code: '654321' }]);
      expect(completed).to.deep.equal([SUCCESS]);
    });

    it('e-mail: the same screen with the e-mail title', async () => {
      const { context, calls } = await stubContext({
        sendCode: async () => ({ challengeId: 'ch-2', expiresAt: at(300), resendAvailableAt: at(30), sentTo: 'a•••@example.com' }),
      });
      const { element, completed } = await mount(context, { clock: manualClock(T0) });
      await chooseFactor(element, 'E-mail');
      expect(text(element, 'screen-title')).to.equal('E-mail code');
      expect(visibleStrings(root(element))).to.include('We sent a code to a•••@example.com.');
      await sendKeys({ type: '111222' });
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['verifyCode', { stateToken: 'st-1', channel: 'email', challengeId: 'ch-2', code: '111222' }]);
      expect(completed).to.have.length(1);
    });

    it('recovery code: typed with its dashes, sent with Enter', async () => {
      const { context, calls } = await stubContext();
      const { element, completed } = await mount(context);
      await chooseFactor(element, 'Recovery code');
      await sendKeys({ type: 'abcd-efgh-jkmn' });
      await sendKeys({ press: 'Enter' });
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['verifyRecoveryCode', { stateToken: 'st-1', code: 'abcd-efgh-jkmn' }]);
      expect(completed).to.have.length(1);
    });

    it('TOTP enrolment: the setup key’s label ends with the language’s own colon', async () => {
      const { context } = await stubContext({ factors: async () => offer([{ type: 'totp', enrolled: false, enrollable: true }]) });
      const { element } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      const setupKey = () => visibleStrings(deepQuery(root(element), '[part~="secret"]')!.parentElement!);
      expect(setupKey()).to.deep.equal(['Setup key:', 'JBSWY3DPEHPK3PXP']);
      await context.i18n.changeLanguage('zh-CN');
      await settle(element);
      expect(setupKey()).to.deep.equal(['设置密钥：', 'JBSWY3DPEHPK3PXP']);
    });

    it('TOTP enrolment: lazy QR code, the setup key for typing, verify with the enrolment id, then the recovery codes once', async () => {
      const codes = ['aaaa-bbbb-cccc', 'dddd-eeee-ffff'];
      const { context, calls } = await stubContext({
        factors: async () => offer([{ type: 'totp', enrolled: false, enrollable: true }]),
        verifyTotp: async () => ({ ...SUCCESS, recoveryCodes: codes }),
      });
      const { element, completed } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      await until(() => root(element).querySelector('[part~="qr-code"] svg') !== null, 'the QR code');
      expect(root(element).querySelector('[part~="qr-code"]')!.getAttribute('aria-label')).to.equal('QR code to add Shop to an authenticator app');
      expect(text(element, 'secret')).to.equal('JBSWY3DPEHPK3PXP');
      expect(text(element, 'step')).to.equal('Step 1 of 2');
      await expectNoAxeViolations(element);
      await sendKeys({ type: '246810' });
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['verifyTotp', { stateToken: 'st-1', code: '246810', enrolmentId: 'en-1' }]);
      expect(completed).to.deep.equal([]);
      expect(text(element, 'screen-title')).to.equal('Save your recovery codes');
      expect(text(element, 'step')).to.equal('Step 2 of 2');
      expect([...root(element).querySelectorAll('[part~="recovery-codes"] li')].map((item) => item.textContent)).to.deep.equal(codes);
      await expectNoAxeViolations(element);
      expect(focusedText()).to.equal('Copy codes');
      await sendKeys({ press: 'Tab' });
      await sendKeys({ press: 'Tab' });
      expect(focusedText()).to.equal('I have saved my codes');
      await sendKeys({ press: 'Enter' });
      expect(completed).to.deep.equal([{ ...SUCCESS, recoveryCodes: codes }]);
    });

    it('TOTP enrolment is one step, without a step cue, for a user who already holds recovery codes', async () => {
      const { context } = await stubContext({
        factors: async () => offer([{ type: 'totp', enrolled: false, enrollable: true }, FACTORS[3]!]),
      });
      const { element } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      await until(() => text(element, 'secret') !== '', 'the setup key');
      expect(root(element).querySelector('[part~="step"]')).to.equal(null);
    });

    it('offers "trust this device" when allowed and sends it with the device id', async () => {
      const { context, calls } = await stubContext({ factors: async () => offer(FACTORS, true) });
      const { element } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      await sendKeys({ press: 'Tab' });
      expect(deepActiveElement()).to.have.property('type', 'checkbox');
      await sendKeys({ press: 'Space' });
      await sendKeys({ press: 'Shift+Tab' });
      await sendKeys({ type: '123456' });
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['verifyTotp', { stateToken: 'st-1', code: '123456', trustDevice: true, deviceId: 'device-1' }]);
    });

    it('has no "trust this device" when the factors answer does not allow it', async () => {
      const { context } = await stubContext();
      const { element } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      expect(root(element).querySelector('input[type="checkbox"]')).to.equal(null);
    });
  });

  describe('errors', () => {
    it('announces a refused code beside the field, empties it, emits guard-error, and lets the user try again', async () => {
      let refusals = 1;
      const { context } = await stubContext({ verifyTotp: async () => (refusals-- > 0 ? Promise.reject(new GuardError('invalid_code')) : SUCCESS) });
      const { element, errors, completed } = await mount(context);
      await chooseFactor(element, 'Authenticator app');
      await sendKeys({ type: '000000' });
      await settle(element);
      const alert = deepQuery(root(element), '[part~="error"][role="alert"]:not(:empty)')!;
      expect(alert.textContent).to.equal('That code is not right. Check it and try again.');
      expect(text(element, 'error')).to.equal('');
      expect(errors).to.deep.equal(['invalid_code']);
      expect(deepQuery<HTMLInputElement>(root(element), 'input')!.value).to.equal('');
      await expectNoAxeViolations(element);
      await sendKeys({ type: '123456' });
      await settle(element);
      expect(completed).to.have.length(1);
    });

    for (const code of ['cooldown', 'too_many_attempts', 'locked', 'code_expired'] as const) {
      it(`shows ${code} translated`, async () => {
        const problem = { code, ...(code === 'locked' || code === 'cooldown' ? { retryAt: at(90) } : {}) };
        const refusal = () => Promise.reject(GuardError.fromProblem(code === 'locked' ? 423 : 429, problem));
        const { context } = await stubContext(code === 'cooldown' ? { sendCode: refusal } : { verifyCode: refusal });
        const { element, errors } = await mount(context, { clock: manualClock(T0) });
        await chooseFactor(element, 'Text message');
        if (code !== 'cooldown') {
          await sendKeys({ type: '000000' });
          await settle(element);
        }
        const alert = deepQuery(root(element), '[role="alert"]:not(:empty)')!;
        expect(alert.textContent).to.equal(context.i18n.t(`errors.${code}`));
        expect(errors).to.deep.equal([code]);
        // A refused send says when another code may be asked for.
        if (code === 'cooldown') expect(visibleStrings(root(element))).to.include('Send a new code in 90 s');
        await expectNoAxeViolations(element);
      });
    }

    it('a failed factor list shows the error in the dialog and offers to try again', async () => {
      let failures = 1;
      const { context } = await stubContext({ factors: async () => (failures-- > 0 ? Promise.reject(new GuardError('network')) : offer()) });
      const { element, errors } = await mount(context);
      expect(text(element, 'error')).to.equal('We could not reach the server. Check your connection and try again.');
      expect(root(element).querySelector('[part~="error"]')!.getAttribute('role')).to.equal('alert');
      expect(errors).to.deep.equal(['network']);
      await expectNoAxeViolations(element);
      const retry = [...root(element).querySelectorAll('button')].find((button) => button.textContent === 'Try again')!;
      retry.focus();
      await sendKeys({ press: 'Enter' });
      await settle(element);
      expect(root(element).querySelector('guard-factor-select')).to.not.equal(null);
      expect(text(element, 'error')).to.equal('');
    });

    it('an error that ends the step-up leaves only the message', async () => {
      const { context } = await stubContext({ factors: () => Promise.reject(new GuardError('expired')) });
      const { element, errors } = await mount(context);
      expect(text(element, 'error')).to.equal('This verification request has expired. Start again.');
      expect(errors).to.deep.equal(['expired']);
      expect(root(element).querySelector('button, guard-factor-select')).to.equal(null);
    });

    it('a factor this browser cannot use is refused with unsupported_factor', async () => {
      const { context } = await stubContext({ factors: async () => offer([{ type: 'webauthn', enrolled: true, enrollable: false }]) });
      const { element, errors } = await mount(context);
      await chooseFactor(element, 'Passkey');
      // A browser without WebAuthn.
      const webAuthn = Object.getOwnPropertyDescriptor(window, 'PublicKeyCredential')!;
      delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
      try {
        root(element).querySelector<HTMLButtonElement>('[part~="passkey-button"]')!.click();
        await until(() => errors.length > 0, 'the refusal');
      } finally {
        Object.defineProperty(window, 'PublicKeyCredential', webAuthn);
      }
      await settle(element);
      expect(errors).to.deep.equal(['unsupported_factor']);
      expect(text(element, 'error')).to.equal('This method is not available in this browser.');
    });
  });

  describe('face', () => {
    /** The face chunk, stubbed: a capture element that only records restarts; the test fires its events. */
    class StubCapture extends HTMLElement {
      restarts = 0;
      restart() {
        this.restarts += 1;
      }
    }
    const stubChunk = async () => ({
      defineFaceCapture: () => customElements.get('guard-face-capture') ?? customElements.define('guard-face-capture', StubCapture),
      humanAnalyser: async () => ({ observe: async () => [] }),
    });
    const FACE: StepUpFactor[] = [{ type: 'face', enrolled: true, enrollable: false }, ...FACTORS];
    const capture = (element: GuardStepUp) => root(element).querySelector('guard-face-capture') as unknown as StubCapture;
    const FRAMES = ['data:image/jpeg;base64,AAAA', 'data:image/jpeg;base64,BBBB'];

    it('loads the chunk when face is chosen, sends the captured frames, says so while the backend decides, and completes', async () => {
      let answer: (success: StepUpSuccess) => void = () => {};
      const { context, calls } = await stubContext({ factors: async () => offer(FACE), verifyFace: () => new Promise((resolve) => (answer = resolve)) });
      const { element, completed } = await mount(context, { loadFace: stubChunk as never });
      await chooseFactor(element, 'Face');
      expect(text(element, 'screen-title')).to.equal('Face');
      expect(capture(element)).to.be.instanceOf(StubCapture);
      await expectNoAxeViolations(element);
      capture(element).dispatchEvent(new GuardFaceCaptureEvent(FRAMES));
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['verifyFace', { stateToken: 'st-1', frames: FRAMES }]);
      expect(root(element).querySelector('section [role="status"]')!.textContent).to.equal('Checking your face…');
      answer(SUCCESS);
      await settle(element);
      expect(completed).to.deep.equal([SUCCESS]);
    });

    it('enrols a first face and shows the new recovery codes', async () => {
      const codes = ['aaaa-bbbb-cccc'];
      const { context, calls } = await stubContext({
        factors: async () => offer([{ type: 'face', enrolled: false, enrollable: true }]),
        enrolFace: async () => ({ ...SUCCESS, recoveryCodes: codes }),
      });
      const { element } = await mount(context, { loadFace: stubChunk as never });
      await chooseFactor(element, 'Face');
      expect(text(element, 'screen-title')).to.equal('Set up face verification');
      capture(element).dispatchEvent(new GuardFaceCaptureEvent(FRAMES));
      await settle(element);
      expect(calls.at(-1)).to.deep.equal(['enrolFace', { stateToken: 'st-1', frames: FRAMES }]);
      expect(text(element, 'screen-title')).to.equal('Save your recovery codes');
    });

    it('shows a refusal translated, restarts the camera on "Try again", and keeps the other factors a click away', async () => {
      const { context } = await stubContext({ factors: async () => offer(FACE), verifyFace: () => Promise.reject(new GuardError('face_mismatch')) });
      const { element, errors } = await mount(context, { loadFace: stubChunk as never });
      await chooseFactor(element, 'Face');
      capture(element).dispatchEvent(new GuardFaceCaptureEvent(FRAMES));
      await settle(element);
      expect(text(element, 'error')).to.equal('Your face did not match. Try again or choose another method.');
      expect(errors).to.deep.equal(['face_mismatch']);
      await expectNoAxeViolations(element);
      deepQuery<HTMLButtonElement>(root(element), 'button.primary')!.click();
      await settle(element);
      expect(capture(element).restarts).to.equal(1);
      expect(text(element, 'error')).to.equal('');
      deepQuery<HTMLButtonElement>(root(element), 'button.link')!.click();
      await settle(element);
      expect(deepQuery(root(element), 'guard-factor-select')).to.not.equal(null);
    });

    it('a camera the browser refuses is shown translated, and the other factors stay offered', async () => {
      const { context } = await stubContext({ factors: async () => offer(FACE) });
      const { element, errors } = await mount(context, { loadFace: stubChunk as never });
      await chooseFactor(element, 'Face');
      capture(element).dispatchEvent(new GuardErrorEvent(new GuardError('camera_denied')));
      await settle(element);
      expect(text(element, 'error')).to.equal('Camera access was refused. Allow it in your browser, or choose another method.');
      expect(errors).to.deep.equal(['camera_denied']);
      deepQuery<HTMLButtonElement>(root(element), 'button.link')!.click();
      await settle(element);
      await chooseFactor(element, 'Recovery code');
      expect(text(element, 'screen-title')).to.equal('Recovery code');
    });
  });

  describe('the modal', () => {
    it('is a modal dialog: the page is inert, Tab stays inside, and focus returns on completion', async () => {
      const { context: twoFactors } = await stubContext({ factors: async () => offer(FACTORS.slice(0, 2)) });
      const { element } = await mount(twoFactors, { cancellable: true });
      expect(dialog(element).matches(':modal')).to.equal(true);
      expect(document.activeElement).to.equal(element);
      // Past the last control the native modal dialog hands the focus to the browser's own UI (the document loses
      // focus), then back to its first control: never to the page behind.
      const stops: string[] = [];
      for (let stop = 0; stop < 8; stop++) {
        await sendKeys({ press: 'Tab' });
        if (!document.hasFocus()) stops.push('browser');
        else if (document.activeElement === element) stops.push(focusedText()!.split('\n')[0]!);
        else stops.push(`outside: ${document.activeElement?.localName}`);
      }
      expect(stops).to.deep.equal(['Text message', 'browser', '×', 'Authenticator app', 'Text message', 'browser', '×', 'Authenticator app']);
      outside.focus();
      expect(document.activeElement).to.not.equal(outside);
      await chooseFactor(element, 'Authenticator app');
      await sendKeys({ type: '123456' });
      await settle(element);
      expect(document.activeElement).to.equal(outside);
    });

    it('Escape cancels only when cancellable, then returns the focus', async () => {
      const { context } = await stubContext();
      const locked = await mount(context);
      await sendKeys({ press: 'Escape' });
      await settle(locked.element);
      await sendKeys({ press: 'Escape' });
      await settle(locked.element);
      expect(dialog(locked.element).matches(':modal')).to.equal(true);
      expect(locked.events).to.deep.equal([]);
      locked.element.remove();
      outside.focus();

      const open = await mount(context, { cancellable: true });
      await sendKeys({ press: 'Escape' });
      await settle(open.element);
      expect(open.events).to.deep.equal(['close']);
      expect(dialog(open.element).open).to.equal(false);
      expect(document.activeElement).to.equal(outside);
    });

    it('the close button cancels when cancellable and is absent otherwise', async () => {
      const { context } = await stubContext();
      const first = await mount(context);
      expect(root(first.element).querySelector('[part~="close-button"]')).to.equal(null);
      first.element.remove();
      const { element, events } = await mount(context, { cancellable: true });
      const close = root(element).querySelector<HTMLButtonElement>('[part~="close-button"]')!;
      expect(close.getAttribute('aria-label')).to.equal('Cancel verification');
      close.click();
      expect(events).to.deep.equal(['close']);
    });

    it('while locked, comes back after a script removes it, hides it or closes its dialog', async () => {
      const { context } = await stubContext();
      const { element } = await mount(context, { locked: true, cancellable: true });
      const modal = () => element.isConnected && dialog(element).matches(':modal') && getComputedStyle(element).display !== 'none';
      expect(text(element, 'lock-notice')).to.equal('Your session is paused until you verify.');
      await expectNoAxeViolations(element);

      element.remove();
      await until(modal, 'back after remove()');
      document.body.replaceChildren();
      await until(modal, 'back after the body was emptied');
      document.body.prepend(outside);
      element.hidden = true;
      await until(() => modal() && !element.hidden, 'shown again after hidden');
      element.style.display = 'none';
      await until(modal, 'shown again after display: none');
      element.style.visibility = 'hidden';
      await until(() => modal() && getComputedStyle(element).visibility === 'visible', 'visible again');
      dialog(element).close();
      await until(modal, 'reopened after dialog.close()');
      dialog(element).style.display = 'none';
      await until(() => getComputedStyle(dialog(element)).display !== 'none', 'the dialog shown again');
      await settle(element);
      expect(root(element).querySelector('guard-factor-select')).to.not.equal(null);

      element.locked = false;
      element.remove();
      await settle(element);
      expect(element.isConnected).to.equal(false);
    });

    it('is not held open once unlocked: Guard takes it down like this', async () => {
      const { context } = await stubContext();
      const { element } = await mount(context, { locked: true });
      element.locked = false;
      element.remove();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(element.isConnected).to.equal(false);
      expect(document.activeElement).to.equal(outside);
    });
  });

  describe('mounted by Guard', () => {
    it('startMfa locks the real element, which a keyboard user completes; Guard then takes it down', async () => {
      const paths: string[] = [];
      const fetch = (async (input: RequestInfo | URL) => {
        const path = new URL(input instanceof Request ? input.url : input.toString()).pathname;
        paths.push(path);
        const body = path === '/v1/stepup/factors' ? offer() : SUCCESS;
        return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
      }) as typeof globalThis.fetch;
      const guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', lang: 'en', fetch });
      const token = guard.startMfa(TRIGGER, { cancellable: false });
      await until(() => document.querySelector('guard-step-up')?.shadowRoot?.querySelector('guard-factor-select') != null, 'the factor list');
      const element = document.querySelector('guard-step-up')!;
      expect([element.locked, element.cancellable]).to.deep.equal([true, false]);
      await settle(element);
      await chooseFactor(element, 'Authenticator app');
      await sendKeys({ type: '123456' });
      expect(await token).to.equal('jwt-1');
      expect(paths).to.deep.equal(['/v1/stepup/factors', '/v1/stepup/totp/verify']);
      expect(element.isConnected).to.equal(false);
      expect(document.activeElement).to.equal(outside);
    });
  });

  describe('the reason', () => {
    /** Mounted with this reason in the trigger; the factors' answer repeats it without its translations, as it may. */
    async function mountWithReason(reason: PolicyReason, lang: string, properties: Partial<GuardStepUp> = {}) {
      const { context } = await stubContext({ factors: async () => ({ ...offer(), reason: { ruleId: reason.ruleId, message: reason.message } }) }, lang);
      return { context, ...(await mount(context, { trigger: { ...TRIGGER, reason }, ...properties })) };
    }

    /** The reason sentence for each message, each in a dialog of its own. */
    async function sentences(lang: string, messages: string[]): Promise<string[]> {
      const shown: string[] = [];
      for (const message of messages) {
        const { element } = await mountWithReason({ ruleId: 'r', message }, lang);
        shown.push(text(element, 'reason'));
        element.remove();
      }
      return shown;
    }

    it('reads as a sentence in English whether or not its author ended it, never with two marks', async () => {
      expect(
        await sentences('en', ['Sign-in from a new country', 'Sign-in from a new country. ', 'New device!', 'Is this you?', 'Payment of “£500.”']),
      ).to.deep.equal(['Sign-in from a new country.', 'Sign-in from a new country.', 'New device!', 'Is this you?', 'Payment of “£500.”']);
    });

    it('ends with the ideographic full stop in Chinese and Japanese, keeping the author’s own mark', async () => {
      expect(await sentences('zh-CN', ['从新的国家登录', '从新的国家登录。', '新设备！', '是您本人吗？', 'Sign-in from a new country.'])).to.deep.equal([
        '从新的国家登录。',
        '从新的国家登录。',
        '新设备！',
        '是您本人吗？',
        'Sign-in from a new country.',
      ]);
      expect(await sentences('ja', ['新しい国からのサインイン'])).to.deep.equal(['新しい国からのサインイン。']);
    });

    it('says the lock in a sentence of its own, which the dialog’s description includes', async () => {
      const { element } = await mountWithReason(TRIGGER.reason, 'zh-TW', { locked: true });
      expect([text(element, 'reason'), text(element, 'lock-notice')]).to.deep.equal(['Sign-in from a new country。', '在完成驗證之前，您的工作階段已暫停。']);
      const description = dialog(element)
        .getAttribute('aria-describedby')!
        .split(' ')
        .map((id) => root(element).getElementById(id)!.textContent!.trim());
      expect(description).to.deep.equal([text(element, 'reason'), text(element, 'lock-notice')]);
      await expectNoAxeViolations(element);
      element.locked = false;
      element.remove();
      const { element: unlocked } = await mountWithReason(TRIGGER.reason, 'en');
      expect([dialog(unlocked).getAttribute('aria-describedby'), root(unlocked).querySelector('[part~="lock-notice"]')]).to.deep.equal(['reason', null]);
    });

    it('is shown in the UI language when its author translated it, and follows a language change while open', async () => {
      const reason: PolicyReason = {
        ruleId: 'new-country',
        message: 'Unusual sign-in',
        // A bare `zh` names no script: it is shown in neither Chinese. `ja-JP` is Japanese.
        messages: { en: 'Sign-in from a new country', 'zh-CN': '从新的国家登录', zh: '從新的國家登入', 'ja-JP': '新しい国からのサインイン' },
      };
      const { element, context } = await mountWithReason(reason, 'zh-CN', { locked: true });
      const shown = async (lang: string) => {
        await context.i18n.changeLanguage(lang);
        await settle(element);
        return text(element, 'reason');
      };
      expect(text(element, 'reason')).to.equal('从新的国家登录。');
      expect(root(element).querySelector('guard-factor-select')).to.not.equal(null);
      expect(await shown('ja')).to.equal('新しい国からのサインイン。');
      expect(await shown('zh-TW')).to.equal('Unusual sign-in。');
      expect(await shown('en')).to.equal('Sign-in from a new country.');
      expect(dialog(element).matches(':modal')).to.equal(true);
    });
  });

  describe('language and theme', () => {
    it('re-renders every visible string when the language changes', async () => {
      const { context } = await stubContext({ factors: async () => offer(FACTORS, true) });
      const { element } = await mount(context, { cancellable: true, locked: true });
      await chooseFactor(element, 'Text message');
      const data = ['Sign-in from a new country', '+44 •••• 0123'];
      const english = visibleStrings(root(element));
      expect(english).to.include('Confirm it’s you');
      await context.i18n.changeLanguage('zh-CN');
      await settle(element);
      const chinese = visibleStrings(root(element));
      expect(chinese).to.include('确认是您本人');
      expect(chinese).to.have.length(english.length);
      expect(chinese.filter((string) => english.includes(string) && !data.includes(string) && string !== '×')).to.deep.equal([]);
      expect(root(element).querySelector('[part~="close-button"]')!.getAttribute('aria-label')).to.not.equal('Cancel verification');
    });

    it('takes its colours from the theme: dark changes them, and the page around keeps its own styles', async () => {
      const page = (): string[] => {
        const style = getComputedStyle(document.body);
        const button = getComputedStyle(outside);
        return [
          style.color,
          style.backgroundColor,
          style.fontFamily,
          button.color,
          button.fontFamily,
          String(document.styleSheets.length),
          String(document.adoptedStyleSheets.length),
        ];
      };
      const before = page();
      const { context } = await stubContext();
      const { element } = await mount(context);
      const colours = () => {
        const style = getComputedStyle(dialog(element));
        return [style.backgroundColor, style.color];
      };
      expect(colours()).to.deep.equal(['rgb(255, 255, 255)', 'rgb(15, 23, 42)']);
      element.theme = 'dark';
      await element.updateComplete;
      expect(colours()).to.deep.equal(['rgb(15, 23, 42)', 'rgb(241, 245, 249)']);
      expect(page()).to.deep.equal(before);
      await expectNoAxeViolations(element);
    });

    it('hands its theme and the page’s tokens to the elements inside it: the picker and the code field', async () => {
      const { context } = await stubContext();
      const { element } = await mount(context, { theme: 'dark' });
      element.style.setProperty('--guard-color-primary', 'rgb(0, 170, 119)');
      element.style.setProperty('--guard-radius', '2px');
      await settle(element);
      const picker = root(element).querySelector('guard-factor-select')!;
      const option = getComputedStyle(picker.shadowRoot!.querySelector('[part~="option"]')!);
      const recommended = getComputedStyle(picker.shadowRoot!.querySelector('[part~="option-recommended"]')!);
      // The page's primary on the recommendation, the dark raised surface behind the option.
      expect([recommended.color, option.backgroundColor]).to.deep.equal(['rgb(0, 170, 119)', 'rgb(30, 41, 59)']);
      expect(getComputedStyle(picker).colorScheme).to.equal('dark');
      await chooseFactor(element, 'Text message');
      const code = getComputedStyle(root(element).querySelector('guard-otp-input')!.shadowRoot!.querySelector('input')!);
      // The dark surface and text, the page's radius: not the light defaults of the code field's own host.
      expect([code.backgroundColor, code.color, code.borderTopLeftRadius]).to.deep.equal(['rgb(15, 23, 42)', 'rgb(241, 245, 249)', '2px']);
    });
  });

  describe('accessibility', () => {
    it('has no axe violation while loading, on the factor list and on each factor screen', async () => {
      let release!: () => void;
      const { context } = await stubContext({
        factors: () => new Promise<StepUpFactors>((resolve) => (release = () => resolve(offer(FACTORS, true)))),
      });
      const { element } = await mount(context, { cancellable: true });
      expect(visibleStrings(root(element))).to.include('Loading…');
      await expectNoAxeViolations(element);
      release();
      await settle(element);
      await expectNoAxeViolations(element);
      for (const factor of ['Authenticator app', 'Text message', 'E-mail', 'Recovery code']) {
        await chooseFactor(element, factor);
        await expectNoAxeViolations(element);
        const back = [...root(element).querySelectorAll('button')].find((button) => button.textContent === 'Use another method')!;
        back.click();
        await settle(element);
        (root(element).querySelector('guard-factor-select') as HTMLElement).focus();
      }
    });

    it('keeps every part inside the dialog, and the dialog on screen, at 320, 375 and 1280 px', async () => {
      try {
        for (const width of [320, 375, 1280]) {
          await setViewport({ width, height: 700 });
          const { context } = await stubContext({ factors: async () => offer(FACTORS, true) });
          const { element } = await mount(context, { cancellable: true, locked: true });
          expect(overflows(dialog(element)), `${width} px, the factors`).to.deep.equal([]);
          await chooseFactor(element, 'Text message');
          expect(overflows(dialog(element)), `${width} px, the SMS code`).to.deep.equal([]);
          element.locked = false;
          element.remove();
        }
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });

    it('shows the code screen’s Verify button without scrolling on a 375 × 667 phone, locked and with "trust this device"', async () => {
      try {
        await setViewport({ width: 375, height: 667 });
        const { context } = await stubContext({ factors: async () => offer(FACTORS, true) });
        const { element } = await mount(context, { locked: true });
        for (const factor of ['Authenticator app', 'Text message']) {
          await chooseFactor(element, factor);
          const verify = [...root(element).querySelectorAll('button')].find((button) => button.textContent!.trim() === 'Verify')!;
          expect(verify.getBoundingClientRect().bottom, factor).to.be.at.most(667);
          [...root(element).querySelectorAll('button')].find((button) => button.textContent === 'Use another method')!.click();
          await settle(element);
          (root(element).querySelector('guard-factor-select') as HTMLElement).focus();
        }
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });

    it('passes axe over the whole page, which has its own banner, on every screen, light and dark, at 375 and 1280 px', async () => {
      const banner = Object.assign(document.createElement('header'), { textContent: 'Shop' });
      // The whole page, since landmarks are the page's business; the runner's own page has no title or lang.
      const page = { rules: { 'document-title': { enabled: false }, 'html-has-lang': { enabled: false } } };
      document.body.prepend(banner);
      try {
        const { context } = await stubContext({ factors: async () => offer(FACTORS, true) });
        const { element } = await mount(context, { cancellable: true, locked: true });
        for (const [width, theme] of [375, 1280].flatMap((width) => (['light', 'dark'] as const).map((theme) => [width, theme] as const))) {
          await setViewport({ width, height: 800 });
          element.theme = theme;
          await settle(element);
          await expectNoAxeViolations(document, page);
          for (const factor of ['Authenticator app', 'Text message', 'E-mail', 'Recovery code']) {
            await chooseFactor(element, factor);
            await expectNoAxeViolations(document, page);
            [...root(element).querySelectorAll('button')].find((button) => button.textContent === 'Use another method')!.click();
            await settle(element);
            (root(element).querySelector('guard-factor-select') as HTMLElement).focus();
          }
        }
      } finally {
        banner.remove();
        await setViewport({ width: 800, height: 600 });
      }
    });
  });
});

describe('<guard-step-up> passkeys', () => {
  let restore: () => void = () => {};
  afterEach(() => {
    restore();
    restore = () => {};
    for (const element of document.querySelectorAll('guard-step-up')) element.remove();
  });
  const button = (element: GuardStepUp) => root(element).querySelector<HTMLButtonElement>('[part~="passkey-button"]')!;

  it('creates the first passkey: a cancelled prompt is a translated, retryable error; the next try registers and shows the recovery codes', async () => {
    const codes = ['aaaa-bbbb-cccc'];
    const { context, calls } = await stubContext({
      factors: async () => offer([{ type: 'webauthn', enrolled: false, enrollable: true }]),
      verifyPasskeyRegistration: async () => ({ ...SUCCESS, recoveryCodes: codes }),
    });
    const { element, completed, errors } = await mount(context);
    await chooseFactor(element, 'Passkey or security key');
    expect(text(element, 'screen-title')).to.equal('Create a passkey');
    expect(focusedText()).to.equal('Create a passkey');
    await expectNoAxeViolations(element);

    restore = stubCredentials(() => refusal('NotAllowedError')).restore;
    await sendKeys({ press: 'Enter' });
    await until(() => errors.length > 0, 'the refusal');
    await settle(element);
    expect(errors).to.deep.equal(['passkey_cancelled']);
    expect(text(element, 'error')).to.equal('The passkey request was cancelled or timed out. Try again.');
    expect(root(element).querySelector('[part~="error"]')!.getAttribute('role')).to.equal('alert');
    await expectNoAxeViolations(element);

    restore();
    restore = stubCredentials(async (kind) => madeUpCredential(kind)).restore;
    button(element).click();
    await until(() => calls.some(([name]) => name === 'verifyPasskeyRegistration'), 'the registration');
    await settle(element);
    const [, input] = calls.find(([name]) => name === 'verifyPasskeyRegistration')!;
    expect(input).to.deep.include({ stateToken: 'st-1', challengeId: 'wch-1' });
    expect((input as { response: { id: string; response: { transports: string[] } } }).response).to.deep.include({ id: 'Y3JlZA', type: 'public-key' });
    expect(text(element, 'error')).to.equal('');
    expect(completed).to.deep.equal([]);
    expect(text(element, 'screen-title')).to.equal('Save your recovery codes');
  });

  it('uses an enrolled passkey and completes the step-up with the browser’s assertion', async () => {
    const { context, calls } = await stubContext({ factors: async () => offer([{ type: 'webauthn', enrolled: true, enrollable: false }], true) });
    const { element, completed } = await mount(context);
    await chooseFactor(element, 'Passkey or security key');
    expect(text(element, 'screen-title')).to.equal('Passkey');
    await expectNoAxeViolations(element);
    restore = stubCredentials(async (kind) => madeUpCredential(kind)).restore;
    button(element).click();
    await until(() => completed.length > 0, 'the step-up to complete');
    const [, input] = calls.find(([name]) => name === 'verifyPasskey')!;
    expect(input).to.deep.include({ stateToken: 'st-1', challengeId: 'wch-2' });
    expect((input as { response: { response: { userHandle: string } } }).response.response.userHandle).to.equal('dXNlcg');
    expect(completed).to.deep.equal([SUCCESS]);
  });

  it('shows the backend’s refusal in the UI language and lets the user try again', async () => {
    const { context } = await stubContext(
      {
        factors: async () => offer([{ type: 'webauthn', enrolled: true, enrollable: false }]),
        verifyPasskey: async () => {
          throw new GuardError('counter_regression');
        },
      },
      'ja',
    );
    const { element, errors } = await mount(context);
    restore = stubCredentials(async (kind) => madeUpCredential(kind)).restore;
    await chooseFactor(element, 'パスキー');
    button(element).click();
    await until(() => errors.length > 0, 'the refusal');
    await settle(element);
    expect(text(element, 'error')).to.equal('このパスキーは信頼できません（コピーされた可能性があります）。別の方法を使用し、管理者に連絡してください。');
    expect(button(element).textContent!.trim()).to.equal('パスキーを使用');
  });
});
