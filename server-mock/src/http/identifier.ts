import type { Context } from 'hono';
import { z } from 'zod';
import { HttpError } from './errors.js';

/**
 * Control characters (C0, DEL and C1: `\p{Cc}`) and unpaired surrogates (`\p{Cs}`, which in a `u` regex
 * matches only a lone half, never a proper pair such as an emoji). Neither belongs in a name:
 * PostgreSQL refuses NUL in text while SQLite stores it, so the same request would work on one store and
 * fail with a 500 on the other; UTF-8 cannot encode a lone surrogate, so the drivers store U+FFFD instead
 * and two different ids become one; CR, LF and ESC forge log lines and terminal output.
 */
const UNSAFE = /[\p{Cc}\p{Cs}]/u;

/** The problem `code` of an identifier that fails the check, whatever else the request got wrong. */
export const INVALID_IDENTIFIER = 'invalid_identifier';

/**
 * A string a client sends to name something (a user, a login, a device, an app, a challenge, a role):
 * at most `max` characters, none of them unsafe. `HttpError.fromZod` answers its failure with the
 * stable code `invalid_identifier`. Chain `.min(1)` where an empty name is meaningless.
 */
export function identifier(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !UNSAFE.test(value), { message: 'must not contain control characters or unpaired surrogates', params: { code: INVALID_IDENTIFIER } });
}

/** The problem `code` of free text holding a NUL. */
export const INVALID_TEXT = 'invalid_text';

/**
 * Free text a client sends that is stored (a User-Agent, a behaviour type, a custom value, a department,
 * a message): anything but NUL, which PostgreSQL cannot store in text or jsonb (a 500 there, stored as-is
 * on SQLite). Other control characters stay allowed: a tab or a newline can be real content, and free
 * text is never used as a key or written raw into a log line.
 */
export function storableText(max: number) {
  return z
    .string()
    .max(max, `at most ${max} characters`)
    .refine((value) => !value.includes('\u0000'), { message: 'must not contain NUL', params: { code: INVALID_TEXT } });
}

/** A path parameter checked like any identifier in a body: `/v1/users/a%00b` is a 400, never a lookup. */
export function pathIdentifier(c: Context, name: string, max: number): string {
  const parsed = identifier(max).min(1).safeParse(c.req.param(name));
  if (!parsed.success) throw HttpError.fromZod(parsed.error);
  return parsed.data;
}
