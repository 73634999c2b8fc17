import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { CONSOLE_APP_ID } from '../../console/definition.js';
import { LiveTail, parseCursor, serveLive } from '../../console/live.js';
import { DomainError } from '../../errors.js';
import { identifier, originalIdentity } from '../../identifier.js';
import { CONSOLE_PATHS } from '../../protocol/index.js';
import { parseQuery, type AppContext, type Route } from '../context.js';
import { HttpError } from '../errors.js';
import type { ConsoleGuards } from './console.js';

export type ConsoleLiveRoutesOptions = Pick<AppContext, 'apps' | 'storage' | 'clock' | 'heartbeatMs' | 'livePollMs' | 'logger'>;

const liveQuery = z.object({
  app: identifier(64).min(1).optional(),
  user: originalIdentity.optional(),
  outcome: z.enum(['hit', 'pass']).optional(),
  /** For a first connection that resumes (EventSource sends `Last-Event-ID` itself only on a reconnect). */
  lastEventId: z.string().max(40).optional(),
});

const HIDDEN_APPS: ReadonlySet<string> = new Set([CONSOLE_APP_ID]);

/** The Live page's stream: what every instance stores, tailed from storage, filtered by app, user and outcome. */
export function consoleLiveRoutes(options: ConsoleLiveRoutesOptions, { requireConsoleSession }: ConsoleGuards): Route[] {
  const { apps, storage, clock, heartbeatMs, livePollMs, logger } = options;
  return [
    {
      method: 'get',
      path: CONSOLE_PATHS.live,
      summary: 'Stored UEBA events and decisions as Server-Sent Events; Last-Event-ID resumes where the stream stopped',
      tag: 'console-live',
      security: 'console',
      query: liveQuery,
      middleware: [requireConsoleSession],
      responses: {
        200: {
          description:
            'event-stream: `ueba` (a stored UebaEvent) and `decision` (a decision record with its explanation); with `outcome`, only decisions of that outcome, each after the event it judged',
          contentType: 'text/event-stream',
        },
        400: { description: 'invalid_last_event_id, invalid_query' },
        404: { description: 'unknown_app' },
      },
      handler: async (c) => {
        const query = parseQuery(c, liveQuery);
        if (query.app !== undefined && (HIDDEN_APPS.has(query.app) || !apps.has(query.app))) throw new DomainError('unknown_app', `No app "${query.app}"`);
        const lastEventId = c.req.header('last-event-id') ?? query.lastEventId;
        const resumeFrom = lastEventId === undefined ? undefined : parseCursor(lastEventId);
        if (resumeFrom === null) throw new HttpError(400, 'invalid_last_event_id', 'Last-Event-ID must be an id this stream sent');
        const filter = { appId: query.app, originalIdentity: query.user, outcome: query.outcome, hiddenAppIds: HIDDEN_APPS };
        // Opened before the answer starts, so a storage failure is a problem document rather than a cut stream.
        const tail = await LiveTail.open({ storage, clock, filter, ...(resumeFrom ? { resumeFrom } : {}) });
        return streamSSE(c, async (stream) => {
          try {
            await serveLive(stream, { tail, pollMs: livePollMs, heartbeatMs });
          } catch (error) {
            // Logged here, not sent: a storage error may say more than a browser should read. The stream ends, and
            // EventSource reconnects with its Last-Event-ID, losing nothing.
            logger.warn({ err: error }, 'console live stream failed');
          }
        });
      },
    },
  ];
}
