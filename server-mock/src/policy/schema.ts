import { z } from 'zod';
import { EVENT_FIELDS, FACTOR_TYPES } from '../protocol/index.js';

/**
 * The shape of a workflow document as written (YAML or JSON). Structure only: references, CEL and
 * templates are checked in `parse.ts`, which needs the whole document to do it. Conditions (`when`)
 * are `unknown` here because a zod union would report "invalid input" at the top of a nested
 * condition group instead of naming the broken member.
 */

export const LIMITS = {
  documentBytes: 256 * 1024,
  statistics: 50,
  rules: 100,
  uses: 20,
  params: 50,
  filtersPerStatistic: 20,
  conditionDepth: 8,
  conditionsPerRule: 50,
  lastEvents: 10_000,
  /** A year: storage keeps events about that long, and a longer window only costs query time. */
  durationMs: 366 * 24 * 3_600_000,
  listValues: 1000,
} as const;

/** Ids of workflows, rules and template uses: safe in URLs, logs and file names. */
const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Parameter and statistic names are CEL identifiers, so authors can write `params.lookback` and `stats.knownCountries`. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** The backend's rule for keys of an event's `custom` map. */
const CUSTOM_FIELD = /^custom\.[A-Za-z0-9_.-]{1,64}$/;

export function isEventField(field: string): boolean {
  return (EVENT_FIELDS as readonly string[]).includes(field) || CUSTOM_FIELD.test(field);
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9][0-9]{0,9})(ms|s|m|h|d)$/;

/** "2m" → 120000; null when malformed or beyond the longest window. */
export function durationToMs(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms <= LIMITS.durationMs ? ms : null;
}

const slug = z.string().regex(SLUG, 'lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64');
const identifier = z.string().regex(IDENTIFIER, 'a name made of letters, digits and "_", not starting with a digit, at most 64');
const fieldName = z
  .string()
  .max(80)
  .refine(isEventField, { error: (issue) => `unknown event field "${String(issue.input)}"; use one of ${EVENT_FIELDS.join(', ')} or custom.<key>` });
export const durationText = z
  .string()
  .refine((text) => durationToMs(text) !== null, 'a duration like "90s", "2m", "12h" or "30d" (units ms, s, m, h, d; at most 366d)');
const text = (max: number) => z.string().max(max);

/** The languages every built-in message is written in; the browser's locales. */
export const MESSAGE_LANGUAGES = ['en', 'zh-CN', 'zh-TW', 'ja'] as const;
/** In a message map: the text for browsers whose language has none, when there is no `en`. */
export const DEFAULT_MESSAGE_KEY = 'default';

/** A BCP 47 tag in its canonical spelling (`zh-CN`, not `zh-cn`), since the browser looks its language up by exact key. */
function isLanguageTag(tag: string): boolean {
  try {
    return tag.length <= 35 && Intl.getCanonicalLocales(tag)[0] === tag;
  } catch {
    return false;
  }
}

/**
 * A step-up message: one text, or texts by language (`{ en: ..., zh-CN: ..., ja: ... }`). The English
 * text, or `default`, is what a browser without a matching language shows.
 */
export const messageSchema = z.union(
  [
    text(1024),
    z
      .record(z.string(), text(1024))
      // Keys are checked here rather than by the record: inside a union, zod reports a bad record key only as "invalid input".
      .superRefine((map, context) => {
        for (const key of Object.keys(map)) {
          if (key !== DEFAULT_MESSAGE_KEY && !isLanguageTag(key)) {
            context.addIssue({ code: 'custom', path: [key], message: 'a language tag in canonical form such as en, zh-CN, zh-TW, ja (or default)' });
          }
        }
      })
      .refine((map) => Object.keys(map).length <= 20, 'at most 20 languages')
      .refine((map) => 'en' in map || DEFAULT_MESSAGE_KEY in map, 'give the English text as en, or the text for every other language as default'),
  ],
  { error: 'a text, or texts by language tag such as { en: "...", zh-CN: "..." }' },
);
export type Message = z.output<typeof messageSchema>;

const paramReference = z.strictObject({ param: identifier });
const eventReference = z.strictObject({ event: fieldName });
const scalar = z.union([text(1024), z.number().finite(), z.boolean()], { error: 'expected a string, number or boolean' });
export const factorList = z
  .array(z.enum(FACTOR_TYPES))
  .min(1)
  .max(FACTOR_TYPES.length)
  .refine((factors) => new Set(factors).size === factors.length, 'each factor at most once');

export const FILTER_OPS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists', 'missing'] as const;
export const AGGREGATE_OPS = ['count', 'distinct', 'sum', 'values', 'latest'] as const;
export const PARAM_TYPES = ['string', 'number', 'boolean', 'duration', 'list', 'factors'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** The value check behind each parameter type; also applied to overrides at run time. */
export const PARAM_VALUE_SCHEMAS: Record<ParamType, z.ZodType> = {
  string: text(1024),
  number: z.number().finite(),
  boolean: z.boolean(),
  duration: durationText,
  list: z.array(scalar).max(LIMITS.listValues),
  factors: factorList,
};

const filter = z.strictObject({
  field: fieldName,
  op: z.enum(FILTER_OPS),
  value: z
    .union([scalar, z.array(scalar).max(LIMITS.listValues), paramReference, eventReference], {
      error: 'expected a string, number, boolean, a list of those, { param: name } or { event: field }',
    })
    .optional(),
});

const window = z
  .strictObject({
    last: z.union([z.int().min(1).max(LIMITS.lastEvents), paramReference], { error: `a whole number from 1 to ${LIMITS.lastEvents}, or { param: name }` }),
    duration: z.union([durationText, paramReference], { error: 'a duration like "2m", or { param: name }' }),
  })
  .partial()
  .refine((value) => (value.last === undefined) !== (value.duration === undefined), 'give exactly one of last (N events) or duration (e.g. "2m")');

const statistic = z.strictObject({
  id: identifier,
  description: text(500).optional(),
  filter: z.array(filter).max(LIMITS.filtersPerStatistic).default([]),
  window,
  op: z.enum(AGGREGATE_OPS),
  field: fieldName.optional(),
  groupBy: fieldName.optional(),
  scope: z.enum(['app', 'all-apps']).default('app'),
});

const then = z.strictObject({
  /** A fixed list, or `{ expr }`: CEL giving the list at run time (factor-by-attribute does this). */
  factors: z.union([factorList, z.strictObject({ expr: text(2048) })], { error: `a list of factors (${FACTOR_TYPES.join(', ')}) or { expr: "<CEL>" }` }),
  acr: text(256).min(1).optional(),
  message: messageSchema.default(''),
  custom: z.record(z.string().max(64), z.json()).default({}),
});

const rule = z.strictObject({
  id: slug,
  description: text(500).optional(),
  when: z.unknown().refine((value) => value !== undefined, 'required: a CEL condition or { all | any | not }'),
  then,
});

const paramDeclaration = z.strictObject({
  type: z.enum(PARAM_TYPES),
  default: z.unknown().refine((value) => value !== undefined, 'required: every parameter has a default'),
  description: text(500).optional(),
});

const use = z.strictObject({
  template: z.string().max(64),
  /** Defaults to the template name; needed to use one template twice. Also the id of the rule it adds. */
  id: slug.optional(),
  params: z.record(z.string().max(64), z.unknown()).default({}),
});

export const documentSchema = z
  .strictObject({
    id: slug,
    name: text(200).min(1),
    description: text(2000).optional(),
    modes: z
      .array(z.enum(['api', 'event']))
      .min(1)
      .refine((modes) => new Set(modes).size === modes.length, 'each mode at most once'),
    params: z
      .record(identifier, paramDeclaration)
      .refine((params) => Object.keys(params).length <= LIMITS.params, `at most ${LIMITS.params} parameters`)
      .default({}),
    match: text(2048).optional(),
    statistics: z.array(statistic).max(LIMITS.statistics).default([]),
    rules: z.array(rule).max(LIMITS.rules).default([]),
    uses: z.array(use).max(LIMITS.uses).default([]),
  })
  .refine((document) => document.rules.length + document.uses.length > 0, {
    error: 'a workflow needs at least one rule or one template in uses',
    path: ['rules'],
  });

export type RawDocument = z.output<typeof documentSchema>;
export type RawStatistic = RawDocument['statistics'][number];
export type RawFilter = RawStatistic['filter'][number];
export type RawWindow = RawStatistic['window'];
export type RawRule = RawDocument['rules'][number];
export type RawThen = RawRule['then'];

/** A statistic or rule as a template writes it: ids and defaults as in a document, input form. */
export type StatisticInput = z.input<typeof statistic>;
export type RuleBodyInput = Omit<z.input<typeof rule>, 'id'>;
export { statistic as statisticSchema, rule as ruleSchema };
