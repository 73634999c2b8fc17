import type { UserStatusRecord } from '../storage/types.js';
import type { Clock } from '../types.js';

export interface UserStatusCacheOptions {
  clock: Clock;
  /** How long an entry is trusted without news from the bus; 0 turns the cache off. */
  ttlMs: number;
  /** The oldest entries go first beyond this many users. */
  maxEntries: number;
}

/**
 * The users' status rows that `checkUserStatus` reads on every protected call of a business app, kept per
 * process. `storage.publishMfaEvent` is their only writer and every MFA event reaches every instance through
 * the bus, so an event for a user drops that user's entry. A read that overlaps any change is not kept: it may
 * have read the row before the change. Entries also expire after `ttlMs`, which bounds the staleness a bus
 * message lost on a Redis reconnect can cause.
 */
export class UserStatusCache {
  private readonly entries = new Map<string, { record: UserStatusRecord | null; storedAt: number }>();
  /** Counts every invalidation, so a read can tell whether one happened while it waited for storage. */
  private changes = 0;

  constructor(
    private readonly load: (appId: string, originalIdentity: string) => Promise<UserStatusRecord | null>,
    private readonly options: UserStatusCacheOptions,
  ) {}

  async get(appId: string, originalIdentity: string): Promise<UserStatusRecord | null> {
    if (this.options.ttlMs <= 0) return this.load(appId, originalIdentity);
    const key = cacheKey(appId, originalIdentity);
    const hit = this.entries.get(key);
    if (hit && this.options.clock() - hit.storedAt < this.options.ttlMs) return hit.record;
    const changesBefore = this.changes;
    const storedAt = this.options.clock();
    const record = await this.load(appId, originalIdentity);
    if (this.changes === changesBefore) this.keep(key, record, storedAt);
    return record;
  }

  /** The user's status may have changed (an MFA event was published for them, here or on another instance). */
  invalidate(appId: string, originalIdentity: string): void {
    this.changes += 1;
    this.entries.delete(cacheKey(appId, originalIdentity));
  }

  /** Any status may have changed (bus messages were missed). */
  clear(): void {
    this.changes += 1;
    this.entries.clear();
  }

  private keep(key: string, record: UserStatusRecord | null, storedAt: number): void {
    // Re-inserted so the Map's order is oldest-stored first.
    this.entries.delete(key);
    this.entries.set(key, { record, storedAt });
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

// Identifiers never hold control characters (`invalid_identifier`), so NUL cannot make two keys collide.
const cacheKey = (appId: string, originalIdentity: string) => `${appId}\u0000${originalIdentity}`;
