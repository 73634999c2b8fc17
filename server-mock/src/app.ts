import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppConfig, Config } from './config/schema.js';
import type { EventBus } from './events/bus.js';
import { uuidv7 } from './ids.js';
import { MfaService } from './events/mfa.js';
import { openStream } from './events/stream.js';
import { authenticateApp, bearerToken, secretsEqual, unauthorized } from './http/auth.js';
import { readBody, readJson } from './http/body.js';
import { HttpError, problem } from './http/errors.js';
import { RouteBook } from './http/routes.js';
import * as schemas from './http/schemas.js';
import { Metrics } from './metrics.js';
import { PolicyService } from './policy/service.js';
import type { Storage } from './storage/types.js';
import { KeyStore } from './tokens/keys.js';
import { StateTokens } from './tokens/state-token.js';
import { SubscriptionTokens } from './tokens/subscription.js';
import type { Clock } from './types.js';
import { enrichEvent, parseCidrs } from './ueba/enrich.js';
import type { GeoProvider } from './ueba/geo.js';
import { uebaEventInputSchema, type UebaEventInputParsed } from './ueba/schema.js';

export interface AppDependencies {
  config: Config;
  storage: Storage;
  geo: GeoProvider;
  bus: EventBus;
  logger: Logger;
  clock?: Clock;
  /** Interval of SSE keep-alive comments; proxies drop idle connections after ~60 s. */
  heartbeatMs?: number;
}

/** Who called: an app by its secret, the operator by the admin token, or a browser by a subscription token. */
type Principal = { kind: 'app'; app: AppConfig } | { kind: 'admin' } | { kind: 'subscription'; app: AppConfig; originalIdentity: string };
type Env = { Variables: { principal: Principal } };

export interface CamfaApp {
  app: Hono<Env>;
  policies: PolicyService;
  mfa: MfaService;
  keys: KeyStore;
  metrics: Metrics;
  /** Stops background work (file watchers, bus listeners); the caller closes storage and bus. */
  close(): Promise<void>;
}

const VERSION = '0.1.0';

/** Builds the backend from its parts. No port is bound here: tests call `app.request()`. */
export async function createApp(deps: AppDependencies): Promise<CamfaApp> {
  const { config, storage, geo, bus, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const publicUrl = (config.publicUrl ?? `http://localhost:${config.port ?? 8787}`).replace(/\/$/, '');
  const apps = new Map(config.apps.map((app) => [app.id, app]));
  const cidrsByApp = new Map(config.apps.map((app) => [app.id, parseCidrs([...config.intranetCidrs, ...(app.intranetCidrs ?? [])])]));

  const keys = new KeyStore(storage, clock);
  // Generated and persisted on first start, so every instance and restart signs with the same key.
  await keys.current();
  const stateSecret = await storage.getOrCreateSetting('state-token-secret', randomBytes(32).toString('base64url'));
  const mfa = new MfaService({
    storage,
    bus,
    clock,
    stateTokens: new StateTokens(Buffer.from(stateSecret)),
    publicUrl,
    triggerTtlMs: config.triggerTtlSeconds * 1000,
    // Factor enrolment arrives with the factors feature; until then no user has an enrolled factor.
    enrolledFactors: async () => new Set(),
  });
  const metrics = new Metrics();
  const policies = await PolicyService.create({ config, storage, mfa, bus, clock, logger, metrics });
  const subscriptions = new SubscriptionTokens(keys, publicUrl, clock);

  const toEvent = (appId: string, input: UebaEventInputParsed, id: string = uuidv7(clock())) =>
    enrichEvent(input, { id, appId, now: clock(), geo, intranetCidrs: cidrsByApp.get(appId)! });

  const requireApp: MiddlewareHandler<Env> = async (c, next) => {
    c.set('principal', { kind: 'app', app: authenticateApp(c.req.header('authorization'), apps) });
    await next();
  };
  const requireAppOrAdmin: MiddlewareHandler<Env> = async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token !== null) {
      if (!config.adminToken || !secretsEqual(token, config.adminToken)) throw unauthorized('Wrong admin token');
      c.set('principal', { kind: 'admin' });
    } else {
      c.set('principal', { kind: 'app', app: authenticateApp(c.req.header('authorization'), apps) });
    }
    await next();
  };
  const appOf = (c: Context<Env>): AppConfig => {
    const principal = c.get('principal');
    if (principal.kind === 'admin') throw new HttpError(403, 'forbidden', 'This endpoint needs app credentials');
    return principal.app;
  };
  /** Which workflow scope the caller manages: its own app, or (admin) any app or the global scope. */
  const scopeOf = (c: Context<Env>): string | null => {
    const principal = c.get('principal');
    const requested = c.req.query('app') ?? null;
    if (principal.kind === 'admin') {
      if (requested !== null && !apps.has(requested)) throw new HttpError(404, 'unknown_app', `No app "${requested}"`);
      return requested;
    }
    const own = appOf(c).id;
    if (requested !== null && requested !== own) throw new HttpError(403, 'forbidden', 'App credentials manage only their own app');
    return own;
  };

  const routes: RouteBook<Env> = new RouteBook<Env>()
    .add({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness and storage reachability',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'Healthy' }, 503: { description: 'Storage unreachable' } },
      handler: async (c) => {
        try {
          await storage.getOrCreateSetting('healthz', 'ok');
          return c.json({ status: 'ok', version: VERSION });
        } catch (error) {
          logger.error({ err: error }, 'health check failed');
          return c.json({ status: 'unavailable' }, 503);
        }
      },
    })
    .add({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      handler: async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
    })
    .add({
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'OpenAPI 3.1' } },
      handler: (c) => c.json(routes.openapi({ title: 'camfa-guard reference backend', version: VERSION, serverUrl: publicUrl }) as object),
    })
    .add({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public keys of every token this backend signs',
      tag: 'tokens',
      security: 'none',
      responses: { 200: { description: 'JWK Set' } },
      handler: async (c) => c.json(await keys.jwks(), 200, { 'cache-control': 'public, max-age=300' }),
    })
    .add({
      method: 'post',
      path: '/v1/ueba/events',
      summary: 'Capture a UEBA event (durable before the answer); runs event-mode workflows',
      tag: 'ueba',
      security: 'app',
      body: uebaEventInputSchema,
      middleware: [requireApp],
      responses: { 201: { description: 'Stored; MFA events it published', schema: schemas.captureResponse } },
      handler: async (c) => {
        const event = toEvent(appOf(c).id, await readJson(c, uebaEventInputSchema));
        await storage.insertEvent(event);
        metrics.eventsCaptured.inc();
        const published = await policies.onCapture(event);
        return c.json({ id: event.id, published }, 201);
      },
    })
    .add({
      method: 'get',
      path: '/v1/ueba/events',
      summary: 'Stored events of this app, newest first',
      tag: 'ueba',
      security: 'app',
      query: schemas.listQuery,
      middleware: [requireApp],
      responses: { 200: { description: 'Events' } },
      handler: async (c) => {
        const query = parseQuery(c, schemas.listQuery);
        return c.json({ events: await storage.listEvents({ appId: appOf(c).id, ...query }) });
      },
    })
    .add({
      method: 'post',
      path: '/v1/mfa/status',
      summary: "A user's MFA status (checkUserStatus)",
      tag: 'mfa',
      security: 'app',
      body: schemas.originalIdentityBody,
      middleware: [requireApp],
      responses: { 200: { description: 'mfaVerified is false while a step-up is pending', schema: schemas.statusResponse } },
      handler: async (c) => {
        const { originalIdentity } = await readJson(c, schemas.originalIdentityBody);
        return c.json(await mfa.status(appOf(c).id, originalIdentity));
      },
    })
    .add({
      method: 'post',
      path: '/v1/mfa/status/clear',
      summary: "Clear a user's pending step-up (administrative)",
      tag: 'mfa',
      security: 'app',
      body: schemas.originalIdentityBody,
      middleware: [requireApp],
      responses: { 200: { description: 'Cleared', schema: schemas.statusResponse } },
      handler: async (c) => {
        const { originalIdentity } = await readJson(c, schemas.originalIdentityBody);
        const app = appOf(c);
        if (await mfa.resolve(app.id, originalIdentity)) logger.info({ appId: app.id, originalIdentity }, 'pending step-up cleared by the app');
        return c.json({ mfaVerified: true });
      },
    })
    .add({
      method: 'post',
      path: '/v1/workflows/:workflowId/trigger',
      summary: 'Run an API-mode workflow (triggerWorkflow)',
      tag: 'policy',
      security: 'app',
      body: schemas.triggerBody,
      middleware: [requireApp],
      responses: { 200: { description: 'trigger is null when no MFA is needed', schema: schemas.triggerResponse } },
      handler: async (c) => {
        const app = appOf(c);
        const { metadata } = await readJson(c, schemas.triggerBody);
        const { eventId, ...input } = metadata;
        return c.json(await policies.trigger(app.id, c.req.param('workflowId')!, toEvent(app.id, input, eventId)));
      },
    })
    .add({
      method: 'get',
      path: '/v1/decisions',
      summary: 'Audit trail: every policy decision with its explanation, newest first',
      tag: 'policy',
      security: 'app',
      query: schemas.listQuery,
      middleware: [requireApp],
      responses: { 200: { description: 'Decisions' } },
      handler: async (c) => c.json({ decisions: await storage.listDecisions({ appId: appOf(c).id, ...parseQuery(c, schemas.listQuery) }) }),
    })
    .add({
      method: 'get',
      path: '/v1/admin/workflows',
      summary: 'Active workflow documents of a scope',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: { 200: { description: 'Workflows', schema: z.object({ workflows: z.array(schemas.workflowSummary) }) } },
      handler: (c) => c.json({ workflows: policies.list(scopeOf(c)) }),
    })
    .add({
      method: 'put',
      path: '/v1/admin/workflows/:workflowId',
      summary: 'Create or replace a workflow document (YAML or JSON body); invalid documents change nothing',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: {
        200: { description: 'Stored as a new version', schema: schemas.workflowSummary },
        422: { description: 'Invalid document; errors name the node and field' },
      },
      handler: async (c) => c.json(await policies.put(scopeOf(c), c.req.param('workflowId')!, await readBody(c))),
    })
    .add({
      method: 'delete',
      path: '/v1/admin/workflows/:workflowId',
      summary: 'Deactivate a workflow',
      tag: 'policy',
      security: 'app-or-admin',
      query: schemas.workflowScopeQuery,
      middleware: [requireAppOrAdmin],
      responses: { 204: { description: 'Deactivated' } },
      handler: async (c) => {
        await policies.remove(scopeOf(c), c.req.param('workflowId')!);
        return c.body(null, 204);
      },
    })
    .add({
      method: 'post',
      path: '/v1/subscriptions',
      summary: "Mint a short-lived token for one user's MFA event stream (for the browser)",
      tag: 'events',
      security: 'app',
      body: schemas.subscriptionBody,
      middleware: [requireApp],
      responses: { 201: { description: 'Token', schema: schemas.subscriptionResponse } },
      handler: async (c) => {
        const body = await readJson(c, schemas.subscriptionBody);
        const ttl = Math.min(body.ttlSeconds ?? 600, config.subscriptionTokenMaxTtlSeconds);
        const { token, expiresAt } = await subscriptions.mint({ appId: appOf(c).id, originalIdentity: body.originalIdentity }, ttl);
        return c.json({ token, expiresAt: new Date(expiresAt).toISOString() }, 201);
      },
    })
    .add({
      method: 'get',
      path: '/v1/events/stream',
      summary: 'MFA events as Server-Sent Events; Last-Event-ID replays what was missed',
      tag: 'events',
      security: 'app-or-subscription',
      query: schemas.streamQuery,
      responses: {
        200: { description: 'event-stream: `security.mfa` and `security.mfa.resolved` (JSON, or SETs with format=set)', contentType: 'text/event-stream' },
      },
      handler: async (c) => {
        const query = parseQuery(c, schemas.streamQuery);
        const principal = await streamPrincipal(c, query.access_token);
        const originalIdentity = principal.kind === 'subscription' ? principal.originalIdentity : query.originalIdentity;
        if (principal.kind === 'subscription' && query.originalIdentity && query.originalIdentity !== originalIdentity) {
          throw new HttpError(403, 'forbidden', 'A subscription token is bound to one user');
        }
        const lastEventId = c.req.header('last-event-id') ?? query.lastEventId;
        if (lastEventId !== undefined && !/^\d{1,18}$/.test(lastEventId))
          throw new HttpError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id');
        corsFor(c, principal.app);
        return streamSSE(c, (stream) =>
          openStream(stream, {
            appId: principal.app.id,
            originalIdentity,
            afterSeq: lastEventId === undefined ? undefined : Number(lastEventId),
            format: query.format,
            mfa,
            bus,
            keys,
            issuer: publicUrl,
            heartbeatMs: deps.heartbeatMs ?? 15_000,
            clock,
          }),
        );
      },
    });

  async function streamPrincipal(c: Context<Env>, queryToken: string | undefined): Promise<Extract<Principal, { app: AppConfig }>> {
    const header = c.req.header('authorization');
    const token = queryToken ?? bearerToken(header);
    if (token === null) return { kind: 'app', app: authenticateApp(header, apps) };
    const claims = await subscriptions.verify(token);
    const app = claims ? apps.get(claims.appId) : undefined;
    if (!claims || !app) throw new HttpError(401, 'invalid_token', 'The subscription token is invalid or expired');
    return { kind: 'subscription', app, originalIdentity: claims.originalIdentity };
  }

  /** Browsers may read a stream only from the app's declared origins. */
  function corsFor(c: Context<Env>, app: AppConfig): void {
    const origin = c.req.header('origin');
    if (origin && app.origins.includes(origin)) {
      c.header('access-control-allow-origin', origin);
      c.header('vary', 'Origin');
    }
  }

  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    metrics.httpDuration.observe({ route: c.req.routePath, method: c.req.method, status: String(c.res.status) }, (performance.now() - started) / 1000);
  });
  // Preflight for browsers that send the subscription token in a header rather than the query.
  app.options('/v1/events/stream', (c) => {
    const origin = c.req.header('origin');
    if (!origin || !config.apps.some((candidate) => candidate.origins.includes(origin))) return c.body(null, 403);
    return c.body(null, 204, {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization, last-event-id',
      'access-control-allow-methods': 'GET',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });
  routes.mount(app);
  app.notFound((c) => problem(c, new HttpError(404, 'not_found', `No route ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((error, c) => {
    if (error instanceof HttpError) return problem(c, error);
    logger.error({ err: error, route: c.req.routePath }, 'unhandled error');
    return problem(c, new HttpError(500, 'internal_error'));
  });

  return {
    app,
    policies,
    mfa,
    keys,
    metrics,
    close: () => policies.close(),
  };
}

function parseQuery<T extends z.ZodObject>(c: Context, schema: T): z.output<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw HttpError.fromZod(parsed.error, 'invalid_query');
  return parsed.data;
}
