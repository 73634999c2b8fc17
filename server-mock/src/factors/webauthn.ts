import { createHmac, randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppConfig } from '../config/schema.js';
import type { Storage, WebAuthnChallengeRecord, WebAuthnCredentialRecord, WebAuthnPurpose } from '../storage/types.js';
import type { Clock } from '../types.js';

/** Where passkeys of an app live: the RP ID they are scoped to and the origins allowed to use them. */
export interface RelyingParty {
  rpId: string;
  rpName: string;
  origins: string[];
}

/** The app's `webauthn` settings with their defaults; null when the app declares neither origins nor an RP ID. */
export function relyingPartyOf(app: Pick<AppConfig, 'id' | 'name' | 'origins' | 'webauthn'>): RelyingParty | null {
  const origins = app.webauthn?.origins ?? app.origins;
  const first = origins[0];
  const rpId = app.webauthn?.rpId ?? (first === undefined ? undefined : new URL(first).hostname);
  if (rpId === undefined || origins.length === 0) return null;
  return { rpId, rpName: app.webauthn?.rpName ?? app.name ?? app.id, origins };
}

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url');
const part = base64url.max(16_384);
const common = {
  id: base64url.min(1).max(1_366),
  rawId: base64url.min(1).max(1_366),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

/**
 * `startRegistration()`'s answer, as the browser posts it. The schemas bound sizes and shapes; the
 * library checks every field's meaning, so their output is typed as the library's input.
 */
export const registrationResponseSchema = z.looseObject({
  ...common,
  response: z.looseObject({ clientDataJSON: part, attestationObject: part, transports: z.array(z.string().max(32)).max(10).optional() }),
}) as unknown as z.ZodType<RegistrationResponseJSON>;

/** `startAuthentication()`'s answer, as the browser posts it. */
export const authenticationResponseSchema = z.looseObject({
  ...common,
  response: z.looseObject({ clientDataJSON: part, authenticatorData: part, signature: part, userHandle: base64url.max(128).optional() }),
}) as unknown as z.ZodType<AuthenticationResponseJSON>;

export type PasskeyRefusal =
  | 'unavailable'
  | 'challenge_not_found'
  | 'challenge_used'
  | 'challenge_expired'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'user_not_verified'
  | 'counter_regression'
  | 'unknown_credential'
  | 'credential_exists'
  | 'invalid_response';

/** RFC 8176: `hwk` for a key bound to one authenticator, `swk` for a synced one; `mfa` since user verification is required. */
export type PasskeyResult = { verified: true; credential: WebAuthnCredentialRecord; amr: string[] } | { verified: false; reason: PasskeyRefusal };

export interface PasskeyOptions {
  challengeId: string;
  expiresAt: number;
}

export interface PasskeyFactorOptions {
  storage: Storage;
  clock: Clock;
  logger: Logger;
  /** Keys the opaque user handles, so a handle reveals nothing about who the user is. */
  pepper: Buffer;
  relyingParty: (appId: string) => RelyingParty | null;
  /** How long a challenge may be answered; default and maximum 5 minutes. */
  challengeTtlMs?: number;
}

const MAX_CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Passkeys (WebAuthn, through SimpleWebAuthn): discoverable credentials with user verification required,
 * for step-up and for passwordless login. Every challenge is stored, bound to its app, user (none for a
 * discoverable login) and purpose, and consumed atomically before the answer is checked, so a challenge or
 * a whole response works once. The signature counter only moves forward; a counter that does not is
 * refused as a possibly cloned authenticator.
 */
export class PasskeyFactor {
  private readonly challengeTtlMs: number;

  constructor(private readonly options: PasskeyFactorOptions) {
    this.challengeTtlMs = Math.min(options.challengeTtlMs ?? MAX_CHALLENGE_TTL_MS, MAX_CHALLENGE_TTL_MS);
  }

  available(appId: string): boolean {
    return this.options.relyingParty(appId) !== null;
  }

  list(appId: string, originalIdentity: string): Promise<WebAuthnCredentialRecord[]> {
    return this.options.storage.listWebAuthnCredentials(appId, originalIdentity);
  }

  remove(input: { appId: string; originalIdentity: string; id: string }): Promise<boolean> {
    return this.options.storage.deleteWebAuthnCredential(input);
  }

  /** Options for `startRegistration()`; the user's existing passkeys are excluded so one authenticator registers once. */
  async registrationOptions(input: {
    appId: string;
    originalIdentity: string;
    userName: string;
  }): Promise<(PasskeyOptions & { options: PublicKeyCredentialCreationOptionsJSON }) | null> {
    const rp = this.options.relyingParty(input.appId);
    if (!rp) return null;
    const existing = await this.list(input.appId, input.originalIdentity);
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userName: input.userName,
      userID: this.userHandle(input.appId, input.originalIdentity),
      attestationType: 'none',
      timeout: this.challengeTtlMs,
      excludeCredentials: existing.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    return { ...(await this.storeChallenge(input.appId, input.originalIdentity, 'register', options.challenge)), options };
  }

  async verifyRegistration(input: {
    appId: string;
    originalIdentity: string;
    challengeId: string;
    response: RegistrationResponseJSON;
  }): Promise<PasskeyResult> {
    const rp = this.options.relyingParty(input.appId);
    if (!rp) return { verified: false, reason: 'unavailable' };
    const challenge = await this.consume(input.appId, input.originalIdentity, 'register', input.challengeId);
    if ('reason' in challenge) return challenge;
    const verification = await checked(() =>
      verifyRegistrationResponse({ ...expectations(rp, challenge), response: input.response, requireUserVerification: true }),
    );
    if ('refusal' in verification) return { verified: false, reason: verification.refusal };
    if (!verification.verified) return { verified: false, reason: 'invalid_response' };
    const info = verification.registrationInfo;
    const now = this.options.clock();
    const credential: WebAuthnCredentialRecord = {
      id: randomBytes(16).toString('base64url'),
      appId: input.appId,
      originalIdentity: input.originalIdentity,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: info.credential.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name: passkeyName(info.credentialDeviceType, now),
      createdAt: now,
      lastUsedAt: now,
    };
    if (!(await this.options.storage.insertWebAuthnCredential(credential))) return { verified: false, reason: 'credential_exists' };
    return { verified: true, credential, amr: amrOf(credential.deviceType) };
  }

  /**
   * Options for `startAuthentication()`: for a step-up, the user's own passkeys; for a passwordless login
   * (`originalIdentity` null), none, so the browser offers every discoverable passkey for the RP ID.
   */
  async authenticationOptions(input: {
    appId: string;
    originalIdentity: string | null;
  }): Promise<(PasskeyOptions & { options: PublicKeyCredentialRequestOptionsJSON }) | null> {
    const rp = this.options.relyingParty(input.appId);
    if (!rp) return null;
    const allowCredentials =
      input.originalIdentity === null
        ? []
        : (await this.list(input.appId, input.originalIdentity)).map((credential) => ({ id: credential.credentialId, transports: credential.transports }));
    const options = await generateAuthenticationOptions({ rpID: rp.rpId, allowCredentials, userVerification: 'required', timeout: this.challengeTtlMs });
    const purpose = input.originalIdentity === null ? 'login' : 'stepup';
    return { ...(await this.storeChallenge(input.appId, input.originalIdentity, purpose, options.challenge)), options };
  }

  /**
   * Checks an assertion. With `originalIdentity` (step-up) the passkey must be that user's; without
   * (passwordless login) it identifies the user, and its user handle must be the one registered for them.
   */
  async verifyAuthentication(input: {
    appId: string;
    originalIdentity: string | null;
    challengeId: string;
    response: AuthenticationResponseJSON;
  }): Promise<PasskeyResult> {
    const rp = this.options.relyingParty(input.appId);
    if (!rp) return { verified: false, reason: 'unavailable' };
    const purpose = input.originalIdentity === null ? 'login' : 'stepup';
    const challenge = await this.consume(input.appId, input.originalIdentity, purpose, input.challengeId);
    if ('reason' in challenge) return challenge;
    const credential = await this.options.storage.getWebAuthnCredential(input.appId, input.response.id);
    if (!credential || (input.originalIdentity !== null && credential.originalIdentity !== input.originalIdentity)) {
      return { verified: false, reason: 'unknown_credential' };
    }
    const userHandle = input.response.response.userHandle;
    if (userHandle !== undefined && userHandle !== Buffer.from(this.userHandle(input.appId, credential.originalIdentity)).toString('base64url')) {
      return { verified: false, reason: 'unknown_credential' };
    }
    const verification = await checked(() =>
      verifyAuthenticationResponse({
        ...expectations(rp, challenge),
        response: input.response,
        credential: {
          id: credential.credentialId,
          publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
          counter: credential.counter,
          transports: credential.transports,
        },
        requireUserVerification: true,
      }),
    );
    if ('refusal' in verification) return { verified: false, reason: this.logged(verification.refusal, credential) };
    if (!verification.verified) return { verified: false, reason: 'invalid_response' };
    const info = verification.authenticationInfo;
    const now = this.options.clock();
    // The conditional write also catches two instances accepting the same counter at once.
    if (!(await this.options.storage.recordWebAuthnUse({ id: credential.id, counter: info.newCounter, backedUp: info.credentialBackedUp, usedAt: now }))) {
      return { verified: false, reason: this.logged('counter_regression', credential) };
    }
    const used = { ...credential, counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: now };
    return { verified: true, credential: used, amr: amrOf(credential.deviceType) };
  }

  /** A stable, opaque WebAuthn user handle per app and user (HMAC under the pepper: no identity in it). */
  private userHandle(appId: string, originalIdentity: string): Uint8Array<ArrayBuffer> {
    const digest = createHmac('sha256', this.options.pepper)
      .update(`webauthn-user:${JSON.stringify([appId, originalIdentity])}`)
      .digest();
    return new Uint8Array(digest);
  }

  private async storeChallenge(appId: string, originalIdentity: string | null, purpose: WebAuthnPurpose, challenge: string): Promise<PasskeyOptions> {
    const now = this.options.clock();
    const record: WebAuthnChallengeRecord = {
      id: randomBytes(16).toString('base64url'),
      appId,
      originalIdentity,
      purpose,
      challenge,
      expiresAt: now + this.challengeTtlMs,
      consumedAt: null,
      createdAt: now,
    };
    await this.options.storage.insertWebAuthnChallenge(record);
    return { challengeId: record.id, expiresAt: record.expiresAt };
  }

  /** Uses the challenge up, or says why it cannot be used (another user's or purpose's counts as unknown). */
  private async consume(
    appId: string,
    originalIdentity: string | null,
    purpose: WebAuthnPurpose,
    id: string,
  ): Promise<WebAuthnChallengeRecord | { verified: false; reason: PasskeyRefusal }> {
    const now = this.options.clock();
    const consumed = await this.options.storage.consumeWebAuthnChallenge({ id, appId, originalIdentity, purpose, now });
    if (consumed) return consumed;
    const stored = await this.options.storage.getWebAuthnChallenge(id);
    const bound = stored !== null && stored.appId === appId && stored.originalIdentity === originalIdentity && stored.purpose === purpose;
    if (!bound) return { verified: false, reason: 'challenge_not_found' };
    return { verified: false, reason: stored.consumedAt !== null ? 'challenge_used' : 'challenge_expired' };
  }

  /** A counter that went backwards may mean a cloned authenticator: worth an operator's attention. Never logs keys. */
  private logged(reason: PasskeyRefusal, credential: WebAuthnCredentialRecord): PasskeyRefusal {
    if (reason === 'counter_regression') {
      this.options.logger.warn(
        { appId: credential.appId, originalIdentity: credential.originalIdentity, credentialId: credential.credentialId, storedCounter: credential.counter },
        'passkey signature counter did not increase; possible cloned authenticator',
      );
    }
    return reason;
  }
}

export function amrOf(deviceType: WebAuthnCredentialRecord['deviceType']): string[] {
  return [deviceType === 'singleDevice' ? 'hwk' : 'swk', 'mfa'];
}

/** A default label the user can tell apart in a list ("Passkey (synced), 2026-11-23"). */
function passkeyName(deviceType: WebAuthnCredentialRecord['deviceType'], now: number): string {
  return `Passkey${deviceType === 'multiDevice' ? ' (synced)' : ''}, ${new Date(now).toISOString().slice(0, 10)}`;
}

/** What an answer must match: the stored challenge, the app's origins and RP ID. */
function expectations(rp: RelyingParty, challenge: WebAuthnChallengeRecord) {
  return { expectedChallenge: challenge.challenge, expectedOrigin: rp.origins, expectedRPID: rp.rpId };
}

/** Runs one SimpleWebAuthn verification; a check it failed (thrown) becomes a refusal. */
async function checked<T>(verify: () => Promise<T>): Promise<T | { refusal: PasskeyRefusal }> {
  try {
    return await verify();
  } catch (error) {
    return { refusal: refusalOf(error) };
  }
}

/**
 * SimpleWebAuthn reports every failed check as a thrown Error with a message; the messages name what
 * failed, and these are the checks a caller must tell apart.
 */
function refusalOf(error: unknown): PasskeyRefusal {
  const message = error instanceof Error ? error.message : '';
  if (/RP ID/i.test(message)) return 'rp_id_mismatch';
  if (/response origin/i.test(message)) return 'origin_mismatch';
  if (/counter value/i.test(message)) return 'counter_regression';
  if (/user verification/i.test(message)) return 'user_not_verified';
  if (/response challenge/i.test(message)) return 'challenge_not_found';
  return 'invalid_response';
}
