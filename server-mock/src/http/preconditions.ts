import type { Context } from 'hono';
import { HttpError } from './errors.js';

const IF_MATCH = /^(?:W\/)?"?(\d{1,9})"?$/;

/**
 * The version an edit is based on, from `If-Match: "<version>"` (the version in the thing's answer and ETag; "0"
 * for a thing that has none yet). Required where editing a stale copy would silently undo someone else's change.
 */
export function ifMatch(c: Context, required: true): number;
export function ifMatch(c: Context, required: boolean): number | undefined;
export function ifMatch(c: Context, required: boolean): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) {
    if (required) throw new HttpError(428, 'if_match_required', 'Send If-Match: "<version>" with the version you edited');
    return undefined;
  }
  const match = IF_MATCH.exec(header.trim());
  if (!match) throw new HttpError(400, 'invalid_if_match', 'If-Match must be the quoted version, such as "3"');
  return Number(match[1]);
}
