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
const shown = (page: CamfaUsersPage) => visibleStrings(root(page));
const rows = (page: CamfaUsersPage) => [...root(page).querySelectorAll('tbody tr')].map((row) => row.querySelector('code')!.textContent);
/** The text as read out: whitespace collapsed. */
const said = (element: Element) => element.textContent!.replace(/\s+/g, ' ').trim();
const button = (page: CamfaUsersPage, text: string) =>
  [...root(page).querySelectorAll<Control>('wa-button')].find((candidate) => said(candidate).startsWith(text))!;
const click = (element: Element) => element.shadowRoot!.querySelector('button')!.click();
const status = (page: CamfaUsersPage) => root(page).querySelector('[role="status"]')!.textContent!.trim();
const cells = (page: CamfaUsersPage, table: string) =>
  [...root(page).querySelectorAll(`#${table} tbody tr`)].map((row) => [...row.querySelectorAll('td')].slice(1).map(said));

/** Types `text` into the search box as a user does, then presses Enter in it. */
async function searchAndEnter(page: CamfaUsersPage, text: string): Promise<void> {
  const search = root(page).querySelector<Control>('wa-input[type="search"]')!;
  search.value = text;
  search.dispatchEvent(new Event('input'));
  await page.updateComplete;
  const input = search.shadowRoot!.querySelector('input')!;
  input.focus();
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
}

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
    await until(() => shown(page!).includes('No users match.'), 'no match');
  });

  it('shows a user’s pending step-up with its reason, the factors, and clears the lock', async () => {
    let log;
    ({ page, log } = await mountPage());
    click(button(page, 'Details'));
    await until(() => shown(page!).some((text) => text.includes('step-up pending: New country')), 'the pending step-up');
    expect(shown(page)).to.include.members(['User bob', 'Authenticator app (TOTP)', 'Recovery codes left: 10', 'new-country']);
    click(button(page, 'Clear lock'));
    await until(() => status(page!) === 'The pending step-up of bob was cleared.', 'cleared');
    expect(shown(page).join(' ')).to.match(/MFA status\s*:\s*verified/);
    expect(button(page, 'Clear lock').disabled, 'nothing left to clear').to.equal(true);
    expect((await log()).map(({ method, path }) => `${method} ${path}`)).to.include('POST /apps/shop/users/bob/mfa-status/clear');
  });

  it('shows the user’s recent events and decisions, newest first', async () => {
    let log;
    ({ page, log } = await mountPage());
    click(button(page, 'Details: alice'));
    await until(() => root(page!).querySelector('#user-decisions') != null, 'the decisions');
    expect(cells(page, 'user-events')).to.deep.equal([
      ['login · success', 'London, GB 81.2.69.142 · extranet · desktop · Linux · Chrome'],
      ['login · success', 'London, GB 81.2.69.142 · extranet · desktop · Linux · Chrome'],
    ]);
    expect(cells(page, 'user-decisions')).to.deep.equal([
      ['Step-up', 'login v3 (event) · Rule new-country'],
      ['Pass', 'login v3 (event)'],
    ]);
    const history = (await log()).filter(({ path }) => /\/(events|decisions)$/.test(path));
    expect(history.map(({ path, query }) => `${path}?${query}`)).to.deep.equal([
      '/apps/shop/users/alice/events?limit=20',
      '/apps/shop/users/alice/decisions?limit=20',
    ]);
  });

  it('lists the lockouts, resets them, says what was locked, and then lists none', async () => {
    let log;
    ({ page, log } = await mountPage());
    click(button(page, 'Details: bob'));
    await until(() => root(page!).querySelector('#user-lockouts') != null, 'the lockouts');
    const locked = new Date(Date.parse('2026-01-05T10:05:00Z')).toLocaleString('en');
    expect([...root(page).querySelectorAll('#user-lockouts li')].map(said)).to.deep.equal([
      `Authenticator app (TOTP): 10 failures in a row · locked until ${locked}`,
      'Password sign-in by username: 3 failures in a row · not locked',
    ]);
    click(button(page, 'Reset lockouts'));
    await until(() => status(page!) === 'Lockouts of bob reset: Authenticator app (TOTP), Password sign-in by username.', 'reset');
    expect(shown(page)).to.include('Nothing is failing or locked.');
    expect(button(page, 'Reset lockouts').disabled, 'nothing left to reset').to.equal(true);
    const resets = (await log()).filter(({ path }) => path.endsWith('/lockouts/reset'));
    expect(resets.map(({ method, csrf }) => [method, csrf !== null])).to.deep.equal([['POST', true]]);
  });

  it('removes a factor and says which', async () => {
    let log;
    ({ page, log } = await mountPage());
    click(button(page, 'Details: bob'));
    await until(() => button(page!, 'Remove') !== undefined, 'the factors');
    click(button(page, 'Remove'));
    await until(() => status(page!) === 'Authenticator app (TOTP) of bob removed.', 'removed');
    const removals = (await log()).filter(({ method }) => method === 'DELETE');
    expect(removals.map(({ path, csrf }) => [path, csrf !== null])).to.deep.equal([['/apps/shop/users/bob/factors/f1', true]]);
  });

  it('opens a user the directory does not hold by their exact id, with Enter in the search', async () => {
    ({ page } = await mountPage());
    await searchAndEnter(page, 'carol');
    await until(() => shown(page!).includes('User carol'), 'the user opened');
    await until(() => shown(page!).includes('No events recorded.'), 'the history');
    expect(shown(page)).to.include.members(['Not in the built-in directory: the app signs this user in itself.', 'No decisions recorded.', 'Open user carol']);
    expect(shown(page).join(' ')).to.match(/MFA status\s*:\s*step-up pending: New country/);
  });

  it('shows a refusal in the alert region, translated', async () => {
    ({ page } = await mountPage());
    await searchAndEnter(page, 'bad\u0001id');
    await until(() => root(page!).querySelector('[role="alert"]')!.textContent!.trim() !== '', 'the refusal');
    expect(root(page).querySelector('[role="alert"]')!.textContent!.trim()).to.equal('An id contains characters that are not allowed.');
  });

  it('disables clearing, resetting and removing for a viewer', async () => {
    ({ page } = await mountPage('viewer'));
    click(button(page, 'Details'));
    await until(() => button(page!, 'Clear lock') !== undefined && button(page!, 'Remove') !== undefined, 'the details');
    expect([button(page, 'Clear lock').disabled, button(page, 'Reset lockouts').disabled, button(page, 'Remove').disabled]).to.deep.equal([true, true, true]);
  });
});
