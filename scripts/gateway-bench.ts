/**
 * The gateway check's throughput for `npm run bench`: `GET /v1/gateway/check` as nginx's `auth_request` asks it
 * for a signed-in user (cookie verified, request captured as a UEBA event, MFA status read), against a bare
 * `node:http` handler answering the same GET with an identity header, in the same run and load.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NGINX, freePort, runNginx } from '../e2e/support.js';
import { startBackend } from '../server-mock/src/backend.js';
import { gatewaySchema } from '../server-mock/src/config/schema.js';
import { nginxServer } from '../server-mock/src/gateway/nginx.js';
import { load, type Load } from './load.js';
import { APP_PATHS, BROWSER_PATHS, GATEWAY_PATHS } from '../server-mock/src/protocol/index.js';

const HOST = 'bench.example';
const APP = { id: 'bench', secret: 'bench-secret-0123456789-abcdefghijklmn', origins: [`https://${HOST}`], gateway: { hosts: [HOST] } };
const PASSWORD = 'bench password, long enough';

export interface GatewayBench {
  bare: number;
  check: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Through a real nginx, when it is installed: a public route (proxy only) and a session route (auth_request first). */
  nginx?: { proxied: number; authorized: number; non2xx: number };
}

/** The shared load (`load.ts`), one GET of `path` after another. */
const getLoad = (origin: string, path: string, headers: Record<string, string>, seconds: number): Promise<Load> =>
  load(origin, [{ method: 'GET', path }], { seconds, headers });

async function bareCheck(seconds: number): Promise<number> {
  const server = createServer((_request, response) => response.writeHead(200, { 'x-camfa-user': 'alice', 'cache-control': 'no-store' }).end());
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    return (await getLoad(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, '/v1/gateway/check?app=bench', {}, seconds)).requestsPerSecond;
  } finally {
    await new Promise((closed) => server.close(closed));
  }
}

/** Signs alice in as the hosted page would: a password login's mfaToken traded for the gateway cookie. */
async function sessionCookie(url: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const basic = `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`;
  await fetch(`${url}${APP_PATHS.users}`, {
    method: 'POST',
    headers: { ...json, authorization: basic },
    body: JSON.stringify({ originalIdentity: 'alice', username: 'alice', password: PASSWORD }),
  });
  const login = await fetch(`${url}${BROWSER_PATHS.login}`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ appId: APP.id, login: 'alice', password: PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const session = await fetch(`${url}${GATEWAY_PATHS.session}`, {
    method: 'POST',
    headers: { ...json, origin: `https://${HOST}` },
    body: JSON.stringify({ app: APP.id, token, rd: `https://${HOST}/` }),
  });
  return session.headers.get('set-cookie')!.split(';')[0]!;
}

/**
 * The same upstream behind nginx with the config `camfa-guard gateway nginx` prints: a public route (nginx only
 * proxies) against a session route (nginx asks the check first, then proxies), for the signed-in user.
 */
async function throughNginx(backendUrl: string, cookie: string, seconds: number): Promise<GatewayBench['nginx']> {
  const upstream = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  await new Promise<void>((listening) => upstream.listen(0, '127.0.0.1', listening));
  const port = await freePort();
  const server = nginxServer({
    appId: APP.id,
    gateway: gatewaySchema.parse({ hosts: [HOST], routes: [{ path: '/public/', access: 'public' }] }),
    listen: `127.0.0.1:${port}`,
    backend: backendUrl,
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
  const nginx = await runNginx(server, `http://127.0.0.1:${port}`, '/public/ready');
  try {
    const headers = { host: HOST, 'x-forwarded-proto': 'https' };
    const proxied = await getLoad(nginx.url, '/public/page', headers, seconds);
    const authorized = await getLoad(nginx.url, '/orders?page=2', { ...headers, cookie }, seconds);
    return { proxied: proxied.requestsPerSecond, authorized: authorized.requestsPerSecond, non2xx: proxied.non2xx + authorized.non2xx };
  } finally {
    await nginx.stop();
    await new Promise((closed) => upstream.close(closed));
  }
}

export async function gatewayBench(seconds: number): Promise<GatewayBench> {
  const bare = await bareCheck(seconds);
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-gateway-bench-'));
  const backend = await startBackend({
    port: 0,
    hostname: '127.0.0.1',
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    logLevel: 'warn',
    config: {
      apps: [APP],
      trustedProxies: ['127.0.0.1/32'],
      factors: { keys: randomBytes(32).toString('base64'), pepper: randomBytes(32).toString('base64') },
    },
  });
  try {
    const headers = {
      cookie: await sessionCookie(backend.url),
      'x-original-method': 'GET',
      'x-original-uri': '/orders?page=2',
      'x-forwarded-host': HOST,
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '81.2.69.142',
      'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    };
    const check = await getLoad(backend.url, `${GATEWAY_PATHS.check}?app=${APP.id}&via=nginx`, headers, seconds);
    const nginx = existsSync(NGINX) ? await throughNginx(backend.url, headers.cookie, seconds) : undefined;
    return { bare, check: check.requestsPerSecond, p50: check.p50, p99: check.p99, non2xx: check.non2xx, ...(nginx ? { nginx } : {}) };
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Run alone: `npx tsx scripts/gateway-bench.ts`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await gatewayBench(Number(process.env.BENCH_SECONDS ?? 8));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
