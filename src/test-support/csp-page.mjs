// A plain page under the strict CSP the README promises, for csp.test.ts, mounted by web-test-runner.config.mjs.
// GET /__csp/guard.html loads the violation recorder, then only the CDN classic script; the test drives
// window.GuardFactory from the parent page (same origin) and reads window.cspViolations.

export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

// Before the library, so a violation while it evaluates is recorded too. A file, not inline: the CSP forbids that.
const RECORDER = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>camfa-guard under a strict CSP</title>
    <script src="/__csp/record-violations.js"></script>
    <script src="/dist/cdn/guard.iife.js"></script>
  </head>
  <body>
    <main id="login"></main>
  </body>
</html>
`;

export function strictCspPage() {
  return async (ctx, next) => {
    if (ctx.path === '/__csp/record-violations.js') {
      ctx.type = 'text/javascript';
      ctx.body = RECORDER;
      return;
    }
    if (ctx.path !== '/__csp/guard.html') return next();
    ctx.set('content-security-policy', STRICT_CSP);
    ctx.set('cache-control', 'no-store');
    ctx.type = 'text/html';
    ctx.body = PAGE;
  };
}
