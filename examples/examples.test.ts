// The framework examples, built from the npm registry and driven in Chromium: each mounts <guard-login>,
// signs in with a password, passes the step-up (TOTP enrolment) and shows "Signed in as …".
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchBrowser, screenshots } from '../e2e/support.js';
import { startTestBackend, type TestBackend } from '../server-mock/src/test-support/backend.js';

const EXAMPLES = resolve(import.meta.dirname);
/** Each framework's folder and where its build writes the static files. */
const FRAMEWORKS = [
  { name: 'react', output: 'dist' },
  { name: 'vue', output: 'dist' },
  { name: 'angular', output: 'dist/browser' },
] as const;
const APP = { id: 'examples', secret: 'examples-secret-0123456789-abcdefghijklmnop' };
// Asynchronous: a blocked event loop would leave the backend's idle keep-alive sockets to be reset under fetch.
const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.ico': 'image/x-icon' };

/** `/<framework>/…` → that example's built files; anything without an extension → its index.html. */
function staticServer(): Server {
  return createServer((request, response) => {
    const [, name, ...rest] = new URL(request.url ?? '/', 'http://x').pathname.split('/');
    const framework = FRAMEWORKS.find((candidate) => candidate.name === name);
    if (!framework) return void response.writeHead(404).end();
    const root = join(EXAMPLES, framework.name, framework.output);
    let file = normalize(join(root, ...rest));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
}

let backend: TestBackend;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  server = staticServer();
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  backend = await startTestBackend({
    config: {
      apps: [{ ...APP, origins: [origin] }],
      // Every login from outside 10.0.0.0/8 (the browser comes from 127.0.0.1) steps up with TOTP.
      policies: {
        documents: [{ document: { id: 'login', name: 'Login', modes: ['api'], uses: [{ template: 'extranet', params: { factors: ['totp'] } }] } }],
      },
    },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await backend?.close();
  await new Promise((closed) => server?.close(closed));
});

describe.each(FRAMEWORKS)('examples/$name', ({ name }) => {
  it('builds from the npm registry, signs in through guard-login and a TOTP step-up', async () => {
    const folder = join(EXAMPLES, name);
    const started = Date.now();
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: folder });
    await run('npm', ['run', 'build'], { cwd: folder, env: { ...process.env, NG_CLI_ANALYTICS: 'false' } });
    console.log(`examples/${name}: install + build in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const username = `${name}-user`;
    const created = await fetch(`${backend.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: backend.basicAuth(APP) },
      body: JSON.stringify({ originalIdentity: username, username, email: `${username}@example.com`, password: PASSWORD }),
    });
    expect(created.status).toBe(201);

    const context = await browser.newContext();
    const page = await context.newPage();
    const shot = screenshots(page, `examples-${name}`);
    await page.goto(`${origin}/${name}/?${new URLSearchParams({ appId: APP.id, host: backend.url })}`);
    const login = page.locator('guard-login');
    await login.locator('input[autocomplete~="username"]').fill(username);
    await login.locator('input[autocomplete="current-password"]').fill(PASSWORD);
    await shot('login');
    await login.locator('button[type="submit"]').click();

    const stepUp = page.locator('guard-step-up');
    await stepUp.locator('dialog[open]').waitFor({ timeout: 10_000 });
    await shot('step-up');
    await stepUp.getByText('Set up now').click();
    const secret = stepUp.locator('[part="secret"]');
    await secret.waitFor({ state: 'attached' });
    await stepUp.locator('[part="qr-code"]').waitFor();
    await shot('totp-enrolment');
    const code = new TOTP({ secret: (await secret.textContent())!.trim(), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    await stepUp.locator('input[autocomplete="one-time-code"]').fill(code);
    await stepUp.locator('[part="recovery-codes"]').waitFor();
    await shot('recovery-codes');
    await page.getByRole('button', { name: 'I have saved my codes' }).click();

    await expect.poll(() => page.locator('#signed-in').textContent(), { timeout: 10_000 }).toBe(`Signed in as ${username}`);
    await shot('signed-in');
    await context.close();
  }, 180_000);
});
