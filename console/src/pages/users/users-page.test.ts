import { expect } from 'chai';
import { until, visibleStrings } from '../../../../src/test-support/elements.js';
import { testConsole } from '../../test-support/console-server.js';
import type { CamfaUsersPage } from './users-page.js';
import './users-page.js';

type Control = HTMLElement & { value: string; disabled: boolean };

async function mountPage(role: 'editor' | 'viewer' = 'editor') {
  const server = await testConsole({ role });
  const page = document.createElement('camfa-users-page') as CamfaUsersPage;
  page.api = server.api;
  page.session = await server.api.session();
  document.body.append(page);
  await until(() => page.shadowRoot?.querySelector('tbody') != null, 'the users');
  return { page, ...server };
}

const root = (page: CamfaUsersPage) => page.shadowRoot!;
const rows = (page: CamfaUsersPage) => [...root(page).querySelectorAll('tbody tr')].map((row) => row.querySelector('code')!.textContent);
const button = (page: CamfaUsersPage, text: string) =>
  [...root(page).querySelectorAll<Control>('wa-button')].find((candidate) => visibleStrings(candidate).join(' ').startsWith(text))!;
const click = (element: Element) => element.shadowRoot!.querySelector('button')!.click();

describe('<camfa-users-page>', () => {
  let page: CamfaUsersPage | undefined;
  afterEach(() => page?.remove());

  it('lists the first app’s users and searches them by id, username, e-mail or phone', async () => {
    ({ page } = await mountPage());
    expect(rows(page)).to.deep.equal(['bob', 'alice']);
    const search = root(page).querySelector<Control>('wa-input[type="search"]')!;
    search.value = '+4477';
    search.dispatchEvent(new Event('input'));
    await until(() => rows(page!).length === 1, 'the search');
    expect(rows(page)).to.deep.equal(['bob']);
    search.value = 'nobody';
    search.dispatchEvent(new Event('input'));
    await until(() => visibleStrings(root(page!)).includes('No users match.'), 'no match');
  });

  it('shows a user’s pending step-up with its reason, the factors, and clears the lock', async () => {
    let log;
    ({ page, log } = await mountPage());
    click(button(page, 'Details'));
    await until(() => visibleStrings(root(page!)).some((text) => text.includes('step-up pending: New country')), 'the pending step-up');
    expect(visibleStrings(root(page))).to.include.members(['Authenticator app (TOTP)', 'Recovery codes left: 10']);
    click(button(page, 'Clear lock'));
    await until(() => visibleStrings(root(page!)).includes('The pending step-up of bob was cleared.'), 'cleared');
    expect(visibleStrings(root(page)).join(' ')).to.match(/MFA status\s*:\s*verified/);
    expect((await log()).map(({ method, path }) => `${method} ${path}`)).to.include('POST /apps/shop/users/bob/mfa-status/clear');
  });

  it('disables clearing and removing for a viewer', async () => {
    ({ page } = await mountPage('viewer'));
    click(button(page, 'Details'));
    await until(() => button(page!, 'Clear lock') !== undefined && button(page!, 'Remove') !== undefined, 'the details');
    expect([button(page, 'Clear lock').disabled, button(page, 'Remove').disabled]).to.deep.equal([true, true]);
  });
});
