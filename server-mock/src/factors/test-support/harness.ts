import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { openStorage } from '../../storage/index.js';
import type { Storage } from '../../storage/types.js';
import type { FactorSecrets } from '../crypto.js';

export { manualClock } from '../../test-support/fixtures.js';

/** Fresh random factor keys, as an operator would configure them. */
export function testSecrets(): FactorSecrets {
  return { keyring: { current: { id: 'k1', key: randomBytes(32) }, previous: [] }, pepper: randomBytes(32) };
}

export const memoryStorage = (): Promise<Storage> => openStorage({ url: ':memory:' });

/**
 * A file-backed SQLite storage that can be closed and opened again, as a restarted backend would, and
 * read raw to prove what is (not) stored in plaintext. Directories are removed after the file's tests.
 */
export function restartableStorage(): { open(): Promise<Storage>; restart(storage: Storage): Promise<Storage>; dump(): string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-factors-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  return {
    open: () => openStorage({ dataDir }),
    restart: async (storage) => {
      await storage.close();
      return openStorage({ dataDir });
    },
    dump: () => {
      const raw = new Database(join(dataDir, 'camfa.sqlite'), { readonly: true });
      try {
        const tables = raw.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[];
        return JSON.stringify(Object.fromEntries(tables.map(({ name }) => [name, raw.prepare(`select * from "${name}"`).all()])));
      } finally {
        raw.close();
      }
    },
  };
}

/** The error `promise` rejects with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection, but the promise resolved');
}
