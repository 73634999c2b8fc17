import { createHash, timingSafeEqual } from 'node:crypto';
import { hashSecret, secretMatches, type RegisteredApp } from '../apps/registry.js';
import { HttpError } from './errors.js';

/** Compares secrets in constant time: both sides are hashed first so lengths never leak. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Headers already proven genuine, per app table: a busy business backend sends the same header on every
 * call, and hashing the secret each time was a measurable share of `checkUserStatus`. Only successes
 * are remembered (a wrong secret is re-checked every time). A hit counts only while the table still holds
 * that very app object: a rotated secret or any other change replaces it, and a removed app is gone, so
 * either is refused on its next call.
 */
const proven = new WeakMap<ReadonlyMap<string, RegisteredApp>, Map<string, RegisteredApp>>();
const PROVEN_LIMIT = 1000;
const UNKNOWN_APP_HASH = hashSecret('x'.repeat(32));

/** `Basic base64(appId:appSecret)` → the app, or a 401 problem. Unknown app and wrong secret look the same. */
export function authenticateApp(header: string | undefined, apps: ReadonlyMap<string, RegisteredApp>): RegisteredApp {
  let known = proven.get(apps);
  const cached = header === undefined ? undefined : known?.get(header);
  if (cached && apps.get(cached.id) === cached) return cached;
  const app = checkBasic(header, apps);
  if (!known) proven.set(apps, (known = new Map()));
  if (known.size >= PROVEN_LIMIT) known.clear();
  known.set(header!, app);
  return app;
}

function checkBasic(header: string | undefined, apps: ReadonlyMap<string, RegisteredApp>): RegisteredApp {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) throw unauthorized('Authenticate with HTTP Basic: appId as user name, appSecret as password');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const appId = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? '' : decoded.slice(colon + 1);
  const app = apps.get(appId);
  // Compare against a dummy when the app is unknown so both failures take the same time.
  const ok = secretMatches(secret, app?.secretHash ?? UNKNOWN_APP_HASH) && app !== undefined;
  if (!ok) throw unauthorized('Unknown app or wrong secret');
  return app;
}

export function unauthorized(detail: string): HttpError {
  return new HttpError(401, 'invalid_client', detail, {});
}

/** `Bearer <token>` or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header ?? '');
  return match ? match[1]! : null;
}
