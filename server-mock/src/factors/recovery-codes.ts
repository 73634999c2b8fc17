import { randomInt } from 'node:crypto';
import type { Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import { findRecoveryCodeHash, hashRecoveryCodes } from './crypto.js';

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** 12 characters of 5 bits: 60 bits per code, shown as `xxxx-xxxx-xxxx`. */
const CODE_LENGTH = 12;
const NORMALISED = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

export interface RecoveryCodesOptions {
  storage: Storage;
  /** The server pepper (`FactorSecrets.pepper`); the hashes depend on it. */
  pepper: Buffer;
  clock: Clock;
  /** Codes per set; default 10. */
  count?: number;
}

export interface RecoverySubject {
  appId: string;
  originalIdentity: string;
}

export type RecoveryVerifyResult = { verified: true; remaining: number } | { verified: false; reason: 'invalid' };

/** Reduces what a user typed to the canonical code: case, separators and Crockford look-alikes (o→0, i/l→1). */
export function normaliseRecoveryCode(input: string): string {
  return input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
}

/**
 * Recovery codes (NIST look-up secrets): a set of 10, shown once in plaintext and stored only as
 * salted scrypt hashes (see `crypto.ts`), each usable once; generating a new set replaces the old one.
 */
export class RecoveryCodes {
  constructor(private readonly options: RecoveryCodesOptions) {}

  /** Creates a new set, replacing every earlier code of the user. The returned codes are never retrievable again. */
  async generate(subject: RecoverySubject): Promise<{ codes: string[] }> {
    const codes = Array.from({ length: this.options.count ?? 10 }, newCode);
    const codeHashes = await hashRecoveryCodes(this.options.pepper, codes.map(normaliseRecoveryCode));
    await this.options.storage.replaceRecoveryCodes({ ...subject, codeHashes, createdAt: this.options.clock() });
    return { codes };
  }

  /** Accepts an unused code of the user once; `remaining` is how many unused codes are left after it. */
  async verify(subject: RecoverySubject & { code: string }): Promise<RecoveryVerifyResult> {
    const code = normaliseRecoveryCode(subject.code);
    // Malformed input cannot match; skipping the scrypt call also keeps junk input cheap.
    if (!NORMALISED.test(code)) return { verified: false, reason: 'invalid' };
    const unused = (await this.options.storage.listRecoveryCodes(subject.appId, subject.originalIdentity)).filter((item) => item.usedAt === null);
    const codeHash = await findRecoveryCodeHash(
      this.options.pepper,
      code,
      unused.map((item) => item.codeHash),
    );
    if (codeHash === null) return { verified: false, reason: 'invalid' };
    const used = await this.options.storage.useRecoveryCode({
      appId: subject.appId,
      originalIdentity: subject.originalIdentity,
      codeHash,
      usedAt: this.options.clock(),
    });
    return used ? { verified: true, remaining: unused.length - 1 } : { verified: false, reason: 'invalid' };
  }

  /** Unused codes left, so a UI can urge the user to generate a new set before running out. */
  async remaining(subject: RecoverySubject): Promise<number> {
    return (await this.options.storage.listRecoveryCodes(subject.appId, subject.originalIdentity)).filter((item) => item.usedAt === null).length;
  }
}

function newCode(): string {
  const characters = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!).join('');
  return characters.match(/.{4}/g)!.join('-');
}
