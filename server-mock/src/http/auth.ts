import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/schema.js';
import { HttpError } from './errors.js';

/** Compares secrets in constant time: both sides are hashed first so lengths never leak. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Headers already proven genuine, per app table: a busy business backend sends the same header on every
 * call, and hashing both secrets each time was a measurable share of `checkUserStatus`. Only successes
 * are remembered (a wrong secret is re-checked every time); the map holds nothing the config does not.
 */
const proven = new WeakMap<ReadonlyMap<string, AppConfig>, Map<string, AppConfig>>();
const PROVEN_LIMIT = 1000;

/** `Basic base64(appId:appSecret)` → the app, or a 401 problem. Unknown app and wrong secret look the same. */
export function authenticateApp(header: string | undefined, apps: ReadonlyMap<string, AppConfig>): AppConfig {
  let known = proven.get(apps);
  const cached = header === undefined ? undefined : known?.get(header);
  if (cached) return cached;
  const app = checkBasic(header, apps);
  if (!known) proven.set(apps, (known = new Map()));
  if (known.size >= PROVEN_LIMIT) known.clear();
  known.set(header!, app);
  return app;
}

function checkBasic(header: string | undefined, apps: ReadonlyMap<string, AppConfig>): AppConfig {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) throw unauthorized('Authenticate with HTTP Basic: appId as user name, appSecret as password');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const appId = colon < 0 ? decoded : decoded.slice(0, colon);
  const secret = colon < 0 ? '' : decoded.slice(colon + 1);
  const app = apps.get(appId);
  // Compare against a dummy when the app is unknown so both failures take the same time.
  const ok = secretsEqual(secret, app?.secret ?? 'x'.repeat(32)) && app !== undefined;
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
