import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/types.js';
import { manualClock, memoryStorage } from './test-support/harness.js';
import { SoftAuthenticator } from './test-support/soft-authenticator.js';
import { PasskeyFactor, relyingPartyOf, type RelyingParty } from './webauthn.js';

const ORIGIN = 'https://bank.example';
const RP: RelyingParty = { rpId: 'bank.example', rpName: 'Bank', origins: [ORIGIN] };
const alice = { appId: 'bank', originalIdentity: 'alice' };

let storage: Storage;
let clock: ReturnType<typeof manualClock>;
let logs: string[];
let passkeys: PasskeyFactor;

beforeEach(async () => {
  storage = await memoryStorage();
  clock = manualClock();
  logs = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  passkeys = new PasskeyFactor({ storage, clock, logger: pino(destination), pepper: randomBytes(32), relyingParty: (appId) => (appId === 'bank' ? RP : null) });
});

/** Registers a passkey of `authenticator` for alice and returns it. */
async function register(authenticator: SoftAuthenticator) {
  const started = (await passkeys.registrationOptions({ ...alice, userName: 'alice' }))!;
  const result = await passkeys.verifyRegistration({ ...alice, challengeId: started.challengeId, response: authenticator.register(started.options) });
  if (!result.verified) throw new Error(`registration refused: ${result.reason}`);
  return result.credential;
}

async function stepUpWith(authenticator: SoftAuthenticator, forge: Parameters<SoftAuthenticator['authenticate']>[1] = {}) {
  const started = (await passkeys.authenticationOptions(alice))!;
  return passkeys.verifyAuthentication({ ...alice, challengeId: started.challengeId, response: authenticator.authenticate(started.options, forge) });
}

describe('PasskeyFactor', () => {
  it('asks for a discoverable, user-verified passkey without attestation, excluding the ones already registered', async () => {
    const first = await register(new SoftAuthenticator({ origin: ORIGIN }));
    const { options } = (await passkeys.registrationOptions({ ...alice, userName: 'alice' }))!;
    expect(options.rp).toEqual({ id: 'bank.example', name: 'Bank' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials?.map((item) => item.id)).toEqual([first.credentialId]);
    // The user handle is opaque: it does not carry the user's identity.
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).not.toContain('alice');
  });

  it('registers a device-bound passkey (amr hwk) and a synced one (amr swk), then authenticates with each', async () => {
    const bound = new SoftAuthenticator({ origin: ORIGIN });
    const synced = new SoftAuthenticator({ origin: ORIGIN, synced: true });
    const boundCredential = await register(bound);
    clock.advance(1_000);
    const syncedCredential = await register(synced);
    expect(boundCredential).toMatchObject({ deviceType: 'singleDevice', backedUp: false, counter: 0 });
    expect(syncedCredential).toMatchObject({ deviceType: 'multiDevice', backedUp: true });

    const started = (await passkeys.authenticationOptions(alice))!;
    expect(started.options.userVerification).toBe('required');
    expect(started.options.allowCredentials?.map((item) => item.id)).toEqual([boundCredential.credentialId, syncedCredential.credentialId]);
    const first = await passkeys.verifyAuthentication({ ...alice, challengeId: started.challengeId, response: bound.authenticate(started.options) });
    expect(first).toMatchObject({ verified: true, amr: ['hwk', 'mfa'], credential: { counter: 1 } });
    const second = await stepUpWith(synced, { credentialId: syncedCredential.credentialId });
    expect(second).toMatchObject({ verified: true, amr: ['swk', 'mfa'] });
    expect((await passkeys.list('bank', 'alice')).map((item) => [item.counter, item.lastUsedAt])).toEqual([
      [1, clock()],
      [1, clock()],
    ]);
  });

  it('accepts a challenge once: the same answer again is refused as used', async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    await register(authenticator);
    const started = (await passkeys.authenticationOptions(alice))!;
    const input = { ...alice, challengeId: started.challengeId, response: authenticator.authenticate(started.options) };
    expect((await passkeys.verifyAuthentication(input)).verified).toBe(true);
    expect(await passkeys.verifyAuthentication(input)).toEqual({ verified: false, reason: 'challenge_used' });
  });

  it('refuses a challenge after five minutes, another user’s or purpose’s challenge, and an answer to another challenge', async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    await register(authenticator);
    const late = (await passkeys.authenticationOptions(alice))!;
    clock.advance(5 * 60_000);
    expect(await passkeys.verifyAuthentication({ ...alice, challengeId: late.challengeId, response: authenticator.authenticate(late.options) })).toEqual({
      verified: false,
      reason: 'challenge_expired',
    });
    const bobs = (await passkeys.authenticationOptions({ appId: 'bank', originalIdentity: 'bob' }))!;
    expect(await passkeys.verifyAuthentication({ ...alice, challengeId: bobs.challengeId, response: authenticator.authenticate(bobs.options) })).toEqual({
      verified: false,
      reason: 'challenge_not_found',
    });
    const login = (await passkeys.authenticationOptions({ appId: 'bank', originalIdentity: null }))!;
    expect(
      (await passkeys.verifyAuthentication({ ...alice, challengeId: login.challengeId, response: authenticator.authenticate(login.options) })).verified,
    ).toBe(false);
    const one = (await passkeys.authenticationOptions(alice))!;
    const other = (await passkeys.authenticationOptions(alice))!;
    expect(await passkeys.verifyAuthentication({ ...alice, challengeId: one.challengeId, response: authenticator.authenticate(other.options) })).toEqual({
      verified: false,
      reason: 'challenge_not_found',
    });
  });

  it('refuses another origin, another RP ID and an answer without user verification', async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    await register(authenticator);
    expect(await stepUpWith(authenticator, { origin: 'https://evil.example' })).toEqual({ verified: false, reason: 'origin_mismatch' });
    expect(await stepUpWith(authenticator, { rpId: 'evil.example' })).toEqual({ verified: false, reason: 'rp_id_mismatch' });
    expect(await stepUpWith(authenticator, { userVerified: false })).toEqual({ verified: false, reason: 'user_not_verified' });
    const started = (await passkeys.registrationOptions({ ...alice, userName: 'alice' }))!;
    const elsewhere = new SoftAuthenticator({ origin: 'https://evil.example' }).register(started.options);
    expect(await passkeys.verifyRegistration({ ...alice, challengeId: started.challengeId, response: elsewhere })).toEqual({
      verified: false,
      reason: 'origin_mismatch',
    });
  });

  it('refuses a signature counter that does not move forward, logs the credential id only and keeps the stored counter', async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const credential = await register(authenticator);
    expect(await stepUpWith(authenticator, { signCount: 7 })).toMatchObject({ verified: true });
    expect(await stepUpWith(authenticator, { signCount: 7 })).toEqual({ verified: false, reason: 'counter_regression' });
    expect(await stepUpWith(authenticator, { signCount: 3 })).toEqual({ verified: false, reason: 'counter_regression' });
    expect((await passkeys.list('bank', 'alice'))[0]!.counter).toBe(7);
    const warning = logs.find((line) => line.includes('signature counter'))!;
    expect(warning).toContain(credential.credentialId);
    expect(warning).not.toContain(credential.publicKey);
    expect(await stepUpWith(authenticator, { signCount: 8 })).toMatchObject({ verified: true });
  });

  it('signs a user in with a discoverable passkey and refuses unknown ones and other users’ passkeys in a step-up', async () => {
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    await register(authenticator);
    const login = (await passkeys.authenticationOptions({ appId: 'bank', originalIdentity: null }))!;
    expect(login.options.allowCredentials).toEqual([]);
    const result = await passkeys.verifyAuthentication({
      appId: 'bank',
      originalIdentity: null,
      challengeId: login.challengeId,
      response: authenticator.authenticate(login.options),
    });
    expect(result).toMatchObject({ verified: true, credential: { originalIdentity: 'alice' } });

    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    const strangerOptions = (await passkeys.registrationOptions({ appId: 'bank', originalIdentity: 'mallory', userName: 'mallory' }))!;
    stranger.register(strangerOptions.options);
    const again = (await passkeys.authenticationOptions({ appId: 'bank', originalIdentity: null }))!;
    expect(
      await passkeys.verifyAuthentication({
        appId: 'bank',
        originalIdentity: null,
        challengeId: again.challengeId,
        response: stranger.authenticate(again.options),
      }),
    ).toEqual({ verified: false, reason: 'unknown_credential' });

    const bobAuthenticator = new SoftAuthenticator({ origin: ORIGIN });
    const bobOptions = (await passkeys.registrationOptions({ appId: 'bank', originalIdentity: 'bob', userName: 'bob' }))!;
    const bob = await passkeys.verifyRegistration({
      appId: 'bank',
      originalIdentity: 'bob',
      challengeId: bobOptions.challengeId,
      response: bobAuthenticator.register(bobOptions.options),
    });
    if (!bob.verified) throw new Error('bob could not register');
    expect(await stepUpWith(bobAuthenticator, { credentialId: bob.credential.credentialId })).toEqual({ verified: false, reason: 'unknown_credential' });
  });

  it('has no relying party for an app without origins or RP ID, and derives one from the origins otherwise', async () => {
    expect(await passkeys.registrationOptions({ appId: 'other', originalIdentity: 'x', userName: 'x' })).toBeNull();
    const app = { id: 'shop', secret: 'x'.repeat(32), origins: ['https://shop.example:8443', 'https://m.shop.example'], loginWorkflow: 'login' };
    expect(relyingPartyOf(app)).toEqual({ rpId: 'shop.example', rpName: 'shop', origins: app.origins });
    expect(relyingPartyOf({ ...app, name: 'Shop', webauthn: { rpId: 'example', origins: ['https://a.example'] } })).toEqual({
      rpId: 'example',
      rpName: 'Shop',
      origins: ['https://a.example'],
    });
    expect(relyingPartyOf({ ...app, origins: [] })).toBeNull();
  });
});
