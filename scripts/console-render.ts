/**
 * Issue 12, point 6: the admin console's first render in Chromium. `dist/console` is served as the backend
 * serves it (under a CSP without 'unsafe-inline') by a bare static server whose `/console/api/session`
 * answers 401, so what is timed is the console alone: from navigation start until the sign-in's
 * `<guard-login>` form is on screen, in a fresh browser context (cold cache) each sample. CSP violations are
 * counted, so a change that needs an inline script shows here too.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { percentile } from './percentile.js';
import { CONSOLE_DIR } from './bundle-sizes.js';
import { launchBrowser } from '../e2e/support.js';
import { CONSOLE_SECURITY_HEADERS } from '../server-mock/src/http/routes/console-static.js';

/** What the console needs, and no more: Web Awesome fetches its icons as `data:` URLs and its CSS carries some. */
/** The policy the backend serves the console under, so the figure counts the violations users would see. */
const CONSOLE_CSP = CONSOLE_SECURITY_HEADERS['content-security-policy']!;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };

/** Runs in the page: milliseconds from navigation start to the login form, and the CSP violations seen. */
const RENDERED = `(() => document.querySelector('camfa-sign-in guard-login input') ? { at: performance.now(), violations: window.cspViolations ?? 0 } : null)()`;

export async function consoleFirstRender(samples: number): Promise<{ p50: number; max: number; samples: number; violations: number }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/console/api/') || path.startsWith('/v1/')) {
      response.writeHead(path.startsWith('/v1/') ? 404 : 401, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ code: path.startsWith('/v1/') ? 'not_found' : 'console_session_required' }));
      return;
    }
    const file = path.startsWith('/console/assets/') ? join(CONSOLE_DIR, path.slice('/console/'.length)) : join(CONSOLE_DIR, 'index.html');
    readFile(file).then(
      (body) => {
        response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONSOLE_CSP });
        response.end(body);
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const browser = await launchBrowser();
  const times: number[] = [];
  let violations = 0;
  try {
    for (let sample = 0; sample < samples; sample += 1) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(() => {
        const counter = window as unknown as { cspViolations: number };
        counter.cspViolations = 0;
        document.addEventListener('securitypolicyviolation', () => (counter.cspViolations += 1));
      });
      await page.goto(`http://127.0.0.1:${port}/console/`);
      const result = (await (await page.waitForFunction(RENDERED, undefined, { polling: 'raf', timeout: 15_000 })).jsonValue()) as {
        at: number;
        violations: number;
      };
      times.push(result.at);
      violations += result.violations;
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), max: times.at(-1) ?? 0, samples, violations };
}
