import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import { createAdmin } from '../console/admins.js';
import { CONSOLE_APP_ID } from '../console/definition.js';
import type { ConsoleRole, MfaTriggerData } from '../protocol/index.js';
import { UserDirectory } from '../users/directory.js';
import type { Clock } from '../types.js';
import type { TestBackend } from './backend.js';
import type { manualClock } from './fixtures.js';

/** A signed-in console administrator: the headers a browser would send on reads, and on changes (CSRF token added). */
export interface ConsoleSignedIn {
  name: string;
  csrfToken: string;
  cookie: string;
  read: Record<string, string>;
  change: Record<string, string>;
}

/**
 * Creates an administrator and signs in as the console does: password at `/v1/login` on the console app, the
 * step-up with a TOTP enrolled there and then, the mfaToken traded for the session cookie. `advance` moves the
 * backend's clock one TOTP step, so each sign-in uses a code not used before.
 */
export async function signInConsoleAdmin(backend: TestBackend, options: { name: string; role: ConsoleRole; clock: Clock; advance: (ms: number) => void }) {
  const password = `${options.name}-password-0123`;
  await createAdmin(new UserDirectory(backend.storage, options.clock), { name: options.name, role: options.role, password });
  const signIn = await backend.post<{ status: string; mfa: MfaTriggerData }>('/v1/login', { appId: CONSOLE_APP_ID, login: options.name, password });
  expect(signIn.body.status).toBe('mfa_required');
  const { stateToken } = signIn.body.mfa;
  options.advance(30_000);
  const enrolment = await backend.post<{ enrolmentId: string; secret: string }>('/v1/stepup/totp/enroll', { stateToken });
  const code = new TOTP({ secret: Secret.fromBase32(enrolment.body.secret) }).generate({ timestamp: options.clock() });
  const verified = await backend.post<{ mfaToken: string }>('/v1/stepup/totp/verify', { stateToken, code, enrolmentId: enrolment.body.enrolmentId });
  expect(verified.status).toBe(200);
  const session = await fetch(`${backend.url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: verified.body.mfaToken }),
  });
  expect(session.status).toBe(200);
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  const cookie = /camfa_console=[^;]+/.exec(session.headers.get('set-cookie') ?? '')![0];
  return { name: options.name, csrfToken, cookie, read: { cookie }, change: { cookie, 'x-csrf-token': csrfToken } } satisfies ConsoleSignedIn;
}

export interface ConsoleClient {
  /** A request to the backend's app with the session's cookie, and its CSRF token on changes. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: T & { code?: string } }>;
  csrfToken: string;
}

/** `signInConsoleAdmin` on a manual clock, as a client that calls `app.request()` the way the console's pages would. */
export async function consoleSignIn(
  backend: TestBackend,
  clock: ReturnType<typeof manualClock>,
  admin: { name: string; role: ConsoleRole },
): Promise<ConsoleClient> {
  const signedIn = await signInConsoleAdmin(backend, { ...admin, clock, advance: (ms) => clock.advance(ms) });
  return {
    csrfToken: signedIn.csrfToken,
    call: async (method, path, body, headers = {}) => {
      const response = await backend.camfa.app.request(`http://backend${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' ? signedIn.read : signedIn.change), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as never };
    },
  };
}
