import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { POSTGRES_SCHEMA_NAME } from '../storage/dialect.js';
import { FACTOR_TYPES } from '../protocol/index.js';

const cidr = z.string().refine((value) => {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a CIDR such as 10.0.0.0/8 or fd00::/8');

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be an origin such as https://app.example.com (scheme, host, optional port; no path)');

/** Spliced into `search_path` and `create schema`, so only names that need no quoting. */
export const databaseSchemaName = z.string().regex(POSTGRES_SCHEMA_NAME, 'lowercase letters, digits and _, not starting with a digit, at most 63');

/** Becomes part of a Redis channel name; `:` lets deployments nest (`acme:staging`). */
export const redisPrefixName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : and -, at most 64');

export const DEFAULT_REDIS_PREFIX = 'camfa-guard';

/** What SDK clients do when the backend cannot be reached. */
export const failModeSchema = z.enum(['open', 'closed']);

/** An app's factor switches: the factors its step-ups may offer, each once. */
export const appFactorsSchema = z
  .array(z.enum(FACTOR_TYPES))
  .min(1, 'switch on at least one factor')
  .refine((factors) => new Set(factors).size === factors.length, 'name each factor once');

/** A host as a browser's address bar shows it: a name or address, with a port when it is not the scheme's. */
const hostAndPort = z
  .string()
  .regex(/^[a-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/, 'a host such as app.example.com or localhost:8080 (lowercase, no scheme or path)');

/** One rule of a gateway-fronted app: what a path prefix of the original request needs. */
export const gatewayRouteSchema = z.strictObject({
  /** A prefix of the original URI's path; the longest matching rule wins, like an nginx prefix location. */
  path: z.string().regex(/^\/[^\s?#]*$/, 'a path prefix starting with / (no query)'),
  /** `public`: anyone; `session`: a signed-in user with no step-up pending; `sensitive`: also a step-up within `maxAgeSeconds`. */
  access: z.enum(['public', 'session', 'sensitive']).default('session'),
  /** RFC 9470 `max_age` of a sensitive route: how old the user's last step-up may be. */
  maxAgeSeconds: z.number().int().min(1).max(86_400).default(300),
  /**
   * A sensitive route that each step-up opens once (a transfer, a deletion): the next request here steps up
   * again. `maxAgeSeconds` still bounds how soon after the step-up that one use must come.
   */
  everyUse: z.boolean().default(false),
  /** RFC 9470 `acr_values` a step-up for this route asks for. */
  acr: z.string().min(1).max(256).default('urn:camfa:acr:mfa'),
  /** The UEBA `behaviorType` of a request here; absent: `access`. */
  behaviorType: z.string().min(1).max(64).optional(),
  /** What the gateway does when it cannot ask the backend (its generated config decides, the backend is down). */
  failMode: failModeSchema.default('closed'),
});

/**
 * Gateway access (forward auth): the backend answers a gateway's `auth_request` / ForwardAuth / ext_authz for
 * an app whose code does not change, and serves its sign-in and step-up pages on the app's own hosts.
 */
export const gatewaySchema = z.strictObject({
  /** The hosts the app is served on: the gateway's checks must name one, and a sign-in returns only to them. */
  hosts: z.array(hostAndPort).min(1, 'list the hosts the app is served on'),
  /**
   * A header an upstream login already sets (`X-Remote-User`), believed from trusted proxies only; absent: the
   * user is the one of the gateway session cookie that the hosted sign-in sets.
   */
  identityHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional(),
  /** How long a gateway session lasts after sign-in. */
  sessionMinutes: z.number().int().min(5).max(43_200).default(480),
  /** The rules by path prefix; a path no rule covers needs a session. Each prefix once: nginx refuses a location twice. */
  routes: z
    .array(gatewayRouteSchema)
    .default([])
    .refine((routes) => new Set(routes.map((route) => route.path)).size === routes.length, 'name each path once')
    .refine((routes) => routes.every((route) => !route.path.startsWith('/gateway/')), '/gateway/ is where the hosted pages live'),
  /** The hosted pages' theme. */
  theme: z.enum(['light', 'dark']).default('light'),
});

export const appSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64'),
  name: z.string().min(1).max(128).optional(),
  // A shared secret for server-to-server calls; 32+ characters so it cannot be guessed online.
  secret: z.string().min(32, 'must be at least 32 characters'),
  origins: z.array(origin).default([]),
  intranetCidrs: z.array(cidr).optional(),
  /**
   * "Trust this device" after a step-up: how long the device binding lasts. Absent: the option is not
   * offered. A workflow can still refuse it for its step-ups (`then.custom.trustDevice: false`).
   */
  trustDevice: z.strictObject({ ttlDays: z.number().int().min(1).max(400) }).optional(),
  /** The factors switched on: a step-up offers only these, whatever a workflow names. Absent: every factor. */
  factors: appFactorsSchema.optional(),
  /** What this app's SDK clients should do when the backend is unreachable; absent: the global `failMode`. */
  failMode: failModeSchema.optional(),
  /** Forward auth for gateways (nginx `auth_request`, Traefik, Caddy, Envoy); absent: the app has no gateway checks. */
  gateway: gatewaySchema.optional(),
  /** The API-mode workflow that judges logins to the built-in user directory; absent: no step-up at login. */
  loginWorkflow: z.string().max(64).default('login'),
  /**
   * Passkeys (WebAuthn). Defaults: `rpId` the hostname of the first of `origins`, `origins` the app's
   * declared origins, `rpName` the app's name. Assertions from any other origin or RP ID are refused.
   */
  webauthn: z
    .strictObject({
      rpId: z
        .string()
        .regex(/^[a-z0-9.-]{1,253}$/, 'a hostname such as example.com (no scheme or port)')
        .optional(),
      rpName: z.string().min(1).max(128).optional(),
      origins: z.array(origin).min(1).optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  /**
   * Public base URL of this backend: the `host` in trigger data and the `iss` of its tokens. Required with
   * PostgreSQL or Redis: instances behind one load balancer must accept each other's tokens.
   */
  publicUrl: z.url().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  dataDir: z.string().optional(),
  /** postgres://… for PostgreSQL; absent: the SQLite file in dataDir. `DATABASE_URL` overrides. */
  databaseUrl: z.string().optional(),
  /** PostgreSQL schema of this deployment (created if needed); absent: the connection's default. `CAMFA_DATABASE_SCHEMA` overrides. */
  databaseSchema: databaseSchemaName.optional(),
  /** Redis for pub/sub across instances. `REDIS_URL` overrides. */
  redisUrl: z.string().optional(),
  /** Namespace of this deployment's Redis channel: deployments sharing a Redis need different ones. `CAMFA_REDIS_PREFIX` overrides. */
  redisPrefix: redisPrefixName.default(DEFAULT_REDIS_PREFIX),
  /** Bearer token for global admin endpoints (global workflows). 32+ characters. */
  adminToken: z.string().min(32, 'must be at least 32 characters').optional(),
  /** What SDK clients configured from this file do when the backend cannot be reached. */
  failMode: failModeSchema.default('open'),
  intranetCidrs: z.array(cidr).default([]),
  /**
   * Reverse proxies whose X-Forwarded-For is believed for browser-facing endpoints (login, step-up).
   * Anything else sees the socket's address, so a client cannot claim another IP.
   */
  trustedProxies: z.array(cidr).default([]),
  geo: z
    .strictObject({
      provider: z.enum(['geoip-lite', 'maxmind', 'none']).default('geoip-lite'),
      /** For `maxmind`: a GeoLite2-City / DB-IP City .mmdb file. */
      file: z.string().optional(),
    })
    .default({ provider: 'geoip-lite' }),
  triggerTtlSeconds: z.number().int().min(60).max(600).default(600),
  subscriptionTokenMaxTtlSeconds: z.number().int().min(60).max(86_400).default(3_600),
  /** Rotate the token signing key once it is this old (retired keys stay in the JWKS while their tokens live). Absent: never. */
  signingKeyMaxAgeDays: z.number().int().min(1).max(3650).optional(),
  policies: z
    .strictObject({
      /** Watched folder: `*.yaml|*.yml|*.json` are global workflows, `<appId>/*.yaml` belong to that app. */
      dir: z.string().optional(),
      /** Inline documents (objects in the workflow format); `app` scopes one to an app. */
      documents: z.array(z.strictObject({ app: z.string().optional(), document: z.record(z.string(), z.unknown()) })).default([]),
    })
    .default({ documents: [] }),
  factors: z
    .strictObject({
      /** E-mail codes over SMTP (nodemailer). Absent: in a dev config the outbox, otherwise e-mail is unavailable. */
      smtp: z
        .strictObject({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).default(587),
          secure: z.boolean().default(false),
          user: z.string().optional(),
          password: z.string().optional(),
          from: z.string().min(3),
        })
        .optional(),
      /** SMS codes through an HTTP webhook (POST JSON, HMAC-SHA256 signed with `secret`). */
      smsWebhook: z.strictObject({ url: z.url(), secret: z.string().min(32, 'must be at least 32 characters') }).optional(),
      /** AES-256-GCM keys sealing factor secrets: `id:base64[,older-id:base64…]`, newest first. `CAMFA_FACTOR_KEYS` overrides. */
      keys: z.string().optional(),
      /** 32 random bytes (base64) keyed into code hashes. `CAMFA_FACTOR_PEPPER` overrides. */
      pepper: z.string().optional(),
      /** Offered, in this order, by a step-up that names no factors (passwordless start). */
      defaultFactors: z.array(z.enum(FACTOR_TYPES)).min(1).default(['totp', 'sms', 'email', 'recovery_code']),
      /** Code lifetime (NIST: at most 10 minutes). */
      codeTtlSeconds: z.number().int().min(60).max(600).default(300),
      /** Consecutive failures per user and factor before a lock (NIST: at most 100). */
      lockoutThreshold: z.number().int().min(1).max(100).default(10),
      /** Face verification (see the README's "Face" section before changing a threshold). */
      face: z
        .strictObject({
          /** Human similarity a frame must reach to match the template; calibrate on your own population. */
          threshold: z.number().min(0.5).max(1).default(0.7),
          /** Mean liveness score the frames must reach. */
          livenessThreshold: z.number().min(0).max(1).default(0.5),
          /** Smallest face side, in pixels, that is analysed. */
          minFacePixels: z.number().int().min(32).max(640).default(64),
          /** Load the models at start instead of on the first face request. */
          preload: z.boolean().default(false),
        })
        .optional(),
    })
    .default({ codeTtlSeconds: 300, lockoutThreshold: 10, defaultFactors: ['totp', 'sms', 'email', 'recovery_code'] }),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).default({ level: 'info' }),
  /** Dev only: marks the config as generated, enabling developer conveniences. */
  dev: z.boolean().default(false),
  apps: z.array(appSchema).min(1, 'declare at least one app'),
});

export type AppConfig = z.output<typeof appSchema>;
export type Config = z.output<typeof configSchema>;
export type GatewayConfig = z.output<typeof gatewaySchema>;
export type GatewayRoute = z.output<typeof gatewayRouteSchema>;
export type ConfigInput = z.input<typeof configSchema>;
