import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, freePort, launchBrowser, openDialog, ROOT, screenshots, signIn, startDemoProcess, type DemoProcess } from './support.js';

const run = promisify(execFile);

let demo: DemoProcess;
let browser: Browser;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoProcess(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
  const page = await context.newPage();
  await page.goto(`${demo.demoUrl}/`);
  return { context, page };
}

describe('scenario 1: adaptive login', () => {
  it('signs in from the home country without MFA, and from a new country only after a TOTP enrolment', async () => {
    const { context, page } = await newPage();
    const shot = screenshots(page, 'scenario1');
    await shot('login-page');

    await signIn(page, 'home');
    await page.locator('body[data-state="dashboard"]').waitFor();
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    expect(await page.locator('guard-step-up').count()).toBe(0);
    await shot('home-signed-in-without-mfa');

    await page.click('#logout');
    await signIn(page, 'abroad');
    await openDialog(page).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('guard-step-up [part="reason"]').textContent()).toContain('CN');
    await shot('abroad-step-up');

    // Every factor the demo offers can be set up first; this walk-through takes the authenticator app.
    await page
      .locator('guard-step-up')
      .getByRole('button', { name: /^Authenticator app/ })
      .click();
    const secret = page.locator('guard-step-up [part="secret"]');
    await secret.waitFor({ state: 'attached' });
    await page.locator('guard-step-up [part="qr-code"]').waitFor();
    await shot('totp-enrolment');
    const code = new TOTP({ secret: (await secret.textContent())!.trim(), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    await page.locator('guard-step-up input[autocomplete="one-time-code"]').fill(code);

    await page.locator('guard-step-up [part="recovery-codes"]').waitFor();
    await shot('recovery-codes');
    await page.getByRole('button', { name: 'I have saved my codes' }).click();

    await page.locator('body[data-state="dashboard"]').waitFor();
    expect(await page.locator('#account-name').textContent()).toBe('Alice Liddell');
    await openDialog(page).waitFor({ state: 'detached' });
    await shot('abroad-signed-in-after-mfa');
    await context.close();
  }, 60_000);
});

describe('scenario 1, with a passkey', () => {
  it('a risky sign-in creates bob’s first passkey in the step-up; risky activity later is cleared with it', async () => {
    const { context, page } = await newPage();
    await addVirtualAuthenticator(context, page);
    const shot = screenshots(page, 'scenario1-passkey');
    await signIn(page, 'home', 'bob', 'builder-bob');
    await page.locator('body[data-state="dashboard"]').waitFor();
    // A risky sign-in: bob has no factor yet, so the step-up offers to create a passkey.
    await page.click('#logout');
    await signIn(page, 'abroad', 'bob', 'builder-bob');
    await openDialog(page).waitFor({ timeout: 30_000 });
    const usePasskey = async () => {
      await page
        .locator('guard-step-up')
        .getByRole('button', { name: /^Passkey or security key/ })
        .click();
      await page.locator('guard-step-up [part~="passkey-button"]').click();
    };
    await usePasskey();
    await page.locator('guard-step-up').getByText('I have saved my codes').click();
    await page.locator('body[data-state="dashboard"]').waitFor();
    await shot('created-passkey');
    // Later, risky activity on the session: the modal opens by itself and the passkey unlocks it.
    expect(await page.evaluate(() => fetch('/api/simulate-risk', { method: 'POST' }).then((response) => response.json()))).toEqual({ published: 1 });
    await openDialog(page).waitFor({ timeout: 5_000 });
    await usePasskey();
    await openDialog(page).waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    await shot('signed-in-with-passkey');
    await context.close();
  }, 60_000);
});

describe('scenarios 2 and 3: continuous MFA, refresh while locked', () => {
  it('locks the session within a second of a risky event, keeps it locked across a refresh, and unlocks after an e-mail code', async () => {
    const { context, page } = await newPage();
    const shot = screenshots(page, 'scenario2');
    await signIn(page, 'home', 'bob', 'builder-bob');
    await page.locator('body[data-state="dashboard"]').waitFor();
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    await shot('signed-in');

    // The business backend reports activity on this session from Brazil; the page does nothing itself.
    const reported = await page.evaluate(() => fetch('/api/simulate-risk', { method: 'POST' }).then((response) => response.json()));
    const started = Date.now();
    expect(reported).toEqual({ published: 1 });
    await openDialog(page).waitFor({ timeout: 1_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => page.locator('guard-step-up [part="reason"]').textContent()).toContain('BR');
    await shot('locked-modal-opened-by-itself');

    // Protected calls answer the RFC 9470 challenge while locked.
    const blocked = await page.evaluate(() =>
      fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":"x","amount":1}' }).then(async (response) => ({
        status: response.status,
        header: response.headers.get('www-authenticate'),
        body: await response.json(),
      })),
    );
    expect(blocked.status).toBe(401);
    expect(blocked.header).toContain('insufficient_user_authentication');
    expect(blocked.body.code).toBe('insufficient_user_authentication');

    // Scenario 3 (seed step 7.1): a refresh does not escape the lock.
    const shot3 = screenshots(page, 'scenario3');
    await page.reload();
    await page.locator('body[data-state="dashboard"]').waitFor();
    await openDialog(page).waitFor({ timeout: 5_000 });
    expect(await page.locator('#balance').textContent()).toBe('—');
    await shot3('still-locked-after-refresh');

    await page.locator('guard-step-up').getByText('E-mail', { exact: true }).click();
    const input = page.locator('guard-step-up input[autocomplete="one-time-code"]');
    await input.waitFor();
    let code: string | undefined;
    await expect
      .poll(async () => {
        const response = await fetch(`${demo.backendUrl}/dev/outbox`, { headers: { accept: 'application/json' } });
        const { messages } = (await response.json()) as { messages: { to: string; text: string }[] };
        code = messages.find((message) => message.to === 'bob@example.com')?.text.match(/\b(\d{6})\b/)?.[1];
        return code;
      })
      .toBeTruthy();
    await shot('email-code-screen');
    await input.fill(code!);

    // Unlocked: the modal goes and guard.fetch's retry of the blocked profile call fills the page.
    await openDialog(page).waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    await shot('unlocked');
    await page.click('#transfer-submit');
    await expect.poll(() => page.locator('#transfer-result').textContent()).toContain('Sent £25.00');
    await shot('transfer-sent');
    await context.close();
  }, 60_000);
});

describe("second path: guard-login against camfa-guard's own directory", () => {
  it('signs a directory user in with the element alone', async () => {
    const { context, page } = await newPage();
    const shot = screenshots(page, 'directory');
    await page.click('a[href="/directory.html"]');
    await page.locator('guard-login input[autocomplete~="username"]').fill('carol');
    await page.locator('guard-login input[autocomplete="current-password"]').fill('looking-glass');
    await shot('directory-login');
    await page.locator('guard-login input[autocomplete="current-password"]').press('Enter');
    await expect.poll(() => page.locator('#signed-in').textContent(), { timeout: 15_000 }).toBe('Signed in as carol (token received).');
    await shot('directory-signed-in');
    await context.close();
  }, 60_000);
});

describe('npm start', () => {
  it('refuses in one line, naming the setting, when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    const port = (taken.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'camfa-e2e-'));
    try {
      const refusal = await run(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: '',
          REDIS_URL: '',
          PORT: String(port),
          BACKEND_PORT: String(await freePort()),
          DEMO_DATA_DIR: dataDir,
          LOG_LEVEL: 'error',
        },
      }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(refusal?.code).toBe(1);
      expect(refusal?.stderr).toBe(`npm start: port ${port} on 127.0.0.1 is in use: choose another with PORT\n`);
    } finally {
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
