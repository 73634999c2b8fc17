import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RegisteredApp } from '../../apps/registry.js';
import { openStream } from '../../events/stream.js';
import { authenticateApp, bearerToken } from '../auth.js';
import { readJson } from '../body.js';
import { parseQuery, type AppContext, type Env, type Guards, type Principal, type Route } from '../context.js';
import { HttpError } from '../errors.js';
import * as schemas from '../schemas.js';
import { originNotAllowed } from '../cors.js';
import { APP_PATHS, EVENT_STREAM_PATH } from '../../protocol/index.js';

/** Subscription tokens and the SSE stream of MFA events (JSON or CAEP SETs). */
export type EventRoutesOptions = Pick<AppContext, 'apps' | 'config' | 'subscriptions' | 'mfa' | 'bus' | 'keys' | 'publicUrl' | 'clock' | 'heartbeatMs'>;

export function eventRoutes(options: EventRoutesOptions, { requireApp, appOf }: Guards): Route[] {
  const { apps, config, subscriptions, mfa, bus, keys, publicUrl, clock, heartbeatMs } = options;

  async function streamPrincipal(c: Context<Env>, queryToken: string | undefined): Promise<Extract<Principal, { app: RegisteredApp }>> {
    const header = c.req.header('authorization');
    const token = queryToken ?? bearerToken(header);
    if (token === null) return { kind: 'app', app: authenticateApp(header, apps) };
    const claims = await subscriptions.verify(token);
    const app = claims ? apps.get(claims.appId) : undefined;
    if (!claims || !app) throw new HttpError(401, 'invalid_token', 'The subscription token is invalid or expired');
    return { kind: 'subscription', app, originalIdentity: claims.originalIdentity };
  }

  return [
    {
      method: 'post',
      path: APP_PATHS.subscriptions,
      summary: "Mint a short-lived token for one user's MFA event stream (for the browser)",
      tag: 'events',
      security: 'app',
      body: schemas.subscriptionBody,
      middleware: [requireApp],
      responses: { 201: { description: 'Token', schema: schemas.subscriptionResponse } },
      handler: async (c) => {
        const body = await readJson(c, schemas.subscriptionBody);
        const ttl = Math.min(body.ttlSeconds ?? 600, config.subscriptionTokenMaxTtlSeconds);
        const { token, expiresAt } = await subscriptions.mint({ appId: appOf(c).id, originalIdentity: body.originalIdentity }, ttl);
        return c.json({ token, expiresAt: new Date(expiresAt).toISOString() }, 201);
      },
    },
    {
      method: 'get',
      path: EVENT_STREAM_PATH,
      summary: 'MFA events as Server-Sent Events; Last-Event-ID replays what was missed',
      tag: 'events',
      security: 'app-or-subscription',
      query: schemas.streamQuery,
      responses: {
        200: { description: 'event-stream: `security.mfa` and `security.mfa.resolved` (JSON, or SETs with format=set)', contentType: 'text/event-stream' },
      },
      handler: async (c) => {
        const query = parseQuery(c, schemas.streamQuery);
        const principal = await streamPrincipal(c, query.access_token);
        const originalIdentity = principal.kind === 'subscription' ? principal.originalIdentity : query.originalIdentity;
        if (principal.kind === 'subscription' && query.originalIdentity && query.originalIdentity !== originalIdentity) {
          throw new HttpError(403, 'forbidden', 'A subscription token is bound to one user');
        }
        const lastEventId = c.req.header('last-event-id') ?? query.lastEventId;
        if (lastEventId !== undefined && !/^\d{1,18}$/.test(lastEventId)) {
          throw new HttpError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id');
        }
        allowOrigin(c, principal.app);
        return streamSSE(c, (stream) =>
          openStream(stream, {
            appId: principal.app.id,
            originalIdentity,
            afterSeq: lastEventId === undefined ? undefined : Number(lastEventId),
            format: query.format,
            mfa,
            bus,
            keys,
            issuer: publicUrl,
            heartbeatMs,
            clock,
          }),
        );
      },
    },
  ];
}

/** Browsers may read a stream only from the app's declared origins. */
function allowOrigin(c: Context<Env>, app: RegisteredApp): void {
  const origin = c.req.header('origin');
  if (origin && app.origins.includes(origin)) {
    c.header('access-control-allow-origin', origin);
    c.header('vary', 'Origin');
  }
}

/** Preflight for browsers that send the subscription token in a header rather than the query. */
export function mountStreamPreflight(app: Hono<Env>, context: Pick<AppContext, 'apps'>): void {
  app.options(EVENT_STREAM_PATH, (c) => {
    const origin = c.req.header('origin');
    if (!origin || ![...context.apps.values()].some((candidate) => candidate.origins.includes(origin))) throw originNotAllowed();
    return c.body(null, 204, {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization, last-event-id',
      'access-control-allow-methods': 'GET',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });
}
