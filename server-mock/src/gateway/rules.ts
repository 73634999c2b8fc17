import type { GatewayConfig, GatewayRoute } from '../config/schema.js';

/** What a path no rule covers needs: a session, fail closed, as the schema's defaults say. */
const DEFAULT_ROUTE: GatewayRoute = { path: '/', access: 'session', maxAgeSeconds: 300, everyUse: false, acr: 'urn:camfa:acr:mfa', failMode: 'closed' };

/**
 * The rule of a request path: the longest prefix that matches, as nginx picks a prefix location, so the
 * generated nginx config and the check always agree on which rule a request falls under.
 */
export function routeFor(gateway: Pick<GatewayConfig, 'routes'>, path: string): GatewayRoute {
  let best: GatewayRoute | undefined;
  for (const route of gateway.routes) {
    if (path.startsWith(route.path) && (!best || route.path.length > best.path.length)) best = route;
  }
  return best ?? DEFAULT_ROUTE;
}

/** The rules as nginx needs them: every prefix once, with `/` always present (the default for the rest). */
export function routesWithDefault(gateway: Pick<GatewayConfig, 'routes'>): GatewayRoute[] {
  return gateway.routes.some((route) => route.path === '/') ? [...gateway.routes] : [DEFAULT_ROUTE, ...gateway.routes];
}
