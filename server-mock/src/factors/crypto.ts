import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Storage, StoredSecret } from '../storage/types.js';

/**
 * Cryptography of the factors: sealing secrets at rest, hashing one-time and recovery codes, and
 * comparing them in constant time. Every function takes its keys as arguments; nothing here keeps state.
 */

/** An AES-256 key with the id written into everything it seals, so keys can rotate. */
export interface FactorKey {
  id: string;
  key: Buffer;
}

/** `current` seals new secrets; every key in the ring (current included) opens old ones. */
export interface FactorKeyring {
  current: FactorKey;
  previous: FactorKey[];
}

/** Keys of the factors: the keyring for secrets at rest and the pepper for code hashes. */
export interface FactorSecrets {
  keyring: FactorKeyring;
  /** 32 bytes. Never rotated silently: recovery code hashes depend on it. */
  pepper: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const SEALED_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Environment variables read by `loadFactorSecrets` when the config names no keys. */
export const FACTOR_KEYS_ENV = 'CAMFA_FACTOR_KEYS';
export const FACTOR_PEPPER_ENV = 'CAMFA_FACTOR_PEPPER';

function decodeKey(base64: string, what: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  // Buffer.from silently skips junk; re-encoding tells a real 32-byte key from a typo.
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== base64.trim().replace(/=+$/, '')) {
    throw new Error(`${what} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/**
 * Parses `id:base64[,id:base64…]` (the first key seals, all open) or a bare base64 key (id `k1`).
 * The error names what is wrong but never echoes the key material.
 */
export function parseFactorKeyring(spec: string): FactorKeyring {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, index): FactorKey => {
    const separator = entry.indexOf(':');
    const id = separator === -1 ? 'k1' : entry.slice(0, separator);
    if (!KEY_ID.test(id)) throw new Error(`factor key ${index + 1}: the id must be 1-32 letters, digits, _ or -`);
    return { id, key: decodeKey(entry.slice(separator + 1), `factor key "${id}"`) };
  });
  const [current, ...previous] = keys;
  if (current === undefined) throw new Error('no factor key given');
  if (new Set(keys.map((key) => key.id)).size !== keys.length) throw new Error('factor key ids must be unique');
  return { current, previous };
}

/**
 * Resolves the factor keys: the config's values first, then `CAMFA_FACTOR_KEYS` / `CAMFA_FACTOR_PEPPER`.
 * When neither names them and `generateIn` is given (dev only), random keys are created once and kept in
 * that storage's settings, so every instance and restart shares them. That puts the keys beside the data
 * they protect, which is acceptable for a demo and nothing else; production configs must name the keys.
 */
export async function loadFactorSecrets(options: {
  keys?: string;
  pepper?: string;
  environment?: Readonly<Record<string, string | undefined>>;
  generateIn?: Pick<Storage, 'getOrCreateSetting'>;
}): Promise<FactorSecrets & { generated: boolean }> {
  const environment = options.environment ?? {};
  const keys = options.keys ?? environment[FACTOR_KEYS_ENV];
  const pepper = options.pepper ?? environment[FACTOR_PEPPER_ENV];
  if (keys !== undefined && pepper !== undefined) {
    return { keyring: parseFactorKeyring(keys), pepper: decodeKey(pepper, 'factor pepper'), generated: false };
  }
  if (options.generateIn === undefined) {
    throw new Error(
      `factor keys are not configured: set factors.keys and factors.pepper in the config, or ${FACTOR_KEYS_ENV} and ${FACTOR_PEPPER_ENV} (32 random bytes in base64 each)`,
    );
  }
  const storedKeys = await options.generateIn.getOrCreateSetting('factors.dev-keys', `dev:${randomBytes(32).toString('base64')}`);
  const storedPepper = await options.generateIn.getOrCreateSetting('factors.dev-pepper', randomBytes(32).toString('base64'));
  return { keyring: parseFactorKeyring(storedKeys), pepper: decodeKey(storedPepper, 'factor pepper'), generated: true };
}

/**
 * Seals `plaintext` with AES-256-GCM under the current key and a random 96-bit IV:
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url). `context` (e.g. `totp:<enrolmentId>`) is bound as
 * associated data, so a sealed value copied into another row or field no longer opens.
 */
export function sealSecret(plaintext: string, keyring: FactorKeyring, context: string): string {
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens what `sealSecret` sealed with any key of the ring; throws (naming only the key id) when it cannot. */
export function openSecret(sealed: string, keyring: FactorKeyring, context: string): string {
  const [version, id, iv, ciphertext, tag, extra] = sealed.split('.');
  if (version !== SEALED_VERSION || id === undefined || iv === undefined || ciphertext === undefined || tag === undefined || extra !== undefined) {
    throw new Error('sealed factor secret is malformed');
  }
  const key = [keyring.current, ...keyring.previous].find((candidate) => candidate.id === id);
  if (key === undefined) throw new Error(`sealed factor secret uses unknown key "${id}"`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`sealed factor secret failed authentication with key "${id}"`);
  }
}

/** `sealSecret` as a stored value: the sealed text and the id of the key that sealed it. */
export function sealStoredSecret(plaintext: string, keyring: FactorKeyring, context: string): StoredSecret {
  return { value: sealSecret(plaintext, keyring, context), sealedBy: keyring.current.id };
}

/**
 * Opens a stored secret (one in clear, from before sealing existed, is taken as it is) and has `reseal`
 * write it back sealed under the current key when it is clear or sealed under an older one, so rows move
 * to the newest key as they are read. The errors are meant for start-up: one line naming the setting to
 * fix and the key id, never key material or the secret. Sealing keeps secrets from readers of the
 * database; someone who can write it could plant a clear value, but could as well publish a key of theirs.
 */
export async function openStoredSecret(
  stored: StoredSecret,
  options: { keyring: FactorKeyring; context: string; reseal: (next: StoredSecret) => Promise<void> },
): Promise<string> {
  const { keyring, context } = options;
  const { sealedBy } = stored;
  let plaintext = stored.value;
  if (sealedBy !== null) {
    if (![keyring.current, ...keyring.previous].some((key) => key.id === sealedBy)) {
      throw new Error(
        `${context} is sealed with factor key "${sealedBy}", which is not configured: list it in ${FACTOR_KEYS_ENV} / factors.keys after the current key`,
      );
    }
    try {
      plaintext = openSecret(stored.value, keyring, context);
    } catch {
      throw new Error(`${context} does not open with factor key "${sealedBy}": ${FACTOR_KEYS_ENV} / factors.keys holds a different key under that id`);
    }
  }
  if (sealedBy !== keyring.current.id) await options.reseal(sealStoredSecret(plaintext, keyring, context));
  return plaintext;
}

/** Compares two strings without revealing through timing where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing `left` with itself keeps the time independent of `b`.
  return timingSafeEqual(left, left.length === right.length ? right : left) && left.length === right.length;
}

/**
 * Keyed hash of a short-lived one-time code (SMS / e-mail): HMAC-SHA256 under the server pepper, bound
 * to `context` (the challenge id). A 6-digit code has only 10^6 values, so no hash can stop someone who
 * holds the pepper from trying them all; what protects the code is the pepper (kept out of the database)
 * together with the short expiry and the per-challenge attempt limit. A slow hash would buy nothing here.
 */
export function hashOneTimeCode(pepper: Buffer, context: string, code: string): string {
  return createHmac('sha256', pepper).update(`camfa-otp\0${context}\0${code}`).digest('base64url');
}

/** Whether `code` is the one hashed into `codeHash`, compared in constant time. */
export function oneTimeCodeMatches(pepper: Buffer, context: string, code: string, codeHash: string): boolean {
  return constantTimeEqual(hashOneTimeCode(pepper, context, code), codeHash);
}

/**
 * Recovery codes live for months and carry about 60 bits, well under the 112 bits for which NIST
 * SP 800-63B allows a plain one-way hash of a look-up secret, so they get a salted memory-hard KDF:
 * scrypt (N=2^15, r=8, p=1: 32 MiB, tens of milliseconds) over an HMAC of the code under the pepper.
 * A stolen database alone then allows no guessing at all; with the pepper too, each guess costs a scrypt.
 * One salt per generated set keeps a verification at one scrypt call however many codes are left.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const RECOVERY_HASH_VERSION = 'scrypt1';

function scryptAsync(password: Buffer, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, 32, SCRYPT, (error, derived) => (error ? reject(error) : resolve(derived))));
}

async function recoveryDigest(pepper: Buffer, salt: Buffer, code: string): Promise<string> {
  const keyed = createHmac('sha256', pepper).update(`camfa-recovery\0${code}`).digest();
  return `${RECOVERY_HASH_VERSION}$${salt.toString('base64url')}$${(await scryptAsync(keyed, salt)).toString('base64url')}`;
}

/** Hashes a set of recovery codes under one fresh salt. */
export async function hashRecoveryCodes(pepper: Buffer, codes: string[]): Promise<string[]> {
  const salt = randomBytes(16);
  return Promise.all(codes.map((code) => recoveryDigest(pepper, salt, code)));
}

/** The stored hash among `codeHashes` that `code` matches, or null; one scrypt call per distinct salt. */
export async function findRecoveryCodeHash(pepper: Buffer, code: string, codeHashes: string[]): Promise<string | null> {
  const digests = new Map<string, string>();
  let found: string | null = null;
  for (const codeHash of codeHashes) {
    const [version, salt] = codeHash.split('$');
    if (version !== RECOVERY_HASH_VERSION || salt === undefined) continue;
    let digest = digests.get(salt);
    if (digest === undefined) {
      digest = await recoveryDigest(pepper, Buffer.from(salt, 'base64url'), code);
      digests.set(salt, digest);
    }
    // Every hash is compared, so the time taken does not tell which code of the set matched.
    if (constantTimeEqual(digest, codeHash)) found = codeHash;
  }
  return found;
}
