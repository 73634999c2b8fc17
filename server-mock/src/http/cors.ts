import type { Context, Hono, MiddlewareHandler } from 'hono';
import { BROWSER_PATHS } from '../protocol/index.js';
import type { Env } from './context.js';
import { HttpError } from './errors.js';

/** Browsers may call the step-up and login endpoints from any app's declared origins. */
export function allowAppOrigins(browserOrigins: ReadonlySet<string>): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next();
    const origin = c.req.header('origin');
    if (origin && browserOrigins.has(origin)) {
      c.header('access-control-allow-origin', origin);
      c.header('vary', 'Origin');
    }
  };
}

/**
 * The host of the page a browser call came from, when an app declared its origin: what an SMS's WebOTP line
 * names so that page (and no other) may read the code. Undefined for other callers (no Origin, or undeclared).
 */
export function pageHost(c: Context<Env>, browserOrigins: ReadonlySet<string>): string | undefined {
  const origin = c.req.header('origin');
  return origin && browserOrigins.has(origin) ? new URL(origin).hostname : undefined;
}

/**
 * A preflight from an origin no app declared: a problem like every other refusal, so a developer who
 * forgot to declare their origin reads why in the network panel (the browser itself only sees the 403).
 */
export const originNotAllowed = () => new HttpError(403, 'origin_not_allowed', 'This origin is not declared by any app');

/** Preflight for the browser-facing JSON endpoints (`BROWSER_PATHS`). */
export function mountBrowserPreflight(app: Hono<Env>, browserOrigins: ReadonlySet<string>): void {
  for (const path of Object.values(BROWSER_PATHS)) {
    app.options(path, (c) => {
      const origin = c.req.header('origin');
      if (!origin || !browserOrigins.has(origin)) throw originNotAllowed();
      return c.body(null, 204, {
        'access-control-allow-origin': origin,
        'access-control-allow-headers': 'content-type',
        'access-control-allow-methods': 'POST',
        'access-control-max-age': '600',
        vary: 'Origin',
      });
    });
  }
}
