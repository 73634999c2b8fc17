/**
 * Issue 5, point 6: how long continuous MFA takes to reach the user, measured in the browser. The demo
 * (a real business system process) captures a risky event for a signed-in user; the clock runs in the page
 * from that request until `<guard-step-up>`'s dialog is open (capture → policy → publish → SSE → render).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './percentile.js';
import { startBackend } from '../server-mock/src/backend.js';
import { MetadataManagementClient } from '../server-mock/src/sdk/index.js';
import { demoBackendConfig } from '../demo/config.js';
import { DEMO_USERS } from '../demo/server.js';
import { freePort, launchBrowser, ROOT, signIn } from '../e2e/support.js';

const SECRET = 'latency-bench-secret-0123456789-abcdef';

/** Runs in the page. A string, not a function: tsx's compiled functions reference helpers the page lacks. */
const MEASURE = `(async () => {
  const opened = () => document.querySelector('guard-step-up')?.shadowRoot?.querySelector('dialog[open]');
  const started = performance.now();
  void fetch('/api/simulate-risk', { method: 'POST' });
  while (!opened()) await new Promise((resolve) => setTimeout(resolve, 1));
  return performance.now() - started;
})()`;

export async function modalLatency(samples: number): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const [port, backendPort] = [await freePort(), await freePort()];
  const demoUrl = `http://localhost:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-latency-'));
  const config = demoBackendConfig({ demoOrigins: [demoUrl], appSecret: SECRET });
  const backend = await startBackend({
    config: { ...config, publicUrl: `http://localhost:${backendPort}` },
    port: backendPort,
    hostname: '127.0.0.1',
    dataDir,
    logLevel: 'warn',
    databaseUrl: '',
    redisUrl: '',
  });
  const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), BACKEND_URL: backend.url, PUBLIC_BACKEND_URL: `http://localhost:${backendPort}`, DEMO_APP_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready) => demo.stdout!.on('data', (chunk: Buffer) => String(chunk).includes('sign in as') && ready()));
  const browser = await launchBrowser();
  const meta = new MetadataManagementClient({ host: backend.url, appId: config.apps![0]!.id, appSecret: SECRET });
  const alice = DEMO_USERS[0]!;
  try {
    const page = await browser.newPage();
    await page.goto(`${demoUrl}/`);
    await signIn(page, 'home');
    const times: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      await page.locator('body[data-state="dashboard"]').waitFor();
      // The page subscribes after sign-in; give the stream a moment to be live before the event.
      await page.waitForTimeout(300);
      times.push((await page.evaluate(MEASURE)) as number);
      await meta.ueba.clearUserStatus({ originalIdentity: alice.id });
      await page.reload();
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)!, samples: times.length };
  } finally {
    await browser.close();
    demo.kill('SIGTERM');
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
