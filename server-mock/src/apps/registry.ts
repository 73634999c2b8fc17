import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Storage, StoredAppRecord } from '../storage/types.js';
import { FACTOR_TYPES, type FactorType } from '../protocol/index.js';

export type AppSource = 'config' | 'console';

/**
 * An app as the rest of the backend sees it, whether it comes from the config file or from storage. It
 * carries the SHA-256 of its secret, never the secret: a stored app's secret is not kept anywhere, and
 * HTTP Basic needs nothing more (no part of the backend signs with an app's secret).
 */
export type RegisteredApp = Omit<AppConfig, 'secret'> & {
  secretHash: Buffer;
  source: AppSource;
  /** A stored app's version (optimistic concurrency); 0 for a config app, which never changes. */
  version: number;
};

/** SHA-256: the secrets are 32+ random characters, so a slow password hash would add cost and no safety. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Compares in constant time; the given secret is hashed first, so its length never leaks. */
export function secretMatches(given: string, secretHash: Buffer): boolean {
  return timingSafeEqual(hashSecret(given), secretHash);
}

/** The factors switched on for an app: those it names, or every factor when it names none. */
export function switchedOnFactors(app: Pick<RegisteredApp, 'factors'>): readonly FactorType[] {
  return app.factors ?? FACTOR_TYPES;
}

/**
 * What a step-up of the app offers for the factors a workflow (or a caller) asked for: the switched-on
 * ones, in the order asked. When the app switched off every one asked for, its own switched-on factors, so
 * a user is never stepped up with nothing to prove. An unknown app (removed meanwhile) keeps the request.
 */
export function offeredFactors(app: Pick<RegisteredApp, 'factors'> | undefined, requested: readonly FactorType[]): FactorType[] {
  if (!app) return [...requested];
  const on = switchedOnFactors(app);
  const kept = requested.filter((type) => on.includes(type));
  return kept.length > 0 ? kept : [...on];
}

function fromConfig({ secret, ...app }: AppConfig): RegisteredApp {
  return { ...app, secretHash: hashSecret(secret), source: 'config', version: 0 };
}

/** A stored app as the registry presents it. */
export function storedApp(record: StoredAppRecord): RegisteredApp {
  return {
    id: record.id,
    name: record.name,
    origins: record.origins,
    loginWorkflow: 'login',
    ...(record.factors === null ? {} : { factors: record.factors }),
    ...(record.trustDeviceDays === null ? {} : { trustDevice: { ttlDays: record.trustDeviceDays } }),
    ...(record.failMode === null ? {} : { failMode: record.failMode }),
    secretHash: Buffer.from(record.secretHash, 'base64url'),
    source: 'console',
    version: record.version,
  };
}

/**
 * How often an instance re-reads the stored apps whatever the bus says: pub/sub drops messages while a
 * Redis connection is re-established, and a rotated secret must not keep working on one instance until
 * the next change happens to be announced.
 */
export const APP_RELOAD_INTERVAL_MS = 30_000;

export interface AppRegistryOptions {
  apps: readonly AppConfig[];
  storage: Storage;
  bus: EventBus;
  logger: Logger;
}

/**
 * Every app this backend serves: the config file's (read-only) and the stored ones, as one live map that
 * the rest of the backend reads as before. The map and the origin set are the same objects for the life of
 * the registry and change in place, so whoever holds them sees a change at once; a changed app is a new
 * object (which is how `http/auth.ts` knows a proven secret is stale). Instances tell each other on the bus
 * and each re-reads storage, the source of truth; a lost message delays a change by APP_RELOAD_INTERVAL_MS
 * at most.
 */
export class AppRegistry {
  private readonly live = new Map<string, RegisteredApp>();
  private readonly origins = new Set<string>();
  private readonly configured: ReadonlyMap<string, RegisteredApp>;
  private loads = 0;
  private unsubscribe: () => void = () => {};
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: AppRegistryOptions) {
    this.configured = new Map(options.apps.map((app) => [app.id, fromConfig(app)]));
  }

  /** Loads the stored apps and follows changes made on any instance. */
  static async create(options: AppRegistryOptions): Promise<AppRegistry> {
    const registry = new AppRegistry(options);
    await registry.reload();
    const reload = () => {
      registry.reload().catch((error: unknown) => options.logger.error({ err: error }, 'reloading apps failed; the previous ones stay in force'));
    };
    registry.unsubscribe = options.bus.subscribe((message) => {
      if (message.kind === 'apps-changed' || message.kind === 'reconnected') reload();
    });
    registry.timer = setInterval(reload, APP_RELOAD_INTERVAL_MS);
    registry.timer.unref();
    return registry;
  }

  /** Live: config apps first, then stored ones by id. */
  get apps(): ReadonlyMap<string, RegisteredApp> {
    return this.live;
  }

  /** Live: every app's declared browser origins (CORS for login and step-up). */
  get browserOrigins(): ReadonlySet<string> {
    return this.origins;
  }

  /** After a change to stored apps: this instance sees it before the caller answers, the others on the bus. */
  async changed(): Promise<void> {
    await this.reload();
    await this.options.bus.publish({ kind: 'apps-changed' });
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.timer);
  }

  private async reload(): Promise<void> {
    const load = ++this.loads;
    const stored = await this.options.storage.listApps();
    // Reloads can overlap; one started later read storage later, so only the latest one is applied.
    if (load !== this.loads) return;
    const next = new Map(this.configured);
    for (const record of stored) {
      if (next.has(record.id)) {
        this.options.logger.warn({ appId: record.id }, 'a stored app has the id of a config app; the config app is in force');
        continue;
      }
      const current = this.live.get(record.id);
      next.set(record.id, current?.source === 'console' && current.version === record.version ? current : storedApp(record));
    }
    this.live.clear();
    for (const [id, app] of next) this.live.set(id, app);
    this.origins.clear();
    for (const app of next.values()) for (const origin of app.origins) this.origins.add(origin);
  }
}
