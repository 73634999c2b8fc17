/**
 * Issue 4, acceptance 3: a plain page that loads only the CDN classic script under
 * `default-src 'self'; script-src 'self'; style-src 'self'` (served by src/test-support/csp-page.mjs) renders
 * the elements with no CSP violation. The page runs in a same-origin iframe so the test runner's own page,
 * which needs inline scripts, stays outside the policy.
 */
import { expect } from 'chai';
import { DARK_TOKENS } from './themes/themes.js';
import { until } from './test-support/elements.js';
import type * as Browser from './index.js';

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

    login.querySelector<HTMLInputElement>('input[autocomplete="username"]')!.value = 'alice';
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
});
