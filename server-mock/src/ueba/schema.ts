import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { identifier, storableText } from '../identifier.js';
import type { UebaEvent } from '../protocol/index.js';

/** Every string a client sends is bounded; 1 KB covers the longest real User-Agent strings. */
const MAX_STRING = 1024;
const MAX_CUSTOM_KEYS = 32;

const text = storableText(MAX_STRING);
const ip = z
  .string()
  .max(64)
  .refine((value) => ipaddr.isValid(value), 'must be an IPv4 or IPv6 address');

const customValue = z.union([text, z.number().finite(), z.boolean(), z.null()]);
const custom = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys: letters, digits, _ . -, at most 64'), customValue)
  .refine((map) => Object.keys(map).length <= MAX_CUSTOM_KEYS, `at most ${MAX_CUSTOM_KEYS} keys`);

const DERIVED = ['appId', 'requestDate', 'city', 'province', 'country', 'deviceType', 'systemType', 'browserType', 'intranet', 'trustedDevice'] as const;

/**
 * What a business system may send. Derived fields (geo, UA types, intranet, requestDate, appId) are
 * accepted and dropped, never trusted: the backend computes them itself. Anything else is refused,
 * so a typo in a field name is an error rather than silently lost data.
 */
/** The fields a business system itself knows. */
const clientFields = {
  originalIdentity: identifier(256).min(1),
  ip: ip.optional(),
  ua: text.optional(),
  behaviorType: text.optional(),
  behaviorResult: text.optional(),
  resourcesType: text.optional(),
  actionType: text.optional(),
  loginType: text.optional(),
  deviceId: identifier(MAX_STRING).optional(),
  deviceToken: z.string().max(4096).optional(),
  custom: custom.optional(),
};

export const uebaEventInputObject = z.strictObject({
  ...clientFields,
  ...Object.fromEntries(DERIVED.map((field) => [field, z.unknown().optional()])),
});

function withoutDerived<T extends Record<string, unknown>>(input: T) {
  const kept = { ...input };
  for (const field of DERIVED) delete kept[field];
  return kept as Omit<T, (typeof DERIVED)[number]>;
}

export const uebaEventInputSchema = uebaEventInputObject.transform(withoutDerived);

/** API-mode metadata: an event plus, optionally, the id `capture` returned for it (excluded from its own statistics). */
export const triggerMetadataSchema = uebaEventInputObject.extend({ eventId: identifier(64).optional() }).transform(withoutDerived);

export type UebaEventInputParsed = z.output<typeof uebaEventInputSchema>;

/**
 * A typed event for a policy simulation: what a business system sends, plus the derived fields a simulation may
 * set itself (an event "from Lyon" needs no IP that geolocates there). They override what enrichment derives.
 */
export const simulationEventSchema = z.strictObject({
  ...clientFields,
  country: text.nullable().optional(),
  province: text.nullable().optional(),
  city: text.nullable().optional(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  intranet: z.boolean().optional(),
  deviceType: text.nullable().optional(),
  systemType: text.nullable().optional(),
  browserType: text.nullable().optional(),
});

const SIMULATED = ['country', 'province', 'city', 'latitude', 'longitude', 'intranet', 'deviceType', 'systemType', 'browserType'] as const;

/** The input enrichment takes, and the derived fields the simulation sets over its result. */
export function splitSimulationEvent(event: z.output<typeof simulationEventSchema>): { input: UebaEventInputParsed; overrides: Partial<UebaEvent> } {
  const overrides: Record<string, unknown> = {};
  const input: Record<string, unknown> = { ...event };
  for (const field of SIMULATED) {
    if (event[field] !== undefined) overrides[field] = event[field];
    delete input[field];
  }
  return { input: input as UebaEventInputParsed, overrides: overrides as Partial<UebaEvent> };
}
