import { GATEWAY_PATHS, type MfaTriggerData } from '../protocol/index.js';

/** What a hosted page hands its script: the app, the backend the elements talk to, where to go after, and the step-up to run. */
export interface HostedPageConfig {
  appId: string;
  appName: string;
  /** The backend's public URL: `<guard-login>` and `<guard-step-up>` call it, as on any page that embeds them. */
  host: string;
  theme: 'light' | 'dark';
  returnTo: string;
  /** The step-up page's trigger; absent on the sign-in page. */
  trigger?: MfaTriggerData;
}

/**
 * The hosted pages allow their own scripts only (the CDN bundle and `page.js`, no inline script), calls to
 * the backend, no framing (a sign-in form in someone's iframe is a phishing kit), and forms posted nowhere.
 */
export function hostedPageHeaders(backendOrigin: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${backendOrigin}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);

/**
 * A hosted page: the CDN bundle, the configuration as inert JSON (`<` escaped, so no value closes the script
 * element), and `page.js`, which signs in or steps up and trades the mfaToken for the gateway session.
 */
export function hostedPage(config: HostedPageConfig): string {
  const title = config.trigger ? 'Confirm it is you' : 'Sign in';
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en" data-theme="${config.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${title} · ${config.appName}`)}</title>
<script id="camfa-gateway" type="application/json">${json}</script>
<script src="${GATEWAY_PATHS.cdn}/guard.iife.js" defer></script>
<script src="${GATEWAY_PATHS.script}" defer></script>
</head>
<body>
<main>
<h1>${escapeHtml(config.appName)}</h1>
<div id="guard"></div>
<p id="gateway-error" role="alert"></p>
</main>
</body>
</html>
`;
}

/**
 * The hosted pages' script (served as a file: the pages' CSP allows no inline script). The sign-in page runs
 * `<guard-login>` (its login workflow's step-up included), the step-up page `<guard-step-up>` on the trigger
 * it was given; either way the mfaToken goes to `/gateway/session` on this host, which sets the session
 * cookie and names where to return.
 */
export const HOSTED_PAGE_SCRIPT = `(() => {
  const config = JSON.parse(document.getElementById('camfa-gateway').textContent);
  const guard = new window.GuardFactory.Guard({ appId: config.appId, host: config.host, theme: config.theme });
  const report = (error) => {
    document.getElementById('gateway-error').textContent = error && error.message ? error.message : String(error);
  };
  const startSession = async (token) => {
    const response = await fetch(${JSON.stringify(GATEWAY_PATHS.session)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ app: config.appId, token, rd: config.returnTo }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.detail || answer.code);
    window.location.assign(answer.location);
  };
  const token = config.trigger ? guard.startMfa(config.trigger, { cancellable: false }) : guard.start('#guard').then((result) => result.token);
  token.then(startSession).catch(report);
})();
`;
