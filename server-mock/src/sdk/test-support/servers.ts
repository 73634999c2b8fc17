import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CamfaLogger } from '../logger.js';

export const APP_ID = 'shop';
export const APP_SECRET = 'shop-secret-do-not-leak-0123456789';
/** What the secret looks like on the wire; it must not leak either. */
export const BASIC = Buffer.from(`${APP_ID}:${APP_SECRET}`).toString('base64');

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, res: ServerResponse) => void;

/** A real HTTP server on a free port; every request is recorded (body parsed as JSON when it is). */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://test');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text ? safeJson(text) : undefined,
      };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: urlOf(server), requests, close: () => closeServer(server) };
}

/** A URL nothing listens on: the port was bound, then released. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = urlOf(server);
  await closeServer(server);
  return url;
}

/** Accepts connections, reads requests, never answers. */
export function startHangingServer(): Promise<TestServer> {
  return startServer(() => {});
}

/** Sends a JSON (or problem) answer. */
export function reply(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType }).end(JSON.stringify(body));
}

/** An RFC 9457 problem like the backend's. */
export function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  reply(res, status, { type: `https://camfa-guard.dev/problems/${code}`, title: 'Error', status, code, detail }, 'application/problem+json');
}

/** Answers 401 `invalid_client` unless the request carries the test app's Basic credentials. */
export function authorized(request: RecordedRequest, res: ServerResponse): boolean {
  if (request.headers.authorization === `Basic ${BASIC}`) return true;
  problem(res, 401, 'invalid_client', 'Unknown app or wrong secret');
  return false;
}

/** A logger that keeps every line, as text, for assertions. */
export function recordingLogger(): CamfaLogger & { lines: string[] } {
  const lines: string[] = [];
  const record = (fields: Record<string, unknown>, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`);
  return { lines, warn: record, info: record };
}

/** A clock tests move by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  // Hanging requests and open streams would otherwise keep close() waiting forever.
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A pending step-up as the backend would send it. */
export const TRIGGER = {
  stateToken: 'st-1',
  originalIdentity: 'u1',
  factors: [{ type: 'totp' as const, enrolled: true }],
  reason: { ruleId: 'new-device', message: 'New device' },
  acr: 'urn:camfa:acr:mfa',
  expiresAt: '2030-01-01T00:00:00.000Z',
  host: 'http://mfa.test',
  appId: APP_ID,
};

/** Polls until `predicate` holds; for waiting on real sockets, never on timers the code under test owns. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Opens an event stream answer. */
export function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
}

/** One SSE message; the JSON is pretty-printed so `data` spans several lines, as the spec allows. */
export function sseMessage(event: { id?: string; event: string; data: unknown }): string {
  const data = JSON.stringify(event.data, null, 2)
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${event.id === undefined ? '' : `id: ${event.id}\n`}event: ${event.event}\n${data}\n`;
}
