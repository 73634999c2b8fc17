import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';
import { inCidrs, type parseCidrs } from '../ueba/enrich.js';

/**
 * The browser's address for browser-facing endpoints: the socket's peer, or, when that peer is a trusted
 * proxy, the last X-Forwarded-For hop that is not one. Walking from the right stops a client from
 * prepending an address of its choosing.
 */
export function clientIp(c: Context, trustedProxies: ReturnType<typeof parseCidrs>): string | null {
  const peer = peerAddress(c);
  if (!peer || !fromTrustedProxy(c, trustedProxies)) return peer ?? null;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index]!;
    if (!ipaddr.isValid(hop)) return peer;
    if (!inCidrs(hop, trustedProxies)) return hop;
  }
  return peer;
}

/** The socket's peer; undefined under `app.request()` in tests, which has no socket. */
function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Whether the request comes straight from a configured proxy, so its forwarded headers may be believed. */
export function fromTrustedProxy(c: Context, trustedProxies: ReturnType<typeof parseCidrs>): boolean {
  const peer = peerAddress(c);
  return peer !== undefined && trustedProxies.length > 0 && inCidrs(peer, trustedProxies);
}
