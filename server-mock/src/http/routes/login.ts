import type { Context } from 'hono';
import { z } from 'zod';
import { authenticationResponseSchema } from '../../factors/webauthn.js';
import type { LoginOrigin, LoginService } from '../../login/service.js';
import { readJson } from '../body.js';
import { clientIp } from '../client-ip.js';
import { allowAppOrigins, pageHost } from '../cors.js';
import type { AppContext, Env, Route } from '../context.js';
import { identifier, storableText } from '../../identifier.js';
import { BROWSER_PATHS } from '../../protocol/index.js';

const appId = identifier(64).min(1);
/** Username, e-mail or phone (E.164). */
const login = identifier(256).min(1);
const challengeId = identifier(64).min(1);
/** From `MetadataClient.load()`; the backend derives geo and device fields itself and ignores the rest. */
const metadata = z
  .looseObject({
    deviceId: identifier(256).optional(),
    deviceToken: z.string().max(4096).optional(),
    custom: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.union([storableText(1024), z.number(), z.boolean(), z.null()])).optional(),
  })
  .optional();

const passwordBody = z.strictObject({ appId, login, password: z.string().min(1).max(256), metadata });
const codeSendBody = z.strictObject({ appId, login, locale: z.string().max(16).default('en') });
const codeVerifyBody = z.strictObject({ appId, login, challengeId, code: z.string().min(1).max(16), metadata });
const passkeyOptionsBody = z.strictObject({ appId });
const passkeyVerifyBody = z.strictObject({ appId, challengeId, response: authenticationResponseSchema, metadata });

/** What every verb that signs in answers. */
const responses = {
  200: { description: "{ status: 'authenticated', user, token, expiresAt } or { status: 'mfa_required', mfa: MfaTriggerData }" },
  401: { description: 'invalid_credentials (the same for an unknown login, a wrong secret and a disabled user)' },
  423: { description: 'locked, with retryAt and Retry-After (the login, or the address unless the login comes from a trusted device)' },
};

export interface LoginRoutesOptions extends Pick<AppContext, 'trustedProxies' | 'browserOrigins'> {
  login: LoginService;
}

/** Where the call came from: the app it names, the client's address and its User-Agent. */
function loginOrigin(c: Context<Env>, trustedProxies: LoginRoutesOptions['trustedProxies'], appId: string): LoginOrigin {
  const ua = c.req.header('user-agent')?.slice(0, 1024);
  return { appId, ip: clientIp(c, trustedProxies), ...(ua ? { ua } : {}) };
}

/**
 * The login endpoints of the built-in user directory: each parses its body, reads where the call came from
 * and hands both to its `LoginService` verb (`login/service.ts`), which refuses with a `DomainError`.
 */
export function loginRoutes({ login: service, trustedProxies, browserOrigins }: LoginRoutesOptions): Route[] {
  const browser = allowAppOrigins(browserOrigins);
  const origin = (c: Context<Env>, appId: string) => loginOrigin(c, trustedProxies, appId);

  return [
    {
      method: 'post',
      path: BROWSER_PATHS.login,
      summary: 'Sign in to the built-in user directory with a password; a token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: passwordBody,
      middleware: [browser],
      responses,
      handler: async (c) => {
        const input = await readJson(c, passwordBody);
        return c.json(await service.passwordLogin({ ...input, ...origin(c, input.appId) }));
      },
    },
    {
      method: 'post',
      path: BROWSER_PATHS.loginCodeSend,
      summary: 'Code login, step 1: send a one-time code to the phone or e-mail typed as the login',
      tag: 'login',
      security: 'none',
      body: codeSendBody,
      middleware: [browser],
      responses: {
        200: { description: '{ challengeId, sentTo, channel } — the same answer whether or not the login exists' },
        423: { description: 'locked (the login or the address), with retryAt and Retry-After; nothing is sent' },
      },
      handler: async (c) => {
        const input = await readJson(c, codeSendBody);
        return c.json(await service.sendLoginCode({ ...input, ...origin(c, input.appId), webOtpHost: pageHost(c, browserOrigins) }));
      },
    },
    {
      method: 'post',
      path: BROWSER_PATHS.loginCodeVerify,
      summary: 'Code login, step 2: check the code; a token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: codeVerifyBody,
      middleware: [browser],
      responses,
      handler: async (c) => {
        const input = await readJson(c, codeVerifyBody);
        return c.json(await service.verifyLoginCode({ ...input, ...origin(c, input.appId) }));
      },
    },
    {
      method: 'post',
      path: BROWSER_PATHS.loginPasskeyOptions,
      summary: 'Passkey login, step 1: options for startAuthentication() offering any discoverable passkey of the app',
      tag: 'login',
      security: 'none',
      body: passkeyOptionsBody,
      middleware: [browser],
      responses: { 200: { description: '{ challengeId, expiresAt, options }' }, 409: { description: 'passkeys_unavailable' } },
      handler: async (c) => {
        const input = await readJson(c, passkeyOptionsBody);
        return c.json(await service.passkeyOptions(origin(c, input.appId)));
      },
    },
    {
      method: 'post',
      path: BROWSER_PATHS.loginPasskeyVerify,
      summary: 'Passkey login, step 2: check the assertion; the passkey names the user. A token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: passkeyVerifyBody,
      middleware: [browser],
      responses: { ...responses, 401: { description: 'unknown_credential (no such passkey), or invalid_credentials (its user is disabled)' } },
      handler: async (c) => {
        const input = await readJson(c, passkeyVerifyBody);
        return c.json(await service.passkeyLogin({ ...input, ...origin(c, input.appId) }));
      },
    },
  ];
}
