import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from './index.js';
import { storageContract } from './storage.contract.js';
import type { Storage } from './types.js';

const databaseUrl = process.env['DATABASE_URL'];

if (databaseUrl === undefined || databaseUrl === '') {
  describe.skip('skipped: no DATABASE_URL', () => {
    it('runs the storage contract against PostgreSQL', () => {});
  });
} else {
  postgresSuite(databaseUrl);
}

/**
 * Every storage gets a schema of its own (`camfa_test_<random>`), dropped at the end: other test
 * files and other developers share the database and must never see these tables.
 */
function postgresSuite(url: string): void {
  const schemas: string[] = [];
  const schemaOf = new Map<Storage, string>();
  const freshSchema = () => {
    const schema = `camfa_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };

  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  });

  const open = async () => {
    const schema = freshSchema();
    const storage = await openStorage({ url, schema });
    schemaOf.set(storage, schema);
    return storage;
  };

  storageContract('postgres', open, {
    reopen: async (storage) => {
      const schema = schemaOf.get(storage)!;
      await storage.close();
      return openStorage({ url, schema });
    },
  });

  describe('openStorage (postgres)', () => {
    it('lets instances that start together share one schema, migrated once', async () => {
      const schema = freshSchema();
      const instances = await Promise.all(Array.from({ length: 3 }, () => openStorage({ url, schema })));
      try {
        const winners = await Promise.all(instances.map((storage, index) => storage.getOrCreateSetting('s', `v${index}`)));
        expect(new Set(winners).size).toBe(1);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query(`select name from "${schema}".camfa_migration`);
        await client.end();
        expect(rows.map((row) => row.name)).toEqual([
          '0001_initial',
          '0002_factors',
          '0003_users',
          '0004_trusted_device',
          '0005_webauthn',
          '0006_sealed_secrets',
          '0007_console',
          '0008_apps',
          '0009_workflow_drafts',
        ]);
      } finally {
        await Promise.all(instances.map((storage) => storage.close()));
      }
    });

    it('keeps schemas apart', async () => {
      const [first, second] = await Promise.all([open(), open()]);
      try {
        await first.getOrCreateSetting('s', 'first');
        expect(await second.getOrCreateSetting('s', 'second')).toBe('second');
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await expect(openStorage({ url, schema: 'x"; drop schema public; --' })).rejects.toThrow(/schema/);
    });
  });
}
