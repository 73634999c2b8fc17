import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError } from './errors.js';

/** Request bodies are bounded before they are parsed (the bodyLimit middleware enforces it on the wire too). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Reads a JSON body and validates it; every failure is a 4xx problem with a stable code. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw HttpError.fromZod(parsed.error);
  return parsed.data;
}
