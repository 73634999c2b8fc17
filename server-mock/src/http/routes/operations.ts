import type { AppContext, Route } from '../context.js';
import { APP_PATHS } from '../../protocol/index.js';

export const VERSION = '0.1.0';

/** Health, metrics, the OpenAPI document and the JWKS: unauthenticated, for operators and token verifiers. */
export type OperationsRoutesOptions = Pick<AppContext, 'storage' | 'logger' | 'metrics' | 'keys'>;

export function operationsRoutes({ storage, logger, metrics, keys }: OperationsRoutesOptions, openapi: () => unknown): Route[] {
  return [
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness and storage reachability',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'Healthy' }, 503: { description: 'Storage unreachable' } },
      handler: async (c) => {
        try {
          await storage.getOrCreateSetting('healthz', 'ok');
          return c.json({ status: 'ok', version: VERSION });
        } catch (error) {
          logger.error({ err: error }, 'health check failed');
          return c.json({ status: 'unavailable' }, 503);
        }
      },
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      handler: async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
    },
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      tag: 'operations',
      security: 'none',
      responses: { 200: { description: 'OpenAPI 3.1' } },
      handler: (c) => c.json(openapi() as object),
    },
    {
      method: 'get',
      path: APP_PATHS.jwks,
      summary: 'Public keys of every token this backend signs',
      tag: 'tokens',
      security: 'none',
      responses: { 200: { description: 'JWK Set' } },
      handler: async (c) => c.json(await keys.jwks(), 200, { 'cache-control': 'public, max-age=300' }),
    },
  ];
}
