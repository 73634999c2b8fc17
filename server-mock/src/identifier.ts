/**
 * The rules every name and stored text a client sends must pass, wherever it is parsed (request bodies,
 * UEBA events, the user directory): plain zod, so services and schemas use them without importing http/.
 */
import { z } from 'zod';
import { INVALID_IDENTIFIER, INVALID_TEXT } from './protocol/index.js';

/**
 * Control characters (C0, DEL and C1: `\p{Cc}`) and unpaired surrogates (`\p{Cs}`, which in a `u` regex
 * matches only a lone half, never a proper pair such as an emoji). Neither belongs in a name:
 * PostgreSQL refuses NUL in text while SQLite stores it, so the same request would work on one store and
 * fail with a 500 on the other; UTF-8 cannot encode a lone surrogate, so the drivers store U+FFFD instead
 * and two different ids become one; CR, LF and ESC forge log lines and terminal output.
 */
const UNSAFE = /[\p{Cc}\p{Cs}]/u;

/**
 * A string a client sends to name something (a user, a login, a device, an app, a challenge, a role):
 * at most `max` characters, none of them unsafe. Its failure names the stable code `invalid_identifier`
 * (in the issue's `params.code`, which `HttpError.fromZod` answers with). Chain `.min(1)` where an empty
 * name is meaningless.
 */
export function identifier(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !UNSAFE.test(value), { message: 'must not contain control characters or unpaired surrogates', params: { code: INVALID_IDENTIFIER } });
}

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

/** Every user id a client sends: one rule (`identifier`), so no endpoint stores what another refuses. */
export const originalIdentity = identifier(256).min(1);
