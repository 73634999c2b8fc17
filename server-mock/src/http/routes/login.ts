import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppConfig } from '../../config/schema.js';
import type { DomainError } from '../../errors.js';
import type { LockedResult } from '../../factors/lockout.js';
import { authenticationResponseSchema, type PasskeyRefusal } from '../../factors/webauthn.js';
import { maskEmail, maskPhone, passkeyRefusal, refusal as factorRefusal, sendRefusal } from '../../stepup/service.js';
import type { UserRecord } from '../../storage/types.js';
import { verifyDeviceToken } from '../../tokens/device-token.js';
import { issueMfaToken } from '../../tokens/mfa-token.js';
import { parseLogin, policyAttributes, publicUser } from '../../users/directory.js';
import { readJson } from '../body.js';
import { clientIp } from '../client-ip.js';
import type { AppContext, Env, Route } from '../context.js';
import { HttpError } from '../errors.js';
import { identifier, storableText } from '../../identifier.js';
import { allowAppOrigins } from './stepup.js';

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

/** acr of a single-factor login, and the amr it carries into a later step-up. */
export const PASSWORD_ACR = 'urn:camfa:acr:pwd';
export const CODE_ACR = 'urn:camfa:acr:otp';
/** A passkey used with user verification is a multi-factor cryptographic authenticator (NIST SP 800-63B-4). */
export const PASSKEY_ACR = 'urn:camfa:acr:mfa';

type LoginOutcome = { verified: true; user: UserRecord } | { verified: false; reason: string } | LockedResult;

/**
 * Login against the built-in user directory (the seed's "transform the existing system" server flow, done
 * for teams that have none): a password, or a one-time code to the user's phone or e-mail; lockout, UEBA
 * capture, the app's login workflow, then a token or trigger data for the step-up.
 */
export function loginRoutes(context: AppContext): Route[] {
  const { apps, directory, lockout, storage, policies, keys, publicUrl, clock, trustedProxies, logger, otp, passkeys } = context;
  const browser: MiddlewareHandler<Env> = async (c, next) => {
    await next();
    allowAppOrigins(c, context);
  };
  const appFor = (id: string): AppConfig => {
    const app = apps.get(id);
    if (!app) throw new HttpError(404, 'unknown_app', 'No such app');
    return app;
  };
  /**
   * Failures are counted per login name (which may not be a user), so guessing is throttled either way.
   * `trustedDevice`: the login came with a trusted-device token of the user it names (`fromTrustedDevice`).
   */
  const subjectOf = (c: Context<Env>, app: AppConfig, name: string, factor: string, trustedDevice = false) => ({
    appId: app.id,
    originalIdentity: `login:${name.trim().toLowerCase()}`,
    factor,
    ip: clientIp(c, trustedProxies),
    trustedDevice,
  });
  /**
   * Whether the login's metadata holds a live "trust this device" token that we signed for this app, this
   * user and the deviceId it names. Such a login is exempt from its IP's lock (`AttemptSubject.trustedDevice`):
   * an attacker spraying passwords from a shared address does not lock out the users behind it.
   */
  const fromTrustedDevice = async (app: AppConfig, originalIdentity: string | undefined, meta: z.output<typeof metadata>): Promise<boolean> =>
    originalIdentity !== undefined &&
    meta?.deviceToken !== undefined &&
    meta.deviceId !== undefined &&
    verifyDeviceToken({ token: meta.deviceToken, keys, issuer: publicUrl, clock, binding: { appId: app.id, originalIdentity, deviceId: meta.deviceId } });

  /** Captures the attempt, then answers a token, a step-up, or the refusal. */
  async function finish(
    c: Context<Env>,
    input: {
      app: AppConfig;
      subject: ReturnType<typeof subjectOf>;
      outcome: LoginOutcome;
      loginType: string;
      amr: string[];
      acr: string;
      metadata: z.output<typeof metadata>;
      /** The problem for a refusal more specific than "wrong login or secret". */
      refusal?: (reason: string) => HttpError | DomainError | null;
    },
  ): Promise<Response> {
    const { app, subject, outcome } = input;
    const ua = c.req.header('user-agent')?.slice(0, 1024);
    const event = await context.capture.record(app.id, {
      originalIdentity: outcome.verified ? outcome.user.originalIdentity : subject.originalIdentity,
      ...(subject.ip ? { ip: subject.ip } : {}),
      ...(ua ? { ua } : {}),
      behaviorType: 'login',
      behaviorResult: outcome.verified ? 'success' : 'failure',
      loginType: input.loginType,
      ...(input.metadata?.deviceId ? { deviceId: input.metadata.deviceId } : {}),
      ...(input.metadata?.deviceToken ? { deviceToken: input.metadata.deviceToken } : {}),
      ...(input.metadata?.custom ? { custom: input.metadata.custom } : {}),
    });
    if (!outcome.verified) {
      if (outcome.reason === 'locked') throw factorRefusal(outcome, clock());
      throw input.refusal?.(outcome.reason) ?? new HttpError(401, 'invalid_credentials', 'Wrong login, password or code');
    }
    const { user } = outcome;
    // The login is judged by the app's login workflow (API mode); event-mode workflows watch captured events.
    const judged = policies.resolve(app.id, app.loginWorkflow)
      ? await policies.trigger(app.id, app.loginWorkflow, event, { user: policyAttributes(user), priorAmr: input.amr })
      : null;
    if (judged?.trigger) return c.json({ status: 'mfa_required', mfa: judged.trigger });
    const { token, expiresAt } = await issueMfaToken({
      keys,
      issuer: publicUrl,
      clock,
      claims: {
        appId: app.id,
        originalIdentity: user.originalIdentity,
        amr: input.amr,
        acr: input.acr,
        authTime: clock(),
        workflowId: judged ? app.loginWorkflow : 'login',
        triggerId: judged?.decisionId ?? event.id,
      },
    });
    logger.info({ appId: app.id, originalIdentity: user.originalIdentity, loginType: input.loginType }, 'signed in');
    return c.json({ status: 'authenticated', user: publicUser(user), token, expiresAt: new Date(expiresAt).toISOString() });
  }

  const responses = {
    200: { description: "{ status: 'authenticated', user, token, expiresAt } or { status: 'mfa_required', mfa: MfaTriggerData }" },
    401: { description: 'invalid_credentials (the same for an unknown login, a wrong secret and a disabled user)' },
    423: { description: 'locked, with retryAt and Retry-After (the login, or the address unless the login comes from a trusted device)' },
  };

  return [
    {
      method: 'post',
      path: '/v1/login',
      summary: 'Sign in to the built-in user directory with a password; a token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: passwordBody,
      middleware: [browser],
      responses,
      handler: async (c) => {
        const input = await readJson(c, passwordBody);
        const app = appFor(input.appId);
        // Looked up only for a login that claims a trusted device: anyone else pays no extra query.
        const named = input.metadata?.deviceToken ? await directory.findByLogin(app.id, input.login) : null;
        const subject = subjectOf(c, app, input.login, 'password', await fromTrustedDevice(app, named?.originalIdentity, input.metadata));
        const outcome = await lockout.attempt(subject, async () => {
          const user = await directory.authenticate(app.id, input.login, input.password);
          return user ? { verified: true as const, user } : { verified: false as const, reason: 'invalid' };
        });
        return finish(c, { app, subject, outcome, loginType: 'password', amr: ['pwd'], acr: PASSWORD_ACR, metadata: input.metadata });
      },
    },
    {
      method: 'post',
      path: '/v1/login/code/send',
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
        const app = appFor(input.appId);
        const lookup = parseLogin(input.login);
        const channel = lookup.phone ? 'sms' : lookup.email ? 'email' : null;
        if (!channel) throw new HttpError(400, 'invalid_login', 'Enter a phone number (+country code) or an e-mail address');
        const destination = (lookup.phone ?? lookup.email)!;
        // Refused before anything is sent, and for a login that is nobody's alike, so the lock says nothing about who exists.
        const locked = await lockout.lockFor(subjectOf(c, app, input.login, `login-${channel}`));
        if (locked) throw factorRefusal(locked, clock());
        const user = await storage.findUserByLogin(app.id, channel === 'sms' ? { phone: destination } : { email: destination });
        const sentTo = channel === 'sms' ? maskPhone(destination) : maskEmail(destination);
        // An unknown login gets an answer of the same shape, so the form does not reveal who has an account.
        if (!user || user.disabled) return c.json({ challengeId: randomBytes(16).toString('base64url'), sentTo, channel });
        const sent = await otp.start({ appId: app.id, originalIdentity: user.originalIdentity, channel, destination, locale: input.locale });
        if (!sent.sent) throw sendRefusal(sent, clock());
        return c.json({ challengeId: sent.challengeId, sentTo, channel });
      },
    },
    {
      method: 'post',
      path: '/v1/login/code/verify',
      summary: 'Code login, step 2: check the code; a token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: codeVerifyBody,
      middleware: [browser],
      responses,
      handler: async (c) => {
        const input = await readJson(c, codeVerifyBody);
        const app = appFor(input.appId);
        const lookup = parseLogin(input.login);
        const channel = lookup.phone ? 'sms' : 'email';
        const user = await storage.findUserByLogin(app.id, lookup.phone ? { phone: lookup.phone } : { email: lookup.email ?? '' });
        const subject = subjectOf(c, app, input.login, `login-${channel}`, await fromTrustedDevice(app, user?.originalIdentity, input.metadata));
        const outcome = await lockout.attempt(subject, async (): Promise<LoginOutcome> => {
          if (!user || user.disabled) return { verified: false, reason: 'invalid' };
          const result = await otp.verify({ appId: app.id, originalIdentity: user.originalIdentity, challengeId: input.challengeId, code: input.code });
          return result.verified ? { verified: true, user } : { verified: false, reason: result.reason };
        });
        return finish(c, { app, subject, outcome, loginType: channel, amr: channel === 'sms' ? ['sms'] : ['otp'], acr: CODE_ACR, metadata: input.metadata });
      },
    },
    {
      method: 'post',
      path: '/v1/login/passkey/options',
      summary: 'Passkey login, step 1: options for startAuthentication() offering any discoverable passkey of the app',
      tag: 'login',
      security: 'none',
      body: passkeyOptionsBody,
      middleware: [browser],
      responses: { 200: { description: '{ challengeId, expiresAt, options }' }, 409: { description: 'passkeys_unavailable' } },
      handler: async (c) => {
        const input = await readJson(c, passkeyOptionsBody);
        // Nobody is named yet: only the address can be locked.
        const locked = await lockout.lockFor({ ip: clientIp(c, trustedProxies) });
        if (locked) throw factorRefusal(locked, clock());
        const started = await passkeys.authenticationOptions({ appId: appFor(input.appId).id, originalIdentity: null });
        if (!started) throw passkeyRefusal('unavailable');
        return c.json({ challengeId: started.challengeId, expiresAt: new Date(started.expiresAt).toISOString(), options: started.options });
      },
    },
    {
      method: 'post',
      path: '/v1/login/passkey/verify',
      summary: 'Passkey login, step 2: check the assertion; the passkey names the user. A token, or trigger data when the login workflow asks for a step-up',
      tag: 'login',
      security: 'none',
      body: passkeyVerifyBody,
      middleware: [browser],
      responses: { ...responses, 401: { description: 'unknown_credential (no such passkey), or invalid_credentials (its user is disabled)' } },
      handler: async (c) => {
        const input = await readJson(c, passkeyVerifyBody);
        const app = appFor(input.appId);
        const credential = await storage.getWebAuthnCredential(app.id, input.response.id);
        const ip = clientIp(c, trustedProxies);
        if (!credential) {
          // No user to lock: the IP pays, so an address cannot try made-up credentials without end.
          throw factorRefusal((await lockout.ipFailure(ip)) ?? { verified: false, reason: 'unknown_credential' as const }, clock(), passkeyRefusal);
        }
        const trustedDevice = await fromTrustedDevice(app, credential.originalIdentity, input.metadata);
        const subject = { appId: app.id, originalIdentity: credential.originalIdentity, factor: 'login-passkey', ip, trustedDevice };
        let amr: string[] = [];
        const outcome = await lockout.attempt(subject, async (): Promise<LoginOutcome> => {
          const result = await passkeys.verifyAuthentication({
            appId: app.id,
            originalIdentity: null,
            challengeId: input.challengeId,
            response: input.response,
          });
          if (!result.verified) return { verified: false, reason: result.reason };
          const user = await storage.getUser(app.id, result.credential.originalIdentity);
          if (!user || user.disabled) return { verified: false, reason: 'invalid' };
          amr = result.amr;
          return { verified: true, user };
        });
        const refusal = (reason: string) => (reason === 'invalid' ? null : passkeyRefusal(reason as PasskeyRefusal));
        return finish(c, { app, subject, outcome, loginType: 'passkey', amr, acr: PASSKEY_ACR, metadata: input.metadata, refusal });
      },
    },
  ];
}
