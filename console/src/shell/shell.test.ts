import { sendKeys } from '@web/test-runner-commands';
import { expect } from 'chai';
import { deepActiveElement, until } from '../../../src/test-support/elements.js';
import { mountConsole } from '../test-support/page.js';
import { testConsole } from '../test-support/console-server.js';

const pageIn = (shell: Element) => shell.querySelector('main')?.lastElementChild?.localName;
const navLink = (shell: Element, name: string) => [...shell.querySelectorAll<HTMLAnchorElement>('nav a')].find((link) => link.textContent?.trim() === name)!;

describe('<camfa-console>', () => {
  let unmount: (() => void) | undefined;
  afterEach(() => {
    unmount?.();
    localStorage.removeItem('camfa-console-lang');
  });

  it('routes on location: a nav link pushes its path, shows its page and focuses its heading; Back returns', async () => {
    const { api } = await testConsole();
    const mounted = mountConsole(api, '/console/apps');
    unmount = mounted.unmount;
    const { shell } = mounted;
    await until(() => pageIn(shell) === 'camfa-apps-page', 'the apps page');
    expect(navLink(shell, 'Apps').getAttribute('aria-current')).to.equal('page');

    navLink(shell, 'Audit').click();
    await until(() => pageIn(shell) === 'camfa-audit-page', 'the audit page');
    expect(location.pathname).to.equal('/console/audit');
    expect(navLink(shell, 'Audit').getAttribute('aria-current')).to.equal('page');
    await until(() => deepActiveElement()?.localName === 'h1', 'focus on the heading');
    expect(deepActiveElement()?.textContent).to.equal('Audit log');

    history.back();
    await until(() => pageIn(shell) === 'camfa-apps-page', 'the apps page after Back');
    await until(() => deepActiveElement()?.textContent === 'Apps', 'focus on the apps heading');
  });

  it('opens the page its path names, and the apps for /console/ or an unknown path', async () => {
    const { api } = await testConsole();
    for (const [path, page] of [
      ['/console/users', 'camfa-users-page'],
      ['/console/', 'camfa-apps-page'],
      ['/console/nowhere', 'camfa-apps-page'],
    ] as const) {
      const mounted = mountConsole(api, path);
      unmount = mounted.unmount;
      await until(() => pageIn(mounted.shell) === page, `${page} for ${path}`);
      mounted.unmount();
    }
    unmount = undefined;
  });

  it('shows the admin’s name and role; signing out shows the sign-in with <guard-login> for the console app', async () => {
    const { api, log } = await testConsole({ role: 'viewer' });
    const mounted = mountConsole(api);
    unmount = mounted.unmount;
    const { shell } = mounted;
    await until(() => shell.querySelector('.admin') !== null, 'the admin');
    expect(shell.querySelector('.admin')!.textContent!.replace(/\s+/g, ' ').trim()).to.equal('Signed in as ada Viewer');
    [...shell.querySelectorAll('header wa-button')].find((button) => button.textContent?.trim() === 'Sign out')!.dispatchEvent(new MouseEvent('click'));
    await until(() => shell.querySelector('camfa-sign-in guard-login') !== null, 'the sign-in');
    expect(shell.querySelector('nav')).to.equal(null);
    // Administrators sign in with a password (or a passkey): no login codes for the console app.
    await until(() => shell.querySelector('guard-login')!.getAttribute('methods') === 'password', 'password only');
    expect(shell.querySelector('guard-login')!.shadowRoot!.querySelector('[part="methods"]')).to.equal(null);
    expect((await log()).at(-1)).to.include({ method: 'DELETE', path: '/session' });
  });

  it('switches every string with the language picker and remembers the choice', async () => {
    const { api } = await testConsole();
    const mounted = mountConsole(api);
    unmount = mounted.unmount;
    const { shell } = mounted;
    await until(() => pageIn(shell) === 'camfa-apps-page', 'the apps page');
    const picker = shell.querySelector('wa-select')!;
    picker.value = 'ja';
    picker.dispatchEvent(new Event('change', { bubbles: true }));
    await until(() => navLink(shell, '監査') !== undefined, 'Japanese navigation');
    expect(document.documentElement.lang).to.equal('ja');
    expect(localStorage.getItem('camfa-console-lang')).to.equal('ja');
    const page = shell.querySelector('camfa-apps-page')!;
    await until(() => page.shadowRoot?.querySelector('h1')?.textContent === 'アプリ', 'the page heading in Japanese');
  });

  it('shows the sign-in, focused, when a page’s call finds the session gone', async () => {
    const { api, key } = await testConsole();
    const mounted = mountConsole(api, '/console/audit');
    unmount = mounted.unmount;
    const { shell } = mounted;
    await until(() => pageIn(shell) === 'camfa-audit-page', 'the audit page');
    // Signed out elsewhere (another tab): the cookie is gone, this client still holds its CSRF token.
    await fetch(`/__console/${key}/console/api/session`, { method: 'DELETE', headers: { 'x-csrf-token': `csrf-${key}` } });
    await api.audit().catch(() => undefined);
    await until(() => pageIn(shell) === 'camfa-sign-in', 'the sign-in');
    await until(() => deepActiveElement()?.textContent === 'Sign in to the console', 'focus on the sign-in heading');
  });

  it('works from the keyboard: the skip link leads to the content, Enter on a nav link opens its page', async () => {
    const { api } = await testConsole();
    const mounted = mountConsole(api);
    unmount = mounted.unmount;
    const { shell } = mounted;
    await until(() => pageIn(shell) === 'camfa-apps-page', 'the apps page');
    shell.querySelector<HTMLElement>('.skip')!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => document.activeElement?.id === 'content', 'focus on the content');
    navLink(shell, 'Users').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => pageIn(shell) === 'camfa-users-page', 'the users page');
    await until(() => deepActiveElement()?.textContent === 'Users', 'focus on the users heading');
  });
});
