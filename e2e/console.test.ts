/**
 * The admin console's acceptance, end to end: `camfa-guard serve` as its own process (temp SQLite directory, its
 * own port), administrators made by the real `camfa-guard admin create`, Chromium on `/console/`.
 *
 * 1. An editor signs in with `<guard-login>` and is stepped up (TOTP enrolled on the first sign-in, codes computed
 *    here); a viewer sees every change control disabled; the API refuses a viewer's change and a change without
 *    the CSRF token.
 * 2. An app created in the console, SMS switched off and TOTP on: the Node SDK with the secret the console showed
 *    captures and triggers against it, and the step-up offers only what is switched on.
 * 3. axe-core finds nothing on any page in light and dark; the Audit page lists the changes with before/after.
 *
 * The steps share one backend and one editor session, in order: the viewer needs an app that is not from the
 * config (those are read-only for everyone) to prove its controls are disabled by its role.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationClient, MetadataManagementClient } from '../server-mock/src/sdk/index.js';
import { BROWSER_PATHS, CONSOLE_PATHS, type MfaTriggerData } from '../server-mock/src/protocol/index.js';
import { axeViolations, consoleCredentials, firstSignIn, startConsoleBackend, type ConsoleBackend } from './console-support.js';
import { launchBrowser, screenshots } from './support.js';

/** A global workflow, so it applies to an app created at run time: a transfer steps up, asking SMS, TOTP and e-mail. */
const TRANSFER_WORKFLOW = {
  id: 'transfer',
  name: 'Transfers step up',
  modes: ['api'],
  rules: [{ id: 'every-transfer', when: "event.behaviorType == 'transfer'", then: { factors: ['sms', 'totp', 'email'] } }],
};
const BANK = { id: 'bank', name: 'Northwind Bank', origin: 'https://bank.example' };
const PAGES = ['Apps', 'Policies', 'Simulate', 'Live', 'Users', 'Audit'] as const;

let backend: ConsoleBackend;
let browser: Browser;
let consoleUrl = '';
const passwords = { editor: '', viewer: '' };

beforeAll(async () => {
  [backend, browser] = await Promise.all([
    startConsoleBackend({
      apps: [{ id: 'shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: ['https://shop.example'] }],
      policies: { documents: [{ document: TRANSFER_WORKFLOW }] },
    }),
    launchBrowser(),
  ]);
  consoleUrl = `${backend.url}/console/`;
  [passwords.editor, passwords.viewer] = await Promise.all([backend.createAdmin('olivia', 'editor'), backend.createAdmin('victor', 'viewer')]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  // Every wait is for a condition; this bounds each, well inside a test's own limit.
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** A call to `/console/api/*` (`path`) from outside the browser with an administrator's cookie (and, if given, CSRF token). */
async function consoleApi(method: string, path: string, credentials: { cookie: string; csrfToken?: string }, body?: unknown) {
  const headers: Record<string, string> = { cookie: credentials.cookie, 'content-type': 'application/json' };
  if (credentials.csrfToken) headers['x-csrf-token'] = credentials.csrfToken;
  const response = await fetch(`${backend.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json().catch(() => null)) as Record<string, unknown> };
}

const appIds = async (credentials: { cookie: string }) =>
  ((await consoleApi('GET', CONSOLE_PATHS.apps, credentials)).body.apps as { id: string }[]).map(({ id }) => id);

/** The console page `name` (its nav link), settled: its calls answered, with what it shows or its refusal. */
async function openPage(page: Page, name: (typeof PAGES)[number]): Promise<Locator> {
  await page.locator('camfa-console nav').getByRole('link', { name, exact: true }).click();
  const shown = page.locator(`camfa-${name.toLowerCase()}-page`);
  await shown.getByRole('heading', { level: 1, name }).waitFor();
  const refusal = shown.locator('[role="alert"]').filter({ hasText: /\S/ });
  const settled = async () => (await shown.getByText('Loading…').count()) === 0 || (await refusal.count()) > 0;
  await expect.poll(settled, { message: `${name} still loading` }).toBe(true);
  expect(await refusal.allTextContents(), `${name} shows a refusal`).toEqual([]);
  return shown;
}

/**
 * Sets a Web Awesome checkbox or switch from the keyboard (Space), as a keyboard user does: its drawn check mark
 * covers the native input, so a pointer click lands on the mark, not on what Playwright aims at.
 */
async function toggle(control: Locator, on: boolean): Promise<void> {
  if ((await control.isChecked()) !== on) await control.press('Space');
  await expect.poll(() => control.isChecked()).toBe(on);
}

const appCard = (page: Page, id: string) => page.locator('camfa-app-card').filter({ has: page.locator('h2 code', { hasText: new RegExp(`^${id}$`) }) });

/** The before → after of `name` in an Audit row. */
const field = (row: Locator, name: string) => row.locator(`dt:has(code:text-is("${name}")) + dd`);

let editor: { context: BrowserContext; page: Page };
let editorCredentials: { cookie: string; csrfToken: string };
let bankSecret = '';

describe('the admin console, end to end', () => {
  it('signs in an editor made by the CLI: password in <guard-login>, TOTP enrolled in the step-up, a session cookie', async () => {
    editor = await newPage();
    const { page, context } = editor;
    const shot = screenshots(page, 'console-sign-in');
    await firstSignIn(page, consoleUrl, 'olivia', passwords.editor);
    await expect.poll(() => page.locator('camfa-console > header').textContent()).toMatch(/Signed in as olivia\s*Editor/);
    await page.locator('camfa-apps-page').getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
    await shot('editor-signed-in');

    const [cookie] = await context.cookies(consoleUrl);
    expect(cookie).toMatchObject({ name: 'camfa_console', httpOnly: true, sameSite: 'Strict', path: '/console' });
    editorCredentials = await consoleCredentials(page, consoleUrl);
    // Only an mfaToken of the console's own stepped-up login starts a session.
    const forged = await consoleApi('POST', CONSOLE_PATHS.session, { cookie: '' }, { token: 'a.b.c' });
    expect(forged).toMatchObject({ status: 401, body: { code: 'console_sign_in_refused' } });
  }, 40_000);

  it("refuses an editor's change without the session's CSRF token, and changes nothing", async () => {
    const app = { id: 'sneaky', name: 'Sneaky', origins: [] };
    for (const csrfToken of [undefined, 'not-the-token']) {
      const refused = await consoleApi('POST', CONSOLE_PATHS.apps, { cookie: editorCredentials.cookie, csrfToken }, app);
      expect(refused.status).toBe(403);
      expect(refused.type).toMatch(/^application\/problem\+json/);
      expect(refused.body.code).toBe('csrf_token_invalid');
    }
    // The same session with its token gets past the check (to the body's validation here: nothing is created).
    const checked = await consoleApi('POST', CONSOLE_PATHS.apps, editorCredentials, { ...app, id: 'no spaces allowed' });
    expect(checked).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await appIds(editorCredentials)).toEqual(['shop']);
  });

  it('creates an app, shows its secret once, and its factor switches decide what the SDK’s step-up offers', async () => {
    const { page } = editor;
    const shot = screenshots(page, 'console-apps');
    const apps = page.locator('camfa-apps-page');
    await apps.getByRole('button', { name: 'Create app' }).click();
    const create = apps.locator('wa-dialog[open]');
    await create.getByRole('textbox', { name: 'App id' }).fill(BANK.id);
    await create.getByRole('textbox', { name: 'Name' }).fill(BANK.name);
    await create.getByRole('textbox', { name: 'Allowed origins' }).fill(BANK.origin);
    // Text messages only, to begin with.
    for (const factor of ['Authenticator app (TOTP)', 'E-mail', 'Passkey', 'Face', 'Recovery codes'])
      await toggle(create.getByRole('checkbox', { name: factor }), false);
    await shot('create-dialog');
    await create.getByRole('button', { name: 'Create app' }).click();

    const secretDialog = apps.locator('wa-dialog[open]', { hasText: `Secret of ${BANK.id}` });
    await secretDialog.getByText('it is shown only once').waitFor();
    bankSecret = await secretDialog.getByRole('textbox', { name: 'App secret' }).inputValue();
    expect(bankSecret.length).toBeGreaterThanOrEqual(32);
    await shot('secret-shown-once');
    await secretDialog.locator('wa-button[slot="footer"]').getByRole('button', { name: 'Close' }).click();
    // Closed once its native dialog is: Web Awesome's hide animation ends by handing the focus back.
    await expect.poll(() => apps.locator('dialog[open]').count()).toBe(0);
    expect(await apps.locator('#secret input').inputValue(), 'the secret forgotten').toBe('');
    expect(JSON.stringify((await consoleApi('GET', CONSOLE_PATHS.apps, editorCredentials)).body)).not.toContain(bankSecret);

    const sdk = bankSdk();
    expect(await offered(await sdk.trigger('nina'))).toEqual(['sms']);

    const card = appCard(page, BANK.id);
    await toggle(card.getByRole('switch', { name: 'Text message' }), false);
    await toggle(card.getByRole('switch', { name: 'Authenticator app (TOTP)' }), true);
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Saved.').waitFor();
    await shot('factors-saved');

    // At once, without a restart: the workflow asks SMS, TOTP and e-mail; the app now offers TOTP alone.
    const trigger = await sdk.trigger('nina');
    expect(trigger.factors.map(({ type }) => type)).toEqual(['totp']);
    expect(await offered(trigger)).toEqual(['totp']);
  }, 40_000);

  it('shows a viewer made by the CLI every change control disabled, and the API refuses its change', async () => {
    const viewer = await newPage();
    const { page } = viewer;
    const shot = screenshots(page, 'console-viewer');
    await firstSignIn(page, consoleUrl, 'victor', passwords.viewer);
    await expect.poll(() => page.locator('camfa-console > header').textContent()).toMatch(/Signed in as victor\s*Viewer/);
    const apps = page.locator('camfa-apps-page');
    await appCard(page, BANK.id).waitFor();
    await shot('viewer-apps');
    expect(await apps.getByRole('button', { name: 'Create app' }).isDisabled()).toBe(true);
    // The console's own app, which an editor can change: every control of its card is disabled for a viewer.
    const card = appCard(page, BANK.id);
    const controls = card.getByRole('switch').or(card.getByRole('button')).or(card.getByRole('spinbutton'));
    const states = await Promise.all((await controls.all()).map((control) => control.isDisabled()));
    expect(states.length).toBe(6 + 3 + 1);
    expect(states.every(Boolean)).toBe(true);
    for (const name of PAGES) expect(await (await openPage(page, name)).getByText('You have view-only access').count(), name).toBe(1);

    const credentials = await consoleCredentials(page, consoleUrl);
    const refused = await consoleApi('POST', CONSOLE_PATHS.apps, credentials, { id: 'viewers-app', name: 'Nope', origins: [] });
    expect(refused.status).toBe(403);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('console_role_forbidden');
    const edit = await consoleApi('PATCH', `${CONSOLE_PATHS.apps}/${BANK.id}`, credentials, { factors: ['sms'] });
    expect(edit).toMatchObject({ status: 403, body: { code: 'console_role_forbidden' } });
    expect(await appIds(credentials)).toEqual(['shop', BANK.id]);
    await viewer.context.close();
  }, 40_000);

  it('passes axe-core on every page in light and dark, and the Audit page lists each change with before → after', async () => {
    const { page } = editor;
    const shot = screenshots(page, 'console-axe');
    for (const theme of ['light', 'dark'] as const) {
      if (theme === 'dark') await toggle(page.locator('camfa-console > header').getByRole('switch', { name: 'Dark theme' }), true);
      await page.locator(`html.wa-${theme}`).waitFor({ state: 'attached' });
      for (const name of PAGES) {
        await openPage(page, name);
        expect(await axeViolations(page), `${name}, ${theme}`).toEqual([]);
        await shot(`${name.toLowerCase()}-${theme}`);
      }
    }

    const audit = await openPage(page, 'Audit');
    const rows = audit.locator('tbody tr');
    const created = rows.filter({ hasText: 'app.create' });
    const updated = rows.filter({ hasText: 'app.update' });
    expect(await created.count()).toBe(1);
    expect(await updated.count()).toBe(1);
    expect(await created.locator('td:nth-child(2)').textContent()).toBe('olivia');
    expect(await field(created, 'origins').locator('ins').textContent()).toBe(JSON.stringify([BANK.origin]));
    expect(await field(created, 'factors').locator('ins').textContent()).toBe('["sms"]');
    expect(await field(updated, 'factors').locator('del').textContent()).toBe('["sms"]');
    expect(await field(updated, 'factors').locator('ins').textContent()).toBe('["totp"]');
    expect(await audit.locator('table').textContent()).not.toContain(bankSecret);
    // Only what the console changed: the refused attempts left no trace, sign-ins are sessions.
    const actions = await rows.locator('td:nth-child(3)').allTextContents();
    expect(actions.filter((action) => !action.startsWith('session.')).sort()).toEqual(['app.create', 'app.update']);
  }, 50_000);
});

/** The Node SDK as the bank's backend configures it, with the secret the console showed once. */
function bankSdk() {
  const options = { host: backend.url, appId: BANK.id, appSecret: bankSecret, timeoutMs: 10_000, failMode: 'closed' as const };
  const meta = new MetadataManagementClient(options);
  const auth = new AuthenticationClient(options);
  return {
    /** Captures a transfer of `user`'s and runs the transfer workflow on that very event. */
    trigger: async (user: string): Promise<MfaTriggerData> => {
      const event = { originalIdentity: user, ip: '198.51.100.20', behaviorType: 'transfer', behaviorResult: 'success' };
      const captured = await meta.ueba.capture(event);
      // The same event, judged: `eventId` says it is the one captured rather than another to store.
      const trigger = await auth.mfa.triggerWorkflow({ workflowId: TRANSFER_WORKFLOW.id, metadata: { ...event, eventId: captured.id } });
      expect(trigger, 'a transfer steps up').not.toBeNull();
      return trigger!;
    },
  };
}

/** What the browser's step-up lists for `trigger` (`POST /v1/stepup/factors`), as the app's page asks it. */
async function offered(trigger: MfaTriggerData): Promise<string[]> {
  const response = await fetch(`${backend.url}${BROWSER_PATHS.stepUpFactors}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: BANK.origin },
    body: JSON.stringify({ stateToken: trigger.stateToken }),
  });
  expect(response.status).toBe(200);
  // The app's origin is one the backend lets browsers call from, as soon as the app exists.
  expect(response.headers.get('access-control-allow-origin')).toBe(BANK.origin);
  return ((await response.json()) as { factors: { type: string }[] }).factors.map(({ type }) => type);
}
