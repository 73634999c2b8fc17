import { html } from 'hono/html';
import type { outboxSender } from '../../factors/delivery.js';
import type { Route } from '../context.js';

/**
 * Dev config only: the codes the backend "sent", so SMS and e-mail factors can be tried without providers.
 * Never mounted with a real config: it shows one-time codes.
 */
export function outboxRoute(outbox: ReturnType<typeof outboxSender>): Route {
  return {
    method: 'get',
    path: '/dev/outbox',
    summary: 'Dev outbox: the last SMS and e-mail codes (dev config only)',
    tag: 'dev',
    security: 'none',
    responses: { 200: { description: 'HTML page, or JSON with Accept: application/json', contentType: 'text/html' } },
    handler: (c) => {
      const messages = outbox.messages();
      if (c.req.header('accept')?.includes('application/json')) return c.json({ messages });
      return c.html(
        html`<!doctype html>
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <title>camfa-guard dev outbox</title>
              <meta http-equiv="refresh" content="5" />
            </head>
            <body>
              <h1>Dev outbox</h1>
              <p>Codes the dev backend would have sent by SMS or e-mail (newest first; refreshes every 5 s).</p>
              <table>
                <thead>
                  <tr>
                    <th>Sent</th>
                    <th>Channel</th>
                    <th>To</th>
                    <th>Message</th>
                  </tr>
                </thead>
                <tbody>
                  ${messages.map(
                    (message) =>
                      html`<tr>
                        <td>${new Date(message.sentAt).toISOString()}</td>
                        <td>${message.channel}</td>
                        <td>${message.to}</td>
                        <td><pre>${message.text}</pre></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </body>
          </html>`,
      );
    },
  };
}
