import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { DomainError } from './errors.js';
import type { EventBus } from './events/bus.js';
import { MfaService } from './events/mfa.js';
import { AppRegistry, offeredFactors } from './apps/registry.js';
import { AppService } from './apps/service.js';
import { guards, type AppContext, type Env, type Guards, type Route } from './http/context.js';
import { appRoutes } from './http/routes/apps.js';
import { HttpError, problem } from './http/errors.js';
import { mountBrowserPreflight } from './http/cors.js';
import { RouteBook } from './http/routes.js';
import { eventRoutes, mountStreamPreflight } from './http/routes/events.js';
import { operationsRoutes, VERSION } from './http/routes/operations.js';
import { policyRoutes } from './http/routes/policy.js';
import { uebaRoutes } from './http/routes/ueba.js';
import { Metrics } from './metrics.js';
import { PolicyService } from './workflows/service.js';
import type { Storage } from './storage/types.js';
import { DEFAULT_RETIRED_KEY_GRACE_MS, KEY_RELOAD_INTERVAL_MS, KeyStore } from './tokens/keys.js';
import { loadStateTokens } from './tokens/state-token.js';
import { SubscriptionTokens } from './tokens/subscription.js';
import type { Clock } from './types.js';
import { ADMIN_PATHS, CONSOLE_PATHS, type FactorType } from './protocol/index.js';
import { createStepUp, loadConfiguredFactorSecrets } from './stepup/setup.js';
import { stepUpRoutes } from './http/routes/stepup.js';
import { userRoutes } from './http/routes/users.js';
import { loginRoutes } from './http/routes/login.js';
import { LoginService } from './login/service.js';
import { outboxRoute } from './http/routes/outbox.js';
import { faceAssetRoutes } from './http/routes/face.js';
import { CaptureService } from './ueba/capture.js';
import { parseCidrs } from './ueba/enrich.js';
import type { GeoProvider } from './ueba/geo.js';
import { AuditLog } from './console/audit.js';
import { withConsoleApp } from './console/definition.js';
import { ConsoleSessions } from './console/sessions.js';
import { consoleGuards, consoleRoutes, noStore, type ConsoleGuards } from './http/routes/console.js';
import { mountConsoleStatic } from './http/routes/console-static.js';
import { consoleWorkflowRoutes } from './http/routes/console-workflows.js';
import { WorkflowLifecycle } from './workflows/lifecycle.js';
import { consoleUserRoutes } from './http/routes/console-users.js';
import { consoleLiveRoutes } from './http/routes/console-live.js';
import { gatewayRoutes, mountEnvoyCheck, mountGatewayCdn, type GatewayRoutesOptions } from './http/routes/gateway.js';
import { GatewayService } from './gateway/service.js';
import { GatewaySessions } from './gateway/session.js';

export interface AppDependencies {
  config: Config;
  storage: Storage;
  geo: GeoProvider;
  bus: EventBus;
  logger: Logger;
  clock?: Clock;
  /** Interval of SSE keep-alive comments; proxies drop idle connections after ~60 s. */
  heartbeatMs?: number;
  /** How often an open console Live stream reads storage; default 250 ms, so a capture shows within a second. */
  livePollMs?: number;
  /** The built admin console served at `/console/`; default the package's `dist/console/`. */
  consoleDir?: string;
  /** The CDN build the gateway's hosted pages load; default the package's `dist/cdn/`. */
  cdnDir?: string;
}

/** `dist/` of this package, found from the package root whether this runs from source or from `dist/`. */
const PACKAGE_DIST = join(dirname(createRequire(import.meta.url).resolve('camfa-guard/package.json')), 'dist');

export interface CamfaApp {
  app: Hono<Env>;
  policies: PolicyService;
  mfa: MfaService;
  keys: KeyStore;
  metrics: Metrics;
  /** Stops background work (file watchers, bus listeners); the caller closes storage and bus. */
  close(): Promise<void>;
}

const PURGE_INTERVAL_MS = 10 * 60_000;
/** How long a user's MFA status is answered from memory without news from the bus (see `UserStatusCache`). */
const STATUS_CACHE_TTL_MS = 5_000;

/** Builds the backend from its parts. No port is bound here: tests call `app.request()`. */
export async function createApp(deps: AppDependencies): Promise<CamfaApp> {
  const { storage, geo, bus, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const publicUrl = (deps.config.publicUrl ?? `http://localhost:${deps.config.port ?? 8787}`).replace(/\/$/, '');
  // The console signs its administrators in through the same login and step-up as any app.
  const config = withConsoleApp(deps.config, publicUrl);
  const registry = await AppRegistry.create({ apps: config.apps, storage, bus, logger });
  const { apps } = registry;

  const secrets = await loadConfiguredFactorSecrets(config, storage);
  const keys = new KeyStore(storage, clock, {
    keyring: secrets.keyring,
    // A retired key must verify every token it signed until that token expires; subscription tokens live longest.
    retiredKeyGraceMs: Math.max(DEFAULT_RETIRED_KEY_GRACE_MS, config.subscriptionTokenMaxTtlSeconds * 1000 + KEY_RELOAD_INTERVAL_MS),
    ...(config.signingKeyMaxAgeDays ? { maxKeyAgeMs: config.signingKeyMaxAgeDays * 86_400_000 } : {}),
  });
  // Generated and persisted on first start, so every instance and restart signs with the same key.
  await keys.current();
  const stateTokens = await loadStateTokens({ storage, keyring: secrets.keyring });
  const mfa = new MfaService({
    storage,
    bus,
    clock,
    stateTokens,
    publicUrl,
    triggerTtlMs: config.triggerTtlSeconds * 1000,
    enrolledFactors: async (appId, originalIdentity) => new Set((await stepUpParts.stepUp.enrolledTypes(appId, originalIdentity)) as FactorType[]),
    offeredFactors: (appId, requested) => offeredFactors(apps.get(appId), requested),
    // SQLite is one instance's store; a shared PostgreSQL needs the Redis bus to tell the others of a change.
    statusCacheTtlMs: storage.dialect === 'sqlite' || bus.reachesEveryInstance ? STATUS_CACHE_TTL_MS : 0,
  });
  const stepUpParts = await createStepUp({ config, apps, storage, clock, keys, publicUrl, stateTokens, mfa, logger, secrets });
  const metrics = new Metrics();
  const policies = await PolicyService.create({ config, storage, mfa, bus, clock, logger, metrics });

  const context: AppContext = {
    config,
    apps,
    appService: new AppService({ registry, storage, clock, failMode: config.failMode }),
    publicUrl,
    storage,
    bus,
    logger,
    clock,
    keys,
    mfa,
    policies,
    metrics,
    subscriptions: new SubscriptionTokens(keys, publicUrl, clock),
    heartbeatMs: deps.heartbeatMs ?? 15_000,
    livePollMs: deps.livePollMs ?? 250,
    stepUp: stepUpParts.stepUp,
    directory: stepUpParts.directory,
    recovery: stepUpParts.recovery,
    lockout: stepUpParts.lockout,
    passkeys: stepUpParts.passkeys,
    trustedProxies: parseCidrs(config.trustedProxies),
    browserOrigins: registry.browserOrigins,
    capture: new CaptureService({ config, apps, storage, geo, keys, publicUrl, clock, metrics, policies }),
    consoleSessions: new ConsoleSessions({ storage, clock }),
    audit: new AuditLog({ storage, clock }),
  };
  const gateway = gatewayParts(context, secrets.pepper);
  const files = { consoleDir: deps.consoleDir ?? join(PACKAGE_DIST, 'console'), cdnDir: deps.cdnDir ?? join(PACKAGE_DIST, 'cdn') };
  const app = httpApp(context, routeBook(context, stepUpParts, gateway), { ...files, gateway });

  // Spent codes, used token ids and stale counters are only dead weight once expired.
  const purge = setInterval(() => {
    storage.purgeExpired(clock()).catch((error: unknown) => logger.warn({ err: error }, 'purging expired records failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();

  return {
    app,
    policies,
    mfa,
    keys,
    metrics,
    close: async () => {
      clearInterval(purge);
      stepUpParts.close();
      mfa.close();
      registry.close();
      await policies.close();
    },
  };
}

/** Gateway access: sessions signed with the backend's persistent pepper, so they hold across restarts and instances. */
function gatewayParts(context: AppContext, pepper: Buffer): GatewayRoutesOptions {
  const sessions = new GatewaySessions({ pepper, clock: context.clock });
  return { ...context, gateway: new GatewayService({ ...context, sessions, defaultFactors: context.config.factors.defaultFactors }) };
}

/** Every endpoint, each given only the parts it uses; `/openapi.json` describes the same book. */
function routeBook(context: AppContext, stepUpParts: Awaited<ReturnType<typeof createStepUp>>, gateway: GatewayRoutesOptions): RouteBook<Env> {
  const { publicUrl } = context;
  const routeGuards = guards(context);
  const consoleAccess = consoleGuards({ sessions: context.consoleSessions });
  const routes = new RouteBook<Env>();
  const openapi = () => routes.openapi({ title: 'camfa-guard reference backend', version: VERSION, serverUrl: publicUrl });
  for (const route of [
    ...operationsRoutes(context, openapi),
    ...uebaRoutes(context, routeGuards),
    ...policyRoutes(context, routeGuards),
    ...appsRoutes(context, routeGuards, consoleAccess),
    ...eventRoutes(context, routeGuards),
    ...stepUpRoutes(context, routeGuards),
    ...userRoutes(context, routeGuards),
    ...loginRoutes({ ...context, login: new LoginService({ ...context, otp: stepUpParts.otp }) }),
    ...faceAssetRoutes(),
    ...consoleRoutes({ ...context, sessions: context.consoleSessions }, consoleAccess),
    ...consoleWorkflowRoutes({ ...context, lifecycle: new WorkflowLifecycle(context) }, consoleAccess),
    ...consoleUserRoutes(context, consoleAccess),
    ...consoleLiveRoutes(context, consoleAccess),
    ...gatewayRoutes(gateway),
    ...(stepUpParts.outbox ? [outboxRoute(stepUpParts.outbox)] : []),
  ]) {
    routes.add(route);
  }
  return routes;
}

/**
 * The apps endpoints twice: on the admin token for automation (the token names no person: its changes are
 * audited as `admin-token`), and in the console behind the administrator's session, role and CSRF check.
 */
function appsRoutes({ appService, audit }: AppContext, { requireAdmin }: Guards, consoleAccess: ConsoleGuards): Route[] {
  return [
    ...appRoutes({
      apps: appService,
      guard: requireAdmin,
      editorGuard: async (_c, next) => next(),
      audit,
      actor: () => 'admin-token',
      prefix: ADMIN_PATHS.apps,
      security: 'admin',
    }),
    ...appRoutes({
      apps: appService,
      guard: consoleAccess.requireConsoleSession,
      editorGuard: consoleAccess.requireEditor,
      audit,
      actor: (c) => consoleAccess.consoleAdmin(c).name,
      prefix: CONSOLE_PATHS.apps,
      security: 'console',
    }),
  ];
}

/** The Hono app: request metrics, the preflights, the routes, the console's files, and a problem for whatever they refuse or throw. */
function httpApp(context: AppContext, routes: RouteBook<Env>, files: { consoleDir: string; cdnDir: string; gateway: GatewayRoutesOptions }): Hono<Env> {
  const { metrics, logger } = context;
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    metrics.httpDuration.observe({ route: c.req.routePath, method: c.req.method, status: String(c.res.status) }, (performance.now() - started) / 1000);
  });
  mountStreamPreflight(app, context);
  mountBrowserPreflight(app, context.browserOrigins);
  app.use('/console/api/*', noStore);
  routes.mount(app);
  mountEnvoyCheck(app, files.gateway);
  mountGatewayCdn(app, files.cdnDir);
  mountConsoleStatic(app, files.consoleDir);
  app.notFound((c) => problem(c, new HttpError(404, 'not_found', `No route ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((error, c) => {
    if (error instanceof HttpError || error instanceof DomainError) return problem(c, error);
    logger.error({ err: error, route: c.req.routePath }, 'unhandled error');
    return problem(c, new HttpError(500, 'internal_error'));
  });
  return app;
}
