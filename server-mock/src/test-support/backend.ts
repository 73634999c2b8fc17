import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startBackend, type RunningBackend, type StartBackendOptions } from '../backend.js';
import type { ConfigInput } from '../config/schema.js';
import type { Clock } from '../types.js';
import { GEO_TABLE } from './fixtures.js';

export const APP = { id: 'shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: ['http://localhost:5173'] };
export const OTHER_APP = { id: 'crm', secret: 'crm-secret-0123456789-abcdefghijklmnopq', origins: [] };
export const ADMIN_TOKEN = 'admin-token-0123456789-abcdefghijklmnop';

/** Fixed factor keys: tests restart backends on the same data and must open what they sealed. */
export const FACTOR_KEYS = { keys: `k1:${Buffer.alloc(32, 7).toString('base64')}`, pepper: Buffer.alloc(32, 9).toString('base64') };

/** POSTs JSON to a backend as a browser (or, with headers, an app) would; the status and the parsed answer. */
export async function postJson<T = Record<string, unknown>>(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: T & { code?: string } }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T & { code?: string } };
}

export function testConfig(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    adminToken: ADMIN_TOKEN,
    factors: FACTOR_KEYS,
    intranetCidrs: ['10.0.0.0/8'],
    log: { level: 'info' },
    apps: [APP, OTHER_APP],
    ...overrides,
  };
}

export interface TestBackend extends RunningBackend {
  /** Every log line the backend wrote, for asserting what is (not) logged. */
  logs: string[];
  basicAuth(app?: { id: string; secret: string }): string;
  /** `postJson` to this backend. */
  post<T = Record<string, unknown>>(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: T & { code?: string } }>;
}

/**
 * A real backend on a free port with its own SQLite file, the fixture geo table and (optionally) a manual
 * clock. PostgreSQL/Redis are used only when a test asks for them, so suites never share state.
 */
export async function startTestBackend(
  options: { config?: Partial<ConfigInput>; clock?: Clock } & Omit<Partial<StartBackendOptions>, 'config'> = {},
): Promise<TestBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-test-'));
  const logs: string[] = [];
  const { config, ...rest } = options;
  const backend = await startBackend({
    port: 0,
    hostname: '127.0.0.1',
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    geo: GEO_TABLE,
    heartbeatMs: 60_000,
    logDestination: new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
    ...rest,
    config: testConfig(config),
  });
  return {
    ...backend,
    logs,
    basicAuth: (app = APP) => `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`,
    post: (path, body, headers) => postJson(backend.url, path, body, headers),
    async close() {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
