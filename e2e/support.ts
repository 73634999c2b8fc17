import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs';

export const ROOT = resolve(import.meta.dirname, '..');
export const SCREENSHOTS = join(ROOT, 'test-results', 'e2e');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface DemoProcess {
  demoUrl: string;
  backendUrl: string;
  output: string[];
  stop(): Promise<void>;
}

/**
 * `demo/start.ts` as `npm start` runs it: backend + demo as a child process, on free ports, in a temp data dir.
 * A port found free can be taken by a parallel test file before the child binds it: then it starts again on others.
 */
export async function startDemoProcess(attempts = 3): Promise<DemoProcess> {
  const [port, backendPort] = [await freePort(), await freePort()];
  try {
    return await spawnDemo(port, backendPort);
  } catch (error) {
    if (attempts > 1 && /is in use/.test(String(error))) return startDemoProcess(attempts - 1);
    throw error;
  }
}

async function spawnDemo(port: number, backendPort: number): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
    cwd: ROOT,
    // The test decides the store: never the CI's DATABASE_URL / REDIS_URL, whose data outlives the run.
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', PORT: String(port), BACKEND_PORT: String(backendPort), DEMO_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo did not start:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      if (output.join('').includes('sign in as')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      fail(new Error(`demo exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    demoUrl: `http://localhost:${port}`,
    backendUrl: `http://127.0.0.1:${backendPort}`,
    output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const CDN = join(ROOT, 'dist/cdn');
const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8' };

/**
 * The strict CSP the README recommends, with what the face chunk adds: `'wasm-unsafe-eval'` to compile tfjs'
 * WebAssembly. Backends in these tests listen on loopback ports chosen at run time.
 */
const CDN_PAGE_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self' http://127.0.0.1:* http://localhost:*; frame-ancestors 'none'";

/**
 * The page a business system would serve on `http://127.0.0.1:<port>/`: the CDN build of camfa-guard
 * (`guard.iife.js`, its chunks) and nothing else; the test drives `GuardFactory` from there.
 */
export async function serveCdnPage(port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    if (request.url === '/') {
      const page = '<!doctype html><html lang="en"><meta charset="utf-8"><title>camfa-guard</title><script src="/guard.iife.js"></script><body></body></html>';
      return void response.writeHead(200, { 'content-type': CONTENT_TYPES['.html'], 'content-security-policy': CDN_PAGE_CSP }).end(page);
    }
    const path = join(CDN, (request.url ?? '').replace(/\?.*$/, ''));
    if (!path.startsWith(`${CDN}/`) || !existsSync(path)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((closed) => server.close(() => closed())) };
}

/**
 * Chromium's DevTools virtual authenticator on `page`, standing in for a device's screen lock: CTAP2, built in,
 * resident keys, user verification that always succeeds, presence confirmed without a prompt.
 */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** `extraArgs`: e.g. the fake camera flags of the face test. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Saves `test-results/e2e/<scenario>-<nn>-<step>.png` (git-ignored): one per step, for reviewers. */
export function screenshots(page: Page, scenario: string): (step: string) => Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  let index = 0;
  return async (step) => {
    index += 1;
    await page.screenshot({ path: join(SCREENSHOTS, `${scenario}-${String(index).padStart(2, '0')}-${step}.png`), fullPage: true });
  };
}

export async function signIn(page: Page, location: 'home' | 'abroad', login = 'alice', password = 'wonderland'): Promise<void> {
  await page.locator('body[data-state="login"]').waitFor();
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.check(`input[name="location"][value="${location}"]`);
  await page.click('#login-submit');
}

/** The step-up modal's native dialog, open. */
export const openDialog = (page: Page) => page.locator('guard-step-up dialog[open]');

/** Ends a child process this test started (SIGTERM, then its exit) and removes its temp directory. */
export async function stopProcess(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Debian's nginx (`.ci/run` installs it). */
export const NGINX = '/usr/sbin/nginx';

/**
 * nginx in the foreground with `server` (one `server {}` block) and its own prefix, pid, logs and temp paths: the
 * Debian package's service plays no part. Resolves once `url + readyPath` answers 2xx.
 */
export async function runNginx(server: string, url: string, readyPath: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'camfa-nginx-'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(dir, kind)};`);
  const conf = join(dir, 'nginx.conf');
  // One process (no workers switching user), so the temp directories made here are writable.
  writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  ${temp.join('\n  ')}\n${server}}\n`,
  );
  const child: ChildProcess = spawn(NGINX, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => output.push(String(chunk)));
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output.join('')}`);
    const ready = await fetch(`${url}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 100) throw new Error(`nginx did not answer:\n${output.join('')}`);
    await new Promise((retry) => setTimeout(retry, 100));
  }
  return { url, stop: () => stopProcess(child, dir) };
}
