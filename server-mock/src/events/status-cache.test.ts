import { describe, expect, it } from 'vitest';
import type { UserStatusRecord } from '../storage/types.js';
import { UserStatusCache } from './status-cache.js';

const pending = (triggerId: string) => ({ pendingTriggerId: triggerId }) as UserStatusRecord;

/** A cache over a store the test writes to, counting reads; `hold` keeps the next read waiting until released. */
function setUp(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const rows = new Map<string, UserStatusRecord | null>();
  let now = 1_000;
  let reads = 0;
  let held: (() => void) | null = null;
  let holdNext = false;
  const cache = new UserStatusCache(
    async (appId, user) => {
      reads += 1;
      const row = rows.get(`${appId}/${user}`) ?? null;
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((release) => (held = release));
      }
      return row;
    },
    { clock: () => now, ttlMs: options.ttlMs ?? 5_000, maxEntries: options.maxEntries ?? 100 },
  );
  return {
    cache,
    write: (appId: string, user: string, row: UserStatusRecord | null) => rows.set(`${appId}/${user}`, row),
    reads: () => reads,
    advance: (ms: number) => void (now += ms),
    holdNextRead: () => void (holdNext = true),
    release: () => held!(),
  };
}

describe('UserStatusCache', () => {
  it('answers a second read from memory until the user is invalidated', async () => {
    const { cache, write, reads } = setUp();
    expect(await cache.get('shop', 'u1')).toBeNull();
    write('shop', 'u1', pending('t1'));
    expect(await cache.get('shop', 'u1')).toBeNull();
    expect(reads()).toBe(1);
    cache.invalidate('shop', 'u1');
    expect(await cache.get('shop', 'u1')).toEqual(pending('t1'));
    expect(reads()).toBe(2);
  });

  it('keeps users and apps apart', async () => {
    const { cache, write } = setUp();
    write('shop', 'u1', pending('t1'));
    expect(await cache.get('shop', 'u1')).toEqual(pending('t1'));
    expect(await cache.get('shop', 'u2')).toBeNull();
    expect(await cache.get('crm', 'u1')).toBeNull();
    cache.invalidate('crm', 'u1');
    write('shop', 'u1', null);
    expect(await cache.get('shop', 'u1')).toEqual(pending('t1'));
  });

  it('does not keep a read that a change overlapped: it may predate the change', async () => {
    const { cache, write, holdNextRead, release, reads } = setUp();
    holdNextRead();
    const overlapped = cache.get('shop', 'u1');
    write('shop', 'u1', pending('t1'));
    cache.invalidate('shop', 'u1');
    release();
    expect(await overlapped).toBeNull();
    expect(await cache.get('shop', 'u1')).toEqual(pending('t1'));
    expect(reads()).toBe(2);
  });

  it('reads storage again once an entry is ttlMs old, and always with ttlMs 0', async () => {
    const timed = setUp({ ttlMs: 5_000 });
    await timed.cache.get('shop', 'u1');
    timed.advance(4_999);
    await timed.cache.get('shop', 'u1');
    expect(timed.reads()).toBe(1);
    timed.advance(1);
    await timed.cache.get('shop', 'u1');
    expect(timed.reads()).toBe(2);

    const off = setUp({ ttlMs: 0 });
    await off.cache.get('shop', 'u1');
    await off.cache.get('shop', 'u1');
    expect(off.reads()).toBe(2);
  });

  it('forgets everything on clear, and the oldest users beyond maxEntries', async () => {
    const { cache, reads } = setUp({ maxEntries: 2 });
    for (const user of ['u1', 'u2', 'u3']) await cache.get('shop', user);
    await cache.get('shop', 'u3');
    await cache.get('shop', 'u2');
    expect(reads()).toBe(3);
    await cache.get('shop', 'u1');
    expect(reads()).toBe(4);
    cache.clear();
    await cache.get('shop', 'u1');
    expect(reads()).toBe(5);
  });
});
