/**
 * `npm run bench`: figures, not tests. Every throughput is printed as a ratio to a bare `node:http` server
 * measured in the same run on the same machine, so the figures hold on a noisy box.
 *
 *   BENCH_SECONDS (default 8)      duration of each load run
 *   BENCH_EVENTS  (default 1000000) size of the large store for the statistics figure
 *   BENCH_ONLY=sdk-cache            only the SDK status-cache row (issue 13)
 *   BENCH_ONLY=backend              only the bare baseline and the capture / checkUserStatus rows
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend } from '../server-mock/src/backend.js';
import { openStorage } from '../server-mock/src/storage/index.js';
import type { Storage } from '../server-mock/src/storage/types.js';
import type { UebaEvent } from '../server-mock/src/protocol/index.js';
import { CDN_DIR, CONSOLE_DIR, CORE_BUDGET_BYTES, CORE_FILE, cdnSizes, consoleSizes } from './bundle-sizes.js';
import { CHROMIUM_PATH } from '../chromium.mjs';
import { consoleFirstRender } from './console-render.js';
import { modalLatency } from './modal-latency.js';
import { faceFigures } from './face-bench.js';
import { gatewayBench } from './gateway-bench.js';
import { CONNECTIONS, load, type Load, type LoadRequest } from './load.js';
import { sdkCacheFigures } from './sdk-cache-bench.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const LARGE = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const APP = { id: 'bench', secret: 'bench-secret-0123456789-abcdefghijklmn' };
const AUTH = `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`;
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const IPS = ['81.2.69.142', '8.8.8.8', '1.1.1.1', '202.96.209.5', '85.214.132.117', '133.242.187.207'];

/** A load run with the bench app's credentials, each lasting BENCH_SECONDS. */
const loadApp = (url: string, requests: LoadRequest[]) =>
  load(url, requests, { seconds: SECONDS, headers: { 'content-type': 'application/json', authorization: AUTH } });

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString() || '{}');
      response.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"x","published":[]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A public address per index, spread over many networks as real traffic is (the geo database resolves most). */
const publicIp = (i: number) => (i % 10 === 0 ? IPS[(i / 10) % IPS.length]! : `${20 + (i % 180)}.${(i * 7) % 251}.${(i * 13) % 251}.${1 + (i % 250)}`);

function captureRequests(): LoadRequest[] {
  return Array.from({ length: 2000 }, (_, i) => ({
    method: 'POST' as const,
    path: '/v1/ueba/events',
    body: JSON.stringify({
      originalIdentity: `user-${i % 1000}`,
      ip: publicIp(i),
      ua: UA,
      behaviorType: 'login',
      behaviorResult: i % 7 === 0 ? 'failure' : 'success',
      deviceId: `device-${i % 1500}`,
    }),
  }));
}

function statusRequests(): LoadRequest[] {
  return Array.from({ length: 1000 }, (_, i) => ({ method: 'POST' as const, path: '/v1/mfa/status', body: JSON.stringify({ originalIdentity: `user-${i}` }) }));
}

/** The users and address the statistics are asked about: the same rows exist at both table sizes. */
const PROBED_USERS = 1000;
const PROBED_EVENTS_PER_USER = 10;

function syntheticEvent(i: number, now: number, spanMs: number): UebaEvent {
  // The first 10k events belong to the probed users; the rest is other users' traffic that only grows the table.
  const probed = i < PROBED_USERS * PROBED_EVENTS_PER_USER;
  return {
    id: `e${i}`,
    appId: APP.id,
    requestDate: now - spanMs + Math.floor((((i * 7919) % LARGE) / LARGE) * spanMs),
    originalIdentity: probed ? `user-${i % PROBED_USERS}` : `other-${i % 100_000}`,
    ip: probed ? `10.0.1.${i % 256}` : `10.${1 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}`,
    country: ['GB', 'US', 'CN', 'DE'][i % 4]!,
    province: null,
    city: ['London', 'New York', 'Shanghai', 'Berlin'][i % 4]!,
    latitude: 51.5,
    longitude: -0.12,
    intranet: false,
    trustedDevice: false,
    ua: UA,
    deviceType: 'desktop',
    systemType: 'macOS',
    browserType: 'Safari',
    behaviorType: 'login',
    behaviorResult: i % 5 === 0 ? 'failure' : 'success',
    resourcesType: null,
    actionType: null,
    loginType: 'password',
    deviceId: `device-${i % 5000}`,
    custom: {},
  };
}

/** Mean time of the unusual-country and IP-failure statistics over the probed users, in microseconds. */
async function statisticsCost(storage: Storage, now: number): Promise<number> {
  const rounds = 4000;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    await storage.aggregate({
      appId: APP.id,
      filters: [
        { field: 'originalIdentity', op: 'eq', value: `user-${round % PROBED_USERS}` },
        { field: 'behaviorResult', op: 'eq', value: 'success' },
      ],
      window: { last: 10 },
      now,
      op: 'values',
      field: 'country',
    });
    await storage.aggregate({
      appId: null,
      filters: [
        { field: 'ip', op: 'eq', value: `10.0.1.${round & 255}` },
        { field: 'behaviorResult', op: 'eq', value: 'failure' },
      ],
      window: { durationMs: 24 * 3600_000 },
      now,
      op: 'count',
    });
  }
  return ((performance.now() - started) / rounds) * 1000;
}

/**
 * The same statistics over the same matching rows, at 10k stored events and at LARGE: what grows is only
 * the table, so the ratio shows whether the indexes keep a statistic's cost bounded by its window.
 */
async function statisticsScaling(): Promise<{ small: number; large: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'camfa-bench-'));
  const storage = await openStorage({ dataDir: dir, url: '' });
  const now = Date.now();
  const span = 30 * 24 * 3600_000;
  try {
    let inserted = 0;
    const fill = async (target: number) => {
      for (; inserted < target; inserted++) await storage.insertEvent(syntheticEvent(inserted, now, span));
    };
    await fill(PROBED_USERS * PROBED_EVENTS_PER_USER);
    await statisticsCost(storage, now); // warm-up
    const small = await statisticsCost(storage, now);
    const fillStarted = performance.now();
    await fill(LARGE);
    process.stderr.write(`  (filled ${LARGE} events in ${((performance.now() - fillStarted) / 1000).toFixed(0)} s)\n`);
    await statisticsCost(storage, now); // warm-up
    const large = await statisticsCost(storage, now);
    return { small, large };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (name: string, result: Load, baseline: Load) =>
  `${name.padEnd(30)} ${result.requestsPerSecond.toFixed(0).padStart(8)} req/s  ${(result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2).padStart(5)}× bare   p50 ${String(result.p50).padStart(3)} ms   p99 ${String(result.p99).padStart(3)} ms${result.non2xx ? `   non-2xx ${result.non2xx}` : ''}`;

/** Every CDN file's size as browsers download it (gzip), the core against its budget. */
function printBundleSizes(): void {
  let sizes;
  try {
    sizes = cdnSizes();
  } catch {
    process.stdout.write(`bundle sizes: no ${CDN_DIR} (run npm run build first)\n`);
    return;
  }
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const lines = sizes.map(({ file, bytes, gzipBytes }) => {
    const budget = file === CORE_FILE ? `   budget ${kb(CORE_BUDGET_BYTES)}${gzipBytes > CORE_BUDGET_BYTES ? ' EXCEEDED' : ''}` : '';
    return `  ${file.padEnd(28)} ${kb(bytes).padStart(9)}   gzip ${kb(gzipBytes).padStart(8)}${budget}`;
  });
  process.stdout.write(`bundle sizes (dist/cdn):\n${lines.join('\n')}\n`);
}

/** The admin console's first-render download (entry chunk, its static imports and CSS), lazy chunks apart. */
function printConsoleSizes(): void {
  let sizes;
  try {
    sizes = consoleSizes();
  } catch {
    process.stdout.write(`console size: no ${CONSOLE_DIR} (run npm run build:console first)\n`);
    return;
  }
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const sum = (files: { gzipBytes: number }[]) => files.reduce((total, { gzipBytes }) => total + gzipBytes, 0);
  const lines = sizes.initial.map(({ file, bytes, gzipBytes }) => `  ${file.padEnd(36)} ${kb(bytes).padStart(9)}   gzip ${kb(gzipBytes).padStart(8)}`);
  process.stdout.write(
    `console (dist/console), first render:\n${lines.join('\n')}\n  total gzip ${kb(sum(sizes.initial))}; lazy chunks apart: ${sizes.lazy.length} files, gzip ${kb(sum(sizes.lazy))}\n`,
  );
}

/**
 * The backend with the bench's app and three templates in event mode, under the capture and then the status load.
 * On PostgreSQL it gets a schema of its own, dropped afterwards.
 */
async function measureBackend(store: { databaseUrl: string; redisUrl: string }): Promise<{ capture: Load; status: Load }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-bench-'));
  const schema = store.databaseUrl ? `camfa_bench_${randomBytes(4).toString('hex')}` : undefined;
  const backend = await startBackend({
    port: 0,
    hostname: '127.0.0.1',
    dataDir,
    ...store,
    ...(schema ? { databaseSchema: schema } : {}),
    logLevel: 'warn',
    config: {
      apps: [APP],
      // A shared store needs the address every instance issues tokens under; one instance here.
      ...(store.databaseUrl ? { publicUrl: 'http://127.0.0.1', redisPrefix: `camfa-bench-${randomBytes(4).toString('hex')}` } : {}),
      intranetCidrs: ['10.0.0.0/8'],
      factors: { keys: randomBytes(32).toString('base64'), pepper: randomBytes(32).toString('base64') },
      policies: {
        documents: [
          {
            document: {
              id: 'login',
              name: 'Login risk',
              modes: ['api', 'event'],
              uses: [{ template: 'unusual-country' }, { template: 'ip-failures' }, { template: 'new-device' }],
            },
          },
        ],
      },
    },
  });
  try {
    return { capture: await loadApp(backend.url, captureRequests()), status: await loadApp(backend.url, statusRequests()) };
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (schema) await dropSchema(store.databaseUrl, schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

/** The business app's guarded route, cached and not, against its own bare route. */
async function printSdkCache(): Promise<void> {
  const { bareRoute, cached, uncached, ratios, warnings } = await sdkCacheFigures(SECONDS);
  const bare = `${bareRoute.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${bareRoute.p50} ms   p99 ${bareRoute.p99} ms`;
  process.stdout.write(
    [
      `business app (express) bare route ${bare}`,
      row('  checkUserStatus, statusCache', cached, bareRoute),
      row('  checkUserStatus, no cache', uncached, bareRoute),
      `  statusCache / bare route per round: ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')} (the median round above); SDK warnings: cached ${warnings.cached}, no cache ${warnings.uncached}`,
    ].join('\n') + '\n',
  );
}

async function main() {
  const only = process.env.BENCH_ONLY;
  if (only === 'sdk-cache') return printSdkCache();
  if (only && only !== 'backend') throw new Error(`BENCH_ONLY=${only}: the rows that run alone are sdk-cache and backend`);
  if (!only) {
    printBundleSizes();
    printConsoleSizes();
  }
  process.stderr.write(`camfa-guard bench: ${CONNECTIONS} connections, ${SECONDS} s per run\n`);
  const bare = await bareServer();
  const bareCapture = await loadApp(bare.url, captureRequests());
  const bareStatus = await loadApp(bare.url, statusRequests());
  await bare.close();

  const sqlite = await measureBackend({ databaseUrl: '', redisUrl: '' });
  const lines = [
    `bare node:http (capture body)  ${bareCapture.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${bareCapture.p50} ms   p99 ${bareCapture.p99} ms`,
    row('capture+decide', sqlite.capture, bareCapture),
    row('checkUserStatus', sqlite.status, bareStatus),
  ];
  // The scale-out store, when this machine has one (CI's .ci/run sets both).
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (DATABASE_URL && REDIS_URL) {
    const shared = await measureBackend({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL });
    lines.push(row('capture+decide (PG + Redis)', shared.capture, bareCapture), row('checkUserStatus (PG + Redis)', shared.status, bareStatus));
  } else {
    lines.push('capture+decide (PG + Redis): skipped (no DATABASE_URL and REDIS_URL)');
  }
  if (only) return void process.stdout.write(`${lines.join('\n')}\n`);
  const gateway = await gatewayBench(SECONDS);
  lines.push(
    `gateway check (session, capture) ${gateway.check.toFixed(0).padStart(8)} req/s  ${(gateway.check / gateway.bare).toFixed(2).padStart(5)}× bare GET (${gateway.bare.toFixed(0)} req/s)   p50 ${gateway.p50} ms   p99 ${gateway.p99} ms${gateway.non2xx ? `   non-2xx ${gateway.non2xx}` : ''}`,
    gateway.nginx
      ? `nginx + auth_request: ${gateway.nginx.authorized.toFixed(0)} req/s against ${gateway.nginx.proxied.toFixed(0)} req/s proxied alone = ${(1000 / gateway.nginx.authorized - 1000 / gateway.nginx.proxied).toFixed(2)} ms more per request${gateway.nginx.non2xx ? `   non-2xx ${gateway.nginx.non2xx}` : ''}`
      : 'nginx + auth_request: skipped (no /usr/sbin/nginx)',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  await printSdkCache();

  if (existsSync(CHROMIUM_PATH)) {
    const latency = await modalLatency(Number(process.env.BENCH_LATENCY_SAMPLES ?? 20));
    process.stdout.write(
      `event → modal (demo captures a risky event → dialog open in Chromium, ${latency.samples} samples): p50 ${latency.p50.toFixed(0)} ms   p99 ${latency.p99.toFixed(0)} ms   max ${latency.max.toFixed(0)} ms\n`,
    );
  } else {
    process.stdout.write(`event → modal: skipped (no ${CHROMIUM_PATH})\n`);
  }
  if (existsSync(CHROMIUM_PATH) && existsSync(CONSOLE_DIR)) {
    const render = await consoleFirstRender(Number(process.env.BENCH_CONSOLE_SAMPLES ?? 5));
    process.stdout.write(
      `console first render (navigation → sign-in form in Chromium, cold cache, ${render.samples} samples): p50 ${render.p50.toFixed(0)} ms   max ${render.max.toFixed(0)} ms   CSP violations ${render.violations}\n`,
    );
  } else {
    process.stdout.write(`console first render: skipped (no ${CHROMIUM_PATH} or ${CONSOLE_DIR})\n`);
  }

  const face = await faceFigures(Number(process.env.BENCH_FACE_SAMPLES ?? 20));
  process.stdout.write(
    [
      `face model load (server, Human Node + tfjs wasm, first load in the process): ${face.serverLoadMs.toFixed(0)} ms`,
      `face verification (HTTP route, ${face.verify.frames} frames each, ${face.verify.samples} samples): p50 ${face.verify.p50.toFixed(0)} ms   p95 ${face.verify.p95.toFixed(0)} ms`,
      face.browser
        ? `face load (Chromium, from the backend): chunk ${face.browser.chunkMs.toFixed(0)} ms + models and wasm ${face.browser.modelsMs.toFixed(0)} ms`
        : `face load (Chromium): skipped (no ${CHROMIUM_PATH})`,
    ].join('\n') + '\n',
  );

  const { small, large } = await statisticsScaling();
  process.stdout.write(
    `statistics (last-10 countries + IP failures in 24 h, same matching rows): ${small.toFixed(0)} µs at 10k events, ${large.toFixed(0)} µs at ${LARGE.toLocaleString('en')} events (${(large / small).toFixed(2)}×)\n`,
  );
}

await main();
