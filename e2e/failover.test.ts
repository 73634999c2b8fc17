/**
 * Scenario 4 (seed step 7.2): the reference backend dies. The demo keeps serving what it marked
 * `failMode: 'open'` (the profile) and refuses what it marked `'closed'` (payments), both visible on the page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBackendConfig } from '../demo/config.js';
import { freePort, launchBrowser, ROOT, screenshots, signIn } from './support.js';

const SECRET = 'failover-demo-secret-0123456789-abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'camfa-failover-'));
let browser: Browser;
let backend: ChildProcess;
let demo: ChildProcess;
let demoUrl = '';

/** Spawns a node process and resolves once its output contains `ready`. */
function start(args: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
}

beforeAll(async () => {
  const [port, backendPort] = [await freePort(), await freePort()];
  demoUrl = `http://localhost:${port}`;
  const configFile = join(dataDir, 'backend.json');
  const config = demoBackendConfig({ demoOrigins: [demoUrl, `http://127.0.0.1:${port}`], appSecret: SECRET });
  writeFileSync(configFile, JSON.stringify({ ...config, publicUrl: `http://localhost:${backendPort}`, log: { level: 'info' } }));
  backend = await start(['server-mock/cli.ts', 'serve', '--config', configFile, '--data', dataDir, '--port', String(backendPort)], {}, 'listening');
  demo = await start(
    ['demo/start.ts'],
    { PORT: String(port), BACKEND_URL: `http://127.0.0.1:${backendPort}`, PUBLIC_BACKEND_URL: `http://localhost:${backendPort}`, DEMO_APP_SECRET: SECRET },
    'sign in as',
  );
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  for (const child of [demo, backend]) if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scenario 4: the backend is down', () => {
  it('keeps the fail-open profile working and refuses the fail-closed payment, visibly', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    const page = await context.newPage();
    const shot = screenshots(page, 'scenario4');
    await page.goto(`${demoUrl}/`);
    await signIn(page, 'home');
    await page.locator('body[data-state="dashboard"]').waitFor();
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    await shot('signed-in');

    const exited = new Promise((resolve) => backend.once('exit', resolve));
    backend.kill('SIGKILL');
    await exited;

    await page.reload();
    await page.locator('body[data-state="dashboard"]').waitFor();
    await expect.poll(() => page.locator('#balance').textContent()).toMatch(/£/);
    await expect.poll(() => page.locator('#profile-status').textContent()).toContain('sort code');
    await shot('profile-still-served-fail-open');

    await page.fill('#transfer-form [name="to"]', 'Mad Hatter');
    await page.fill('#transfer-form [name="amount"]', '25');
    await page.click('#transfer-submit');
    await expect.poll(() => page.locator('#transfer-result').textContent(), { timeout: 10_000 }).toMatch(/cannot be checked/i);
    expect(await page.locator('#transfer-result').textContent()).not.toMatch(/^Sent/);
    await shot('payment-refused-fail-closed');
    await context.close();
  }, 90_000);
});
