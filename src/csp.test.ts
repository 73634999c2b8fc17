/**
 * Issue 4, acceptance 3: a plain page that loads only the CDN classic script under
 * `default-src 'self'; script-src 'self'; style-src 'self'` (served by src/test-support/csp-page.mjs) renders
 * guard-login and guard-step-up with no CSP violation. The page runs in a same-origin iframe so the test runner's own page,
 * which needs inline scripts, stays outside the policy.
 */
import { expect } from 'chai';
import { DARK_TOKENS } from './themes/themes.js';
import { until } from './test-support/elements.js';
import type * as Browser from './index.js';
import type { MfaTriggerData, StepUpFactors, TotpEnrolment } from './core/types.js';

interface StrictPage extends Window {
  GuardFactory: typeof Browser.GuardFactory;
  cspViolations: { directive: string; blocked: string; sample: string }[];
}

async function openStrictPage(): Promise<{ page: StrictPage; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.src = '/__csp/guard.html';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return { page: frame.contentWindow as StrictPage, frame };
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const problem = (status: number, code: string) =>
  new Response(JSON.stringify({ status, code }), { status, headers: { 'content-type': 'application/problem+json' } });

describe('strict CSP page (dist/cdn/guard.iife.js only)', () => {
  let frame: HTMLIFrameElement | undefined;
  afterEach(() => frame?.remove());

  it('enforces the policy and records violations (so the checks below can fail)', async () => {
    const opened = await openStrictPage();
    frame = opened.frame;
    const { page } = opened;
    expect(page.cspViolations).to.deep.equal([]);
    const style = page.document.createElement('style');
    style.textContent = 'main { color: red }';
    page.document.head.append(style);
    await until(() => page.cspViolations.length > 0, 'the violation report');
    expect(page.cspViolations.map(({ directive }) => directive)).to.deep.equal(['style-src-elem']);
  });

  it('renders guard-login, styled, through its states without a violation', async () => {
    const opened = await openStrictPage();
    frame = opened.frame;
    const { page } = opened;
    const guard = new page.GuardFactory.Guard({
      appId: 'shop',
      host: 'https://mfa.example.com',
      lang: 'en',
      theme: 'dark',
      fetch: async () => problem(401, 'invalid_credentials'),
    });
    // Not awaited: start() resolves only after a successful login.
    guard.start('#login').catch(() => {});
    await until(() => page.document.querySelector('guard-login input') !== null, 'guard-login to render');
    const login = page.document.querySelector('guard-login')!;
    const base = login.shadowRoot!.querySelector<HTMLElement>('[part="base"]')!;
    // The constructable stylesheets applied: the dark surface token reached the element.
    const probe = document.createElement('div');
    probe.style.color = DARK_TOKENS['color-surface'];
    document.body.append(probe);
    expect(page.getComputedStyle(base).backgroundColor).to.equal(getComputedStyle(probe).color);
    probe.remove();

    login.querySelector<HTMLInputElement>('input[autocomplete~="username"]')!.value = 'alice';
    login.querySelector<HTMLInputElement>('input[autocomplete="current-password"]')!.value = 'wrong';
    login.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    const error = login.shadowRoot!.querySelector('[part="error"]')!;
    await until(() => error.textContent === 'Wrong login or password.', 'the error state');

    login.shadowRoot!.querySelector<HTMLButtonElement>('[part="methods"] button:nth-child(2)')!.click();
    await until(() => login.querySelector('input[autocomplete="tel"]') !== null, 'the SMS method');
    await guard.changeLang('ja');
    await until(() => login.shadowRoot!.querySelector('[part="title"]')!.textContent === 'ログイン', 'the Japanese strings');
    guard.unmount();
    expect(page.cspViolations).to.deep.equal([]);
  });

  it('renders guard-step-up for startMfa, through a factor list and a TOTP enrolment with its lazy QR code, without a violation', async () => {
    const opened = await openStrictPage();
    frame = opened.frame;
    const { page } = opened;
    const offer: StepUpFactors = {
      factors: [
        { type: 'totp', enrolled: false, enrollable: true },
        { type: 'sms', enrolled: true, enrollable: false, hint: '+44 •••• 0123' },
      ],
      reason: { ruleId: 'new-country', message: 'Sign-in from a new country' },
      acr: 'urn:camfa:acr:mfa',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      appName: 'Shop',
      trustDevice: false,
    };
    const enrolment: TotpEnrolment = { enrolmentId: 'en-1', secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Shop:alice?secret=JBSWY3DPEHPK3PXP&issuer=Shop' };
    const answers: Record<string, unknown> = { '/v1/stepup/factors': offer, '/v1/stepup/totp/enroll': enrolment };
    const guard = new page.GuardFactory.Guard({
      appId: 'shop',
      host: 'https://mfa.example.com',
      lang: 'en',
      fetch: async (input) => json(answers[new URL(String(input)).pathname]),
    });
    const trigger: MfaTriggerData = {
      stateToken: 'st-1',
      originalIdentity: 'alice',
      factors: offer.factors.map(({ type, enrolled }) => ({ type, enrolled })),
      reason: offer.reason,
      acr: offer.acr,
      expiresAt: offer.expiresAt,
      host: 'https://mfa.example.com',
      appId: 'shop',
    };
    guard.startMfa(trigger).catch(() => {});
    const options = () =>
      page.document.querySelector('guard-step-up')?.shadowRoot?.querySelector('guard-factor-select')?.shadowRoot?.querySelectorAll('button');
    await until(() => (options()?.length ?? 0) === 2, 'the factor list');
    const stepUp = page.document.querySelector('guard-step-up')!;
    expect(stepUp.shadowRoot!.querySelector('dialog')!.matches(':modal')).to.equal(true);
    options()![0]!.click();
    await until(() => stepUp.shadowRoot!.querySelector('[part="qr-code"] svg, [part="qr-code"] canvas, [part="qr-code"] img') !== null, 'the QR code');
    guard.unmount();
    expect(page.cspViolations).to.deep.equal([]);
  });
});
