import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './index.js';
import type { KyselyStorage } from './kysely-storage.js';
import { storageContract } from './storage.contract.js';
import type { FieldFilter } from '../policy/statistics.js';
import type { AggregateQuery } from './types.js';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A fresh data directory per storage, so every test starts from an empty file. */
function freshDataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'camfa-sqlite-'));
  directories.push(directory);
  return directory;
}

storageContract('sqlite in memory', () => openStorage({ url: ':memory:' }));

const fileStorage = new Map<object, string>();
storageContract(
  'sqlite file',
  async () => {
    const dataDir = freshDataDir();
    const storage = await openStorage({ dataDir });
    fileStorage.set(storage, dataDir);
    return storage;
  },
  {
    reopen: async (storage) => {
      const dataDir = fileStorage.get(storage)!;
      await storage.close();
      return openStorage({ dataDir });
    },
  },
);

describe('openStorage (sqlite)', () => {
  it('accepts sqlite::memory: and sqlite:<path>, refuses unknown schemes', async () => {
    const memory = await openStorage({ url: 'sqlite::memory:' });
    expect(memory.dialect).toBe('sqlite');
    await memory.close();
    const file = join(freshDataDir(), 'named.sqlite');
    const named = await openStorage({ url: `sqlite:${file}` });
    await named.getOrCreateSetting('where', 'named file');
    await named.close();
    const again = await openStorage({ url: `sqlite:${file}` });
    expect(await again.getOrCreateSetting('where', 'other')).toBe('named file');
    await again.close();
    await expect(openStorage({ url: 'mysql://localhost/db' })).rejects.toThrow(/unsupported/);
    await expect(openStorage({})).rejects.toThrow(/dataDir/);
  });

  it('creates the data directory and runs in WAL mode', async () => {
    const dataDir = join(freshDataDir(), 'nested', 'deeper');
    const storage = await openStorage({ dataDir });
    await storage.getOrCreateSetting('x', 'y');
    await storage.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dataDir, 'camfa.sqlite'), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('lets several processes start on one file at once: one migrates, all write', async () => {
    const dataDir = freshDataDir();
    const children = ['p1', 'p2', 'p3'].map((name) => runChild(dataDir, name));
    const winners = await Promise.all(children);
    expect(new Set(winners).size).toBe(1);
    const storage = await openStorage({ dataDir });
    const ids = (await storage.listEvents({ appId: 'app-1', limit: 10 })).map((item) => item.id).sort();
    await storage.close();
    expect(ids).toEqual(['p1', 'p2', 'p3']);
  });

  it('keeps every acknowledged insert when the process is killed with SIGKILL', async () => {
    const dataDir = freshDataDir();
    const acknowledged = await acknowledgedBeforeKill(dataDir, 200);
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    const storage = await openStorage({ dataDir });
    const stored = new Set((await storage.listEvents({ appId: 'app-1', limit: 1_000_000 })).map((item) => item.id));
    await storage.close();
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  });
});

const EVENT_FIELDS_JS = `appId: 'app-1', requestDate: 1, originalIdentity: 'alice', ip: null, country: null,
  province: null, city: null, latitude: null, longitude: null, intranet: false, ua: null, deviceType: null,
  systemType: null, browserType: null, behaviorType: null, behaviorResult: null, resourcesType: null,
  actionType: null, loginType: null, deviceId: null, custom: {}`;

/** Node arguments that run `body` as a module with `storage` opened on `dataDir` (a real separate process). */
function childArguments(dataDir: string, body: string): string[] {
  const script = `
    const { openStorage } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
    const storage = await openStorage({ dataDir: ${JSON.stringify(dataDir)} });
    ${body}`;
  return ['--import', 'tsx', '--input-type=module', '-e', script];
}

function runChild(dataDir: string, name: string): Promise<string> {
  const body = `
    await storage.insertEvent({ id: ${JSON.stringify(name)}, ${EVENT_FIELDS_JS} });
    process.stdout.write(await storage.getOrCreateSetting('winner', ${JSON.stringify(name)}));
    await storage.close();`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, childArguments(dataDir, body), (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Writes events until killed, printing each id once its insert has resolved; resolves with those ids. */
function acknowledgedBeforeKill(dataDir: string, killAfter: number): Promise<string[]> {
  const body = `
    for (let n = 0; ; n++) {
      await storage.insertEvent({ id: 'k' + n, ${EVENT_FIELDS_JS} });
      process.stdout.write('k' + n + '\\n');
    }`;
  const child = spawn(process.execPath, childArguments(dataDir, body), { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.split('\n').length > killAfter) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', () => resolve(output.split('\n').filter((line) => line !== ''))));
}

/**
 * The statistics must stay index range scans bounded by the window, or their cost grows with the
 * table. These read SQLite's own plan for the shapes the policy engine uses most.
 */
describe('statistics query plans (sqlite)', () => {
  const base: AggregateQuery = { appId: 'app-1', filters: [], window: { durationMs: 3_600_000 }, now: 1e12, op: 'count' };
  const user: FieldFilter = { field: 'originalIdentity', op: 'eq', value: 'alice' };
  const ip: FieldFilter = { field: 'ip', op: 'eq', value: '203.0.113.7' };
  const device: FieldFilter = { field: 'deviceId', op: 'eq', value: 'dev-1' };
  const failed: FieldFilter = { field: 'behaviorResult', op: 'eq', value: 'failure' };

  it.each<[string, Partial<AggregateQuery>, RegExp]>([
    [
      'user + window',
      { filters: [user, failed] },
      /USING INDEX ueba_events_user_time \(app_id=\? AND original_identity=\? AND request_date>\? AND request_date<\?\)/,
    ],
    [
      'user + last N',
      { filters: [user], window: { last: 20 } },
      /USING (COVERING )?INDEX ueba_events_user_time \(app_id=\? AND original_identity=\? AND request_date<\?\)/,
    ],
    [
      'ip + window in one app',
      { filters: [ip], op: 'distinct', field: 'originalIdentity' },
      /USING INDEX ueba_events_ip_time \(ip=\? AND request_date>\? AND request_date<\?\)/,
    ],
    [
      'ip + window across apps',
      { appId: null, filters: [ip], op: 'distinct', field: 'appId' },
      /USING INDEX ueba_events_ip_time \(ip=\? AND request_date>\? AND request_date<\?\)/,
    ],
    ['ip + last N', { filters: [ip], window: { last: 50 } }, /USING INDEX ueba_events_ip_time \(ip=\? AND request_date<\?\)/],
    [
      'device + window',
      { filters: [device], op: 'values', field: 'originalIdentity' },
      /USING INDEX ueba_events_device_time \(device_id=\? AND request_date>\? AND request_date<\?\)/,
    ],
    ['app + window grouped', { filters: [failed], groupBy: 'ip' }, /USING INDEX ueba_events_app_time \(app_id=\? AND request_date>\? AND request_date<\?\)/],
    [
      'user + window latest',
      { filters: [user], op: 'latest' },
      /USING INDEX ueba_events_user_time \(app_id=\? AND original_identity=\? AND request_date>\? AND request_date<\?\)/,
    ],
  ])('%s', async (_label, shape, expected) => {
    const storage = (await openStorage({ url: ':memory:' })) as KyselyStorage;
    const plan = (await storage.explainAggregate({ ...base, ...shape })).join('\n');
    await storage.close();
    expect(plan).toMatch(expected);
    expect(plan).not.toMatch(/SCAN ueba_events(?! USING)/);
    // last N must stop after N rows: read in index order, not collected and sorted.
    if ('window' in shape) expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });
});
