import { createHmac, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { OtpChannel } from '../storage/types.js';
import type { Clock } from '../types.js';
import { constantTimeEqual } from './crypto.js';
import { renderCodeMessage } from './messages.js';
import type { MessageLocale } from './messages.js';

/** One code to deliver. Senders render it with `renderCodeMessage`; the code goes only into the body. */
export interface CodeDelivery {
  channel: OtpChannel;
  /** Phone number (E.164) or e-mail address. */
  to: string;
  locale: string;
  code: string;
  appName: string;
  expiresInMinutes: number;
  /** See `CodeMessageInput.webOtpHost`. */
  webOtpHost?: string;
}

export interface MessageSender {
  send(delivery: CodeDelivery): Promise<void>;
}

/**
 * A delivery that failed. The message names the channel and the provider's status, never the code,
 * the recipient or the provider's reply body, so it is safe to log.
 */
export class DeliveryError extends Error {
  constructor(
    readonly channel: OtpChannel,
    detail: string,
  ) {
    super(`${channel} delivery failed: ${detail}`);
    this.name = 'DeliveryError';
  }
}

/** Routes each delivery to the sender of its channel; a channel without one fails. */
export function channelSender(senders: Partial<Record<OtpChannel, MessageSender>>): MessageSender {
  return {
    send: async (delivery) => {
      const sender = senders[delivery.channel];
      if (sender === undefined) throw new DeliveryError(delivery.channel, 'no sender configured for this channel');
      await sender.send(delivery);
    },
  };
}

/** E-mail through nodemailer's SMTP transport (options or an `smtp://` / `smtps://` URL). */
export function smtpSender(options: { transport: SMTPTransport.Options | string; from: string }): MessageSender & { close(): void } {
  const transporter = nodemailer.createTransport(options.transport);
  return {
    send: async (delivery) => {
      if (delivery.channel !== 'email') throw new DeliveryError(delivery.channel, 'the SMTP sender sends e-mail only');
      const message = renderCodeMessage(delivery);
      try {
        await transporter.sendMail({
          from: options.from,
          to: delivery.to,
          subject: message.subject,
          text: message.text,
          headers: { 'Content-Language': message.locale },
        });
      } catch (error) {
        // nodemailer errors may quote the SMTP conversation; keep only its codes.
        const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
        throw new DeliveryError('email', [code, responseCode].filter((part) => part !== undefined).join(' ') || 'SMTP error');
      }
    },
    close: () => transporter.close(),
  };
}

export const SIGNATURE_HEADER = 'X-Camfa-Signature';
export const TIMESTAMP_HEADER = 'X-Camfa-Timestamp';

/** The JSON body the SMS webhook receives. */
export interface SmsWebhookPayload {
  /** Unique per delivery: receivers drop a repeated id, so a replayed request sends nothing. */
  id: string;
  /** Unix seconds, equal to the `X-Camfa-Timestamp` header; covered by the signature because it is in the body. */
  timestamp: number;
  channel: 'sms';
  to: string;
  locale: MessageLocale;
  text: string;
}

/**
 * SMS through an HTTP webhook: POST of `SmsWebhookPayload` as JSON with
 * `X-Camfa-Signature: sha256=<hex HMAC-SHA256 of the raw body under the shared secret>` and
 * `X-Camfa-Timestamp: <unix seconds>`.
 *
 * A receiver verifies (see `verifyWebhookSignature`): compute the HMAC over the raw body bytes exactly
 * as received (before any JSON parsing), compare it with the header in constant time, check that the
 * body's `timestamp` equals the header and is within five minutes of its clock, and drop an `id` it has
 * seen before. Any 2xx answer counts as accepted.
 */
export function webhookSmsSender(options: { url: string; secret: string; timeoutMs?: number; clock?: Clock }): MessageSender {
  const clock = options.clock ?? Date.now;
  return {
    send: async (delivery) => {
      if (delivery.channel !== 'sms') throw new DeliveryError(delivery.channel, 'the webhook sender sends SMS only');
      const message = renderCodeMessage(delivery);
      const timestamp = Math.floor(clock() / 1000);
      const payload: SmsWebhookPayload = { id: randomUUID(), timestamp, channel: 'sms', to: delivery.to, locale: message.locale, text: message.text };
      const body = JSON.stringify(payload);
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signWebhookBody(options.secret, body), [TIMESTAMP_HEADER]: String(timestamp) },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
        });
      } catch (error) {
        throw new DeliveryError('sms', error instanceof Error && error.name === 'TimeoutError' ? 'webhook timed out' : 'webhook unreachable');
      }
      // The body is drained but not quoted: a provider could echo the message back.
      await response.body?.cancel();
      if (!response.ok) throw new DeliveryError('sms', `webhook answered ${response.status}`);
    },
  };
}

/** `sha256=<hex HMAC-SHA256 of body>`, the value of `X-Camfa-Signature`. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * What a webhook receiver runs on each request: true when the signature matches the raw body, the body's
 * timestamp equals the header's, and it lies within `toleranceSeconds` (default 300) of `now` (ms).
 */
export function verifyWebhookSignature(input: {
  secret: string;
  body: string | Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
  toleranceSeconds?: number;
}): boolean {
  if (input.signature === undefined || input.timestamp === undefined) return false;
  if (!constantTimeEqual(signWebhookBody(input.secret, input.body), input.signature)) return false;
  let payload: unknown;
  try {
    payload = JSON.parse(input.body.toString());
  } catch {
    return false;
  }
  const timestamp = (payload as { timestamp?: unknown } | null)?.timestamp;
  return typeof timestamp === 'number' && String(timestamp) === input.timestamp && Math.abs(input.now / 1000 - timestamp) <= (input.toleranceSeconds ?? 300);
}

export interface OutboxMessage {
  channel: OtpChannel;
  to: string;
  locale: MessageLocale;
  subject: string;
  text: string;
  sentAt: number;
}

/**
 * Dev delivery: keeps the last `limit` messages (default 50) in memory, newest first, for the
 * `/dev/outbox` page of the dev config. Never wire it into a production config: it shows codes.
 */
export function outboxSender(options: { limit?: number; clock?: Clock } = {}): MessageSender & { messages(): OutboxMessage[] } {
  const limit = options.limit ?? 50;
  const clock = options.clock ?? Date.now;
  const kept: OutboxMessage[] = [];
  return {
    send: async (delivery) => {
      const { locale, subject, text } = renderCodeMessage(delivery);
      kept.unshift({ channel: delivery.channel, to: delivery.to, locale, subject, text, sentAt: clock() });
      kept.length = Math.min(kept.length, limit);
    },
    messages: () => kept.map((message) => ({ ...message })),
  };
}
