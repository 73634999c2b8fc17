import type { Context, Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type Security = 'none' | 'app' | 'admin' | 'app-or-admin' | 'app-or-subscription' | 'console';

/** One endpoint: its handler and what `/openapi.json` says about it. Both come from the same record. */
export interface RouteSpec<E extends object = object> {
  method: Method;
  /** Hono syntax (`/v1/workflows/:id/trigger`). */
  path: string;
  summary: string;
  tag: string;
  security: Security;
  body?: z.ZodType;
  query?: z.ZodObject;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  middleware?: MiddlewareHandler<E>[];
  handler: (c: Context<E>) => Response | Promise<Response>;
}

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine-readable error code.' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

function jsonSchema(schema: z.ZodType): unknown {
  // Input shape: what a client sends (transforms and defaults are the server's business).
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Registers every route on the Hono app and remembers it for the OpenAPI document. */
export class RouteBook<E extends object> {
  private readonly routes: RouteSpec<E>[] = [];

  add(spec: RouteSpec<E>): this {
    this.routes.push(spec);
    return this;
  }

  mount(app: Hono<E & { Variables: object }>): void {
    for (const route of this.routes) {
      app.on([route.method.toUpperCase()], [route.path], ...(route.middleware ?? []), route.handler as never);
    }
  }

  openapi(info: { title: string; version: string; serverUrl: string }): unknown {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const parameters = [
        ...[...route.path.matchAll(/:(\w+)/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
          name,
          in: 'query',
          required: !(schema as z.ZodType).safeParse(undefined).success,
          schema: jsonSchema(schema as z.ZodType),
        })),
      ];
      const responses: Record<string, unknown> = {};
      for (const [status, response] of Object.entries(route.responses)) {
        const contentType = response.contentType ?? 'application/json';
        responses[status] = {
          description: response.description,
          ...(response.schema || response.contentType ? { content: { [contentType]: response.schema ? { schema: jsonSchema(response.schema) } : {} } } : {}),
        };
      }
      if (route.security !== 'none' || route.body || parameters.length > 0) {
        responses.default = { description: 'Problem (RFC 9457)', content: { 'application/problem+json': { schema: PROBLEM } } };
      }
      paths[path] ??= {};
      paths[path][route.method] = {
        summary: route.summary,
        tags: [route.tag],
        operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
        ...(parameters.length ? { parameters } : {}),
        ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
        responses,
        security: SECURITY[route.security],
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: info.title, version: info.version },
      servers: [{ url: info.serverUrl }],
      paths,
      components: {
        securitySchemes: {
          app: { type: 'http', scheme: 'basic', description: 'appId as user name, appSecret as password (server to server only).' },
          admin: { type: 'http', scheme: 'bearer', description: 'The adminToken from the config.' },
          subscription: { type: 'apiKey', in: 'query', name: 'access_token', description: 'A subscription token minted by POST /v1/subscriptions.' },
          console: {
            type: 'apiKey',
            in: 'cookie',
            name: 'camfa_console',
            description: 'The session cookie set by POST /console/api/session; every other method than GET also needs X-CSRF-Token.',
          },
        },
      },
    };
  }
}

const SECURITY: Record<Security, unknown[]> = {
  none: [],
  app: [{ app: [] }],
  admin: [{ admin: [] }],
  'app-or-admin': [{ app: [] }, { admin: [] }],
  'app-or-subscription': [{ app: [] }, { subscription: [] }],
  console: [{ console: [] }],
};
