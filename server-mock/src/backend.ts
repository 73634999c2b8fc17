import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import { createApp, type CamfaApp } from './app.js';
import { DEPLOYMENT_ENV, resolveDeployment, type Deployment } from './config/deployment.js';
import { ConfigError, devConfig, loadConfigFile, parseConfig } from './config/load.js';
import type { Config, ConfigInput } from './config/schema.js';
import { memoryBus, redisBus, type EventBus } from './events/bus.js';
import { createLogger } from './logger.js';
import { isPostgresUrl, openStorage } from './storage/index.js';
import type { Storage } from './storage/types.js';
import type { Clock } from './types.js';
import { fixtureGeoProvider, geoipLiteProvider, noGeoProvider, type GeoLocation, type GeoProvider } from './ueba/geo.js';
import { maxmindProvider } from './ueba/maxmind.js';

export interface StartBackendOptions {
  /** A config object, or a YAML/JSON file. Neither: the dev config in `dataDir` (created on first start). */
  config?: ConfigInput | string;
  port?: number;
  /** Host to bind; default 127.0.0.1 in dev, 0.0.0.0 with a config. */
  hostname?: string;
  dataDir?: string;
  /** Overrides config.databaseUrl and DATABASE_URL. `:memory:` for a throw-away store, empty for the SQLite file. */
  databaseUrl?: string;
  /** Overrides config.databaseSchema and CAMFA_DATABASE_SCHEMA (PostgreSQL only; created if needed). */
  databaseSchema?: string;
  /** Overrides config.redisUrl and REDIS_URL; empty for no Redis. */
  redisUrl?: string;
  /** Replaces the configured GeoProvider: a provider, or a fixed table keyed by IP (tests, demos). */
  geo?: GeoProvider | Record<string, GeoLocation>;
  clock?: Clock;
  heartbeatMs?: number;
  /** How often an open console Live stream reads storage (default 250 ms). */
  livePollMs?: number;
  /** Where JSON logs go (default stdout). */
  logDestination?: DestinationStream;
  logLevel?: string;
  /** The built admin console; default the package's `dist/console/`. */
  consoleDir?: string;
}

export interface RunningBackend {
  url: string;
  port: number;
  config: Config;
  /** The generated dev config file, when one was used. */
  devConfigFile?: string;
  /** Where administrators sign in to the admin console. */
  consoleUrl: string;
  logger: Logger;
  camfa: CamfaApp;
  storage: Storage;
  close(): Promise<void>;
}

function resolveConfig(options: StartBackendOptions, dataDir: string, port: number): { config: Config; source: string; devConfigFile?: string } {
  if (typeof options.config === 'string') return { config: loadConfigFile(options.config), source: options.config };
  const source = '(inline config)';
  if (options.config) return { config: parseConfig(options.config, source), source };
  const dev = devConfig(dataDir, port);
  return { config: dev.config, source: dev.file, devConfigFile: dev.file };
}

/**
 * Every instance must issue and accept the same tokens: a subscription token minted by one is presented to
 * another behind the load balancer. Each instance's own address would differ, so a shared store demands the
 * one URL they all answer under.
 */
function requireSharedIssuer(config: Config, deployment: Deployment, source: string): void {
  if (config.publicUrl || !(isPostgresUrl(deployment.databaseUrl) || deployment.redisUrl)) return;
  throw new ConfigError(source, [
    'publicUrl: required with PostgreSQL or Redis, so that every instance issues and accepts the same tokens; set it to the URL browsers reach the backend at',
  ]);
}

function portFromEnvironment(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('environment', [`PORT: must be a port number (0-65535), not "${value}"`]);
  return port;
}

/** A store's address for messages: scheme, host and database, never the credentials. */
function describeUrl(url: string): string {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    return 'an unparsable url';
  }
}

/** Runs `open`; a failure is reported with what was being opened and which setting names it. */
async function opening<T>(what: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Binds the port; "in use" names the settings that choose another. */
function listen(fetch: (request: Request, env: unknown) => Response | Promise<Response>, port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolveServer, reject) => {
    const instance = serve({ fetch, port, hostname }, () => resolveServer(instance));
    instance.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${hostname} is in use: choose another with --port, port in the config or PORT`, { cause: error })
          : error,
      ),
    );
  });
}

function geoProvider(config: Config, override: StartBackendOptions['geo']): GeoProvider {
  if (override)
    return 'lookup' in override && typeof override.lookup === 'function'
      ? (override as GeoProvider)
      : fixtureGeoProvider(override as Record<string, GeoLocation>);
  switch (config.geo.provider) {
    case 'geoip-lite':
      return geoipLiteProvider();
    case 'maxmind':
      if (!config.geo.file) throw new Error('geo.file is required with geo.provider: maxmind');
      return maxmindProvider(config.geo.file);
    case 'none':
      return noGeoProvider;
  }
}

/** The config, logger and deployment a start or a one-off command works with; refuses a setup that cannot work. */
function resolveSetup(options: StartBackendOptions, requestedPort: number, env: NodeJS.ProcessEnv) {
  const dataDir = resolve(options.dataDir ?? '.data');
  const { config, source, devConfigFile } = resolveConfig(options, dataDir, requestedPort);
  const logger = createLogger(options.logLevel ?? config.log.level, options.logDestination);
  // The generated dev config is one throw-away instance with demo secrets: a shell that exports the team's
  // DATABASE_URL / REDIS_URL must not make it write into shared infrastructure. A real config opts in.
  const ignoredEnv = devConfigFile ? Object.values(DEPLOYMENT_ENV).filter((name) => env[name]) : [];
  if (ignoredEnv.length > 0) logger.warn({ ignored: ignoredEnv }, 'dev config: single instance on its own SQLite file; pass --config FILE to use these');
  const deployment = resolveDeployment({
    config,
    env: devConfigFile ? {} : env,
    overrides: { databaseUrl: options.databaseUrl, databaseSchema: options.databaseSchema, redisUrl: options.redisUrl },
  });
  requireSharedIssuer(config, deployment, source);
  return { config, devConfigFile, logger, deployment, storageDir: config.dataDir ? resolve(config.dataDir) : dataDir };
}

function openConfiguredStorage({ deployment, storageDir, logger }: ReturnType<typeof resolveSetup>): Promise<Storage> {
  return opening(
    isPostgresUrl(deployment.databaseUrl)
      ? `PostgreSQL at ${describeUrl(deployment.databaseUrl!)} (databaseUrl or DATABASE_URL)`
      : `SQLite store in ${storageDir}`,
    () => openStorage({ url: deployment.databaseUrl, dataDir: storageDir, schema: deployment.databaseSchema, logger }),
  );
}

/**
 * The config and the migrated storage `serve` would use with the same options, without a port or an app: for
 * one-off commands such as `camfa-guard admin create`. The caller closes the storage.
 */
export async function openBackendStorage(options: StartBackendOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<{ config: Config; storage: Storage }> {
  const setup = resolveSetup(options, options.port ?? 8787, options.env ?? process.env);
  return { config: setup.config, storage: await openConfiguredStorage(setup) };
}

/** Starts the reference backend on a port: what `camfa-guard serve` and tests use. */
export async function startBackend(options: StartBackendOptions = {}): Promise<RunningBackend> {
  const requestedPort = options.port ?? portFromEnvironment(process.env.PORT) ?? 8787;
  const setup = resolveSetup(options, requestedPort, process.env);
  const { config, devConfigFile, logger, deployment } = setup;

  // Whatever opened is closed again if a later step refuses to start, so a refusal never leaves the process hanging.
  const opened: { close(): Promise<void> }[] = [];
  // allSettled: a part failing to close must not hide why the start failed.
  const closeOpened = () => Promise.allSettled(opened.splice(0).map((part) => part.close()));
  try {
    const storage = await openConfiguredStorage(setup);
    opened.push(storage);
    const { redisUrl } = deployment;
    const bus: EventBus = redisUrl
      ? await opening(`Redis at ${describeUrl(redisUrl)} (redisUrl or REDIS_URL)`, () =>
          redisBus({ url: redisUrl, prefix: deployment.redisPrefix, onError: (error) => logger.warn({ err: error }, 'redis bus error') }),
        )
      : memoryBus();
    opened.push(bus);
    const hostname = options.hostname ?? (devConfigFile ? '127.0.0.1' : '0.0.0.0');
    // publicUrl defaults to where we listen; with port 0 that is only known once bound, so bind first.
    // Until the app is built, a request that arrives is told to come back rather than failing on a missing app.
    let handle = (_request: Request, _env: unknown): Response | Promise<Response> => new Response('starting', { status: 503, headers: { 'retry-after': '1' } });
    const server = await listen((request, env) => handle(request, env), requestedPort, hostname);
    const closeServer = () =>
      new Promise<void>((done) => {
        server.close(() => done());
        // SSE connections are long-lived; end them so close() does not wait for clients.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    opened.push({ close: closeServer });
    const bound = (server.address() as AddressInfo).port;
    const url = `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${bound}`;
    const camfa = await createApp({
      config: { ...config, publicUrl: config.publicUrl ?? url, port: bound },
      storage,
      geo: geoProvider(config, options.geo),
      bus,
      logger,
      clock: options.clock,
      heartbeatMs: options.heartbeatMs,
      ...(options.livePollMs ? { livePollMs: options.livePollMs } : {}),
      ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    });
    handle = (request, env) => camfa.app.fetch(request, env);
    const consoleUrl = `${(config.publicUrl ?? url).replace(/\/$/, '')}/console/`;
    logger.info(
      {
        url,
        console: consoleUrl,
        storage: storage.dialect,
        schema: deployment.databaseSchema,
        redis: Boolean(redisUrl),
        apps: config.apps.map((entry) => entry.id),
      },
      'camfa-guard backend listening',
    );
    return {
      url,
      port: bound,
      config,
      devConfigFile,
      consoleUrl,
      logger,
      camfa,
      storage,
      async close() {
        await closeServer();
        await camfa.close();
        await Promise.all([bus.close(), storage.close()]);
      },
    };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}
