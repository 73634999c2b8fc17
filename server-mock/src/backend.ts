import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import { createApp, type CamfaApp } from './app.js';
import { devConfig, loadConfigFile, parseConfig } from './config/load.js';
import type { Config, ConfigInput } from './config/schema.js';
import { memoryBus, redisBus, type EventBus } from './events/bus.js';
import { createLogger } from './logger.js';
import { openStorage } from './storage/index.js';
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
  /** Overrides config.databaseUrl and DATABASE_URL. `:memory:` for a throw-away store. */
  databaseUrl?: string;
  /** PostgreSQL only: the schema to use (created if needed); isolates tests and tenants. */
  databaseSchema?: string;
  /** Overrides config.redisUrl and REDIS_URL. */
  redisUrl?: string;
  /** Replaces the configured GeoProvider: a provider, or a fixed table keyed by IP (tests, demos). */
  geo?: GeoProvider | Record<string, GeoLocation>;
  clock?: Clock;
  heartbeatMs?: number;
  /** Where JSON logs go (default stdout). */
  logDestination?: DestinationStream;
  logLevel?: string;
}

export interface RunningBackend {
  url: string;
  port: number;
  config: Config;
  /** The generated dev config file, when one was used. */
  devConfigFile?: string;
  logger: Logger;
  camfa: CamfaApp;
  storage: Storage;
  close(): Promise<void>;
}

function resolveConfig(options: StartBackendOptions, dataDir: string, port: number): { config: Config; devConfigFile?: string } {
  if (typeof options.config === 'string') return { config: loadConfigFile(options.config) };
  if (options.config) return { config: parseConfig(options.config) };
  const dev = devConfig(dataDir, port);
  return { config: dev.config, devConfigFile: dev.file };
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

/** Starts the reference backend on a port: what `camfa-guard serve` and tests use. */
export async function startBackend(options: StartBackendOptions = {}): Promise<RunningBackend> {
  const requestedPort = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8787);
  const dataDir = resolve(options.dataDir ?? '.data');
  const { config, devConfigFile } = resolveConfig(options, dataDir, requestedPort);
  const logger = createLogger(options.logLevel ?? config.log.level, options.logDestination);
  const storage = await openStorage({
    url: options.databaseUrl ?? process.env.DATABASE_URL ?? config.databaseUrl,
    dataDir: config.dataDir ? resolve(config.dataDir) : dataDir,
    schema: options.databaseSchema,
    logger,
  });
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? config.redisUrl;
  let bus: EventBus;
  try {
    bus = redisUrl ? await redisBus(redisUrl, (error) => logger.warn({ err: error }, 'redis bus error')) : memoryBus();
  } catch (error) {
    await storage.close();
    throw error;
  }
  const port = requestedPort;
  const hostname = options.hostname ?? (devConfigFile ? '127.0.0.1' : '0.0.0.0');
  // publicUrl defaults to where we listen; with port 0 that is only known once bound, so bind first.
  let camfa: CamfaApp | undefined;
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const instance = serve({ fetch: (request: Request, env: unknown) => camfa!.app.fetch(request, env), port, hostname }, () => resolveServer(instance));
    instance.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${bound}`;
  try {
    camfa = await createApp({
      config: { ...config, publicUrl: config.publicUrl ?? url, port: bound },
      storage,
      geo: geoProvider(config, options.geo),
      bus,
      logger,
      clock: options.clock,
      heartbeatMs: options.heartbeatMs,
    });
  } catch (error) {
    server.close();
    await Promise.all([bus.close(), storage.close()]);
    throw error;
  }
  logger.info({ url, storage: storage.dialect, redis: Boolean(redisUrl), apps: config.apps.map((app) => app.id) }, 'camfa-guard backend listening');
  return {
    url,
    port: bound,
    config,
    devConfigFile,
    logger,
    camfa,
    storage,
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        // SSE connections are long-lived; end them so close() does not wait for clients.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await camfa!.close();
      await Promise.all([bus.close(), storage.close()]);
    },
  };
}
