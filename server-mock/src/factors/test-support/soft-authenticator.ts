import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/** Authenticator data flags (WebAuthn §6.1). */
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const BACKUP_ELIGIBLE = 0x08;
const BACKED_UP = 0x10;
const ATTESTED_CREDENTIAL = 0x40;

interface StoredKey {
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  signCount: number;
}

/**
 * A software passkey authenticator (ES256, "none" attestation) for Node tests: it answers the options the
 * backend hands out exactly as a browser would post them, and lets a test forge what a real authenticator
 * would not (another origin or RP ID, a stale signature counter, no user verification). The Chromium
 * tests use the DevTools virtual authenticator instead.
 */
export class SoftAuthenticator {
  private readonly keys = new Map<string, StoredKey>();

  constructor(private readonly defaults: { origin: string; synced?: boolean }) {}

  register(options: PublicKeyCredentialCreationOptionsJSON, forge: { origin?: string; rpId?: string } = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(32);
    const id = credentialId.toString('base64url');
    const rpId = forge.rpId ?? options.rp.id!;
    this.keys.set(id, { privateKey, rpId, userHandle: options.user.id, signCount: 0 });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([this.header(rpId, ATTESTED_CREDENTIAL, 0), Buffer.alloc(16), idLength, credentialId, Buffer.from(isoCBOR.encode(cose))]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, forge.origin),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * Signs the challenge with the first allowed (or, for discoverable options, any) stored key. `signCount`
   * overrides the counter, which otherwise goes up by one per signature.
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    forge: { origin?: string; rpId?: string; signCount?: number; userVerified?: boolean; credentialId?: string } = {},
  ): AuthenticationResponseJSON {
    const id = forge.credentialId ?? options.allowCredentials?.[0]?.id ?? [...this.keys.keys()][0]!;
    const key = this.keys.get(id);
    if (!key) throw new Error('the soft authenticator holds no such credential');
    key.signCount = forge.signCount ?? key.signCount + 1;
    const authData = this.header(forge.rpId ?? key.rpId, 0, key.signCount, forge.userVerified);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, forge.origin);
    const signed = Buffer.concat([authData, createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest()]);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, key.privateKey).toString('base64url'),
        userHandle: key.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private header(rpId: string, extraFlags: number, signCount: number, userVerified = true): Buffer {
    const synced = this.defaults.synced ? BACKUP_ELIGIBLE | BACKED_UP : 0;
    const flags = USER_PRESENT | (userVerified ? USER_VERIFIED : 0) | synced | extraFlags;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counter]);
  }

  private clientData(type: string, challenge: string, origin = this.defaults.origin): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString('base64url');
  }
}
