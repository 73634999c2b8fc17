import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { GatewayConfig } from '../../config/schema.js';
import { DomainError } from '../../errors.js';
import { identifier } from '../../identifier.js';
import { originalRequest, type OriginalRequest } from '../../gateway/forwarded.js';
import { HOSTED_PAGE_SCRIPT, hostedPage, hostedPageHeaders } from '../../gateway/pages.js';
import { routeFor } from '../../gateway/rules.js';
import { type CheckOutcome, type Denial, type GatewayService } from '../../gateway/service.js';
import { gatewayCookieName } from '../../gateway/session.js';
import { GATEWAY_PATHS } from '../../protocol/index.js';
import { stepUpChallenge } from '../../sdk/challenge.js';
import { readJson } from '../body.js';
import { clientIp, fromTrustedProxy } from '../client-ip.js';
import { parseQuery, type AppContext, type Env, type Route } from '../context.js';
import { HttpError, problem } from '../errors.js';
import { contentType, fileUnder } from '../static-files.js';

export interface GatewayRoutesOptions extends Pick<AppContext, 'trustedProxies' | 'publicUrl'> {
  gateway: GatewayService;
}

const appQuery = z.object({
  app: z.string().min(1).max(64),
  /** nginx `auth_request` sees only 2xx, 401 and 403: `via=nginx` answers every refusal 401 with its page in headers. */
  via: z.enum(['nginx']).optional(),
});
const pageQuery = z.object({ app: z.string().min(1).max(64), rd: z.string().min(1).max(4096) });
const sessionBody = z.strictObject({ app: z.string().min(1).max(64), token: z.string().min(1).max(4096), rd: z.string().min(1).max(4096) });

/** The headers a refusal carries for nginx's `auth_request_set`, read back by its `error_page` location. */
const DENIAL_HEADER = 'x-camfa-denial';
const LOCATION_HEADER = 'x-camfa-location';

/** API clients get a problem document; a browser navigation gets the hosted page. */
function wantsJson(c: Context): boolean {
  const accept = c.req.header('accept') ?? '';
  return /application\/([\w.-]+\+)?json/.test(accept) && !accept.includes('text/html');
}

/**
 * A refusal as the client should see it: a redirect to the hosted page for a browser, or 401 problem+json for
 * an API client, with the RFC 9470 challenge (`insufficient_user_authentication`, `acr_values`, `max_age`) when
 * the user owes a step-up. For nginx, always 401, so `auth_request` passes it to `error_page`.
 */
function deniedAnswer(c: Context<Env>, denied: Extract<CheckOutcome, { result: 'denied' }>, via: 'nginx' | undefined): Response {
  const { denial, location, route, detail } = denied;
  const pointers = { [DENIAL_HEADER]: denial, [LOCATION_HEADER]: location, 'cache-control': 'no-store' };
  // nginx adds the subrequest's WWW-Authenticate to whatever its error_page answers: the denied endpoint sets it once.
  if (via === 'nginx') return c.body(null, 401, pointers);
  if (!wantsJson(c)) return c.body(null, 302, { ...pointers, location });
  if (denial === 'login') {
    const response = problem(c, new DomainError('gateway_session_required', detail));
    for (const [name, value] of Object.entries({ ...pointers, 'www-authenticate': 'Bearer realm="camfa-guard"' })) response.headers.set(name, value);
    return response;
  }
  const challenge = stepUpChallenge({ acr: route.acr, detail });
  const maxAge = route.access === 'sensitive' ? `, max_age="${route.maxAgeSeconds}"` : '';
  const headers = { ...challenge.headers, ...pointers, 'www-authenticate': `${challenge.headers['www-authenticate']}${maxAge}` };
  return c.body(JSON.stringify(challenge.body), 401, headers);
}

/** Forward auth: a gateway asks about one request; 200 with identity headers passes it. */
export function gatewayRoutes(options: GatewayRoutesOptions): Route[] {
  return [
    {
      method: 'get',
      path: GATEWAY_PATHS.check,
      summary: 'Forward auth (nginx auth_request, Traefik ForwardAuth, Caddy forward_auth): may this request pass?',
      tag: 'gateway',
      security: 'none',
      query: appQuery,
      responses: {
        200: { description: 'Pass: X-Camfa-User, X-Camfa-Amr, X-Camfa-Auth-Time for the upstream' },
        302: { description: 'A browser: to the hosted sign-in or step-up page' },
        401: { description: 'An API client (or via=nginx): gateway_session_required, or insufficient_user_authentication (RFC 9470)' },
        403: { description: 'gateway_untrusted_proxy, gateway_host_not_allowed' },
      },
      handler: checkHandler(options, (c) => parseQuery(c, appQuery)),
    },
    {
      method: 'get',
      path: GATEWAY_PATHS.denied,
      summary: "nginx's error_page after a refused auth_request: the refusal the check named, as the client should see it",
      tag: 'gateway',
      security: 'none',
      query: appQuery,
      responses: { 302: { description: 'A browser: to the hosted page' }, 401: { description: 'An API client: the problem and its challenge' } },
      handler: (c) => {
        const { app } = parseQuery(c, appQuery);
        const request = trustedRequest(c, options);
        const denial: Denial = c.req.header(DENIAL_HEADER) === 'stepup' ? 'stepup' : 'login';
        const { gateway } = options.gateway.gatewayOf(app);
        const location = options.gateway.pageFor(app, denial, request);
        const detail = denial === 'login' ? 'Sign in first' : 'Confirm it is you: this request needs a step-up';
        return deniedAnswer(c, { result: 'denied', denial, location, route: routeFor(gateway, request.path), detail }, undefined);
      },
    },
    ...hostedPageRoutes(options),
  ];
}

/**
 * The original request from the headers of a configured proxy. Anyone else is refused outright: the check
 * is for gateways, and a client talking to it directly could claim any URI and address.
 */
function trustedRequest(c: Context<Env>, { trustedProxies }: Pick<GatewayRoutesOptions, 'trustedProxies'>): OriginalRequest {
  if (!fromTrustedProxy(c, trustedProxies))
    throw new DomainError('gateway_untrusted_proxy', 'Gateway checks are answered to the configured trustedProxies only');
  const url = new URL(c.req.url);
  const request = originalRequest((name) => c.req.header(name), {
    method: c.req.method,
    pathAfterPrefix: url.pathname.startsWith(`${GATEWAY_PATHS.check}/`) ? `${url.pathname.slice(GATEWAY_PATHS.check.length)}${url.search}` : '',
    host: c.req.header('host'),
    proto: url.protocol.replace(':', ''),
  });
  if (!request) throw new HttpError(400, 'invalid_request', 'Forward X-Original-URI (nginx) or X-Forwarded-Uri (Traefik, Caddy) and X-Forwarded-Host');
  return request;
}

/** An original identity as every other endpoint takes one: it becomes the captured event's `originalIdentity`. */
const originalIdentity = identifier(256).min(1);

/** The configured identity header's user, from a request already known to come from a trusted proxy; a malformed value is no one. */
function identityOf(c: Context<Env>, gateway: Pick<GatewayConfig, 'identityHeader'>): string | undefined {
  if (!gateway.identityHeader) return undefined;
  const parsed = originalIdentity.safeParse(c.req.header(gateway.identityHeader));
  return parsed.success ? parsed.data : undefined;
}

/** Which app a check is for, and whether it comes from nginx. */
type CheckTarget = (c: Context<Env>) => z.output<typeof appQuery>;

function checkHandler(options: GatewayRoutesOptions, target: CheckTarget): (c: Context<Env>) => Promise<Response> {
  return async (c) => {
    const { app, via } = target(c);
    const request = trustedRequest(c, options);
    const { gateway } = options.gateway.gatewayOf(app);
    const outcome = await options.gateway.check({
      appId: app,
      request,
      ip: clientIp(c, options.trustedProxies),
      ua: c.req.header('user-agent'),
      cookie: getCookie(c, gatewayCookieName(app)),
      identity: identityOf(c, gateway),
    });
    if (outcome.result === 'denied') return deniedAnswer(c, outcome, via);
    return c.body(null, 200, { ...outcome.headers, 'cache-control': 'no-store' });
  };
}

/** Envoy names the app in a header (`headers_to_add`): the query of its check request is the original request's. */
const APP_HEADER = 'x-camfa-app';

/**
 * Envoy's `ext_authz` sends the original method and path as the check request itself (`path_prefix:
 * /v1/gateway/check`), so the check answers every method under its prefix too.
 */
export function mountEnvoyCheck(app: Hono<Env>, options: GatewayRoutesOptions): void {
  const target: CheckTarget = (c) => {
    const parsed = appQuery.shape.app.safeParse(c.req.header(APP_HEADER));
    if (!parsed.success) throw new DomainError('gateway_not_configured', `Name the app in ${APP_HEADER} (Envoy: authorization_request.headers_to_add)`);
    return { app: parsed.data };
  };
  app.all(`${GATEWAY_PATHS.check}/*`, checkHandler(options, target));
}

/** The hosted sign-in and step-up pages, the session they start, their script and the CDN bundle they load. */
function hostedPageRoutes(options: GatewayRoutesOptions): Route[] {
  const { gateway, publicUrl } = options;
  const pageHeaders = hostedPageHeaders(new URL(publicUrl).origin);
  const page = (c: Context<Env>, appId: string, returnTo: string, trigger?: Parameters<typeof hostedPage>[0]['trigger']) => {
    const { app, gateway: config } = gateway.gatewayOf(appId);
    const html = hostedPage({ appId, appName: app.name ?? app.id, host: publicUrl, theme: config.theme, returnTo, ...(trigger ? { trigger } : {}) });
    return c.html(html, 200, pageHeaders);
  };
  return [
    {
      method: 'get',
      path: GATEWAY_PATHS.login,
      summary: 'Hosted sign-in page (<guard-login>) on the app host; returns to rd, one of the app hosts',
      tag: 'gateway',
      security: 'none',
      query: pageQuery,
      responses: { 200: { description: 'The page', contentType: 'text/html' }, 400: { description: 'gateway_redirect_not_allowed' } },
      handler: (c) => {
        const { app, rd } = parseQuery(c, pageQuery);
        gateway.returnTarget(gateway.gatewayOf(app).gateway, rd);
        return page(c, app, rd);
      },
    },
    {
      method: 'get',
      path: GATEWAY_PATHS.stepUp,
      summary: 'Hosted step-up page (<guard-step-up>): the pending step-up, or the one a sensitive route asks for',
      tag: 'gateway',
      security: 'none',
      query: pageQuery,
      responses: { 200: { description: 'The page', contentType: 'text/html' }, 302: { description: 'No session: to the sign-in page' } },
      handler: async (c) => {
        const { app, rd } = parseQuery(c, pageQuery);
        const { gateway: config } = gateway.gatewayOf(app);
        const identity = fromTrustedProxy(c, options.trustedProxies) ? identityOf(c, config) : undefined;
        try {
          return page(c, app, rd, await gateway.stepUpFor({ appId: app, returnTo: rd, cookie: getCookie(c, gatewayCookieName(app)), identity }));
        } catch (error) {
          if (!(error instanceof DomainError) || error.code !== 'gateway_session_required') throw error;
          return c.redirect(`${GATEWAY_PATHS.login}?${new URLSearchParams({ app, rd })}`, 302);
        }
      },
    },
    sessionRoute(options),
    {
      method: 'get',
      path: GATEWAY_PATHS.script,
      summary: "The hosted pages' script",
      tag: 'gateway',
      security: 'none',
      responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } },
      handler: (c) =>
        c.body(HOSTED_PAGE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }),
    },
  ];
}

/** Whether the request's Origin is one of the app's hosts: a sign-in posted from elsewhere is login CSRF. */
function fromAppHost(c: Context<Env>, hosts: readonly string[]): boolean {
  const origin = c.req.header('origin');
  if (!origin) return false;
  try {
    return hosts.includes(new URL(origin).host);
  } catch {
    return false;
  }
}

function sessionRoute({ gateway, trustedProxies }: GatewayRoutesOptions): Route {
  return {
    method: 'post',
    path: GATEWAY_PATHS.session,
    summary: 'Trade an mfaToken of the hosted sign-in or step-up for the gateway session cookie; answers where to return',
    tag: 'gateway',
    security: 'none',
    body: sessionBody,
    responses: {
      200: {
        description: '{ location } and the camfa_gateway_<app> cookie (HttpOnly, SameSite=Lax, Secure on https)',
        schema: z.object({ location: z.string() }),
      },
      401: { description: 'gateway_sign_in_refused' },
      403: { description: 'gateway_origin_not_allowed' },
    },
    handler: async (c) => {
      const input = await readJson(c, sessionBody);
      if (!fromAppHost(c, gateway.gatewayOf(input.app).gateway.hosts))
        throw new DomainError('gateway_origin_not_allowed', 'Post from a page on one of the app hosts');
      const started = await gateway.signIn({ appId: input.app, token: input.token, returnTo: input.rd, cookie: getCookie(c, gatewayCookieName(input.app)) });
      const proto = fromTrustedProxy(c, trustedProxies) ? c.req.header('x-forwarded-proto') : undefined;
      const secure = (proto ?? new URL(c.req.url).protocol.replace(':', '')) === 'https';
      setCookie(c, started.cookie.name, started.cookie.value, { httpOnly: true, sameSite: 'Lax', path: '/', secure, maxAge: started.cookie.maxAgeSeconds });
      return c.json({ location: started.location }, 200, { 'cache-control': 'no-store' });
    },
  };
}

/** The CDN bundle under `/gateway/cdn/`, so the hosted pages load it from their own host (`script-src 'self'`). */
export function mountGatewayCdn(app: Hono<Env>, cdnDir: string): void {
  const root = resolve(cdnDir);
  app.get(`${GATEWAY_PATHS.cdn}/*`, async (c) => {
    const file = await fileUnder(root, new URL(c.req.url).pathname.slice(GATEWAY_PATHS.cdn.length + 1));
    if (!file) return c.notFound();
    return c.body(new Uint8Array(await readFile(file)), 200, {
      'content-type': contentType(file),
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    });
  });
}
