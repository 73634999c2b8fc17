import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Context, Hono } from 'hono';
import type { Env } from '../context.js';
import { contentType, fileUnder } from '../static-files.js';

/**
 * The console page runs with the administrator's session: no script but its own files (no inline script, no
 * eval), no framing (clickjacking a "delete app" button), nothing sent to another origin. Styles come through
 * constructable stylesheets, which `style-src 'self'` allows. TOTP enrolment's QR code is a data: image.
 */
// `data:` for images and fetches: Web Awesome's icons and its CSS's SVGs are data: URLs it fetches.
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const NOT_BUILT = 'The admin console is not built: run `npm run build` (its files go to dist/console/).\n';

/** The request's path with %-escapes decoded, or undefined when an escape is malformed. */
function decodedPath(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

/**
 * Serves the built console (`dir`, normally `dist/console/`) at `/console/`. A path that names no file gets
 * `index.html`, so the console's own routes survive a reload; `/console/api/*` is never a page. Mounted after
 * the API routes, which match first.
 */
export function mountConsoleStatic(app: Hono<Env>, dir: string): void {
  const root = resolve(dir);
  app.get('/console', (c) => c.redirect('/console/', 308));
  app.get('/console/*', async (c: Context<Env>) => {
    const path = decodedPath(c.req.url)?.slice('/console/'.length);
    if (path === undefined || path === 'api' || path.startsWith('api/')) return c.notFound();
    const file = (await fileUnder(root, path)) ?? (await fileUnder(root, 'index.html'));
    if (!file) return c.text(NOT_BUILT, 404, CONSOLE_SECURITY_HEADERS);
    const isPage = file.endsWith('.html');
    return c.body(new Uint8Array(await readFile(file)), 200, {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': contentType(file),
      // The page names its hashed assets: it must be fetched again after an upgrade, they need not be.
      'cache-control': isPage ? 'no-cache' : 'public, max-age=3600',
    });
  });
}
