import { describe, expect, it } from 'vitest';
import { testConfig } from '../test-support/backend.js';
import { resolveDeployment } from './deployment.js';
import { parseConfig } from './load.js';

const config = parseConfig(
  testConfig({ databaseUrl: 'postgres://db.internal/camfa', databaseSchema: 'production', redisUrl: 'redis://cache.internal', redisPrefix: 'acme:production' }),
);

describe('resolveDeployment', () => {
  it('takes the config, then the environment over it, then the embedding code over both', () => {
    expect(resolveDeployment({ config, env: {} })).toEqual({
      databaseUrl: 'postgres://db.internal/camfa',
      databaseSchema: 'production',
      redisUrl: 'redis://cache.internal',
      redisPrefix: 'acme:production',
    });
    const env = { DATABASE_URL: 'postgres://other/db', CAMFA_DATABASE_SCHEMA: 'staging', REDIS_URL: 'redis://other', CAMFA_REDIS_PREFIX: 'acme:staging' };
    expect(resolveDeployment({ config, env })).toEqual({
      databaseUrl: 'postgres://other/db',
      databaseSchema: 'staging',
      redisUrl: 'redis://other',
      redisPrefix: 'acme:staging',
    });
    expect(resolveDeployment({ config, env, overrides: { databaseUrl: '', redisUrl: '' } })).toMatchObject({ databaseUrl: '', redisUrl: '' });
  });

  it('treats an empty variable as unset', () => {
    expect(resolveDeployment({ config, env: { DATABASE_URL: '', CAMFA_REDIS_PREFIX: '' } })).toMatchObject({
      databaseUrl: 'postgres://db.internal/camfa',
      redisPrefix: 'acme:production',
    });
  });

  it('defaults the Redis prefix to the channel earlier releases used', () => {
    expect(resolveDeployment({ config: parseConfig(testConfig()), env: {} }).redisPrefix).toBe('camfa-guard');
  });

  it.each([
    ['CAMFA_DATABASE_SCHEMA', 'public; drop table users'],
    ['CAMFA_DATABASE_SCHEMA', 'Staging'],
    ['CAMFA_REDIS_PREFIX', 'a b'],
    ['CAMFA_REDIS_PREFIX', 'x'.repeat(65)],
  ])('refuses %s=%j and names the variable', (name, value) => {
    expect(() => resolveDeployment({ config, env: { [name]: value } })).toThrow(new RegExp(`^environment: ${name}: `));
  });

  it('refuses an unsafe schema or prefix in the config and names the field', () => {
    expect(() => parseConfig(testConfig({ databaseSchema: 'a-b' }), 'camfa.yaml')).toThrow(/^camfa\.yaml: databaseSchema: lowercase letters/);
    expect(() => parseConfig(testConfig({ redisPrefix: 'a*' }), 'camfa.yaml')).toThrow(/^camfa\.yaml: redisPrefix: letters, digits/);
  });
});
