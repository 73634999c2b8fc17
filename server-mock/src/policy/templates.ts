import { z } from 'zod';
import type { FactorType } from '../protocol/index.js';
import { isValidCidr } from './cel.js';
import { durationText, factorList, LIMITS, messageSchema, type Message, type MESSAGE_LANGUAGES, type RuleBodyInput, type StatisticInput } from './schema.js';

/**
 * Built-in templates: the seed scenarios, ready to reference from a workflow's `uses`. Each one
 * expands into ordinary statistics and one rule, which then go through the same checks as a
 * hand-written document, so a template can never produce something a user could not write.
 * The rule's CEL sees the template's own parameters as `params` and its own statistics as `stats`.
 * README.md documents every template; keep the two in step.
 */

export const DEFAULT_ACR = 'urn:camfa:acr:mfa';

export interface TemplateExpansion {
  statistics: StatisticInput[];
  rule: RuleBodyInput;
}

export interface Template {
  name: string;
  summary: string;
  /** Validates `uses[].params` and fills in defaults. */
  params: z.ZodType<Record<string, unknown>>;
  /** Every parameter the template knows; optional ones left out are null in CEL rather than missing keys. */
  paramNames: readonly string[];
  expand(params: Record<string, unknown>): TemplateExpansion;
}

function defineTemplate<Shape extends z.ZodRawShape>(definition: {
  name: string;
  summary: string;
  params: Shape;
  expand: (params: z.output<z.ZodObject<Shape>>) => TemplateExpansion;
}): Template {
  const schema = z.strictObject(definition.params);
  return {
    name: definition.name,
    summary: definition.summary,
    params: schema as unknown as z.ZodType<Record<string, unknown>>,
    paramNames: Object.keys(definition.params),
    expand: (params) => definition.expand(params as z.output<typeof schema>),
  };
}

/** A built-in message in every language the browser ships; written per language, since a value quoted into a translated sentence reads as a stray word. */
type BuiltInMessage = Record<(typeof MESSAGE_LANGUAGES)[number], string>;

/** What every template lets a user change about its outcome. */
function outcomeParams(factors: FactorType[], message: BuiltInMessage) {
  return {
    factors: factorList.default(factors),
    acr: z.string().min(1).max(256).default(DEFAULT_ACR),
    message: messageSchema.default(message),
  };
}

function outcome(params: { factors: FactorType[]; acr: string; message: Message }): RuleBodyInput['then'] {
  return { factors: params.factors, acr: params.acr, message: params.message };
}

/**
 * Templates judge sign-ins. An event with no behaviorType counts as one because API-mode callers often
 * send bare metadata at login; a failed attempt never steps up, since there is no session to protect
 * and an attacker's failures must not lock the real user out.
 */
const SIGN_IN = "(event.behaviorType == null || event.behaviorType == 'login') && event.behaviorResult != 'failure'";

const sameUser = { field: 'originalIdentity', op: 'eq', value: { event: 'originalIdentity' } } as const;
const successfulLogins = [sameUser, { field: 'behaviorType', op: 'eq', value: 'login' }, { field: 'behaviorResult', op: 'eq', value: 'success' }] as const;
const scopeParam = { acrossApps: z.boolean().default(false) };
const scopeOf = (acrossApps: boolean) => (acrossApps ? 'all-apps' : 'app');

/** "Is this place among the user's last N successful sign-ins?" for country and city. */
const PLACE_MESSAGES = {
  country: {
    en: 'Sign-in from a country ({{event.country}}) not seen in the last {{params.lookback}} sign-ins',
    'zh-CN': '本次登录来自最近 {{params.lookback}} 次登录中未出现过的国家或地区（{{event.country}}）',
    'zh-TW': '本次登入來自最近 {{params.lookback}} 次登入中未曾出現的國家或地區（{{event.country}}）',
    ja: '過去 {{params.lookback}} 回のサインインでは見られなかった国・地域（{{event.country}}）からのサインインです',
  },
  city: {
    en: 'Sign-in from a city ({{event.city}}) not seen in the last {{params.lookback}} sign-ins',
    'zh-CN': '本次登录来自最近 {{params.lookback}} 次登录中未出现过的城市（{{event.city}}）',
    'zh-TW': '本次登入來自最近 {{params.lookback}} 次登入中未曾出現的城市（{{event.city}}）',
    ja: '過去 {{params.lookback}} 回のサインインでは見られなかった都市（{{event.city}}）からのサインインです',
  },
} satisfies Record<string, BuiltInMessage>;

function unusualPlace(name: string, field: 'country' | 'city', lookback: number): Template {
  return defineTemplate({
    name,
    summary: `Step up when the ${field} is not among the user's last ${lookback} successful sign-ins (a user with no history is not unusual).`,
    params: {
      lookback: z.int().min(1).max(LIMITS.listValues).default(lookback),
      ...scopeParam,
      ...outcomeParams(['totp', 'sms'], PLACE_MESSAGES[field]),
    },
    expand: (params) => ({
      statistics: [
        {
          id: 'known',
          description: `${field} values of the user's last successful sign-ins`,
          filter: [...successfulLogins],
          window: { last: { param: 'lookback' } },
          op: 'values',
          field,
          scope: scopeOf(params.acrossApps),
        },
      ],
      rule: {
        description: `the ${field} is known and not among recent ones; no history means no hit`,
        when: [SIGN_IN, `event.${field} != null`, 'size(stats.known) > 0', `!(event.${field} in stats.known)`].join(' && '),
        then: outcome(params),
      },
    }),
  });
}

const unusualCountry = unusualPlace('unusual-country', 'country', 10);
const unusualCity = unusualPlace('unusual-city', 'city', 20);

const extranet = defineTemplate({
  name: 'extranet',
  summary: 'Step up when the request does not come from the intranet (the backend marks intranet addresses; or give cidrs).',
  params: {
    cidrs: z.array(z.string().refine(isValidCidr, 'a CIDR range such as 10.0.0.0/8')).min(1).max(LIMITS.listValues).optional(),
    ...outcomeParams(['totp', 'sms'], {
      en: 'Access from outside the company network',
      'zh-CN': '当前访问来自公司网络之外',
      'zh-TW': '目前的存取來自公司網路之外',
      ja: '社外のネットワークからのアクセスです',
    }),
  },
  expand: (params) => ({
    statistics: [],
    rule: {
      // An event without an IP counts as outside: unknown must not mean trusted.
      description: params.cidrs ? 'the IP is in none of the given ranges' : 'the backend did not mark the IP as intranet',
      when: params.cidrs ? '!params.cidrs.exists(range, inCidr(event.ip, range))' : '!event.intranet',
      then: outcome(params),
    },
  }),
});

const factorByAttribute = defineTemplate({
  name: 'factor-by-attribute',
  summary: 'Step up with factors chosen by a user attribute (e.g. role): user.<attribute>, else event.custom.<attribute>.',
  params: {
    attribute: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an attribute name'),
    map: z.record(z.string().min(1).max(256), factorList).refine((map) => Object.keys(map).length > 0, 'at least one value'),
    /** Factors for users whose attribute matches no key; without it they pass. */
    default: factorList.optional(),
    acr: z.string().min(1).max(256).default(DEFAULT_ACR),
    // Names neither the attribute (a key such as "roles" reads as a stray English word in a translation) nor
    // its value (users on `default` have no mapped value, and values are often internal codes).
    message: messageSchema.default({
      en: 'Your account requires additional verification',
      'zh-CN': '您的账号需要进行额外验证',
      'zh-TW': '您的帳號需要進行額外驗證',
      ja: 'お使いのアカウントには追加の確認が必要です',
    } satisfies BuiltInMessage),
  },
  expand: (params) => {
    // A list attribute (several roles) uses the first of the user's values that has a mapping.
    const known = 'userAttribute(user, event, params.attribute).filter(value, value in params.map)';
    return {
      statistics: [],
      rule: {
        description: params.default ? 'every user: mapped factors, else the default' : 'users whose attribute has a mapping',
        when: params.default ? SIGN_IN : `${SIGN_IN} && size(${known}) > 0`,
        then: {
          factors: { expr: `cel.bind(known, ${known}, size(known) > 0 ? params.map[known[0]] : params.default)` },
          acr: params.acr,
          message: params.message,
        },
      },
    };
  },
});

const ipFailures = defineTemplate({
  name: 'ip-failures',
  summary: 'Step up the next sign-in from an IP that failed to log in at least N times within a window, whoever the user.',
  params: {
    threshold: z.int().min(1).max(LIMITS.lastEvents).default(3),
    window: durationText.default('2m'),
    ...scopeParam,
    ...outcomeParams(['totp', 'sms', 'email'], {
      en: 'Several failed sign-ins from this network ({{event.ip}}) in the last {{params.window}}',
      'zh-CN': '此网络（{{event.ip}}）最近多次登录失败',
      'zh-TW': '此網路（{{event.ip}}）最近多次登入失敗',
      ja: 'このネットワーク（{{event.ip}}）で最近サインインの失敗が続いています',
    }),
  },
  expand: (params) => ({
    statistics: [
      {
        id: 'failures',
        description: 'failed logins from this IP, any user',
        filter: [
          { field: 'ip', op: 'eq', value: { event: 'ip' } },
          { field: 'behaviorType', op: 'eq', value: 'login' },
          { field: 'behaviorResult', op: 'eq', value: 'failure' },
        ],
        window: { duration: params.window },
        op: 'count',
        scope: scopeOf(params.acrossApps),
      },
    ],
    rule: { description: 'failures before this sign-in reach the threshold', when: `${SIGN_IN} && stats.failures >= params.threshold`, then: outcome(params) },
  }),
});

const ipVelocity = defineTemplate({
  name: 'ip-velocity',
  summary: 'Step up a sign-in from an IP that already logged in many times, or to many apps, within a window (counted across apps).',
  params: {
    maxLogins: z.int().min(1).max(LIMITS.lastEvents).default(10),
    maxApps: z.int().min(1).max(LIMITS.listValues).default(3),
    window: durationText.default('5m'),
    ...outcomeParams(['totp', 'sms', 'email'], {
      en: 'Unusually many sign-ins from this network ({{event.ip}})',
      'zh-CN': '此网络（{{event.ip}}）的登录次数异常偏多',
      'zh-TW': '此網路（{{event.ip}}）的登入次數異常偏多',
      ja: 'このネットワーク（{{event.ip}}）からのサインインが異常に多くなっています',
    }),
  },
  expand: (params) => {
    const fromThisIp = [
      { field: 'ip', op: 'eq', value: { event: 'ip' } },
      { field: 'behaviorType', op: 'eq', value: 'login' },
    ] as const;
    return {
      statistics: [
        {
          id: 'logins',
          description: 'logins from this IP, any user, any app',
          filter: [...fromThisIp],
          window: { duration: params.window },
          op: 'count',
          scope: 'all-apps',
        },
        {
          id: 'apps',
          description: 'distinct apps this IP logged in to',
          filter: [...fromThisIp],
          window: { duration: params.window },
          op: 'distinct',
          field: 'appId',
          scope: 'all-apps',
        },
      ],
      rule: {
        description: 'earlier logins from this IP reach either limit',
        when: { all: [SIGN_IN, { any: ['stats.logins >= params.maxLogins', 'stats.apps >= params.maxApps'] }] },
        then: outcome(params),
      },
    };
  },
});

const newDevice = defineTemplate({
  name: 'new-device',
  summary: 'Step up when the device id was not used in a successful sign-in by this user within a window (default 30 days); users with no history pass.',
  params: {
    window: durationText.default('30d'),
    ...scopeParam,
    ...outcomeParams(['totp', 'sms', 'email'], {
      en: 'Sign-in from a new device',
      'zh-CN': '本次登录来自新设备',
      'zh-TW': '本次登入來自新裝置',
      ja: '新しいデバイスからのサインインです',
    }),
  },
  expand: (params) => ({
    statistics: [
      // last: 1 with count answers "any successful sign-in ever?" without counting them all.
      {
        id: 'history',
        description: "the user's latest successful sign-in, if any",
        filter: [...successfulLogins],
        window: { last: 1 },
        op: 'count',
        scope: scopeOf(params.acrossApps),
      },
      {
        id: 'sameDevice',
        description: 'successful sign-ins by this user from this device',
        filter: [...successfulLogins, { field: 'deviceId', op: 'eq', value: { event: 'deviceId' } }],
        window: { duration: params.window },
        op: 'count',
        scope: scopeOf(params.acrossApps),
      },
    ],
    rule: {
      description: 'the event names a device, the user has history, and the device is not in it',
      when: `${SIGN_IN} && event.deviceId != null && !event.trustedDevice && stats.history > 0 && stats.sameDevice == 0`,
      then: outcome(params),
    },
  }),
});

const impossibleTravel = defineTemplate({
  name: 'impossible-travel',
  summary: "Step up when reaching this sign-in's location from the previous successful one needs more than 805 km/h (500 mph).",
  params: {
    maxSpeedKmh: z.number().positive().max(100_000).default(805),
    /** Geo databases place one connection in nearby cities from one lookup to the next; ignore hops shorter than this. */
    minDistanceKm: z.number().min(0).max(20_000).default(100),
    ...scopeParam,
    ...outcomeParams(['webauthn', 'totp', 'sms'], {
      en: 'Sign-in from {{event.city}}, {{event.country}}: too far from the previous sign-in to travel in time',
      'zh-CN': '本次登录来自 {{event.city}}（{{event.country}}），与上次登录地点相距太远，短时间内不可能到达',
      'zh-TW': '本次登入來自 {{event.city}}（{{event.country}}），與上次登入地點相距太遠，短時間內不可能抵達',
      ja: '今回のサインインは {{event.city}}（{{event.country}}）からで、前回のサインイン地点から短時間で移動できる距離ではありません',
    }),
  },
  expand: (params) => ({
    statistics: [
      {
        id: 'previous',
        description: "the user's previous successful sign-in",
        filter: [...successfulLogins],
        window: { last: 1 },
        op: 'latest',
        scope: scopeOf(params.acrossApps),
      },
    ],
    rule: {
      description: 'distance at least minDistanceKm and speed above maxSpeedKmh',
      when: {
        all: [
          SIGN_IN,
          'stats.previous != null',
          'eventDistanceKm(stats.previous, event) >= params.minDistanceKm',
          'speedKmh(stats.previous, event) > params.maxSpeedKmh',
        ],
      },
      then: outcome(params),
    },
  }),
});

export const TEMPLATES: ReadonlyMap<string, Template> = new Map(
  [unusualCountry, unusualCity, extranet, factorByAttribute, ipFailures, ipVelocity, newDevice, impossibleTravel].map((template) => [template.name, template]),
);
