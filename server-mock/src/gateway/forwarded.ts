/** The request a gateway asks about, as its forwarded headers describe it. */
export interface OriginalRequest {
  method: string;
  /** Path and query, as the client sent them. */
  uri: string;
  /** The path alone, for the route rules. */
  path: string;
  /** host[:port], lowercase. */
  host: string;
  proto: 'http' | 'https';
}

/** What the check request itself says, for gateways that forward the original as the request (Envoy `ext_authz`). */
export interface CheckRequest {
  method: string;
  /** The path after the check's own prefix (`/v1/gateway/check/app/x` → `/app/x`), with the query; '' when none. */
  pathAfterPrefix: string;
  host: string | undefined;
  proto: string;
}

const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;

/**
 * Reads the original request from the conventions of each gateway: nginx (`X-Original-Method`,
 * `X-Original-URI`, set by the config), Traefik and Caddy (`X-Forwarded-Method`, `X-Forwarded-Uri`), and Envoy,
 * which sends the original method and path as the check request itself. Host and scheme come from
 * `X-Forwarded-Host` / `X-Forwarded-Proto`, else the request's own. Null when no URI can be found. The caller
 * believes these headers only from a trusted proxy.
 */
export function originalRequest(header: (name: string) => string | undefined, check: CheckRequest): OriginalRequest | null {
  const uri = header('x-original-uri') ?? header('x-forwarded-uri') ?? (check.pathAfterPrefix || undefined);
  const host = (first(header('x-forwarded-host')) ?? check.host)?.toLowerCase();
  if (!uri?.startsWith('/') || !host) return null;
  const method = (header('x-original-method') ?? header('x-forwarded-method') ?? check.method).toUpperCase();
  const proto = (first(header('x-forwarded-proto')) ?? check.proto) === 'https' ? 'https' : 'http';
  return { method, uri, path: uri.replace(/[?#].*$/, ''), host, proto };
}

/** The original URL, for returning the user to it after a sign-in or step-up. */
export const originalUrl = (request: OriginalRequest) => `${request.proto}://${request.host}${request.uri}`;
