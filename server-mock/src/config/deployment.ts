import type { z } from 'zod';
import { ConfigError } from './load.js';
import { databaseSchemaName, redisPrefixName, type Config } from './schema.js';

/** Where a deployment keeps its state and meets its other instances. */
export interface Deployment {
  /** Empty or absent: the SQLite file in the data folder. */
  databaseUrl?: string;
  databaseSchema?: string;
  /** Empty or absent: events stay inside this process. */
  redisUrl?: string;
  redisPrefix: string;
}

/** The environment variables that override the config's deployment fields (one image, many deployments). */
export const DEPLOYMENT_ENV = {
  databaseUrl: 'DATABASE_URL',
  databaseSchema: 'CAMFA_DATABASE_SCHEMA',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'CAMFA_REDIS_PREFIX',
} as const satisfies Record<keyof Deployment, string>;

/**
 * The config's deployment fields, overridden by the environment, overridden by `overrides` (code that
 * embeds the backend). An empty variable counts as unset, as shells and compose files write "unset".
 * Variables are checked like the config fields they replace, and a wrong one is named.
 */
export function resolveDeployment(options: { config: Config; env: NodeJS.ProcessEnv; overrides?: Partial<Deployment> }): Deployment {
  const { config, env, overrides = {} } = options;
  const fromEnv = (field: keyof Deployment, rule?: z.ZodString): string | undefined => {
    const name = DEPLOYMENT_ENV[field];
    const value = env[name];
    if (!value) return undefined;
    const checked = rule?.safeParse(value);
    if (checked && !checked.success) throw new ConfigError('environment', [`${name}: ${checked.error.issues[0]!.message}`]);
    return value;
  };
  return {
    databaseUrl: overrides.databaseUrl ?? fromEnv('databaseUrl') ?? config.databaseUrl,
    databaseSchema: overrides.databaseSchema ?? fromEnv('databaseSchema', databaseSchemaName) ?? config.databaseSchema,
    redisUrl: overrides.redisUrl ?? fromEnv('redisUrl') ?? config.redisUrl,
    redisPrefix: overrides.redisPrefix ?? fromEnv('redisPrefix', redisPrefixName) ?? config.redisPrefix,
  };
}
