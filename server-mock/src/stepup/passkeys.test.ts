/**
 * Passkeys over HTTP against a running backend: registration as the first factor of a step-up, step-up
 * and passwordless login with the passkey, the refusals, and listing and removing passkeys through the SDK.
 * The browser side runs in Chromium in `e2e/passkeys.test.ts`.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../factors/test-support/soft-authenticator.js';
import { AuthenticationClient, CamfaError, MetadataManagementClient } from '../sdk/index.js';
import { APP, OTHER_APP, startTestBackend, type TestBackend } from '../test-support/backend.js';
import { manualClock } from '../test-support/fixtures.js';

const ORIGIN = APP.origins[0]!;
const clock = manualClock();
let backend: TestBackend;
let meta: MetadataManagementClient;
let auth: AuthenticationClient;
const authenticator = new SoftAuthenticator({ origin: ORIGIN });

beforeAll(async () => {
  // Behind a trusted proxy so the IP-limit test can speak from its own address (X-Forwarded-For).
  backend = await startTestBackend({ clock, config: { trustedProxies: ['127.0.0.0/8'] } });
  const options = { host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 3000, clock };
  meta = new MetadataManagementClient(options);
  auth = new AuthenticationClient(options);
  await meta.users.create({ originalIdentity: 'pia', username: 'pia' });
});

afterAll(async () => {
  await backend?.close();
});

const call = <T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) => backend.post<T>(path, body, headers);

type Started<Options> = { challengeId: string; expiresAt: string; options: Options };

async function stepUp() {
  return (await auth.mfa.startStepUp({ originalIdentity: 'pia', factors: ['webauthn', 'totp', 'recovery_code'] })).stateToken;
}

async function assertion(stateToken: string, forge: Parameters<SoftAuthenticator['authenticate']>[1] = {}) {
  const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/stepup/webauthn/authenticate/options', { stateToken });
  expect(started.status).toBe(200);
  return { stateToken, challengeId: started.body.challengeId, response: authenticator.authenticate(started.body.options, forge) };
}

describe('passkeys in the step-up', () => {
  it('registers a passkey as the first factor, which completes the step-up with amr hwk', async () => {
    const stateToken = await stepUp();
    const offered = await call<{ factors: unknown[] }>('/v1/stepup/factors', { stateToken });
    expect(offered.body.factors).toEqual([
      { type: 'webauthn', enrolled: false, enrollable: true },
      { type: 'totp', enrolled: false, enrollable: true },
      { type: 'recovery_code', enrolled: false, enrollable: false },
    ]);
    const started = await call<Started<PublicKeyCredentialCreationOptionsJSON>>('/v1/stepup/webauthn/register/options', { stateToken });
    expect(started.body.options.rp.id).toBe('localhost');
    const registered = await call<{ mfaToken: string; recoveryCodes: string[] }>('/v1/stepup/webauthn/register/verify', {
      stateToken,
      challengeId: started.body.challengeId,
      response: authenticator.register(started.body.options),
    });
    expect(registered.status).toBe(200);
    expect(registered.body.recoveryCodes).toHaveLength(10);
    const exchanged = await auth.exchange(registered.body.mfaToken);
    expect(exchanged.status && exchanged.data.amr).toEqual(['hwk', 'mfa']);
  });

  it('offers the passkey as enrolled from then on, and no second first factor', async () => {
    const stateToken = await stepUp();
    const offered = await call<{ factors: unknown[] }>('/v1/stepup/factors', { stateToken });
    expect(offered.body.factors).toEqual([
      { type: 'webauthn', enrolled: true, enrollable: false },
      { type: 'totp', enrolled: false, enrollable: false },
      { type: 'recovery_code', enrolled: true, enrollable: false },
    ]);
    expect((await call('/v1/stepup/webauthn/register/options', { stateToken })).body.code).toBe('enrolment_not_allowed');
    // What the trigger data tells the business system before the browser opens the step-up.
    const trigger = await auth.mfa.startStepUp({ originalIdentity: 'pia', factors: ['webauthn', 'totp'] });
    expect(trigger.factors.map((factor) => [factor.type, factor.enrolled])).toEqual([
      ['webauthn', true],
      ['totp', false],
    ]);
  });

  it('steps up with the passkey: amr hwk, the counter stored, the same answer refused once used', async () => {
    const body = await assertion(await stepUp());
    const verified = await call<{ mfaToken: string }>('/v1/stepup/webauthn/authenticate/verify', body);
    expect(verified.status).toBe(200);
    const exchanged = await auth.exchange(verified.body.mfaToken);
    expect(exchanged.status && exchanged.data.amr).toEqual(['hwk', 'mfa']);
    expect(exchanged.status && exchanged.data.extra).toMatchObject({ factor: 'webauthn' });

    const replayed = await call('/v1/stepup/webauthn/authenticate/verify', { ...body, stateToken: await stepUp() });
    expect([replayed.status, replayed.body.code]).toEqual([409, 'challenge_used']);
  });

  it('refuses a lower signature counter, another origin and another RP ID with stable codes', async () => {
    const regression = await call('/v1/stepup/webauthn/authenticate/verify', await assertion(await stepUp(), { signCount: 1 }));
    expect([regression.status, regression.body.code]).toEqual([400, 'counter_regression']);
    expect(backend.logs.some((line) => line.includes('signature counter did not increase'))).toBe(true);
    const origin = await call('/v1/stepup/webauthn/authenticate/verify', await assertion(await stepUp(), { origin: 'http://localhost:9999' }));
    expect([origin.status, origin.body.code]).toEqual([400, 'origin_mismatch']);
    const rpId = await call('/v1/stepup/webauthn/authenticate/verify', await assertion(await stepUp(), { rpId: 'example.com' }));
    expect([rpId.status, rpId.body.code]).toEqual([400, 'rp_id_mismatch']);
    const malformed = await call('/v1/stepup/webauthn/authenticate/verify', { ...(await assertion(await stepUp())), response: { id: 'x' } });
    expect(malformed.status).toBe(400);
  });

  it('answers the browser paths to a declared origin only (CORS)', async () => {
    for (const path of ['/v1/stepup/webauthn/authenticate/verify', '/v1/login/passkey/options']) {
      const preflight = await fetch(`${backend.url}${path}`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBe(204);
    }
  });
});

describe('passkey login', () => {
  async function loginAssertion(forge: Parameters<SoftAuthenticator['authenticate']>[1] = {}) {
    const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/login/passkey/options', { appId: APP.id });
    expect(started.body.options.allowCredentials).toEqual([]);
    return { appId: APP.id, challengeId: started.body.challengeId, response: authenticator.authenticate(started.body.options, forge) };
  }

  it('signs the passkey’s user in with amr hwk and refuses the same answer twice', async () => {
    const body = await loginAssertion();
    const signedIn = await call<{ status: string; user: { originalIdentity: string }; token: string }>('/v1/login/passkey/verify', body);
    expect(signedIn.body).toMatchObject({ status: 'authenticated', user: { originalIdentity: 'pia' } });
    const verified = await auth.verify(signedIn.body.token);
    expect(verified.status && verified.data.amr).toEqual(['hwk', 'mfa']);
    expect((await call('/v1/login/passkey/verify', body)).body.code).toBe('challenge_used');
  });

  it('refuses a passkey nobody registered and apps without passkeys', async () => {
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/login/passkey/options', { appId: APP.id });
    // A key the authenticator made for a registration the backend never saw.
    stranger.register({
      challenge: 'AAAA',
      rp: { id: 'localhost', name: 'Elsewhere' },
      user: { id: 'c3RyYW5nZXI', name: 'stranger', displayName: '' },
      pubKeyCredParams: [],
    });
    const unknown = await call('/v1/login/passkey/verify', {
      appId: APP.id,
      challengeId: started.body.challengeId,
      response: stranger.authenticate(started.body.options),
    });
    expect([unknown.status, unknown.body.code]).toEqual([401, 'unknown_credential']);
    const other = await call('/v1/login/passkey/options', { appId: OTHER_APP.id });
    expect([other.status, other.body.code]).toEqual([409, 'passkeys_unavailable']);
  });

  it('counts unknown passkeys against the IP: after 50 in 15 minutes the address gets no further challenge (423)', async () => {
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    stranger.register({
      challenge: 'AAAA',
      rp: { id: 'localhost', name: 'Elsewhere' },
      user: { id: 'c3RyYW5nZXI', name: 'stranger', displayName: '' },
      pubKeyCredParams: [],
    });
    const from = { 'x-forwarded-for': '203.0.113.50' };
    const attempt = async () => {
      const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/login/passkey/options', { appId: APP.id }, from);
      return call(
        '/v1/login/passkey/verify',
        { appId: APP.id, challengeId: started.body.challengeId, response: stranger.authenticate(started.body.options) },
        from,
      );
    };
    for (let n = 0; n < 50; n++) expect((await attempt()).body.code).toBe('unknown_credential');
    // The address gets not even a new challenge to answer.
    const refused = await call('/v1/login/passkey/options', { appId: APP.id }, from);
    expect(refused).toMatchObject({ status: 423, body: { code: 'locked', retryAt: new Date(clock() + 15 * 60_000).toISOString() } });
    expect(refused.headers.get('retry-after')).toBe(String(15 * 60));
    // Other addresses, and the registered passkey's user, are not affected.
    const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/login/passkey/options', { appId: APP.id });
    const fine = await call('/v1/login/passkey/verify', {
      appId: APP.id,
      challengeId: started.body.challengeId,
      response: stranger.authenticate(started.body.options),
    });
    expect(fine.body.code).toBe('unknown_credential');
  });
});

describe('managing passkeys', () => {
  it('lists the passkey among the user’s factors and removes it, after which it signs nobody in', async () => {
    const { factors } = await meta.users.factors('pia');
    expect(factors).toEqual([
      expect.objectContaining({
        type: 'webauthn',
        status: 'active',
        deviceType: 'singleDevice',
        backedUp: false,
        lastUsedAt: clock(),
        name: expect.any(String),
      }),
    ]);
    const removal = await meta.users.removeFactor('pia', 'nope').catch((error: unknown) => error);
    expect(removal).toBeInstanceOf(CamfaError);
    expect((removal as CamfaError).code).toBe('factor_not_found');
    await meta.users.removeFactor('pia', factors[0]!.id);
    expect((await meta.users.factors('pia')).factors).toEqual([]);

    const started = await call<Started<PublicKeyCredentialRequestOptionsJSON>>('/v1/login/passkey/options', { appId: APP.id });
    const gone = await call('/v1/login/passkey/verify', {
      appId: APP.id,
      challengeId: started.body.challengeId,
      response: authenticator.authenticate(started.body.options),
    });
    expect(gone.body.code).toBe('unknown_credential');
  });

  it('never writes a passkey’s public key to the logs', async () => {
    expect(backend.logs.join('\n')).not.toMatch(/publicKey|public_key/);
  });
});
