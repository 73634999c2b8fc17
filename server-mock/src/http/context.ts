import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { RegisteredApp } from '../apps/registry.js';
import type { AppService } from '../apps/service.js';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { MfaService } from '../events/mfa.js';
import type { Metrics } from '../metrics.js';
import type { PolicyService } from '../workflows/service.js';
import type { Storage } from '../storage/types.js';
import type { KeyStore } from '../tokens/keys.js';
import type { SubscriptionTokens } from '../tokens/subscription.js';
import type { Clock } from '../types.js';
import type { CaptureService } from '../ueba/capture.js';
import type { AuditLog } from '../console/audit.js';
import { CONSOLE_APP_ID } from '../console/definition.js';
import type { ConsoleSessions, ResumedSession } from '../console/sessions.js';
import type { parseCidrs } from '../ueba/enrich.js';
import type { FactorLockout } from '../factors/lockout.js';
import type { RecoveryCodes } from '../factors/recovery-codes.js';
import type { PasskeyFactor } from '../factors/webauthn.js';
import type { StepUpService } from '../stepup/service.js';
import type { UserDirectory } from '../users/directory.js';
import { authenticateApp, bearerToken, secretsEqual, unauthorized } from './auth.js';
import { HttpError } from './errors.js';
import type { RouteSpec } from './routes.js';

/** Who called: an app by its secret, the operator by the admin token, or a browser by a subscription token. */
export type Principal = { kind: 'app'; app: RegisteredApp } | { kind: 'admin' } | { kind: 'subscription'; app: RegisteredApp; originalIdentity: string };
/** `consoleSession`: set by the console's `requireConsoleSession` on `/console/api/*` (`http/routes/console.ts`). */
export type Env = { Variables: { principal: Principal; consoleSession: ResumedSession } };
export type Route = RouteSpec<Env>;

/**
 * The parts routes are built from, built once by `createApp`. A route module asks for the few it uses as a
 * `Pick` of these (`UebaRoutesOptions`, …), so it is wired, and tested, with nothing else.
 */
export interface AppContext {
  config: Config;
  /** Every app, live (`AppRegistry`): config apps and those created at run time. */
  apps: ReadonlyMap<string, RegisteredApp>;
  /** Creating and changing apps at run time (the console's and the admin API's apps endpoints). */
  appService: AppService;
  publicUrl: string;
  storage: Storage;
  bus: EventBus;
  logger: Logger;
  clock: Clock;
  keys: KeyStore;
  mfa: MfaService;
  policies: PolicyService;
  metrics: Metrics;
  subscriptions: SubscriptionTokens;
  heartbeatMs: number;
  /** Between two reads of storage by an open console Live stream. */
  livePollMs: number;
  stepUp: StepUpService;
  directory: UserDirectory;
  recovery: RecoveryCodes;
  lockout: FactorLockout;
  passkeys: PasskeyFactor;
  /** Proxies whose X-Forwarded-For is believed (`clientIp`). */
  trustedProxies: ReturnType<typeof parseCidrs>;
  /** Every app's declared browser origins (CORS for login and step-up). */
  browserOrigins: ReadonlySet<string>;
  /** Client input into stored UEBA events (enriched, recorded, judged in event mode). */
  capture: CaptureService;
  /** Console administrators' sessions (`/console/api/*`, guarded by `consoleGuards`). */
  consoleSessions: ConsoleSessions;
  /** Where every change made through the console is recorded. */
  audit: AuditLog;
}

/** Authentication middleware and the helpers that read its result. */
export function guards(context: Pick<AppContext, 'apps' | 'config'>) {
  const { apps, config } = context;
  const requireApp: MiddlewareHandler<Env> = async (c, next) => {
    c.set('principal', { kind: 'app', app: authenticateApp(c.req.header('authorization'), apps) });
    await next();
  };
  const checkAdmin = (token: string) => {
    if (!config.adminToken || !secretsEqual(token, config.adminToken)) throw unauthorized('Wrong admin token');
  };
  const requireAdmin: MiddlewareHandler<Env> = async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token === null) throw unauthorized('Authenticate with the admin token: Authorization: Bearer <adminToken>');
    checkAdmin(token);
    c.set('principal', { kind: 'admin' });
    await next();
  };
  const requireAppOrAdmin: MiddlewareHandler<Env> = async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (token !== null) {
      checkAdmin(token);
      c.set('principal', { kind: 'admin' });
    } else {
      c.set('principal', { kind: 'app', app: authenticateApp(c.req.header('authorization'), apps) });
    }
    await next();
  };
  const appOf = (c: Context<Env>): RegisteredApp => {
    const principal = c.get('principal');
    if (principal.kind === 'admin') throw new HttpError(403, 'forbidden', 'This endpoint needs app credentials');
    return principal.app;
  };
  /** Which workflow scope the caller manages: its own app, or (admin) any app or the global scope. */
  const scopeOf = (c: Context<Env>): string | null => {
    const principal = c.get('principal');
    const requested = c.req.query('app') ?? null;
    if (principal.kind === 'admin') {
      // The console's login workflow is built in: the admin token must not be a way to switch off its step-up.
      if (requested !== null && (!apps.has(requested) || requested === CONSOLE_APP_ID)) throw new HttpError(404, 'unknown_app', `No app "${requested}"`);
      return requested;
    }
    const own = appOf(c).id;
    if (requested !== null && requested !== own) throw new HttpError(403, 'forbidden', 'App credentials manage only their own app');
    return own;
  };
  return { requireApp, requireAdmin, requireAppOrAdmin, appOf, scopeOf };
}
export type Guards = ReturnType<typeof guards>;

export function parseQuery<T extends z.ZodObject>(c: Context, schema: T): z.output<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw HttpError.fromZod(parsed.error, 'invalid_query');
  return parsed.data;
}
