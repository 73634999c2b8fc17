import type { GatewayConfig, GatewayRoute } from '../config/schema.js';
import { GATEWAY_PATHS } from '../protocol/index.js';
import { routesWithDefault } from './rules.js';

export interface NginxServerOptions {
  appId: string;
  gateway: Pick<GatewayConfig, 'hosts' | 'routes'>;
  /** nginx's `listen` (`8080`, `127.0.0.1:8080`, `443 ssl`). */
  listen: string;
  /** This backend as nginx reaches it, e.g. `http://127.0.0.1:8787`. */
  backend: string;
  /** The app nginx fronts, e.g. `http://127.0.0.1:3000`. */
  upstream: string;
}

/** The upstream learns who passed from these; each is set (or blanked) in every location, so a client can never send its own. */
const IDENTITY = [
  ['X-Camfa-User', 'camfa_user'],
  ['X-Camfa-Amr', 'camfa_amr'],
  ['X-Camfa-Auth-Time', 'camfa_auth_time'],
] as const;

const FORWARDED = [
  'proxy_set_header X-Forwarded-Host $http_host;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
];

const indent = (lines: string[], depth = 2) => lines.map((line) => `${' '.repeat(depth)}${line}`);
const block = (head: string, body: string[]) => [`${head} {`, ...indent(body), '}'];

/**
 * One route rule as an nginx prefix location (nginx picks the longest prefix, as the check does). Public routes
 * never ask the backend; the others `auth_request` it, send a refusal to `@camfa_denied`, and on the backend being
 * down (the subrequest's 500/502/504) pass without identity (`open`) or refuse (`closed`).
 */
function routeLocation(route: GatewayRoute, upstream: string): string[] {
  if (route.access === 'public') {
    return block(`location ${route.path}`, [...IDENTITY.map(([header]) => `proxy_set_header ${header} "";`), ...FORWARDED, `proxy_pass ${upstream};`]);
  }
  return block(`location ${route.path}`, [
    'auth_request /_camfa/check;',
    ...IDENTITY.map(([header, variable]) => `auth_request_set $${variable} $upstream_http_${header.toLowerCase().replace(/-/g, '_')};`),
    'auth_request_set $camfa_denial $upstream_http_x_camfa_denial;',
    'error_page 401 = @camfa_denied;',
    `error_page 500 502 503 504 = ${route.failMode === 'open' ? '@camfa_open' : '@camfa_closed'};`,
    ...IDENTITY.map(([header, variable]) => `proxy_set_header ${header} $${variable};`),
    ...FORWARDED,
    `proxy_pass ${upstream};`,
  ]);
}

/** The check's refusals and the backend's absence, each its own named location. */
function namedLocations(appId: string, backend: string, upstream: string): string[] {
  const unavailable = JSON.stringify({
    type: 'https://camfa-guard.dev/problems/backend_unavailable',
    title: 'Service Unavailable',
    status: 503,
    code: 'backend_unavailable',
    detail: 'The sign-in service cannot be reached',
  });
  return [
    // proxy_pass takes no URI in a named location: the URI is rewritten first.
    ...block('location @camfa_denied', [
      `rewrite ^ ${GATEWAY_PATHS.denied}?app=${appId} break;`,
      'proxy_set_header X-Camfa-Denial $camfa_denial;',
      ...FORWARDED,
      'proxy_set_header X-Original-URI $request_uri;',
      `proxy_pass ${backend};`,
    ]),
    ...block('location @camfa_open', [...IDENTITY.map(([header]) => `proxy_set_header ${header} "";`), ...FORWARDED, `proxy_pass ${upstream};`]),
    ...block('location @camfa_closed', ['default_type application/problem+json;', 'add_header Cache-Control no-store always;', `return 503 '${unavailable}';`]),
  ];
}

/**
 * The `server { }` block that puts an app behind nginx with camfa-guard as its `auth_request`, generated from the
 * app's gateway rules so nginx and the check never disagree about a route: the hosted pages under `/gateway/` on
 * the app's own host, the internal check (original method, URI, host, scheme and client address forwarded), one
 * location per rule, and the refusals. Print it with `camfa-guard gateway nginx`.
 */
export function nginxServer({ appId, gateway, listen, backend, upstream }: NginxServerOptions): string {
  const check = block('location = /_camfa/check', [
    'internal;',
    `proxy_pass ${backend}${GATEWAY_PATHS.check}?app=${appId}&via=nginx;`,
    'proxy_pass_request_body off;',
    'proxy_set_header Content-Length "";',
    'proxy_set_header X-Original-Method $request_method;',
    'proxy_set_header X-Original-URI $request_uri;',
    ...FORWARDED,
    // A backend that does not answer in time is a backend that is down: the route's fail mode decides.
    'proxy_connect_timeout 2s;',
    'proxy_read_timeout 5s;',
  ]);
  const pages = block('location /gateway/', [...FORWARDED, `proxy_pass ${backend};`]);
  const routes = routesWithDefault(gateway).flatMap((route) => routeLocation(route, upstream));
  const body = [
    `listen ${listen};`,
    `server_name ${gateway.hosts.map((host) => host.replace(/:\d+$/, '')).join(' ')};`,
    ...pages,
    ...check,
    ...routes,
    ...namedLocations(appId, backend, upstream),
  ];
  return `${block('server', body).join('\n')}\n`;
}
