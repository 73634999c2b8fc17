/**
 * The admin console's end-to-end set-up: `camfa-guard serve` as a child process on its own port and temp SQLite
 * directory, administrators made by `camfa-guard admin create` against the same store, and the console's
 * sign-in driven in Chromium through `<guard-login>` and the step-up's TOTP enrolment.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axe from 'axe-core';
import { TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import type { ConfigInput } from '../server-mock/src/config/schema.js';
import { CONSOLE_PATHS } from '../server-mock/src/protocol/index.js';
import { FACTOR_KEYS } from '../server-mock/src/test-support/backend.js';
import { freePort, openDialog, ROOT, stopProcess } from './support.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'server-mock/cli.ts'];

/** The CI's environment minus what would decide the outcome here: its shared stores and any factor keys. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const { CAMFA_FACTOR_KEYS: _keys, CAMFA_FACTOR_PEPPER: _pepper, ...inherited } = process.env;
  return { ...inherited, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' };
}

export interface ConsoleBackend {
  /** `http://127.0.0.1:<port>`, the backend's `publicUrl` (so the console app's origin). */
  url: string;
  /** `camfa-guard admin create NAME --role ROLE` on this backend's store; the password it printed once. */
  createAdmin(name: string, role: 'editor' | 'viewer'): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `camfa-guard serve --config FILE --data DIR --port N` with `config` written to FILE (plus the port's
 * `publicUrl`, fixed factor keys, and no geo database unless `config.geo` asks for one: loading it costs a
 * start-up second that only a test reading locations needs). Resolves once it prints the console's address.
 */
export async function startConsoleBackend(config: Pick<ConfigInput, 'apps' | 'policies' | 'geo' | 'trustedProxies'>): Promise<ConsoleBackend> {
  // The backend serves the built console; without it every page is a "not built" notice and each wait times out.
  if (!existsSync(join(ROOT, 'dist/console/index.html'))) throw new Error('dist/console/ is not built: run `npm run build:console` (`npm test` builds it)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'camfa-console-e2e-'));
  const configFile = join(dir, 'camfa.json');
  const dataDir = join(dir, 'data');
  const full: ConfigInput = { geo: { provider: 'none' }, ...config, publicUrl: url, factors: FACTOR_KEYS, log: { level: 'warn' } };
  writeFileSync(configFile, JSON.stringify(full));
  const store = ['--config', configFile, '--data', dataDir];
  const child = spawn(process.execPath, [...CLI, 'serve', ...store, '--port', String(port)], {
    cwd: ROOT,
    env: isolatedEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await started(child, /console: +http/);
  return {
    url,
    createAdmin: async (name, role) => {
      const { stdout } = await run(process.execPath, [...CLI, 'admin', 'create', name, '--role', role, ...store], { cwd: ROOT, env: isolatedEnv() });
      const password = /^Password \(shown once[^)]*\): (\S+)$/m.exec(stdout)?.[1];
      if (!password) throw new Error(`admin create printed no password:\n${stdout}`);
      return password;
    },
    stop: () => stopProcess(child, dir),
  };
}

/** Waits for `ready` in the child's output; its exit or 30 s of silence fail with everything it printed. */
function started(child: ChildProcess, ready: RegExp): Promise<void> {
  const output: string[] = [];
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the backend did not start:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      if (!ready.test(output.join(''))) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the backend exited with ${code}:\n${output.join('')}`));
    });
  });
}

/**
 * Signs an administrator in at `/console/` on a first sign-in: the password in `<guard-login>`, then the
 * step-up's authenticator-app enrolment with a code computed from the secret it shows, and the recovery codes
 * acknowledged. Resolves when the console shows its navigation; returns the TOTP secret.
 */
export async function firstSignIn(page: Page, consoleUrl: string, name: string, password: string): Promise<string> {
  await page.goto(consoleUrl);
  await page.locator('camfa-sign-in guard-login input[autocomplete~="username"]').fill(name);
  const passwordField = page.locator('camfa-sign-in guard-login input[autocomplete="current-password"]');
  await passwordField.fill(password);
  await passwordField.press('Enter');
  // The console's own login workflow steps every administrator up.
  await openDialog(page).getByText('Administrators confirm every console sign-in').waitFor();
  const { secret } = await enrolTotp(page);
  await page.locator('camfa-console nav').waitFor();
  return secret;
}

/**
 * In an open step-up: picks the authenticator app, enrols it with a code computed from the secret it shows, and
 * acknowledges the recovery codes a first factor comes with (shown once). Returns the secret and those codes.
 */
export async function enrolTotp(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  await page
    .locator('guard-step-up')
    .getByRole('button', { name: /^Authenticator app/ })
    .click();
  const shownSecret = page.locator('guard-step-up [part="secret"]');
  await shownSecret.waitFor({ state: 'attached' });
  const secret = (await shownSecret.textContent())!.replace(/\s+/g, '');
  await page.locator('guard-step-up input[autocomplete="one-time-code"]').fill(totpCode(secret));
  const codes = page.locator('guard-step-up [part="recovery-codes"] li');
  await codes.first().waitFor();
  const recoveryCodes = (await codes.allTextContents()).map((code) => code.trim());
  await page.getByRole('button', { name: 'I have saved my codes' }).click();
  return { secret, recoveryCodes };
}

/** The authenticator app's code at `timestamp` (ms; default now). */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp });
}

/** The session cookie and CSRF token the browser holds, to call `/console/api/*` as that administrator from here. */
export async function consoleCredentials(page: Page, consoleUrl: string): Promise<{ cookie: string; csrfToken: string }> {
  const cookies = await page.context().cookies(consoleUrl);
  const cookie = cookies.map(({ name, value }) => `${name}=${value}`).join('; ');
  const response = await fetch(new URL(CONSOLE_PATHS.session, consoleUrl), { headers: { cookie } });
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

/**
 * axe-core over the whole page (open shadow roots included). Evaluated through the DevTools protocol, which the
 * console's CSP (`script-src 'self'`) does not govern, so the page keeps its real CSP.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // Once per document: the console navigates without reloading.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const { violations } = await (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] });
    return violations.map((violation) => `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  });
}
