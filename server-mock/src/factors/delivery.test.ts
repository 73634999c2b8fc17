import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeliveryError,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  channelSender,
  outboxSender,
  smtpSender,
  verifyWebhookSignature,
  webhookSmsSender,
} from './delivery.js';
import type { CodeDelivery, SmsWebhookPayload } from './delivery.js';
import { renderCodeMessage, resolveMessageLocale } from './messages.js';
import { manualClock, rejection } from './test-support/harness.js';

const delivery = (overrides: Partial<CodeDelivery> = {}): CodeDelivery => ({
  channel: 'email',
  to: 'alice@example.com',
  locale: 'en',
  code: '031337',
  appName: 'Acme',
  expiresInMinutes: 5,
  ...overrides,
});

/** Decodes a single-part message's body by its Content-Transfer-Encoding (no mail parser is installed). */
function decodeBody(raw: string): { headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const encoded = raw.slice(split + 4);
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return { headers, body: Buffer.from(encoded, 'base64').toString('utf8') };
  if (encoding === 'quoted-printable') {
    const bytes = encoded.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => `%${hex}`);
    return { headers, body: decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, '%25')) };
  }
  return { headers, body: encoded };
}

describe('smtpSender against a real SMTP server', () => {
  const received: { from: string; to: string[]; raw: string }[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it.each([
    ['en', 'Your Acme verification code', 'expires in 5 minutes'],
    ['zh-CN', 'Acme 验证码', '5 分钟内有效'],
  ])('delivers the %s message with the code in the body only', async (locale, subject, phrase) => {
    const sender = smtpSender({ transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true }, from: 'Acme <no-reply@acme.test>' });
    await sender.send(delivery({ locale }));
    sender.close();
    const mail = received.at(-1)!;
    expect(mail.from).toBe('no-reply@acme.test');
    expect(mail.to).toEqual(['alice@example.com']);
    const { headers, body } = decodeBody(mail.raw);
    expect(body).toContain('031337');
    expect(body).toContain(phrase);
    expect(headers).toMatch(new RegExp(`content-language: ${locale}`, 'i'));
    expect(renderCodeMessage(delivery({ locale })).subject).toBe(subject);
    expect(headers).not.toContain('031337');
  });

  it('fails with a DeliveryError that quotes neither code nor address when the server is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sender = smtpSender({
      transport: { host: '127.0.0.1', port: deadPort, secure: false, ignoreTLS: true, connectionTimeout: 2_000 },
      from: 'no-reply@acme.test',
    });
    const error = await rejection(sender.send(delivery()));
    sender.close();
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toMatch(/^email delivery failed: /);
    expect(`${error.message}${error.stack}`).not.toMatch(/031337|alice@example\.com/);
  });

  it('sends e-mail only', async () => {
    const sender = smtpSender({ transport: { host: '127.0.0.1', port }, from: 'no-reply@acme.test' });
    await expect(sender.send(delivery({ channel: 'sms', to: '+15555550123' }))).rejects.toThrow(DeliveryError);
    sender.close();
  });
});

describe('webhookSmsSender against a local receiver', () => {
  const secret = 'whsec-test-0123456789abcdef';
  const requests: { headers: Record<string, string | string[] | undefined>; body: string; verified: boolean }[] = [];
  let answer = 202;
  const clock = manualClock(Date.parse('2026-03-01T08:00:00Z'));
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifyWebhookSignature({
        secret,
        body,
        signature: request.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
        timestamp: request.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
        now: clock(),
      });
      requests.push({ headers: request.headers, body, verified });
      response.writeHead(verified ? answer : 401).end('echo: 031337 +15555550123');
    });
  });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sms`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const sms = delivery({ channel: 'sms', to: '+15555550123', locale: 'zh-CN' });

  it('POSTs signed JSON that the receiver verifies, with the code only in the text', async () => {
    answer = 202;
    await webhookSmsSender({ url, secret, clock }).send(sms);
    const request = requests.at(-1)!;
    expect(request.verified).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers[SIGNATURE_HEADER.toLowerCase()]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const payload = JSON.parse(request.body) as SmsWebhookPayload;
    expect(payload).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: Math.floor(clock() / 1000),
      channel: 'sms',
      to: '+15555550123',
      locale: 'zh-CN',
      text: '【Acme】您的验证码是 031337，5 分钟内有效。请勿泄露给任何人。',
    });
    expect(JSON.stringify({ ...payload, text: undefined })).not.toContain('031337');
  });

  it('signature checks refuse a tampered body, a wrong secret, a mismatched or stale timestamp', () => {
    const { body, headers } = requests.at(-1)!;
    const signature = headers[SIGNATURE_HEADER.toLowerCase()] as string;
    const timestamp = headers[TIMESTAMP_HEADER.toLowerCase()] as string;
    const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret, body, signature, timestamp, now: clock(), ...overrides });
    expect(check({})).toBe(true);
    expect(check({ body: body.replace('+15555550123', '+15555550999') })).toBe(false);
    expect(check({ secret: 'another-secret' })).toBe(false);
    expect(check({ timestamp: String(Number(timestamp) + 1) })).toBe(false);
    expect(check({ now: clock() + 301_000 })).toBe(false);
    expect(check({ signature: undefined })).toBe(false);
  });

  it('fails on a non-2xx answer without quoting the code, the number or the response body', async () => {
    answer = 500;
    const error = await rejection(webhookSmsSender({ url, secret, clock }).send(sms));
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toBe('sms delivery failed: webhook answered 500');
    const wrongSecret = await rejection(webhookSmsSender({ url, secret: 'not-the-secret', clock }).send(sms));
    expect(wrongSecret.message).toBe('sms delivery failed: webhook answered 401');
    expect(requests.at(-1)!.verified).toBe(false);
  });
});

describe('outbox and channel routing', () => {
  it('keeps the newest N messages, newest first', async () => {
    const clock = manualClock();
    const outbox = outboxSender({ limit: 2, clock });
    for (const code of ['111111', '222222', '333333']) {
      await outbox.send(delivery({ code }));
      clock.advance(1);
    }
    expect(outbox.messages().map((message) => message.text.match(/\d{6}/)![0])).toEqual(['333333', '222222']);
  });

  it('routes by channel and refuses a channel without a sender', async () => {
    const email = outboxSender();
    const sms = outboxSender();
    const router = channelSender({ email, sms });
    await router.send(delivery());
    await router.send(delivery({ channel: 'sms', to: '+15555550123' }));
    expect(email.messages().map((message) => message.channel)).toEqual(['email']);
    expect(sms.messages().map((message) => message.channel)).toEqual(['sms']);
    await expect(channelSender({ email }).send(delivery({ channel: 'sms' }))).rejects.toThrow(/no sender configured/);
  });
});

describe('message templates', () => {
  it.each([
    ['en', 'en'],
    ['en-GB', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans-SG', 'zh-CN'],
    ['zh-TW', 'zh-TW'],
    ['zh-Hant-HK', 'zh-TW'],
    ['zh_hk', 'zh-TW'],
    ['ja-JP', 'ja'],
    ['fr', 'en'],
    ['', 'en'],
  ])('%s → %s', (locale, expected) => {
    expect(resolveMessageLocale(locale)).toBe(expected);
  });

  it('every locale and channel names the app and the lifetime, and keeps the code out of the subject', () => {
    for (const locale of ['en', 'zh-CN', 'zh-TW', 'ja']) {
      for (const channel of ['sms', 'email'] as const) {
        const message = renderCodeMessage(delivery({ channel, locale, expiresInMinutes: 7 }));
        expect(message.locale).toBe(locale);
        expect(message.text).toContain('031337');
        expect(message.text).toContain('Acme');
        expect(message.text).toContain('7');
        expect(message.subject).not.toContain('031337');
      }
    }
  });
});
