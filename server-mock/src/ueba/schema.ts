import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { identifier, storableText } from '../identifier.js';

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

/**
 * What a business system may send. Derived fields (geo, UA types, intranet, requestDate, appId) are
 * accepted and dropped, never trusted: the backend computes them itself. Anything else is refused,
 * so a typo in a field name is an error rather than silently lost data.
 */
const DERIVED = ['appId', 'requestDate', 'city', 'province', 'country', 'deviceType', 'systemType', 'browserType', 'intranet', 'trustedDevice'] as const;

/**
 * What a business system may send. Derived fields (geo, UA types, intranet, requestDate, appId) are
 * accepted and dropped, never trusted: the backend computes them itself. Anything else is refused,
 * so a typo in a field name is an error rather than silently lost data.
 */
export const uebaEventInputObject = z.strictObject({
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
