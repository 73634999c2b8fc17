import type { Context } from 'hono';
import { identifier } from '../identifier.js';
import { HttpError } from './errors.js';

/** A path parameter checked like any identifier in a body: `/v1/users/a%00b` is a 400, never a lookup. */
export function pathIdentifier(c: Context, name: string, max: number): string {
  const parsed = identifier(max).min(1).safeParse(c.req.param(name));
  if (!parsed.success) throw HttpError.fromZod(parsed.error);
  return parsed.data;
}
