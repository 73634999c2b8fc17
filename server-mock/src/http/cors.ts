import type { MiddlewareHandler } from 'hono';
import type { Env } from './context.js';

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
