import type { Context } from 'hono';
import { z } from 'zod';
import { authenticationResponseSchema, registrationResponseSchema } from '../../factors/webauthn.js';
import { APP_PATHS, BROWSER_PATHS, FACTOR_TYPES } from '../../protocol/index.js';
import { exchangeMfaToken } from '../../tokens/mfa-token.js';
import { triggerMetadataSchema } from '../../ueba/schema.js';
import { MAX_FRAME_BYTES, MAX_FRAMES } from '../../factors/face/face.js';
import { triggerReason } from '../../events/mfa.js';
import { readJson } from '../body.js';
import { clientIp } from '../client-ip.js';
import { allowAppOrigins, pageHost } from '../cors.js';
import type { AppContext, Env, Guards, Route } from '../context.js';
import { identifier, originalIdentity, storableText } from '../../identifier.js';

const stateToken = z.string().min(1).max(256);
const code = z.string().min(1).max(64);
const locale = z.string().max(16).default('en');
const channel = z.enum(['sms', 'email']);
/** "Trust this device" (offered when `trustDevice` is true in the factors answer). */
const trust = { trustDevice: z.boolean().optional(), deviceId: identifier(256).min(1).optional() };
const challengeId = identifier(64);

const bodies = {
  state: z.strictObject({ stateToken }),
  totpVerify: z.strictObject({ stateToken, code, enrolmentId: identifier(64).optional(), ...trust }),
  send: z.strictObject({ stateToken, channel, locale }),
  resend: z.strictObject({ stateToken, channel, challengeId, locale }),
  verifyCode: z.strictObject({ stateToken, channel, challengeId, code, ...trust }),
  recovery: z.strictObject({ stateToken, code, ...trust }),
  start: z.strictObject({
    originalIdentity,
    factors: z.array(z.enum(FACTOR_TYPES)).min(1).max(FACTOR_TYPES.length).optional(),
    acr: storableText(256).min(1).optional(),
    message: storableText(1024).optional(),
    /** Recorded as a UEBA event of the step-up, when given. */
    metadata: triggerMetadataSchema.optional(),
  }),
  exchange: z.strictObject({ mfaToken: z.string().min(1).max(4096) }),
  passkeyRegister: z.strictObject({ stateToken, challengeId: challengeId.min(1), response: registrationResponseSchema, ...trust }),
  passkeyAuthenticate: z.strictObject({ stateToken, challengeId: challengeId.min(1), response: authenticationResponseSchema, ...trust }),
  /** JPEG frames as base64 or data: URLs (the server computes the embeddings; it never takes one from a browser). */
  face: z.strictObject({
    stateToken,
    frames: z
      .array(
        z
          .string()
          .min(1)
          .max(Math.ceil(MAX_FRAME_BYTES / 3) * 4 + 32),
      )
      .min(1)
      .max(MAX_FRAMES),
    ...trust,
  }),
};

/** Face bodies carry frames: their own bound, so every other endpoint keeps the 64 KB default. */
const FACE_BODY_BYTES = MAX_FRAMES * (Math.ceil(MAX_FRAME_BYTES / 3) * 4 + 64) + 4096;

/** `challengeId` goes back with the browser's answer; `options` go to `startRegistration()` / `startAuthentication()`. */
const passkeyOptions = z.object({ challengeId: z.string(), expiresAt: z.string(), options: z.record(z.string(), z.unknown()) });

const success = z.object({ mfaToken: z.string(), expiresAt: z.string(), recoveryCodes: z.array(z.string()).optional(), deviceToken: z.string().optional() });

/** The reason of a step-up the business system asked for without saying why, in the browser's languages. */
const REQUESTED_REASON = { en: 'Confirm it is you', 'zh-CN': '请确认是您本人', 'zh-TW': '請確認是您本人', ja: 'ご本人であることを確認してください' };

export type StepUpRoutesOptions = Pick<
  AppContext,
  'stepUp' | 'apps' | 'mfa' | 'keys' | 'publicUrl' | 'clock' | 'storage' | 'trustedProxies' | 'config' | 'browserOrigins' | 'capture'
>;

/** What the browser's ceremony routes share: the service, the caller's address, and the route shape. */
interface Ceremony {
  stepUp: StepUpRoutesOptions['stepUp'];
  ip(c: Context<Env>): string | null;
  /** See `pageHost`: where an SMS code will be typed, for its WebOTP line. */
  pageHost(c: Context<Env>): string | undefined;
  appName(appId: string): string;
  browserRoute(
    path: string,
    summary: string,
    body: z.ZodType,
    run: (c: Context<Env>, input: never) => Promise<unknown>,
    response?: z.ZodType,
    maxBodyBytes?: number,
  ): Route;
}

/**
 * The step-up ceremony. Browser endpoints carry the stateToken as their only credential (the seed's
 * "finish with the stateToken alone"); the business backend starts passwordless step-ups and exchanges
 * mfaTokens with its app credentials.
 */
export function stepUpRoutes(options: StepUpRoutesOptions, guards: Guards): Route[] {
  const { stepUp, apps, trustedProxies } = options;
  const browser = allowAppOrigins(options.browserOrigins);
  const ceremony: Ceremony = {
    stepUp,
    ip: (c) => clientIp(c, trustedProxies),
    pageHost: (c) => pageHost(c, options.browserOrigins),
    appName: (appId) => apps.get(appId)?.name ?? appId,
    browserRoute: (path, summary, body, run, response = success, maxBodyBytes) => ({
      method: 'post',
      path,
      summary,
      tag: 'step-up',
      security: 'none',
      body,
      middleware: [browser],
      responses: { 200: { description: 'OK', schema: response } },
      handler: async (c) => c.json((await run(c, (await readJson(c, body, maxBodyBytes)) as never)) as object),
    }),
  };
  return [...codeRoutes(ceremony), ...faceAndPasskeyRoutes(ceremony), ...backendRoutes(options, guards)];
}

/** The factor list, TOTP, and codes sent by SMS or e-mail. */
function codeRoutes({ stepUp, ip, pageHost, appName, browserRoute }: Ceremony): Route[] {
  return [
    browserRoute(
      BROWSER_PATHS.stepUpFactors,
      'The factors this step-up offers, in policy order, with what the user has set up',
      bodies.state,
      async (_c, input: z.output<typeof bodies.state>) => {
        const trigger = await stepUp.open(input.stateToken);
        return {
          factors: await stepUp.factors(trigger),
          reason: triggerReason(trigger),
          acr: trigger.acr,
          expiresAt: new Date(trigger.expiresAt).toISOString(),
          appName: appName(trigger.appId),
          trustDevice: stepUp.offersTrustDevice(trigger),
        };
      },
      z.object({ factors: z.array(z.object({ type: z.enum(FACTOR_TYPES), enrolled: z.boolean(), enrollable: z.boolean(), hint: z.string().optional() })) }),
    ),
    browserRoute(
      BROWSER_PATHS.totpEnrol,
      'Start a TOTP enrolment (first factor only): the otpauth URI for the QR code and the secret',
      bodies.state,
      async (_c, input: z.output<typeof bodies.state>) => {
        const trigger = await stepUp.open(input.stateToken);
        return stepUp.enrolTotp(trigger, appName(trigger.appId));
      },
      z.object({ enrolmentId: z.string(), secret: z.string(), uri: z.string() }),
    ),
    browserRoute(
      BROWSER_PATHS.totpVerify,
      'Check a TOTP code (with enrolmentId: activate the new enrolment)',
      bodies.totpVerify,
      async (c, input: z.output<typeof bodies.totpVerify>) => stepUp.verifyTotp(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
    ),
    browserRoute(
      BROWSER_PATHS.otpSend,
      'Send a one-time code by SMS or e-mail',
      bodies.send,
      async (c, input: z.output<typeof bodies.send>) => stepUp.sendCode(await stepUp.open(input.stateToken), { ...input, ip: ip(c), webOtpHost: pageHost(c) }),
      z.object({ challengeId: z.string(), expiresAt: z.string(), resendAvailableAt: z.string(), sentTo: z.string() }),
    ),
    browserRoute(
      BROWSER_PATHS.otpResend,
      'Send a new code for the same challenge (its attempt counter is kept)',
      bodies.resend,
      async (c, input: z.output<typeof bodies.resend>) =>
        stepUp.resendCode(await stepUp.open(input.stateToken), { ...input, ip: ip(c), webOtpHost: pageHost(c) }),
      z.object({ challengeId: z.string(), expiresAt: z.string(), resendAvailableAt: z.string() }),
    ),
    browserRoute(BROWSER_PATHS.otpVerify, 'Check an SMS or e-mail code', bodies.verifyCode, async (c, input: z.output<typeof bodies.verifyCode>) =>
      stepUp.verifyCode(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
    ),
  ];
}

/** Faces, recovery codes and passkeys. */
function faceAndPasskeyRoutes({ stepUp, ip, browserRoute }: Ceremony): Route[] {
  return [
    browserRoute(
      BROWSER_PATHS.faceEnrol,
      'Enrol a face (first factor only) from 1-5 JPEG frames; completes the step-up',
      bodies.face,
      async (c, input: z.output<typeof bodies.face>) => stepUp.enrolFace(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
      success,
      FACE_BODY_BYTES,
    ),
    browserRoute(
      BROWSER_PATHS.faceVerify,
      'Verify a face from 1-5 JPEG frames against the enrolled template',
      bodies.face,
      async (c, input: z.output<typeof bodies.face>) => stepUp.verifyFace(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
      success,
      FACE_BODY_BYTES,
    ),
    browserRoute(BROWSER_PATHS.recoveryVerify, 'Use a recovery code (each works once)', bodies.recovery, async (c, input: z.output<typeof bodies.recovery>) =>
      stepUp.verifyRecoveryCode(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
    ),
    browserRoute(
      BROWSER_PATHS.passkeyRegisterOptions,
      'Start a passkey registration (first factor only): options for startRegistration()',
      bodies.state,
      async (c, input: z.output<typeof bodies.state>) => stepUp.passkeyRegistrationOptions(await stepUp.open(input.stateToken), ip(c)),
      passkeyOptions,
    ),
    browserRoute(
      BROWSER_PATHS.passkeyRegisterVerify,
      'Register the passkey (user verification required); this also completes the step-up',
      bodies.passkeyRegister,
      async (c, input: z.output<typeof bodies.passkeyRegister>) =>
        stepUp.verifyPasskeyRegistration(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
    ),
    browserRoute(
      BROWSER_PATHS.passkeyAuthenticateOptions,
      "Options for startAuthentication(), allowing the user's passkeys",
      bodies.state,
      async (c, input: z.output<typeof bodies.state>) => stepUp.passkeyAuthenticationOptions(await stepUp.open(input.stateToken), ip(c)),
      passkeyOptions,
    ),
    browserRoute(
      BROWSER_PATHS.passkeyAuthenticateVerify,
      'Check a passkey assertion (user verification required); amr hwk or swk',
      bodies.passkeyAuthenticate,
      async (c, input: z.output<typeof bodies.passkeyAuthenticate>) => stepUp.verifyPasskey(await stepUp.open(input.stateToken), { ...input, ip: ip(c) }),
    ),
  ];
}

/** The business backend's side: a passwordless step-up it asks for, and the mfaToken it exchanges once. */
function backendRoutes({ mfa, keys, publicUrl, clock, storage, config, capture }: StepUpRoutesOptions, { requireApp, appOf }: Guards): Route[] {
  return [
    {
      method: 'post',
      path: APP_PATHS.stepUp,
      summary: 'Start a passwordless step-up for a user (the business system authenticated them its own way)',
      tag: 'step-up',
      security: 'app',
      body: bodies.start,
      middleware: [requireApp],
      responses: { 201: { description: 'Trigger data for the browser' } },
      handler: async (c) => {
        const app = appOf(c);
        const input = await readJson(c, bodies.start);
        if (input.metadata) {
          const { eventId: _ignored, ...event } = input.metadata;
          await capture.record(app.id, { ...event, originalIdentity: input.originalIdentity });
        }
        const trigger = await mfa.createTrigger({
          appId: app.id,
          originalIdentity: input.originalIdentity,
          workflowId: 'stepup',
          workflowVersion: 0,
          ruleId: 'requested',
          ...(input.message === undefined ? { message: REQUESTED_REASON.en, messages: REQUESTED_REASON } : { message: input.message }),
          factors: input.factors ?? config.factors.defaultFactors,
          acr: input.acr ?? 'urn:camfa:acr:mfa',
          custom: {},
        });
        return c.json(await mfa.triggerData(trigger), 201);
      },
    },
    {
      method: 'post',
      path: APP_PATHS.tokensExchange,
      summary: 'Verify an mfaToken and mark it used (seed step 3.2.5: exchange it once for your own session)',
      tag: 'tokens',
      security: 'app',
      body: bodies.exchange,
      middleware: [requireApp],
      responses: { 200: { description: '{ status: true, data } or { status: false, code, message }' } },
      handler: async (c) => {
        const { mfaToken } = await readJson(c, bodies.exchange);
        const result = await exchangeMfaToken({
          token: mfaToken,
          keys,
          issuer: publicUrl,
          audience: appOf(c).id,
          clock,
          usedTokens: { consume: (jti, expiresAt) => storage.consumeTokenId(jti, expiresAt) },
        });
        if (!result.verified) return c.json({ status: false, code: result.code, message: result.message });
        const { claims } = result;
        return c.json({
          status: true,
          data: {
            originalIdentity: claims.originalIdentity,
            amr: claims.amr,
            acr: claims.acr,
            workflowId: claims.workflowId,
            triggerId: claims.triggerId,
            authTime: new Date(claims.authTime).toISOString(),
            jti: claims.jti,
            expiresAt: new Date(claims.expiresAt).toISOString(),
            extra: claims.extra,
          },
        });
      },
    },
  ];
}
