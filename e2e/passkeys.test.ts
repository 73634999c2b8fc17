/**
 * Passkeys end to end in Chromium, with the DevTools protocol's virtual authenticator (CTAP2, internal
 * transport, resident keys, user verification): registration through guard-step-up's enrolment, a step-up
 * and a passwordless login with the passkey, and the refusals: a signature counter that went backwards,
 * another RP ID, another origin, and a challenge answered twice.
 *
 * The page is the CDN build (`dist/cdn`, `npm test` builds it first) opened as http://localhost (a secure
 * context). Backends B and C share backend A's data directory (same keys, same passkeys and challenges) but
 * expect another RP ID and another origin; the browser's real answers are sent to them instead of to A.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../server-mock/src/backend.js';
import type { ConfigInput } from '../server-mock/src/config/schema.js';
import type { MfaTriggerData } from '../server-mock/src/protocol/index.js';
import { addVirtualAuthenticator, freePort, launchBrowser, openDialog, screenshots, serveCdnPage } from './support.js';

const APP = { id: 'bank', name: 'Passkey Bank', secret: 'passkey-bank-secret-0123456789-abcdef' };
const FACTORS = { keys: `k1:${Buffer.alloc(32, 3).toString('base64')}`, pepper: Buffer.alloc(32, 5).toString('base64') };
const USER = 'pia';

const dataDir = mkdtempSync(join(tmpdir(), 'camfa-passkeys-'));
const runningBackends: RunningBackend[] = [];
let site: Awaited<ReturnType<typeof serveCdnPage>> | undefined;
let pageUrl = '';
/** A: the app as configured; B: expects another RP ID; C: expects another origin. */
const backends = { a: '', b: '', c: '' };
let browser: Browser;

/**
 * A backend in this process (lighter than a child process: the suite runs beside others on two cores), on
 * the shared data directory, never on the CI's DATABASE_URL / REDIS_URL.
 */
async function startPasskeyBackend(webauthn: ConfigInput['apps'][number]['webauthn'], port: number): Promise<string> {
  const running = await startBackend({
    port,
    hostname: '127.0.0.1',
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    logLevel: 'warn',
    config: {
      publicUrl: `http://127.0.0.1:${port}`,
      factors: FACTORS,
      apps: [{ ...APP, origins: [pageUrl], ...(webauthn ? { webauthn } : {}) }],
    },
  });
  runningBackends.push(running);
  return running.url;
}

beforeAll(async () => {
  const [pagePort, a, b, c] = [await freePort(), await freePort(), await freePort(), await freePort()];
  pageUrl = `http://localhost:${pagePort}`;
  // A first: it creates the schema and the shared secrets the others then read.
  backends.a = await startPasskeyBackend(undefined, a);
  backends.b = await startPasskeyBackend({ rpId: 'elsewhere.example' }, b);
  backends.c = await startPasskeyBackend({ rpId: 'localhost', origins: ['http://localhost:1'] }, c);
  [site, browser] = await Promise.all([serveCdnPage(pagePort), launchBrowser()]);
  await backend('POST', '/v1/users', { originalIdentity: USER, username: USER });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  for (const running of runningBackends) await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A call to backend A (or `base`) with the app's credentials. */
async function backend<T = Record<string, unknown>>(method: string, path: string, body?: unknown, base = backends.a) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as T & { code?: string } };
}

const startStepUp = async () => (await backend<MfaTriggerData>('POST', '/v1/stepup', { originalIdentity: USER, factors: ['webauthn', 'recovery_code'] })).body;

let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId = '';

/** Opens the step-up for a new trigger; `window.stepUp` settles with the mfaToken (or the error code). */
async function openStepUp(): Promise<MfaTriggerData> {
  const trigger = await startStepUp();
  await page.evaluate(
    // Not awaited here (evaluate would wait for the whole step-up): stepUpResult() collects it.
    `void (window.stepUp = window.guard.startMfa(${JSON.stringify(trigger)}, { cancellable: true }).then((token) => ({ token }), (error) => ({ error: error.code })))`,
  );
  await openDialog(page).waitFor();
  await page
    .locator('guard-step-up')
    .getByRole('button', { name: /^Passkey or security key/ })
    .click();
  return trigger;
}

const stepUpResult = () => page.evaluate('window.stepUp') as Promise<{ token?: string; error?: string }>;
const errorText = () => page.locator('guard-step-up [part="error"]').textContent();

/** Sends the next passkey verify request of the page to `base` instead of backend A, and returns its body. */
async function rerouteVerify(base: string): Promise<() => unknown> {
  let body: unknown;
  await page.route('**/v1/stepup/webauthn/authenticate/verify', async (route) => {
    body = route.request().postDataJSON();
    const response = await route.fetch({ url: `${base}/v1/stepup/webauthn/authenticate/verify` });
    await route.fulfill({ response });
  });
  return () => body;
}

describe('passkeys in Chromium (virtual authenticator)', () => {
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    ({ cdp, authenticatorId } = await addVirtualAuthenticator(context, page));
    // localhost rather than the server's 127.0.0.1: an IP address cannot be a WebAuthn RP ID.
    await page.goto(`${pageUrl}/`);
    await page.evaluate(`window.guard = new GuardFactory.Guard({ appId: '${APP.id}', host: '${backends.a}', lang: 'en' })`);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('registers a passkey through the step-up’s enrolment, which ends the step-up (amr hwk or swk)', async () => {
    const shot = screenshots(page, 'passkeys');
    await openStepUp();
    await page.locator('guard-step-up').getByRole('button', { name: 'Create a passkey' }).click();
    await page.locator('guard-step-up [part="recovery-codes"]').waitFor();
    await shot('registered-recovery-codes');
    await page.getByRole('button', { name: 'I have saved my codes' }).click();
    const { token } = await stepUpResult();
    const exchanged = await backend<{ status: boolean; data: { amr: string[]; extra: { factor: string } } }>('POST', '/v1/tokens/exchange', {
      mfaToken: token,
    });
    expect(exchanged.body.status).toBe(true);
    expect(exchanged.body.data.amr).toEqual(expect.arrayContaining(['mfa']));
    expect(exchanged.body.data.amr.filter((method) => method === 'hwk' || method === 'swk')).toHaveLength(1);
    expect(exchanged.body.data.extra.factor).toBe('webauthn');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    const { body } = await backend<{ factors: { type: string; name: string; deviceType: string }[] }>('GET', `/v1/users/${USER}/factors`);
    expect(body.factors).toEqual([expect.objectContaining({ type: 'webauthn', deviceType: expect.stringMatching(/^(singleDevice|multiDevice)$/) })]);
  }, 60_000);

  it('steps up with the passkey; the same answer sent again is refused as a used challenge', async () => {
    await openStepUp();
    const sent = await rerouteVerify(backends.a);
    await page.locator('guard-step-up').getByRole('button', { name: 'Use your passkey' }).click();
    const { token } = await stepUpResult();
    await page.unroute('**/v1/stepup/webauthn/authenticate/verify');
    const exchanged = await backend<{ status: boolean; data: { amr: string[] } }>('POST', '/v1/tokens/exchange', { mfaToken: token });
    expect(exchanged.body.data.amr.some((method) => method === 'hwk' || method === 'swk')).toBe(true);

    // Replayed behind a fresh stateToken, so only the challenge can refuse it.
    const replayed = await backend('POST', '/v1/stepup/webauthn/authenticate/verify', { ...(sent() as object), stateToken: (await startStepUp()).stateToken });
    expect([replayed.status, replayed.body.code]).toEqual([409, 'challenge_used']);
  }, 60_000);

  it('a backend expecting another RP ID, or another origin, refuses the real assertion; the user then succeeds on the right one', async () => {
    const shot = screenshots(page, 'passkeys-refusals');
    await openStepUp();
    const use = page.locator('guard-step-up').getByRole('button', { name: 'Use your passkey' });

    await rerouteVerify(backends.b);
    await use.click();
    await expect.poll(errorText).toBe('This passkey belongs to another website.');
    await shot('rp-id-refused');
    await page.unroute('**/v1/stepup/webauthn/authenticate/verify');

    await rerouteVerify(backends.c);
    await use.click();
    await expect.poll(errorText).toBe('This passkey cannot be used on this website.');
    await shot('origin-refused');
    await page.unroute('**/v1/stepup/webauthn/authenticate/verify');

    await use.click();
    expect((await stepUpResult()).token).toBeTruthy();
  }, 60_000);

  /** Runs `guard.start()` into the page; `signedIn()` settles with its result, `verifyBody()` is what the page sent. */
  async function startLogin(): Promise<{ signedIn: () => Promise<{ user: { originalIdentity: string }; token: string }>; verifyBody: () => unknown }> {
    let body: unknown;
    await page.unroute('**/v1/login/passkey/verify');
    await page.route('**/v1/login/passkey/verify', async (route) => {
      body = route.request().postDataJSON();
      await route.continue();
    });
    await page.evaluate(`void (window.signIn = window.guard.start(document.body).then((result) => result, (error) => ({ error: error.code })))`);
    await page.locator('guard-login input[name="username"]').waitFor();
    return { signedIn: () => page.evaluate('window.signIn') as never, verifyBody: () => body };
  }

  async function expectSignedIn(result: { user: { originalIdentity: string }; token: string }) {
    expect(result.user.originalIdentity).toBe(USER);
    const exchanged = await backend<{ status: boolean; data: { amr: string[]; originalIdentity: string } }>('POST', '/v1/tokens/exchange', {
      mfaToken: result.token,
    });
    expect(exchanged.body.data.originalIdentity).toBe(USER);
    expect(exchanged.body.data.amr.some((method) => method === 'hwk' || method === 'swk')).toBe(true);
  }

  it('signs in from the browser’s passkey autofill (conditional UI) with the discoverable passkey; the same answer again is refused', async () => {
    const login = await startLogin();
    expect(await page.locator('guard-login input[name="username"]').getAttribute('autocomplete')).toBe('username webauthn');
    // No click: the autofill request started after the first render, and the virtual authenticator answers it.
    await expectSignedIn(await login.signedIn());
    const replayed = await fetch(`${backends.a}/v1/login/passkey/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(login.verifyBody()),
    });
    expect([replayed.status, ((await replayed.json()) as { code: string }).code]).toEqual([409, 'challenge_used']);
  }, 60_000);

  it('signs in with "Sign in with a passkey" where the browser has no passkey autofill', async () => {
    await page.evaluate('PublicKeyCredential.isConditionalMediationAvailable = async () => false');
    const login = await startLogin();
    await page.locator('guard-login').getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expectSignedIn(await login.signedIn());
  }, 60_000);

  it('refuses a passkey whose signature counter went backwards (a cloned authenticator), in the user’s language', async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const credential = credentials[0]!;
    expect(credential.signCount).toBeGreaterThan(1);
    // The same key with an earlier counter: what a copy of the authenticator would hold.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential, signCount: 0 } });
    await openStepUp();
    await page.locator('guard-step-up').getByRole('button', { name: 'Use your passkey' }).click();
    await expect.poll(errorText).toBe('This passkey cannot be trusted (it may have been copied). Use another method and contact your administrator.');
    await screenshots(page, 'passkeys-counter')('counter-regression');
  }, 60_000);
});
