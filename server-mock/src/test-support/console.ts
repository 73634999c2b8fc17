/**
 * Signing in to the console as a test: an administrator in the backend's directory, the password login and the
 * console's TOTP step-up (enrolled at the first sign-in, codes computed from the clock), then the session.
 */
import { Secret, TOTP } from 'otpauth';
import { createAdmin } from '../console/admins.js';
import { CONSOLE_APP_ID } from '../console/definition.js';
import { UserDirectory } from '../users/directory.js';
import type { MfaTriggerData } from '../protocol/index.js';
import type { TestBackend } from './backend.js';
import type { manualClock } from './fixtures.js';

export interface ConsoleClient {
  /** A request with the session's cookie, and its CSRF token on changes. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: T & { code?: string } }>;
  csrfToken: string;
}

export async function consoleSignIn(
  backend: TestBackend,
  clock: ReturnType<typeof manualClock>,
  admin: { name: string; role: 'editor' | 'viewer' },
): Promise<ConsoleClient> {
  const password = `${admin.name}-password-0123456789`;
  await createAdmin(new UserDirectory(backend.storage, clock), { ...admin, password });
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await backend.camfa.app.request(`http://backend${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as never };
  };
  const signIn = await request('POST', '/v1/login', { appId: CONSOLE_APP_ID, login: admin.name, password });
  const { stateToken } = (signIn.body as { mfa: MfaTriggerData }).mfa;
  const enrolment = (await request('POST', '/v1/stepup/totp/enroll', { stateToken })).body as { enrolmentId: string; secret: string };
  clock.advance(30_000);
  const code = new TOTP({ secret: Secret.fromBase32(enrolment.secret) }).generate({ timestamp: clock() });
  const verified = (await request('POST', '/v1/stepup/totp/verify', { stateToken, code, enrolmentId: enrolment.enrolmentId })).body as { mfaToken: string };
  const session = await request('POST', '/console/api/session', { token: verified.mfaToken });
  const cookie = /camfa_console=[^;]+/.exec(session.headers.get('set-cookie') ?? '')![0];
  const { csrfToken } = session.body as { csrfToken: string };
  return {
    csrfToken,
    call: (method, path, body, headers = {}) => request(method, path, body, { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }), ...headers }),
  };
}
