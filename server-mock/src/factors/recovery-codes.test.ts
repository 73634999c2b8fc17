import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage } from '../storage/types.js';
import { RecoveryCodes, normaliseRecoveryCode } from './recovery-codes.js';
import { manualClock, memoryStorage, restartableStorage, testSecrets } from './test-support/harness.js';

const user = { appId: 'app-1', originalIdentity: 'alice' };

describe('recovery codes', () => {
  let storage: Storage;
  const clock = manualClock();
  const { pepper } = testSecrets();
  const codes = () => new RecoveryCodes({ storage, pepper, clock });

  beforeEach(async () => {
    storage = await memoryStorage();
  });
  afterEach(async () => {
    await storage.close();
  });

  it('generates 10 distinct codes of 60 bits (12 Crockford base32 characters)', async () => {
    const { codes: set } = await codes().generate(user);
    expect(set).toHaveLength(10);
    expect(new Set(set).size).toBe(10);
    for (const code of set) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(await codes().remaining(user)).toBe(10);
  });

  it('accepts each code once, however it is typed, and refuses unknown ones', async () => {
    const { codes: set } = await codes().generate(user);
    const [first, second] = set as [string, string];
    expect(await codes().verify({ ...user, code: first })).toEqual({ verified: true, remaining: 9 });
    expect(await codes().verify({ ...user, code: first })).toEqual({ verified: false, reason: 'invalid' });
    expect(await codes().verify({ ...user, code: ` ${second.toUpperCase().replace(/-/g, ' ')} ` })).toEqual({ verified: true, remaining: 8 });
    expect(await codes().verify({ ...user, code: '0000-0000-0000' })).toEqual({ verified: false, reason: 'invalid' });
    expect(await codes().verify({ ...user, code: 'short' })).toEqual({ verified: false, reason: 'invalid' });
    expect(await codes().remaining(user)).toBe(8);
  });

  it('reads Crockford look-alikes as the digits they stand for', () => {
    expect(normaliseRecoveryCode('OIL0-abcd-EFGH')).toBe('0110abcdefgh');
  });

  it("keeps users apart: one user's code is not another's", async () => {
    const { codes: set } = await codes().generate(user);
    await codes().generate({ appId: 'app-1', originalIdentity: 'bob' });
    expect(await codes().verify({ appId: 'app-1', originalIdentity: 'bob', code: set[0]! })).toEqual({ verified: false, reason: 'invalid' });
    expect(await codes().verify({ appId: 'app-2', originalIdentity: 'alice', code: set[0]! })).toEqual({ verified: false, reason: 'invalid' });
  });

  it('regenerating replaces the whole set', async () => {
    const { codes: old } = await codes().generate(user);
    const { codes: fresh } = await codes().generate(user);
    expect(await codes().verify({ ...user, code: old[1]! })).toEqual({ verified: false, reason: 'invalid' });
    expect((await codes().verify({ ...user, code: fresh[1]! })).verified).toBe(true);
    expect(await codes().remaining(user)).toBe(9);
  });

  it('lets one of concurrent uses of a code win', async () => {
    const { codes: set } = await codes().generate(user);
    const results = await Promise.all(Array.from({ length: 4 }, () => codes().verify({ ...user, code: set[0]! })));
    expect(results.filter((result) => result.verified)).toHaveLength(1);
  });

  it('depends on the pepper: the same hashes under another pepper match nothing', async () => {
    const { codes: set } = await codes().generate(user);
    const otherPepper = new RecoveryCodes({ storage, pepper: testSecrets().pepper, clock });
    expect(await otherPepper.verify({ ...user, code: set[0]! })).toEqual({ verified: false, reason: 'invalid' });
  });
});

describe('recovery codes at rest and across a restart', () => {
  it('stores salted scrypt hashes only and keeps used marks after a restart', async () => {
    const files = restartableStorage();
    const clock = manualClock();
    const { pepper } = testSecrets();
    let storage = await files.open();
    const { codes: set } = await new RecoveryCodes({ storage, pepper, clock }).generate(user);
    expect((await new RecoveryCodes({ storage, pepper, clock }).verify({ ...user, code: set[0]! })).verified).toBe(true);

    storage = await files.restart(storage);

    const recovery = new RecoveryCodes({ storage, pepper, clock });
    expect(await recovery.verify({ ...user, code: set[0]! })).toEqual({ verified: false, reason: 'invalid' });
    expect(await recovery.verify({ ...user, code: set[1]! })).toEqual({ verified: true, remaining: 8 });
    const stored = await storage.listRecoveryCodes(user.appId, user.originalIdentity);
    expect(stored.every((item) => /^scrypt1\$[\w-]{22}\$[\w-]{43}$/.test(item.codeHash))).toBe(true);
    await storage.close();
    const dump = files.dump();
    for (const code of set) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(normaliseRecoveryCode(code));
    }
  });
});
