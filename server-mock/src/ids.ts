import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids that grow with time are
 * appended at the end of their unique index instead of landing on a random page. Built from
 * `randomUUID()` (which draws from a cached entropy pool) rather than a fresh `randomBytes` call per id.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
