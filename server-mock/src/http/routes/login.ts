import { z } from 'zod';
import { issueMfaToken } from '../../tokens/mfa-token.js';
import { policyAttributes, publicUser } from '../../users/directory.js';
import { readJson } from '../body.js';
import { clientIp } from '../client-ip.js';
import type { AppContext, Env, Route } from '../context.js';
import { HttpError } from '../errors.js';
import { allowAppOrigins } from './stepup.js';
import type { MiddlewareHandler } from 'hono';

const loginBody = z.strictObject({
  appId: z.string().min(1).max(64),
  /** Username, e-mail or phone (E.164). */
  login: z.string().min(1).max(256),
  password: z.string().min(1).max(256),
  /** From `MetadataClient.load()` in the browser; the backend derives geo and device fields itself. */
  metadata: z
    .strictObject({
      deviceId: z.string().max(256).optional(),
      custom: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()])).optional(),
    })
    .passthrough()
    .optional(),
});

/** acr of a password-only login, and the amr it carries into a later step-up. */
export const PASSWORD_ACR = 'urn:camfa:acr:pwd';

/**
 * Login against the built-in user directory (the seed's "transform the existing system" server flow, done
 * for teams that have none): password check with lockout, UEBA capture, the app's login workflow, then a
 * token or trigger data for the step-up.
 */
export function loginRoutes(context: AppContext): Route[] {
  const { apps, directory, lockout, storage, policies, keys, publicUrl, clock, trustedProxies, logger } = context;
  const browser: MiddlewareHandler<Env> = async (c, next) => {
    await next();
    allowAppOrigins(c, context);
  };
  return [
    {
      method: 'post',
      path: '/v1/login',
      summary: 'Sign in to the built-in user directory; answers a token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: loginBody,
      middleware: [browser],
      responses: {
        200: { description: "{ status: 'authenticated', user, token, expiresAt } or { status: 'mfa_required', mfa: MfaTriggerData }" },
        401: { description: 'invalid_credentials (the same for an unknown login, a wrong password and a disabled user)' },
        423: { description: 'locked, with retryAt' },
      },
      handler: async (c) => {
        const input = await readJson(c, loginBody);
        const app = apps.get(input.appId);
        if (!app) throw new HttpError(404, 'unknown_app', 'No such app');
        const ip = clientIp(c, trustedProxies);
        const ua = c.req.header('user-agent')?.slice(0, 1024);
        // Failures are counted per login name (which may not be a user) so guessing is throttled either way.
        const subject = { appId: app.id, originalIdentity: `login:${input.login.trim().toLowerCase()}`, factor: 'password', ip };
        const outcome = await lockout.attempt(subject, async () => {
          const user = await directory.authenticate(app.id, input.login, input.password);
          return user ? { verified: true as const, user } : { verified: false as const, reason: 'invalid' };
        });
        const event = await context.toEvent(app.id, {
          originalIdentity: outcome.verified ? outcome.user.originalIdentity : subject.originalIdentity,
          ...(ip ? { ip } : {}),
          ...(ua ? { ua } : {}),
          behaviorType: 'login',
          behaviorResult: outcome.verified ? 'success' : 'failure',
          loginType: 'password',
          ...(input.metadata?.deviceId ? { deviceId: input.metadata.deviceId } : {}),
          ...(input.metadata?.custom ? { custom: input.metadata.custom } : {}),
        });
        await storage.insertEvent(event);
        if (!outcome.verified) {
          if (outcome.reason === 'locked') {
            const retryAt = 'retryAt' in outcome ? outcome.retryAt : null;
            throw new HttpError(423, 'locked', 'Too many failed attempts; try again later', retryAt ? { retryAt: new Date(retryAt).toISOString() } : {});
          }
          throw new HttpError(401, 'invalid_credentials', 'Wrong login or password');
        }
        const { user } = outcome;
        // The login is judged by the app's login workflow (API mode); event-mode workflows watch captured events.
        const judged = policies.resolve(app.id, app.loginWorkflow)
          ? await policies.trigger(app.id, app.loginWorkflow, event, { user: policyAttributes(user), priorAmr: ['pwd'] })
          : null;
        if (judged?.trigger) return c.json({ status: 'mfa_required', mfa: judged.trigger });
        const { token, expiresAt } = await issueMfaToken({
          keys,
          issuer: publicUrl,
          clock,
          claims: {
            appId: app.id,
            originalIdentity: user.originalIdentity,
            amr: ['pwd'],
            acr: PASSWORD_ACR,
            authTime: clock(),
            workflowId: judged ? app.loginWorkflow : 'login',
            triggerId: judged?.decisionId ?? event.id,
          },
        });
        logger.info({ appId: app.id, originalIdentity: user.originalIdentity }, 'signed in');
        return c.json({ status: 'authenticated', user: publicUser(user), token, expiresAt: new Date(expiresAt).toISOString() });
      },
    },
  ];
}
