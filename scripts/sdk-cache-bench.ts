/**
 * Issue 13's SDK row: a business app (express) whose route is guarded by `mfaAuthMiddleware`, so every
 * request asks `checkUserStatus`, against the same app's bare route. With `statusCache` the status comes
 * from the SDK's memory; without it, from the backend (the reference figure). The backend runs in this
 * process, as in the other rows.
 */
import express, { type Request, type Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetadataManagementClient, mfaAuthMiddleware } from '../server-mock/src/sdk/index.js';
import { APP, startTestBackend } from '../server-mock/src/test-support/backend.js';
import { load, type Load, type LoadRequest } from './load.js';

const USERS = 1000;
/** Long enough for the JIT, the cache's stream and (cached route) every user's first miss. */
const WARM_UP_SECONDS = 3;
/** Bare and cached runs alternate so that load from other processes on the box falls on both alike. */
const ROUNDS = 5;

export interface SdkCacheFigures {
  /** Of the round whose cached/bare ratio is the median. */
  bareRoute: Load;
  cached: Load;
  uncached: Load;
  /** cached / bare throughput of every round, in order. */
  ratios: number[];
  /**
   * Warnings each client logged during the warm-up and measured runs: a degraded answer (fail open, fast),
   * a circuit change or a stream failure. Any means that route's figure is not all real answers.
   */
  warnings: { cached: number; uncached: number };
}

function routeRequests(route: string): LoadRequest[] {
  return Array.from({ length: USERS }, (_, i) => ({ method: 'GET' as const, path: `/${route}/user-${i}` }));
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function untilLive(meta: MetadataManagementClient): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!meta.statusCache?.isLive) {
    if (performance.now() > deadline) throw new Error('the status cache did not go live within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The business app: one bare route and the same route behind the middleware, with and without the cache. */
function businessApp(host: string, warnings: SdkCacheFigures['warnings']) {
  const options = { host, appId: APP.id, appSecret: APP.secret };
  const cachedClient = new MetadataManagementClient({
    ...options,
    statusCache: { ttlMs: 60_000, maxUsers: 10_000 },
    logger: { warn: () => void warnings.cached++ },
  });
  const plainClient = new MetadataManagementClient({ ...options, logger: { warn: () => void warnings.uncached++ } });
  const getUserId = (req: Request) => String(req.params.user);
  const ok = (_req: Request, res: Response) => void res.json({ ok: true });
  const app = express();
  app.get('/bare/:user', ok);
  app.get('/cached/:user', mfaAuthMiddleware({ client: cachedClient, getUserId }), ok);
  app.get('/uncached/:user', mfaAuthMiddleware({ client: plainClient, getUserId }), ok);
  return { app, cachedClient };
}

async function measureRoutes(url: string, seconds: number): Promise<Omit<SdkCacheFigures, 'warnings'>> {
  const run = (route: string, duration: number) => load(url, routeRequests(route), { seconds: duration });
  for (const route of ['bare', 'cached', 'uncached']) await run(route, WARM_UP_SECONDS);
  const rounds: Array<{ bareRoute: Load; cached: Load; ratio: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const bareRoute = await run('bare', seconds);
    const cached = await run('cached', seconds);
    rounds.push({ bareRoute, cached, ratio: cached.requestsPerSecond / bareRoute.requestsPerSecond });
  }
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(ROUNDS / 2)]!;
  return { bareRoute: median.bareRoute, cached: median.cached, uncached: await run('uncached', seconds), ratios: rounds.map(({ ratio }) => ratio) };
}

export async function sdkCacheFigures(seconds: number): Promise<SdkCacheFigures> {
  // The tests' backend (its own SQLite file, removed on close) with the default heartbeat: the tests' slow one
  // lets the cache's stream go quiet past its idle timeout, and every reconnection empties the cache.
  const backend = await startTestBackend({ logLevel: 'warn', heartbeatMs: 15_000 });
  const warnings = { cached: 0, uncached: 0 };
  const { app, cachedClient } = businessApp(backend.url, warnings);
  const server = await listen(app);
  try {
    await untilLive(cachedClient);
    const figures = await measureRoutes(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seconds);
    // Read before shutting down: requests still in flight then fail, and those warnings say nothing of the load.
    return { ...figures, warnings: { ...warnings } };
  } finally {
    cachedClient.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await backend.close();
  }
}
