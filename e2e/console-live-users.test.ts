/**
 * The console's Live and Users pages against a business system, end to end (issue 12, acceptance point 4):
 * `camfa-guard serve` as its own process, an editor made by `camfa-guard admin create` signed in through
 * Chromium, the Node SDK configured with an app's id and secret, and an express API behind the SDK's
 * `mfaAuthMiddleware`.
 *
 * 1. The Live page shows an event the SDK captured within 1 s of the capture call returning.
 * 2. A transfer the app's event-mode workflow steps up leaves the user's step-up pending: that is the lock the
 *    middleware enforces (401 with the step-up challenge on every request). The Users page shows the pending
 *    step-up and why, the user's recent events and decisions; "Clear lock" ends it, the translated notice says so,
 *    and the middleware lets the next request through.
 * 3. Wrong passwords lock a directory user's sign-in; the Users page lists that lockout, "Reset lockouts" clears
 *    it and the right password signs in again.
 *
 * The steps share one backend and one editor session, in order: the Users page opens the user the Live page saw.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_PATHS } from '../server-mock/src/protocol/index.js';
import { MetadataManagementClient, mfaAuthMiddleware } from '../server-mock/src/sdk/index.js';
import { axeViolations, firstSignIn, startConsoleBackend, type ConsoleBackend } from './console-support.js';
import { launchBrowser, screenshots } from './support.js';

const SHOP = { id: 'shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: ['https://shop.example'] };
const REVIEW_MESSAGE = 'Transfers are confirmed with a second factor';
/** Judged on every captured event of every app: a transfer steps up, anything else passes. */
const TRANSFER_REVIEW = {
  id: 'transfer-review',
  name: 'Transfers step up',
  modes: ['event'],
  rules: [{ id: 'every-transfer', when: "event.behaviorType == 'transfer'", then: { factors: ['totp'], message: REVIEW_MESSAGE } }],
};
/** The capture's answer to the row on screen: well inside the 1 s the issue allows under load. */
const LIVE_WITHIN_MS = 1000;

let backend: ConsoleBackend;
let browser: Browser;
let consoleUrl = '';
let editorPassword = '';
let editor: { context: BrowserContext; page: Page };
let meta: MetadataManagementClient;
let businessApi: { call(user: string): Promise<{ status: number; body: Record<string, unknown> | string }>; close(): Promise<void> };

beforeAll(async () => {
  [backend, browser] = await Promise.all([startConsoleBackend({ apps: [SHOP], policies: { documents: [{ document: TRANSFER_REVIEW }] } }), launchBrowser()]);
  consoleUrl = `${backend.url}/console/`;
  editorPassword = await backend.createAdmin('olivia', 'editor');
  // The shop's backend: the SDK with the app's id and secret, as its own configuration would have them.
  meta = new MetadataManagementClient({ host: backend.url, appId: SHOP.id, appSecret: SHOP.secret, timeoutMs: 10_000, failMode: 'closed' });
  businessApi = await startBusinessApi(meta);
}, 60_000);

afterAll(async () => {
  await businessApi?.close();
  await browser?.close();
  await backend?.stop();
});

/** An express API guarded by the SDK's middleware, the user named by a header. */
async function startBusinessApi(client: MetadataManagementClient): Promise<typeof businessApi> {
  const app = express();
  app.get('/api/orders', mfaAuthMiddleware({ client, getUserId: (req) => req.header('x-user') }), (_req, res) => void res.json({ orders: [] }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    call: async (user) => {
      const response = await fetch(`${base}/api/orders`, { headers: { 'x-user': user } });
      const text = await response.text();
      return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A behaviour of `user` at the shop, captured as the shop's backend does; resolves when the capture call returns. */
const capture = (user: string, behaviorType: string) =>
  meta.ueba.capture({
    originalIdentity: user,
    ip: '198.51.100.20',
    ua: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
    behaviorType,
    behaviorResult: 'success',
  });

/** The console page `name` from its nav link, once its heading shows. */
async function openPage(page: Page, name: 'Live' | 'Users'): Promise<Locator> {
  await page.locator('camfa-console nav').getByRole('link', { name, exact: true }).click();
  const shown = page.locator(`camfa-${name.toLowerCase()}-page`);
  await shown.getByRole('heading', { level: 1, name }).waitFor();
  return shown;
}

/** The Users page with `user` opened by typing the exact id in the search and pressing Enter. */
async function openUser(users: Locator, user: string): Promise<Locator> {
  await users.locator('table').or(users.getByText('No users match.')).first().waitFor();
  const search = users.getByRole('searchbox', { name: 'Search users' });
  await search.fill(user);
  await search.press('Enter');
  const details = users.locator('section[aria-labelledby="selected"]');
  await details.getByRole('heading', { level: 2, name: `User ${user}` }).waitFor();
  // Loaded once the history is: it is fetched with the status and factors.
  await details.locator('#user-decisions, :text("No decisions recorded.")').first().waitFor();
  return details;
}

/** The CSS transitions and animations running in the page, shadow trees included. */
const runningAnimations = (page: Page) =>
  page.evaluate(() => {
    const roots: (Document | ShadowRoot)[] = [document];
    for (let index = 0; index < roots.length; index += 1)
      for (const element of Array.from(roots[index]!.querySelectorAll('*'))) if (element.shadowRoot) roots.push(element.shadowRoot);
    return roots.flatMap((root) => root.getAnimations()).filter((animation) => animation.playState === 'running').length;
  });
// The page's own regions: each Web Awesome badge in a table is a status region of its own.
const statusRegion = (page: Locator) => page.locator('div[role="status"]');
const alertRegion = (page: Locator) => page.locator('div[role="alert"]');
const cells = async (rows: Locator) =>
  Promise.all((await rows.all()).map(async (row) => (await row.locator('td').allInnerTexts()).slice(1).map((text) => text.replace(/\s+/g, ' ').trim())));

describe('the Live and Users pages, end to end', () => {
  it('shows an event the SDK captured on the Live page within 1 s of the capture returning', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.setDefaultTimeout(15_000);
    editor = { context, page: await context.newPage() };
    const { page } = editor;
    const shot = screenshots(page, 'console-live');
    await firstSignIn(page, consoleUrl, 'olivia', editorPassword);
    const live = await openPage(page, 'Live');
    // Only what is stored once the stream is open is sent: capture after it is.
    await live.getByText('Connected', { exact: true }).waitFor();

    const captured = await capture('nina', 'login');
    const returned = performance.now();
    const row = live.locator('#live-table tr[data-kind="ueba"]').filter({ has: page.locator('td:nth-child(4)', { hasText: /^nina$/ }) });
    await row.waitFor({ timeout: 5000 });
    const elapsed = performance.now() - returned;
    expect(elapsed, `the row showed ${Math.round(elapsed)} ms after the capture returned`).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    expect(captured.published, 'a login is no transfer: nothing to step up').toEqual([]);
    expect(await row.count()).toBe(1);
    expect(await row.locator('td:nth-child(3)').textContent()).toBe(SHOP.id);
    expect(await row.locator('td:nth-child(2)').textContent()).toContain('login');
    await shot('event-shown');
  }, 120_000);

  it("shows the user's pending step-up, events and decisions on the Users page; clearing the lock lets the middleware pass the next request", async () => {
    const { page } = editor;
    const shot = screenshots(page, 'console-users');
    expect((await businessApi.call('nina')).status, 'nothing pending yet').toBe(200);
    const transfer = await capture('nina', 'transfer');
    expect(transfer.published.map(({ type }) => type)).toEqual(['security.mfa']);
    const refused = await businessApi.call('nina');
    expect(refused.status, 'the middleware holds the user to the pending step-up').toBe(401);
    expect(refused.body).toMatchObject({
      code: 'insufficient_user_authentication',
      trigger: { reason: { ruleId: 'every-transfer', message: REVIEW_MESSAGE } },
    });

    const users = await openPage(page, 'Users');
    expect(await users.locator('wa-select').evaluate((select) => (select as HTMLSelectElement).value)).toBe(SHOP.id);
    const details = await openUser(users, 'nina');
    const pending = (await details.locator('section[aria-labelledby="status"] p').innerText()).replace(/\s+/g, ' ');
    expect(pending).toMatch(new RegExp(`^MFA status: step-up pending: ${REVIEW_MESSAGE} \\(Rule every-transfer · Workflow transfer-review · until \\S.*\\)$`));
    expect(await details.getByText('Not in the built-in directory').count(), 'the shop signs nina in itself').toBe(1);
    // Newest first: the transfer, then the login the Live page showed.
    expect(await cells(details.locator('#user-events tbody tr'))).toEqual([
      [expect.stringMatching(/^transfer · success\b/), expect.stringContaining('198.51.100.20')],
      [expect.stringMatching(/^login · success\b/), expect.stringContaining('198.51.100.20')],
    ]);
    expect(await cells(details.locator('#user-decisions tbody tr'))).toEqual([
      ['Step-up', 'transfer-review v1 (event) · Rule every-transfer'],
      ['Pass', 'transfer-review v1 (event)'],
    ]);
    expect(await axeViolations(page), 'the Users page with a user open, light').toEqual([]);
    const dark = page.locator('camfa-console > header').getByRole('switch', { name: 'Dark theme' });
    await dark.press('Space');
    await page.locator('html.wa-dark').waitFor({ state: 'attached' });
    // The form controls fade to their dark colours: axe measures contrast once they are there.
    await expect.poll(() => runningAnimations(page)).toBe(0);
    expect(await axeViolations(page), 'the Users page with a user open, dark').toEqual([]);
    await shot('pending-step-up');

    // By keyboard: focus on the button, Enter.
    const clear = details.getByRole('button', { name: 'Clear lock' });
    await clear.focus();
    await clear.press('Enter');
    await expect.poll(() => statusRegion(users).textContent()).toBe('The pending step-up of nina was cleared.');
    expect(await alertRegion(users).textContent()).toBe('');
    await expect.poll(() => details.textContent()).toMatch(/MFA status:\s*verified/);
    await shot('lock-cleared');
    expect(await businessApi.call('nina')).toEqual({ status: 200, body: { orders: [] } });
  }, 120_000);

  it("resets a directory user's locked sign-in on the Users page, and the right password signs in again", async () => {
    const { page } = editor;
    await meta.users.create({ originalIdentity: 'omar', username: 'omar', password: 'omar-password-123' });
    // Wrong passwords until the sign-in under that name locks; then even the right one is refused.
    let answer = await signInAtShop('omar', 'wrong-password-000');
    for (let attempt = 1; attempt < 50 && answer.code !== 'locked'; attempt += 1) answer = await signInAtShop('omar', 'wrong-password-000');
    expect(answer.code).toBe('locked');
    expect((await signInAtShop('omar', 'omar-password-123')).code).toBe('locked');

    const users = await openPage(page, 'Users');
    // Still the page opened before omar existed, so its list lacks him: opening him by id asks the directory anew.
    const details = await openUser(users, 'omar');
    expect(await details.getByText('Not in the built-in directory').count()).toBe(0);
    const lockouts = details.locator('#user-lockouts li');
    expect((await lockouts.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Password sign-in by username: 10 failures in a row · locked until \S/),
    ]);
    await details.getByRole('button', { name: 'Reset lockouts' }).click();
    await expect.poll(() => statusRegion(users).textContent()).toBe('Lockouts of omar reset: Password sign-in by username.');
    await details.getByText('Nothing is failing or locked.').waitFor();
    expect((await signInAtShop('omar', 'omar-password-123')).status).toBe(200);
  }, 120_000);
});

/** The shop's password sign-in (`POST /v1/login`), as its login page's `<guard-login>` calls it. */
async function signInAtShop(login: string, password: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${backend.url}${BROWSER_PATHS.login}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SHOP.origins[0]! },
    body: JSON.stringify({ appId: SHOP.id, login, password }),
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: body.code };
}
