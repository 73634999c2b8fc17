import Bowser from 'bowser';
import ipaddr from 'ipaddr.js';
import type { UebaEvent } from '../protocol/index.js';
import type { GeoProvider } from './geo.js';
import type { UebaEventInputParsed } from './schema.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseCidrs(cidrs: readonly string[]): Cidr[] {
  return cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
}

/** True when `ip` falls in any CIDR; an IPv4-mapped IPv6 address is compared as IPv4. */
export function inCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const parsed = ipaddr.process(ip);
  return cidrs.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
}

type UaFields = Pick<UebaEvent, 'deviceType' | 'systemType' | 'browserType'>;

/** A user base sends few distinct User-Agents and parsing one costs more than the rest of enrichment. */
const uaCache = new Map<string, UaFields>();
const UA_CACHE_SIZE = 2000;

function describeUa(ua: string): UaFields {
  const cached = uaCache.get(ua);
  if (cached) return cached;
  const parsed = Bowser.parse(ua);
  const fields = {
    deviceType: parsed.platform.type || null,
    systemType: parsed.os.name || null,
    browserType: parsed.browser.name || null,
  };
  if (uaCache.size >= UA_CACHE_SIZE) uaCache.delete(uaCache.keys().next().value!);
  uaCache.set(ua, fields);
  return fields;
}

export interface EnrichContext {
  id: string;
  appId: string;
  now: number;
  geo: GeoProvider;
  intranetCidrs: readonly Cidr[];
  /** Whether the input's deviceToken was verified for this user and deviceId (the caller checks it). */
  trustedDevice?: boolean;
}

/** Builds the stored event: client input plus every field the backend derives itself. */
export function enrichEvent(input: UebaEventInputParsed, context: EnrichContext): UebaEvent {
  const ip = input.ip ? ipaddr.process(input.ip).toString() : null;
  const location = ip ? context.geo.lookup(ip) : null;
  const ua = input.ua ?? null;
  return {
    id: context.id,
    appId: context.appId,
    requestDate: context.now,
    originalIdentity: input.originalIdentity,
    ip,
    country: location?.country ?? null,
    province: location?.province ?? null,
    city: location?.city ?? null,
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
    intranet: ip ? inCidrs(ip, context.intranetCidrs) : false,
    trustedDevice: context.trustedDevice ?? false,
    ua,
    ...(ua ? describeUa(ua) : { deviceType: null, systemType: null, browserType: null }),
    behaviorType: input.behaviorType ?? null,
    behaviorResult: input.behaviorResult ?? null,
    resourcesType: input.resourcesType ?? null,
    actionType: input.actionType ?? null,
    loginType: input.loginType ?? null,
    deviceId: input.deviceId ?? null,
    custom: input.custom ?? {},
  };
}
