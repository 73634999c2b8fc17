import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError } from './errors.js';

/** Request bodies are bounded before they are parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = (limit: number) => new HttpError(413, 'payload_too_large', `Bodies are limited to ${limit} bytes`);

/** Reads chunks up to the limit; past it, stops and answers 413 without buffering the rest. */
async function collect(chunks: AsyncIterable<Uint8Array>, limit: number, cancel: () => void = () => {}): Promise<string> {
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) {
      cancel();
      throw tooLarge(limit);
    }
    kept.push(chunk);
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * The request body as text, refused past MAX_BODY_BYTES without buffering more than that: a declared
 * Content-Length is checked up front, a chunked body is counted while it arrives. On the Node server the
 * body is read straight from the socket's IncomingMessage: going through the web-streams Request cost a
 * third of a status check (and Hono's bodyLimit, which re-wraps every request, cost 6× throughput).
 */
export async function readBody(c: Context, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Not destroyed past the limit: the 413 must still reach the client; Node discards the rest.
  if (incoming) return collect(incoming.iterator({ destroyOnReturn: false }), limit);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    },
  };
  return collect(chunks, limit, () => void reader.cancel());
}

/** Reads a JSON body and validates it; every failure is a 4xx problem with a stable code. `limit`: a route's own bound (face frames). */
export async function readJson<T extends z.ZodType>(c: Context, schema: T, limit = MAX_BODY_BYTES): Promise<z.output<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  const text = await readBody(c, limit);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw HttpError.fromZod(parsed.error);
  return parsed.data;
}
