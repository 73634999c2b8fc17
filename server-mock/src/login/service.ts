import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Logger } from 'pino';
import type { RegisteredApp } from '../apps/registry.js';
import { DomainError } from '../errors.js';
import type { AttemptSubject, FactorLockout, LockedResult } from '../factors/lockout.js';
import { messageOptions, type MessageOptions, type OtpChallenges } from '../factors/otp-challenge.js';
import { LOGIN_PASSKEY_FACTOR, loginNameIdentity, type LoginNameFactor } from './lockout-subjects.js';
import { maskEmail, maskPhone, passkeyRefusal, refusal, sendRefusal } from '../stepup/service.js';
import type { PasskeyFactor, PasskeyRefusal } from '../factors/webauthn.js';
import type { Storage, UserRecord } from '../storage/types.js';
import { verifyDeviceToken } from '../tokens/device-token.js';
import type { KeyStore } from '../tokens/keys.js';
import { issueMfaToken } from '../tokens/mfa-token.js';
import type { Clock } from '../types.js';
import type { MfaTriggerData } from '../protocol/index.js';
import type { CaptureService } from '../ueba/capture.js';
import { parseLogin, policyAttributes, publicUser, type PublicUser, type UserDirectory } from '../users/directory.js';
import type { PolicyService } from '../workflows/service.js';

/** acr of a single-factor login, and the amr it carries into a later step-up. */
export const PASSWORD_ACR = 'urn:camfa:acr:pwd';
export const CODE_ACR = 'urn:camfa:acr:otp';
/** A passkey used with user verification is a multi-factor cryptographic authenticator (NIST SP 800-63B-4). */
export const PASSKEY_ACR = 'urn:camfa:acr:mfa';

export interface LoginServiceOptions {
  apps: ReadonlyMap<string, RegisteredApp>;
  directory: UserDirectory;
  lockout: FactorLockout;
  storage: Storage;
  policies: PolicyService;
  capture: CaptureService;
  otp: OtpChallenges;
  passkeys: PasskeyFactor;
  keys: KeyStore;
  /** The issuer of mfaTokens and trusted-device tokens. */
  publicUrl: string;
  clock: Clock;
  logger: Logger;
}

/** From `MetadataClient.load()`; the backend derives geo and device fields itself and ignores the rest. */
export interface LoginMetadata {
  deviceId?: string;
  deviceToken?: string;
  custom?: Record<string, string | number | boolean | null>;
}

/** Where an attempt came from, as the transport read it. */
export interface LoginOrigin {
  appId: string;
  ip: string | null;
  ua?: string;
}

export type LoginResult = { status: 'authenticated'; user: PublicUser; token: string; expiresAt: string } | { status: 'mfa_required'; mfa: MfaTriggerData };

type LoginOutcome = { verified: true; user: UserRecord } | { verified: false; reason: string } | LockedResult;

/** An attempt's outcome and what a success carries into the token. */
interface Attempt {
  app: RegisteredApp;
  subject: AttemptSubject & { originalIdentity: string };
  outcome: LoginOutcome;
  loginType: string;
  amr: string[];
  acr: string;
  origin: LoginOrigin;
  metadata: LoginMetadata | undefined;
  /** The refusal more specific than "wrong login or secret", or null for that one. */
  refusal?: (reason: string) => DomainError | null;
}

/**
 * Login against the built-in user directory (the seed's "transform the existing system" server flow, done
 * for teams that have none): a password, a one-time code to the user's phone or e-mail, or a discoverable
 * passkey; lockout, UEBA capture, the app's login workflow, then a token or trigger data for the step-up.
 */
export class LoginService {
  constructor(private readonly options: LoginServiceOptions) {}

  async passwordLogin(input: LoginOrigin & { login: string; password: string; metadata?: LoginMetadata }): Promise<LoginResult> {
    const { directory, lockout } = this.options;
    const app = this.app(input.appId);
    // Looked up only for a login that claims a trusted device: anyone else pays no extra query.
    const named = input.metadata?.deviceToken ? await directory.findByLogin(app.id, input.login) : null;
    const subject = this.subject(app, input, 'password', await this.fromTrustedDevice(app, named?.originalIdentity, input.metadata));
    const outcome = await lockout.attempt(subject, async () => {
      const user = await directory.authenticate(app.id, input.login, input.password);
      return user ? { verified: true as const, user } : { verified: false as const, reason: 'invalid' };
    });
    return this.finish({ app, subject, outcome, loginType: 'password', amr: ['pwd'], acr: PASSWORD_ACR, origin: input, metadata: input.metadata });
  }

  /** Code login, step 1. The same answer whether or not the login exists, so the form reveals no account. */
  async sendLoginCode(input: LoginOrigin & { login: string } & MessageOptions): Promise<{ challengeId: string; sentTo: string; channel: 'sms' | 'email' }> {
    const { lockout, storage, otp, clock } = this.options;
    const app = this.app(input.appId);
    const lookup = parseLogin(input.login);
    const channel = lookup.phone ? 'sms' : lookup.email ? 'email' : null;
    if (!channel) throw new DomainError('invalid_login', 'Enter a phone number (+country code) or an e-mail address');
    const destination = (lookup.phone ?? lookup.email)!;
    // Refused before anything is sent, and for a login that is nobody's alike, so the lock says nothing about who exists.
    const locked = await lockout.lockFor(this.subject(app, input, `login-${channel}`));
    if (locked) throw refusal(locked, clock());
    const user = await storage.findUserByLogin(app.id, channel === 'sms' ? { phone: destination } : { email: destination });
    const sentTo = channel === 'sms' ? maskPhone(destination) : maskEmail(destination);
    if (!user || user.disabled) return { challengeId: randomBytes(16).toString('base64url'), sentTo, channel };
    const sent = await otp.start({ ...messageOptions(input), appId: app.id, originalIdentity: user.originalIdentity, channel, destination });
    if (!sent.sent) throw sendRefusal(sent, clock());
    return { challengeId: sent.challengeId, sentTo, channel };
  }

  /** Code login, step 2: the code sent by `sendLoginCode`. */
  async verifyLoginCode(input: LoginOrigin & { login: string; challengeId: string; code: string; metadata?: LoginMetadata }): Promise<LoginResult> {
    const { lockout, storage, otp } = this.options;
    const app = this.app(input.appId);
    const lookup = parseLogin(input.login);
    const channel = lookup.phone ? 'sms' : 'email';
    const user = await storage.findUserByLogin(app.id, lookup.phone ? { phone: lookup.phone } : { email: lookup.email ?? '' });
    const subject = this.subject(app, input, `login-${channel}`, await this.fromTrustedDevice(app, user?.originalIdentity, input.metadata));
    const outcome = await lockout.attempt(subject, async (): Promise<LoginOutcome> => {
      if (!user || user.disabled) return { verified: false, reason: 'invalid' };
      const result = await otp.verify({ appId: app.id, originalIdentity: user.originalIdentity, challengeId: input.challengeId, code: input.code });
      return result.verified ? { verified: true, user } : { verified: false, reason: result.reason };
    });
    const amr = channel === 'sms' ? ['sms'] : ['otp'];
    return this.finish({ app, subject, outcome, loginType: channel, amr, acr: CODE_ACR, origin: input, metadata: input.metadata });
  }

  /** Passkey login, step 1: options for startAuthentication() offering any discoverable passkey of the app. */
  async passkeyOptions(input: LoginOrigin): Promise<{ challengeId: string; expiresAt: string; options: unknown }> {
    const { lockout, passkeys, clock } = this.options;
    // Nobody is named yet: only the address can be locked.
    const locked = await lockout.lockFor({ ip: input.ip });
    if (locked) throw refusal(locked, clock());
    const started = await passkeys.authenticationOptions({ appId: this.app(input.appId).id, originalIdentity: null });
    if (!started) throw passkeyRefusal('unavailable');
    return { challengeId: started.challengeId, expiresAt: new Date(started.expiresAt).toISOString(), options: started.options };
  }

  /** Passkey login, step 2: the assertion names the user. */
  async passkeyLogin(input: LoginOrigin & { challengeId: string; response: AuthenticationResponseJSON; metadata?: LoginMetadata }): Promise<LoginResult> {
    const { lockout, storage, passkeys, clock } = this.options;
    const app = this.app(input.appId);
    const credential = await storage.getWebAuthnCredential(app.id, input.response.id);
    if (!credential) {
      // No user to lock: the IP pays, so an address cannot try made-up credentials without end.
      throw refusal((await lockout.ipFailure(input.ip)) ?? { verified: false, reason: 'unknown_credential' as const }, clock(), passkeyRefusal);
    }
    const trustedDevice = await this.fromTrustedDevice(app, credential.originalIdentity, input.metadata);
    const subject = { appId: app.id, originalIdentity: credential.originalIdentity, factor: LOGIN_PASSKEY_FACTOR, ip: input.ip, trustedDevice };
    let amr: string[] = [];
    const outcome = await lockout.attempt(subject, async (): Promise<LoginOutcome> => {
      const result = await passkeys.verifyAuthentication({ appId: app.id, originalIdentity: null, challengeId: input.challengeId, response: input.response });
      if (!result.verified) return { verified: false, reason: result.reason };
      const user = await storage.getUser(app.id, result.credential.originalIdentity);
      if (!user || user.disabled) return { verified: false, reason: 'invalid' };
      amr = result.amr;
      return { verified: true, user };
    });
    const refusalOf = (reason: string) => (reason === 'invalid' ? null : passkeyRefusal(reason as PasskeyRefusal));
    return this.finish({ app, subject, outcome, loginType: 'passkey', amr, acr: PASSKEY_ACR, origin: input, metadata: input.metadata, refusal: refusalOf });
  }

  private app(id: string): RegisteredApp {
    const app = this.options.apps.get(id);
    if (!app) throw new DomainError('unknown_app', 'No such app');
    return app;
  }

  /**
   * Failures are counted per login name (which may not be a user), so guessing is throttled either way.
   * `trustedDevice`: the login came with a trusted-device token of the user it names (`fromTrustedDevice`).
   */
  private subject(app: RegisteredApp, input: LoginOrigin & { login: string }, factor: LoginNameFactor, trustedDevice = false) {
    return { appId: app.id, originalIdentity: loginNameIdentity(input.login), factor, ip: input.ip, trustedDevice };
  }

  /**
   * Whether the login's metadata holds a live "trust this device" token that we signed for this app, this
   * user and the deviceId it names. Such a login is exempt from its IP's lock (`AttemptSubject.trustedDevice`):
   * an attacker spraying passwords from a shared address does not lock out the users behind it.
   */
  private async fromTrustedDevice(app: RegisteredApp, originalIdentity: string | undefined, meta: LoginMetadata | undefined): Promise<boolean> {
    const { keys, publicUrl, clock } = this.options;
    return (
      originalIdentity !== undefined &&
      meta?.deviceToken !== undefined &&
      meta.deviceId !== undefined &&
      verifyDeviceToken({ token: meta.deviceToken, keys, issuer: publicUrl, clock, binding: { appId: app.id, originalIdentity, deviceId: meta.deviceId } })
    );
  }

  /** Records the attempt as a UEBA event, then answers a token, a step-up, or the refusal. */
  private async finish(attempt: Attempt): Promise<LoginResult> {
    const { app, outcome } = attempt;
    const event = await this.record(attempt);
    if (!outcome.verified) {
      if (outcome.reason === 'locked') throw refusal(outcome, this.options.clock());
      throw attempt.refusal?.(outcome.reason) ?? new DomainError('invalid_credentials', 'Wrong login, password or code');
    }
    const { user } = outcome;
    const { policies, keys, publicUrl, clock, logger } = this.options;
    // The login is judged by the app's login workflow (API mode); event-mode workflows watch captured events.
    const judged = policies.resolve(app.id, app.loginWorkflow)
      ? await policies.trigger(app.id, app.loginWorkflow, event, { user: policyAttributes(user), priorAmr: attempt.amr })
      : null;
    if (judged?.trigger) return { status: 'mfa_required', mfa: judged.trigger };
    const { token, expiresAt } = await issueMfaToken({
      keys,
      issuer: publicUrl,
      clock,
      claims: {
        appId: app.id,
        originalIdentity: user.originalIdentity,
        amr: attempt.amr,
        acr: attempt.acr,
        authTime: clock(),
        workflowId: judged ? app.loginWorkflow : 'login',
        triggerId: judged?.decisionId ?? event.id,
      },
    });
    logger.info({ appId: app.id, originalIdentity: user.originalIdentity, loginType: attempt.loginType }, 'signed in');
    return { status: 'authenticated', user: publicUser(user), token, expiresAt: new Date(expiresAt).toISOString() };
  }

  private record({ app, subject, outcome, loginType, origin, metadata }: Attempt) {
    return this.options.capture.record(app.id, {
      originalIdentity: outcome.verified ? outcome.user.originalIdentity : subject.originalIdentity,
      ...(origin.ip ? { ip: origin.ip } : {}),
      ...(origin.ua ? { ua: origin.ua } : {}),
      behaviorType: 'login',
      behaviorResult: outcome.verified ? 'success' : 'failure',
      loginType,
      ...(metadata?.deviceId ? { deviceId: metadata.deviceId } : {}),
      ...(metadata?.deviceToken ? { deviceToken: metadata.deviceToken } : {}),
      ...(metadata?.custom ? { custom: metadata.custom } : {}),
    });
  }
}
