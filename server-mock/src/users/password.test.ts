import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from './password.js';

// A lighter cost keeps the suite fast; the production default is checked separately below.
const FAST = { N: 2 ** 12, r: 8, p: 1 };

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple', FAST);
    expect(stored).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('treats canonically equivalent Unicode the same', async () => {
    const stored = await hashPassword('caf\u00e9', FAST);
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('refuses malformed hashes and asks to rehash weaker ones', async () => {
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
    expect(needsRehash(await hashPassword('x', FAST))).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('uses the OWASP scrypt cost by default', async () => {
    const stored = await hashPassword('default cost');
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(needsRehash(stored)).toBe(false);
    expect(await verifyPassword('default cost', stored)).toBe(true);
  });
});
