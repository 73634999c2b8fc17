import { expect } from 'chai';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import type { Clock } from '../../controllers/countdown.js';
import type { ApiClient } from '../../core/api-client.js';
import { GuardError } from '../../core/errors.js';
import type { LoginCodeSent } from '../../core/types.js';
import { Guard, type GuardContext, type LoginCredentials, type LoginResult } from '../../guard.js';
import { GuardI18n, type TranslationKey } from '../../i18n/i18n.js';
import en from '../../i18n/locales/en.js';
import ja from '../../i18n/locales/ja.js';
import { MetadataClient } from '../../metadata/metadata-client.js';
import { DARK_TOKENS, LIGHT_TOKENS } from '../../themes/themes.js';
import { expectNoAxeViolations } from '../../test-support/axe.js';
import { madeUpCredential, pendingUntilAborted, refusal, stubCredentials, type CredentialsStub } from '../../test-support/credentials.js';
import { deepActiveElement, manualClock, overflows, until, visibleStrings } from '../../test-support/elements.js';
import { stubWebOtp } from '../../test-support/web-otp.js';
import type { GuardLogin } from './login.js';
import './login.js';

const SENT: LoginCodeSent = { challengeId: 'ch-1', sentTo: '+44 •••• 0123', channel: 'sms' };
const SIGNED_IN: LoginResult = { user: { originalIdentity: 'alice' }, token: 'jwt' };

/** A context stubbed at the ApiClient/login boundary, recording what the element asked for. */
function stubContext(
  i18n: GuardI18n,
  answers: {
    login?: (credentials: LoginCredentials) => Promise<LoginResult>;
    sendLoginCode?: () => Promise<LoginCodeSent>;
    passkeyLoginOptions?: ApiClient['passkeyLoginOptions'];
  } = {},
) {
  const logins: LoginCredentials[] = [];
  const sends: { login: string; locale?: string }[] = [];
  const api: Pick<ApiClient, 'sendLoginCode' | 'passkeyLoginOptions'> = {
    sendLoginCode: (input) => {
      sends.push(input);
      return answers.sendLoginCode?.() ?? Promise.resolve(SENT);
    },
    // No passkeys unless a test offers them: autofill then stays off, as with a backend without an RP.
    passkeyLoginOptions: answers.passkeyLoginOptions ?? (() => Promise.reject(new GuardError('passkeys_unavailable'))),
  };
  const context: GuardContext = {
    appId: 'shop',
    api: api as ApiClient,
    i18n,
    metadata: new MetadataClient(),
    login: (credentials) => {
      logins.push(credentials);
      return answers.login?.(credentials) ?? Promise.resolve(SIGNED_IN);
    },
  };
  return { context, logins, sends };
}

async function mount(context: GuardContext, attributes: Record<string, string> = {}, clock?: Clock): Promise<GuardLogin> {
  const element = document.createElement('guard-login');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.context = context;
  if (clock) element.clock = clock;
  document.body.append(element);
  await element.updateComplete;
  return element;
}

const part = (element: GuardLogin, name: string) => element.shadowRoot!.querySelector<HTMLElement>(`[part~='${name}']`)!;
const control = <T extends HTMLElement>(element: GuardLogin, selector: string) => element.querySelector<T>(selector)!;
const button = (element: GuardLogin, text: string) =>
  [...element.querySelectorAll('button'), ...element.shadowRoot!.querySelectorAll('button')].find((candidate) => candidate.textContent!.trim() === text)!;

/** An accessible-enough name for each focus stop: its label, aria-label or text. */
function focusName(element: Element | null): string {
  if (element instanceof HTMLInputElement) return element.labels?.[0]?.textContent?.trim() ?? element.name;
  return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? '';
}

async function tabOrder(stops: number): Promise<string[]> {
  const names: string[] = [];
  for (let stop = 0; stop < stops; stop++) {
    await sendKeys({ press: 'Tab' });
    names.push(focusName(deepActiveElement()));
  }
  return names;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** The browser's computed form of a CSS colour. */
function computedColour(colour: string): string {
  const probe = document.createElement('div');
  probe.style.color = colour;
  document.body.append(probe);
  const value = getComputedStyle(probe).color;
  probe.remove();
  return value;
}

const PASSWORD_STRINGS: TranslationKey[] = [
  'login.title',
  'login.methodPassword',
  'login.methodSms',
  'login.methodEmail',
  'login.identifierLabel',
  'login.passwordLabel',
  'login.showPassword',
  'login.submit',
  'login.passkeySubmit',
];

function lookup(strings: object, key: string): string {
  return key.split('.').reduce<unknown>((table, name) => (table as Record<string, unknown>)[name], strings) as string;
}

describe('guard-login', () => {
  let i18n: GuardI18n;
  beforeEach(async () => {
    i18n = await GuardI18n.create({ lang: 'en' });
    (document.activeElement as HTMLElement | null)?.blur();
  });
  afterEach(() => document.querySelectorAll('guard-login').forEach((element) => element.remove()));

  it('signs in with the keyboard alone: Tab through the form in order, type, Enter', async () => {
    const { context, logins } = stubContext(i18n);
    const element = await mount(context);
    expect(await tabOrder(7)).to.deep.equal([
      'Password',
      'Text message code',
      'E-mail code',
      'Username, e-mail or phone',
      'Password',
      'Show password',
      'Sign in',
    ]);
    for (let stop = 0; stop < 3; stop++) await sendKeys({ press: 'Shift+Tab' });
    expect(document.activeElement).to.equal(control(element, 'input[autocomplete="username webauthn"]'));
    await sendKeys({ type: 'alice@example.com' });
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(control(element, 'input[autocomplete="current-password"]'));
    await sendKeys({ type: 'correct horse' });
    await sendKeys({ press: 'Enter' });
    await until(() => logins.length === 1, 'the login');
    expect(logins).to.deep.equal([{ login: 'alice@example.com', password: 'correct horse' }]);
  });

  it('renders inputs password managers can fill: light DOM, in a form, with the right autocomplete', async () => {
    const element = await mount(stubContext(i18n).context);
    const [login, password] = element.querySelectorAll('input');
    expect(login!.getRootNode()).to.equal(document);
    expect([login!.autocomplete, login!.name, password!.autocomplete, password!.type]).to.deep.equal([
      'username webauthn',
      'username',
      'current-password',
      'password',
    ]);
    expect(login!.form).to.be.instanceOf(HTMLFormElement);
    expect(password!.form).to.equal(login!.form);
    expect([...login!.form!.elements].filter((field) => field instanceof HTMLInputElement)).to.deep.equal([login, password]);
    expect(login!.labels?.[0]?.textContent).to.equal('Username, e-mail or phone');
  });

  it('shows the password on request and keeps it a password field otherwise', async () => {
    const element = await mount(stubContext(i18n).context);
    const password = control<HTMLInputElement>(element, 'input[autocomplete="current-password"]');
    button(element, 'Show password').click();
    await element.updateComplete;
    expect(password.type).to.equal('text');
    expect(button(element, 'Hide password').getAttribute('aria-pressed')).to.equal('true');
  });

  it('code login with the keyboard alone: pick SMS, send, the code field takes focus, verify; resend after the countdown', async () => {
    const clock = manualClock();
    const { context, logins, sends } = stubContext(i18n);
    const element = await mount(context, {}, clock);
    await tabOrder(2);
    await sendKeys({ press: 'Enter' });
    await element.updateComplete;
    expect(button(element, 'Text message code').getAttribute('aria-pressed')).to.equal('true');
    const phone = control<HTMLInputElement>(element, 'input[autocomplete="tel"]');
    expect([phone.type, phone.labels?.[0]?.textContent]).to.deep.equal(['tel', 'Phone number']);
    await tabOrder(2);
    expect(document.activeElement).to.equal(phone);
    await sendKeys({ type: '+447700900123' });
    await sendKeys({ press: 'Enter' });
    await until(() => element.querySelector('input[autocomplete="one-time-code"]') === document.activeElement, 'the code field to take focus');
    expect(sends).to.deep.equal([{ login: '+447700900123', locale: 'en' }]);
    expect(visibleStrings(element)).to.include('We sent a code to +44 •••• 0123.');

    const resend = () => [...element.querySelectorAll('button')].find((candidate) => candidate.textContent!.includes('code'))!;
    expect([resend().textContent!.trim(), resend().disabled]).to.deep.equal(['Send a new code in 30 s', true]);
    clock.advance(29_000);
    await element.updateComplete;
    expect(resend().textContent!.trim()).to.equal('Send a new code in 1 s');
    clock.advance(1_000);
    await element.updateComplete;
    expect([resend().textContent!.trim(), resend().disabled]).to.deep.equal(['Send a new code', false]);
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(resend());
    await sendKeys({ press: 'Enter' });
    await until(() => sends.length === 2, 'the resend');
    await element.updateComplete;
    expect(resend().textContent!.trim()).to.equal('Send a new code in 30 s');

    control<HTMLInputElement>(element, 'input[autocomplete="one-time-code"]').focus();
    await sendKeys({ type: '123456' });
    await sendKeys({ press: 'Enter' });
    await until(() => logins.length === 1, 'the code login');
    expect(logins).to.deep.equal([{ login: '+447700900123', challengeId: 'ch-1', code: '123456' }]);
  });

  it('signs in with the code of the SMS where the browser reads it (WebOTP), showing it in the labelled code field', async () => {
    const webOtp = stubWebOtp();
    try {
      const { context, logins } = stubContext(i18n);
      const element = await mount(context);
      button(element, 'Text message code').click();
      await element.updateComplete;
      control<HTMLInputElement>(element, 'input[autocomplete="tel"]').value = '+447700900123';
      button(element, 'Send code').click();
      await until(() => webOtp.requests.length === 1, 'the WebOTP request');
      const code = control<HTMLInputElement>(element, 'input[autocomplete="one-time-code"]');
      expect([code.labels?.[0]?.textContent, code.maxLength]).to.deep.equal(['Verification code', 6]);
      webOtp.smsArrives('482913');
      await until(() => logins.length === 1, 'the code login');
      expect([code.value, logins]).to.deep.equal(['482913', [{ login: '+447700900123', challengeId: 'ch-1', code: '482913' }]]);
    } finally {
      webOtp.restore();
    }
  });

  it('a refused resend shows the backend cooldown in the countdown', async () => {
    const clock = manualClock();
    let refuse = false;
    const { context } = stubContext(i18n, {
      sendLoginCode: () =>
        refuse
          ? Promise.reject(GuardError.fromProblem(429, { code: 'cooldown', retryAt: new Date(clock.now() + 10_000).toISOString() }))
          : Promise.resolve(SENT),
    });
    const element = await mount(context, { methods: 'email' }, clock);
    expect(part(element, 'methods')).to.equal(null);
    control<HTMLInputElement>(element, 'input[autocomplete="email"]').value = 'alice@example.com';
    button(element, 'Send code').click();
    await until(() => element.querySelector('input[autocomplete="one-time-code"]') !== null, 'the code step');
    refuse = true;
    clock.advance(30_000);
    await element.updateComplete;
    button(element, 'Send a new code').click();
    await until(() => part(element, 'error').textContent === en.errors.cooldown, 'the cooldown error');
    expect(button(element, 'Send a new code in 10 s').disabled).to.equal(true);
  });

  it('announces errors in the role="alert" region, translated, and emits guard-error', async () => {
    const { context } = stubContext(i18n, { login: () => Promise.reject(GuardError.fromProblem(401, { code: 'invalid_credentials' })) });
    const element = await mount(context);
    const alert = part(element, 'error');
    expect([alert.getAttribute('role'), alert.textContent]).to.deep.equal(['alert', '']);
    const emitted: string[] = [];
    element.addEventListener('guard-error', (event) => emitted.push(event.detail.error.code));
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').value = 'alice';
    control<HTMLInputElement>(element, 'input[autocomplete="current-password"]').value = 'wrong';
    button(element, 'Sign in').click();
    await until(() => emitted.length === 1, 'guard-error');
    await element.updateComplete;
    expect(alert.textContent).to.equal('Wrong login or password.');
    expect(emitted).to.deep.equal(['invalid_credentials']);
    await expectNoAxeViolations(element);
  });

  it('shows the loading state and ignores another submit while signing in', async () => {
    const pending = deferred<LoginResult>();
    const { context, logins } = stubContext(i18n, { login: () => pending.promise });
    const element = await mount(context);
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').value = 'alice';
    control<HTMLInputElement>(element, 'input[autocomplete="current-password"]').value = 'pw';
    button(element, 'Sign in').click();
    await element.updateComplete;
    expect(part(element, 'base').getAttribute('aria-busy')).to.equal('true');
    expect(button(element, 'Signing in…')).to.be.instanceOf(HTMLButtonElement);
    expect(control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').readOnly).to.equal(true);
    button(element, 'Signing in…').click();
    await expectNoAxeViolations(element);
    pending.resolve(SIGNED_IN);
    await until(() => part(element, 'base').getAttribute('aria-busy') === 'false', 'the login to end');
    expect(logins).to.have.length(1);
  });

  it('lets a guard-login-submit listener stop the login', async () => {
    const { context, logins } = stubContext(i18n);
    const element = await mount(context);
    const seen: unknown[] = [];
    element.addEventListener('guard-login-submit', (event) => {
      seen.push(event.detail);
      event.preventDefault();
    });
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').value = 'alice';
    control<HTMLInputElement>(element, 'input[autocomplete="current-password"]').value = 'pw';
    button(element, 'Sign in').click();
    await element.updateComplete;
    expect(seen).to.deep.equal([{ method: 'password', login: 'alice' }]);
    expect(logins).to.deep.equal([]);
  });

  it('re-renders every visible string on a locale switch, in the password and the code step', async () => {
    const element = await mount(stubContext(i18n).context);
    expect(visibleStrings(element)).to.deep.equal(PASSWORD_STRINGS.map((key) => lookup(en, key)));
    await i18n.changeLanguage('ja');
    await element.updateComplete;
    expect(visibleStrings(element)).to.deep.equal(PASSWORD_STRINGS.map((key) => lookup(ja, key)));

    button(element, ja.login.methodEmail).click();
    await element.updateComplete;
    control<HTMLInputElement>(element, 'input[autocomplete="email"]').value = 'alice@example.com';
    button(element, ja.login.sendCode).click();
    await until(() => element.querySelector('input[autocomplete="one-time-code"]') !== null, 'the code step');
    await i18n.changeLanguage('en');
    await element.updateComplete;
    const english = visibleStrings(element);
    await i18n.changeLanguage('ja');
    await element.updateComplete;
    const japanese = visibleStrings(element);
    expect(english).to.have.length(japanese.length);
    english.forEach((text, index) => expect(japanese[index], text).not.to.equal(text));
    expect(japanese).to.include(ja.otp.label);
  });

  it('is axe-clean idle, in the code methods, the code step, the dark theme and the modal', async () => {
    const element = await mount(stubContext(i18n).context);
    await expectNoAxeViolations(element);
    button(element, 'Text message code').click();
    await element.updateComplete;
    await expectNoAxeViolations(element);
    button(element, 'E-mail code').click();
    await element.updateComplete;
    control<HTMLInputElement>(element, 'input[autocomplete="email"]').value = 'alice@example.com';
    button(element, 'Send code').click();
    await until(() => element.querySelector('input[autocomplete="one-time-code"]') !== null, 'the code step');
    await expectNoAxeViolations(element);
    element.setAttribute('theme', 'dark');
    await expectNoAxeViolations(element);
    element.remove();
    const modal = await mount(stubContext(i18n).context, { mode: 'modal', theme: 'dark' });
    await expectNoAxeViolations(modal);
  });

  it('keeps every field and button inside its card at 320, 375 and 1280 px, inline and as a modal, in both steps; axe-clean dark at each', async () => {
    try {
      for (const width of [320, 375, 1280]) {
        await setViewport({ width, height: 800 });
        for (const mode of ['normal', 'modal']) {
          const element = await mount(stubContext(i18n).context, { mode });
          expect(overflows(part(element, 'base')), `${width} px, ${mode}, password`).to.deep.equal([]);
          // Each method's name on one line (a name broken over lines reads as several names).
          const lines = [...part(element, 'methods').querySelectorAll('button')].map((method) => {
            const range = document.createRange();
            range.selectNodeContents(method);
            return new Set([...range.getClientRects()].map((line) => Math.round(line.top))).size;
          });
          expect(lines, `${width} px, lines per method name`).to.deep.equal([1, 1, 1]);
          button(element, 'Text message code').click();
          await element.updateComplete;
          control<HTMLInputElement>(element, 'input[autocomplete="tel"]').value = '+44 7700 900123';
          button(element, 'Send code').click();
          await until(() => element.querySelector('input[autocomplete="one-time-code"]') !== null, 'the code step');
          expect(overflows(part(element, 'base')), `${width} px, ${mode}, code`).to.deep.equal([]);
          element.setAttribute('theme', 'dark');
          await expectNoAxeViolations(element);
          element.remove();
        }
      }
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('closes in modal mode with Escape or the close button', async () => {
    const element = await mount(stubContext(i18n).context, { mode: 'modal' });
    let closes = 0;
    element.addEventListener('guard-close', () => closes++);
    expect(part(element, 'base').getAttribute('role')).to.equal('dialog');
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').focus();
    await sendKeys({ press: 'Escape' });
    element.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="Close"]')!.click();
    expect(closes).to.equal(2);
  });

  it('changes computed colours with the dark theme', async () => {
    const light = await mount(stubContext(i18n).context);
    const dark = await mount(stubContext(i18n).context, { theme: 'dark' });
    const colours = (element: GuardLogin) => {
      const base = getComputedStyle(part(element, 'base'));
      const input = getComputedStyle(control(element, 'input'));
      const submit = getComputedStyle(control(element, 'button[type="submit"]'));
      return [base.backgroundColor, base.color, input.backgroundColor, input.color, submit.backgroundColor];
    };
    const expected = (tokens: Record<string, string>) =>
      [tokens['color-surface'], tokens['color-text'], tokens['color-surface'], tokens['color-text'], tokens['color-primary']].map((colour) =>
        computedColour(colour!),
      );
    expect(colours(light)).to.deep.equal(expected(LIGHT_TOKENS));
    expect(colours(dark)).to.deep.equal(expected({ ...LIGHT_TOKENS, ...DARK_TOKENS }));
  });

  it('leaves the host page styles alone', async () => {
    const page = document.createElement('form');
    page.innerHTML = '<label>Name <input name="name"></label><button type="button">Go</button><p>Text</p>';
    document.body.append(page);
    const snapshot = () =>
      [document.body, page, ...page.querySelectorAll('*')].map((node) => {
        const style = getComputedStyle(node);
        return [style.color, style.backgroundColor, style.fontFamily, style.fontSize, style.borderTopWidth, style.padding, style.display].join('|');
      });
    const sheets = () => [document.styleSheets.length, document.adoptedStyleSheets.length, document.querySelectorAll('style, link').length];
    const before = [snapshot(), sheets()];
    const element = await mount(stubContext(i18n).context, { theme: 'dark', mode: 'modal' });
    expect([snapshot(), sheets()]).to.deep.equal(before);
    expect(element.querySelectorAll('[style]')).to.have.length(0);
    page.remove();
  });

  it('is what Guard.start renders: its login resolves start()', async () => {
    const requests: unknown[] = [];
    const fetchStub = (async (url: RequestInfo | URL, init?: RequestInit) => {
      // Passkey autofill asks for its options first; this backend has no passkeys.
      if (String(url).endsWith('/v1/login/passkey/options')) {
        return new Response(JSON.stringify({ code: 'passkeys_unavailable' }), { status: 409, headers: { 'content-type': 'application/problem+json' } });
      }
      requests.push(JSON.parse(String(init?.body)));
      return new Response(JSON.stringify({ status: 'authenticated', user: { originalIdentity: 'alice' }, token: 'jwt-1', expiresAt: '2030-01-01T00:00:00Z' }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    const guard = new Guard({ appId: 'shop', host: 'https://mfa.example.com', lang: 'en', fetch: fetchStub });
    guard.metadata.load = () => Promise.reject(new Error('no metadata in this test'));
    const started = guard.start(document.body);
    await until(() => document.querySelector('guard-login input') !== null, 'the login form');
    const element = document.querySelector('guard-login')!;
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').value = 'alice';
    control<HTMLInputElement>(element, 'input[autocomplete="current-password"]').value = 'pw';
    button(element, 'Sign in').click();
    expect(await started).to.deep.equal({ user: { originalIdentity: 'alice' }, token: 'jwt-1' });
    expect(requests).to.deep.equal([{ appId: 'shop', login: 'alice', password: 'pw', metadata: {} }]);
    expect(document.querySelector('guard-login')).to.equal(null);
  });
});

describe('guard-login passkeys', () => {
  let i18n: GuardI18n;
  let credentials: CredentialsStub | undefined;
  const options = { challengeId: 'wch-1', expiresAt: '2030-01-01T00:00:00Z', options: { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost' } };
  beforeEach(async () => {
    i18n = await GuardI18n.create({ lang: 'en' });
  });
  afterEach(() => {
    credentials?.restore();
    credentials = undefined;
    document.querySelectorAll('guard-login').forEach((element) => element.remove());
  });
  const conditional = () => credentials!.calls.filter((call) => (call.options as CredentialRequestOptions).mediation === 'conditional');

  it('offers passkeys in the autofill from the first render and cancels that request when the password form is submitted', async () => {
    credentials = stubCredentials((_kind, request) => pendingUntilAborted(request));
    const { context, logins } = stubContext(i18n, { passkeyLoginOptions: async () => options });
    const element = await mount(context);
    await until(() => conditional().length === 1, 'the conditional request');
    const signal = (conditional()[0]!.options as CredentialRequestOptions).signal!;
    expect(signal.aborted).to.equal(false);
    control<HTMLInputElement>(element, 'input[autocomplete="username webauthn"]').value = 'alice';
    control<HTMLInputElement>(element, 'input[autocomplete="current-password"]').value = 'pw';
    button(element, 'Sign in').click();
    await until(() => logins.length === 1, 'the password login');
    expect(signal.aborted).to.equal(true);
    expect(logins).to.deep.equal([{ login: 'alice', password: 'pw' }]);
  });

  it('cancels the autofill request when the element leaves the page, and signs in with a passkey picked from the autofill', async () => {
    let pick!: (credential: unknown) => void;
    credentials = stubCredentials((_kind, request) =>
      request.signal?.aborted === false && conditional().length > 1 ? new Promise((resolve) => (pick = resolve)) : pendingUntilAborted(request),
    );
    const { context, logins } = stubContext(i18n, { passkeyLoginOptions: async () => options });
    const element = await mount(context);
    await until(() => conditional().length === 1, 'the conditional request');
    element.remove();
    expect((conditional()[0]!.options as CredentialRequestOptions).signal!.aborted).to.equal(true);
    document.body.append(element);
    await until(() => conditional().length === 2, 'a new conditional request');
    await until(() => pick !== undefined, 'the autofill to wait for a pick');
    pick(madeUpCredential('get'));
    await until(() => logins.length === 1, 'the passkey login');
    expect(logins[0]).to.deep.include({ login: '', challengeId: 'wch-1' });
    expect((logins[0] as { passkey: { id: string; response: { userHandle: string } } }).passkey).to.deep.include({ id: 'Y3JlZA' });
  });

  it('"Sign in with a passkey" opens the browser dialog; a cancelled dialog is a translated alert, and the next try signs in', async () => {
    credentials = stubCredentials((_kind, request) => (request.mediation === 'conditional' ? pendingUntilAborted(request) : refusal('NotAllowedError')));
    const { context, logins } = stubContext(i18n, { passkeyLoginOptions: async () => options });
    const element = await mount(context);
    const errors: string[] = [];
    element.addEventListener('guard-error', (event) => errors.push(event.detail.error.code));
    button(element, 'Sign in with a passkey').click();
    await until(() => errors.length === 1, 'the refusal');
    await element.updateComplete;
    expect(errors).to.deep.equal(['passkey_cancelled']);
    expect(part(element, 'error').textContent!.trim()).to.equal('The passkey request was cancelled or timed out. Try again.');
    await expectNoAxeViolations(element);
    credentials.restore();
    credentials = stubCredentials(async (kind, request) => (request.mediation === 'conditional' ? pendingUntilAborted(request) : madeUpCredential(kind)));
    button(element, 'Sign in with a passkey').click();
    await until(() => logins.length === 1, 'the passkey login');
    expect(logins[0]).to.deep.include({ login: '', challengeId: 'wch-1' });
    expect(part(element, 'error').textContent!.trim()).to.equal('');
  });

  it('keeps autofill failures off the form: a backend failure is emitted for the page, an app without passkeys is not', async () => {
    for (const [code, emitted] of [
      ['internal_error', ['internal_error']],
      ['passkeys_unavailable', []],
    ] as const) {
      let asked = false;
      const { context } = stubContext(i18n, {
        passkeyLoginOptions: async () => {
          asked = true;
          throw new GuardError(code);
        },
      });
      const element = document.createElement('guard-login') as GuardLogin;
      const errors: string[] = [];
      element.addEventListener('guard-error', (event) => errors.push(event.detail.error.code));
      element.context = context;
      document.body.append(element);
      await until(() => asked, 'the autofill to ask for options');
      await element.updateComplete;
      await new Promise((resolve) => setTimeout(resolve));
      expect(errors).to.deep.equal(emitted);
      expect(part(element, 'error').textContent!.trim()).to.equal('');
      element.remove();
    }
  });

  it('offers no passkey button in a browser without WebAuthn', async () => {
    const original = Object.getOwnPropertyDescriptor(window, 'PublicKeyCredential')!;
    Object.defineProperty(window, 'PublicKeyCredential', { value: undefined, configurable: true, writable: true });
    try {
      const { context } = stubContext(i18n, { passkeyLoginOptions: async () => options });
      const element = await mount(context);
      expect(button(element, 'Sign in')).to.not.equal(undefined);
      expect(button(element, 'Sign in with a passkey')).to.equal(undefined);
    } finally {
      Object.defineProperty(window, 'PublicKeyCredential', original);
    }
  });
});
