// A scripted Server-Sent Events endpoint for event-stream.test.ts, mounted by web-test-runner.config.mjs.
// Each `key` is one scenario; its connections are answered in turn and logged with their resume point.
//   1st: `retry: 20`, event id 1, then the stream ends      → the browser reconnects by itself with Last-Event-ID
//   2nd: 401                                                  → the browser gives up; the helper must reconnect
//   3rd: event id 2, then the stream ends; later ones: 204    → 204 tells EventSource to stop for good
// GET /__sse/log?key=… answers the log as JSON.

/** @type {Map<string, { lastEventIdHeader: string | null, lastEventIdQuery: string | null }[]>} */
const logs = new Map();

const event = (id, type, data) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

export function sseTestServer() {
  return async (ctx, next) => {
    if (ctx.path === '/__sse/log') {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(logs.get(ctx.query.key) ?? []);
      return;
    }
    if (ctx.path !== '/__sse/stream') return next();
    const key = String(ctx.query.key);
    const log = logs.get(key) ?? [];
    logs.set(key, log);
    log.push({ lastEventIdHeader: ctx.get('last-event-id') || null, lastEventIdQuery: ctx.query.lastEventId ?? null });
    ctx.set('cache-control', 'no-store');
    switch (log.length) {
      case 1:
        ctx.type = 'text/event-stream';
        ctx.body = `retry: 20\n\n${event('1', 'security.mfa', { n: 1 })}`;
        return;
      case 2:
        ctx.status = 401;
        ctx.body = 'expired';
        return;
      case 3:
        ctx.type = 'text/event-stream';
        ctx.body = event('2', 'security.mfa.resolved', { n: 2 });
        return;
      default:
        ctx.status = 204;
    }
  };
}
