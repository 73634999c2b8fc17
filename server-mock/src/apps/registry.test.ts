import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryBus } from '../events/bus.js';
import { createLogger } from '../logger.js';
import { openStorage } from '../storage/index.js';
import type { Storage, StoredAppRecord } from '../storage/types.js';
import { AppRegistry, hashSecret, offeredFactors, secretMatches } from './registry.js';

describe('offeredFactors', () => {
  it('keeps the requested factors that are switched on, in the requested order', () => {
    expect(offeredFactors({ factors: ['email', 'totp'] }, ['sms', 'totp', 'email'])).toEqual(['totp', 'email']);
    expect(offeredFactors({}, ['sms', 'totp'])).toEqual(['sms', 'totp']);
  });

  it("offers the app's own factors when it switched off every one requested, never nothing", () => {
    expect(offeredFactors({ factors: ['webauthn', 'totp'] }, ['sms'])).toEqual(['webauthn', 'totp']);
  });
});

describe('AppRegistry', () => {
  let storage: Storage;
  let registry: AppRegistry;
  const bus = memoryBus();
  const stored = (overrides: Partial<StoredAppRecord> = {}): StoredAppRecord => ({
    id: 'hr',
    name: 'HR',
    origins: ['https://hr.example.com'],
    factors: null,
    trustDeviceDays: null,
    failMode: null,
    secretHash: hashSecret('hr-secret-0123456789-abcdefghijklmnopq').toString('base64url'),
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  });

  beforeEach(async () => {
    storage = await openStorage({ url: ':memory:' });
    const shop = { id: 'shop', secret: 'shop-secret-0123456789-abcdefghijklmnop', origins: ['https://shop.example.com'], loginWorkflow: 'login' };
    registry = await AppRegistry.create({ apps: [shop], storage, bus, logger: createLogger('silent') });
  });
  afterEach(async () => {
    registry.close();
    await storage.close();
  });

  it('follows changes another instance announces, and lets a config app win over a stored one with its id', async () => {
    const apps = registry.apps;
    await storage.insertApp(stored());
    await storage.insertApp(stored({ id: 'shop', secretHash: hashSecret('taken-over-0123456789-abcdefghijklmno').toString('base64url') }));
    expect(apps.has('hr')).toBe(false);
    await bus.publish({ kind: 'apps-changed' });
    await expect.poll(() => apps.has('hr')).toBe(true);
    expect(registry.apps).toBe(apps);
    expect([...registry.browserOrigins]).toEqual(['https://shop.example.com', 'https://hr.example.com']);
    expect(apps.get('shop')?.source).toBe('config');
    expect(secretMatches('shop-secret-0123456789-abcdefghijklmnop', apps.get('shop')!.secretHash)).toBe(true);
    expect(secretMatches('taken-over-0123456789-abcdefghijklmno', apps.get('shop')!.secretHash)).toBe(false);
  });

  it('keeps an unchanged app the same object and replaces a changed one', async () => {
    await storage.insertApp(stored());
    await registry.changed();
    const first = registry.apps.get('hr');
    await registry.changed();
    expect(registry.apps.get('hr')).toBe(first);
    await storage.replaceApp(stored({ version: 2, factors: ['totp'] }), 1);
    await registry.changed();
    expect(registry.apps.get('hr')).not.toBe(first);
    expect(registry.apps.get('hr')?.factors).toEqual(['totp']);
  });
});
