/**
 * The browser's error codes against the backend's source: every code the endpoints the browser calls can
 * answer must be a GuardErrorCode (and so have a translation), or users would see `unknown` for it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUARD_ERROR_CODES, GuardError } from './errors.js';

const BROWSER_FACING = [
  'server-mock/src/stepup/service.ts',
  'server-mock/src/http/routes/stepup.ts',
  'server-mock/src/http/routes/login.ts',
  'server-mock/src/login/service.ts',
  'server-mock/src/http/routes/events.ts',
  'server-mock/src/http/cors.ts',
  'server-mock/src/http/body.ts',
  'server-mock/src/http/errors.ts',
  'server-mock/src/app.ts',
];

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('GuardError codes', () => {
  it('cover every literal code the browser-facing routes throw', () => {
    // Handlers throw `HttpError(status, 'code'`; services throw `DomainError('code'` (or `DomainError.retryLater('code'`).
    const thrown = BROWSER_FACING.flatMap((path) =>
      [...read(path).matchAll(/(?:HttpError\(\d{3}, |DomainError(?:\.retryLater)?\()'([a-z_]+)'/g)].map((match) => match[1]!),
    );
    expect(thrown.length).toBeGreaterThan(20);
    expect(thrown.filter((code) => !(GUARD_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('cover the send refusals the step-up passes through as codes (cooldown, rate_limited)', () => {
    const declared = /reason: ('[a-z_]+'(?: \| '[a-z_]+')*); retryAt/.exec(read('server-mock/src/factors/otp-challenge.ts'))?.[1];
    const reasons = [...(declared ?? '').matchAll(/'([a-z_]+)'/g)].map((match) => match[1]!);
    expect(reasons).toEqual(['cooldown', 'rate_limited']);
    for (const reason of reasons) expect(GUARD_ERROR_CODES).toContain(reason);
  });

  it('cover the codes of the shared request checks (identifiers, stored text)', () => {
    const codes = [...read('server-mock/src/protocol/errors.ts').matchAll(/export const [A-Z_]+ = '([a-z_]+)'/g)].map((match) => match[1]!);
    expect(codes).toEqual(['invalid_identifier', 'invalid_text']);
    for (const code of codes) expect(GUARD_ERROR_CODES).toContain(code);
  });

  it('cover the SDK middleware answers guard.fetch sees', () => {
    const sdk = read('server-mock/src/sdk/challenge.ts') + read('server-mock/src/sdk/middleware.ts');
    for (const code of ['insufficient_user_authentication', 'backend_unavailable']) {
      expect(sdk).toContain(`'${code}'`);
      expect(GUARD_ERROR_CODES).toContain(code);
    }
  });

  it('cover the face factor frame refusals the step-up passes through as codes', () => {
    const declared = /readonly code: ('[a-z_]+'(?: \| '[a-z_]+')*)/.exec(read('server-mock/src/factors/face/face.ts'))?.[1];
    const codes = [...(declared ?? '').matchAll(/'([a-z_]+)'/g)].map((match) => match[1]!);
    expect(codes).toEqual(['face_frame_invalid', 'face_not_found', 'face_multiple', 'face_too_small']);
    for (const code of codes) expect(GUARD_ERROR_CODES).toContain(code);
  });

  it('map an unknown backend code to unknown', () => {
    expect(GuardError.fromProblem(400, { code: 'from_the_future' }).code).toBe('unknown');
    expect(GuardError.fromProblem(400, { code: 'invalid_code' }).code).toBe('invalid_code');
  });
});
