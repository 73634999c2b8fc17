import type { Logger } from 'pino';
import type { MfaService } from '../events/mfa.js';
import { openSecret, type FactorSecrets } from '../factors/crypto.js';
import { DomainError } from '../errors.js';
import { DeliveryError } from '../factors/delivery.js';
import { decodeFrames, FaceFrameError, type FaceFactor } from '../factors/face/face.js';
import type { AttemptSubject, FactorLockout, LockedResult } from '../factors/lockout.js';
import { messageOptions, type MessageOptions, type OtpChallenges, type OtpSendResult } from '../factors/otp-challenge.js';
import type { RecoveryCodes } from '../factors/recovery-codes.js';
import type { TotpFactor } from '../factors/totp.js';
import type { PasskeyFactor, PasskeyRefusal } from '../factors/webauthn.js';
import type { OtpChannel, Storage, TriggerRecord, UserRecord } from '../storage/types.js';
import type { KeyStore } from '../tokens/keys.js';
import { issueDeviceToken } from '../tokens/device-token.js';
import { issueMfaToken } from '../tokens/mfa-token.js';
import type { StateTokens } from '../tokens/state-token.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Clock } from '../types.js';
import type { FactorType, StepUpFactor, StepUpSuccess, TrustRequest } from '../protocol/index.js';

export interface StepUpOptions {
  storage: Storage;
  clock: Clock;
  keys: KeyStore;
  issuer: string;
  stateTokens: StateTokens;
  secrets: FactorSecrets;
  mfa: MfaService;
  totp: TotpFactor;
  otp: OtpChallenges;
  recovery: RecoveryCodes;
  lockout: FactorLockout;
  passkeys: PasskeyFactor;
  face: FaceFactor;
  logger: Logger;
  /** Days a "trust this device" binding lasts for an app, or null when the app does not offer it. */
  trustDeviceDays: (appId: string) => number | null;
  /** Channels with a configured sender; SMS and e-mail are usable only through these. */
  channels: ReadonlySet<OtpChannel>;
  /**
   * The factors a step-up of the app may offer for those its trigger names (the app's factor switches). Asked
   * again on every call, so a factor switched off after the trigger was created stops working at once.
   */
  offeredFactors: (appId: string, requested: readonly FactorType[]) => FactorType[];
}

/** Authentication methods (RFC 8176) each factor adds to the mfaToken's `amr`. */
const AMR: Record<FactorType, string[]> = {
  totp: ['otp'],
  sms: ['sms'],
  // NIST SP 800-63B-4 does not accept e-mail as out-of-band: it is a one-time code, flagged by `channel`.
  email: ['otp'],
  // Replaced by the passkey's own (`hwk` or `swk`, see factors/webauthn.ts).
  webauthn: ['hwk'],
  face: ['face'],
  recovery_code: ['otp'],
};

export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)} •••• ${phone.slice(-4)}`;
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}

/**
 * The step-up ceremony behind a stateToken: which factors the user can use, enrolling the first one,
 * sending and checking codes, and, on success, the mfaToken. The token works once: success resolves its
 * trigger, clears the user's pending state and publishes `security.mfa.resolved`.
 */
export class StepUpService {
  constructor(private readonly options: StepUpOptions) {}

  /** The trigger behind a genuine, live, unused stateToken; otherwise a `DomainError` with a stable code. */
  async open(stateToken: string): Promise<TriggerRecord> {
    const id = this.options.stateTokens.verify(stateToken);
    const trigger = id ? await this.options.storage.getTrigger(id) : null;
    if (!trigger) throw new DomainError('invalid_state_token', 'The step-up is unknown');
    if (trigger.resolvedAt !== null) throw new DomainError('state_token_used', 'This step-up is already complete');
    if (trigger.expiresAt <= this.options.clock()) throw new DomainError('expired', 'This step-up has expired; start again');
    return trigger;
  }

  async factors(trigger: TriggerRecord): Promise<StepUpFactor[]> {
    const [user, enrolments, recoveryLeft, passkeys] = await Promise.all([
      this.options.storage.getUser(trigger.appId, trigger.originalIdentity),
      this.options.storage.listFactorEnrolments(trigger.appId, trigger.originalIdentity),
      this.options.recovery.remaining(trigger),
      this.options.passkeys.list(trigger.appId, trigger.originalIdentity),
    ]);
    const active = new Set(enrolments.filter((enrolment) => enrolment.status === 'active').map((enrolment) => enrolment.type));
    const firstEnrolment = active.size === 0 && passkeys.length === 0;
    return this.offered(trigger).map((type): StepUpFactor => {
      switch (type) {
        case 'totp':
          return { type, enrolled: active.has('totp'), enrollable: firstEnrolment };
        case 'sms':
        case 'email': {
          const destination = this.options.channels.has(type) ? this.destination(type, user, enrolments) : null;
          return {
            type,
            enrolled: destination !== null,
            enrollable: false,
            ...(destination ? { hint: type === 'sms' ? maskPhone(destination) : maskEmail(destination) } : {}),
          };
        }
        case 'recovery_code':
          return { type, enrolled: recoveryLeft > 0, enrollable: false };
        case 'webauthn':
          return { type, enrolled: passkeys.length > 0, enrollable: firstEnrolment && this.options.passkeys.available(trigger.appId) };
        case 'face':
          return { type, enrolled: active.has('face'), enrollable: firstEnrolment };
        default:
          // Face loads with its own issue; offered but not usable until then.
          return { type, enrolled: false, enrollable: false };
      }
    });
  }

  async enrolTotp(trigger: TriggerRecord, appName: string): Promise<{ enrolmentId: string; secret: string; uri: string }> {
    const offered = await this.factors(trigger);
    if (!offered.find((factor) => factor.type === 'totp')?.enrollable) {
      throw new DomainError('enrolment_not_allowed', 'A factor is already set up; use it, or ask an administrator to reset it');
    }
    const user = await this.options.storage.getUser(trigger.appId, trigger.originalIdentity);
    return this.options.totp.enrol({
      appId: trigger.appId,
      originalIdentity: trigger.originalIdentity,
      accountName: user?.email ?? user?.username ?? trigger.originalIdentity ?? appName,
    });
  }

  /** Whether this step-up may end with "trust this device": the app offers it and the policy did not refuse it. */
  offersTrustDevice(trigger: TriggerRecord): boolean {
    return this.options.trustDeviceDays(trigger.appId) !== null && trigger.custom.trustDevice !== false;
  }

  async verifyTotp(trigger: TriggerRecord, input: { code: string; enrolmentId?: string; ip: string | null } & TrustRequest): Promise<StepUpSuccess> {
    this.requireOffered(trigger, 'totp');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const result = await this.options.lockout.attempt({ ...subject, factor: 'totp', ip: input.ip }, async () => {
      if (input.enrolmentId) return this.options.totp.activate({ ...subject, enrolmentId: input.enrolmentId, code: input.code });
      const active = (await this.options.storage.listFactorEnrolments(trigger.appId, trigger.originalIdentity)).find(
        (enrolment) => enrolment.type === 'totp' && enrolment.status === 'active',
      );
      if (!active) return { verified: false as const, reason: 'not_enrolled' as const };
      return this.options.totp.verify({ ...subject, enrolmentId: active.id, code: input.code });
    });
    if (!result.verified) throw this.refused(result);
    return this.complete(trigger, 'totp', { ...input, firstEnrolment: input.enrolmentId !== undefined });
  }

  async sendCode(
    trigger: TriggerRecord,
    input: { channel: OtpChannel; ip: string | null } & MessageOptions,
  ): Promise<{ challengeId: string; expiresAt: string; resendAvailableAt: string; sentTo: string }> {
    this.requireOffered(trigger, input.channel);
    const user = await this.options.storage.getUser(trigger.appId, trigger.originalIdentity);
    const enrolments = await this.options.storage.listFactorEnrolments(trigger.appId, trigger.originalIdentity);
    const destination = this.destination(input.channel, user, enrolments);
    if (!destination) throw new DomainError('no_destination', `No ${input.channel === 'sms' ? 'phone number' : 'e-mail address'} is on file for this user`);
    if (!this.options.channels.has(input.channel)) throw new DomainError('channel_unavailable', `No ${input.channel} provider is configured`);
    await this.requireUnlocked({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, factor: input.channel, ip: input.ip });
    const sent = await this.delivered(() =>
      this.options.otp.start({
        ...messageOptions(input),
        appId: trigger.appId,
        originalIdentity: trigger.originalIdentity,
        channel: input.channel,
        destination,
      }),
    );
    return this.sendAnswer(sent, input.channel === 'sms' ? maskPhone(destination) : maskEmail(destination));
  }

  async resendCode(trigger: TriggerRecord, input: { challengeId: string; channel: OtpChannel; ip: string | null } & MessageOptions) {
    this.requireOffered(trigger, input.channel);
    await this.requireUnlocked({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, factor: input.channel, ip: input.ip });
    const sent = await this.delivered(() =>
      this.options.otp.resend({ ...messageOptions(input), appId: trigger.appId, originalIdentity: trigger.originalIdentity, challengeId: input.challengeId }),
    );
    return this.sendAnswer(sent, '');
  }

  async verifyCode(
    trigger: TriggerRecord,
    input: { challengeId: string; channel: OtpChannel; code: string; ip: string | null } & TrustRequest,
  ): Promise<StepUpSuccess> {
    this.requireOffered(trigger, input.channel);
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const result = await this.options.lockout.attempt({ ...subject, factor: input.channel, ip: input.ip }, () =>
      this.options.otp.verify({ ...subject, challengeId: input.challengeId, code: input.code }),
    );
    if (!result.verified) throw this.refused(result);
    if (result.channel !== input.channel) throw new DomainError('invalid_code', 'That code is not valid');
    return this.complete(trigger, input.channel, input);
  }

  async verifyRecoveryCode(trigger: TriggerRecord, input: { code: string; ip: string | null } & TrustRequest): Promise<StepUpSuccess> {
    this.requireOffered(trigger, 'recovery_code');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const result = await this.options.lockout.attempt({ ...subject, factor: 'recovery_code', ip: input.ip }, () =>
      this.options.recovery.verify({ ...subject, code: input.code }),
    );
    if (!result.verified) throw this.refused(result);
    return this.complete(trigger, 'recovery_code', input);
  }

  /** Options for `startRegistration()` (first factor only, like a TOTP enrolment). */
  async passkeyRegistrationOptions(trigger: TriggerRecord, ip: string | null) {
    await this.requireEnrollable(trigger, 'webauthn');
    await this.requireUnlocked({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, factor: 'webauthn', ip });
    const user = await this.options.storage.getUser(trigger.appId, trigger.originalIdentity);
    const userName = user?.username ?? user?.email ?? trigger.originalIdentity;
    return passkeyOptions(await this.options.passkeys.registrationOptions({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, userName }));
  }

  /** Registers the passkey; made with user verification, it also completes the step-up. */
  async verifyPasskeyRegistration(
    trigger: TriggerRecord,
    input: { challengeId: string; response: RegistrationResponseJSON; ip: string | null } & TrustRequest,
  ): Promise<StepUpSuccess> {
    await this.requireEnrollable(trigger, 'webauthn');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const result = await this.options.lockout.attempt({ ...subject, factor: 'webauthn', ip: input.ip }, () =>
      this.options.passkeys.verifyRegistration({ ...subject, challengeId: input.challengeId, response: input.response }),
    );
    if (!result.verified) throw this.refused(result, passkeyRefusal);
    return this.complete(trigger, 'webauthn', { ...input, firstEnrolment: true, amr: result.amr });
  }

  /** Options for `startAuthentication()`, allowing only this user's passkeys. */
  async passkeyAuthenticationOptions(trigger: TriggerRecord, ip: string | null) {
    this.requireOffered(trigger, 'webauthn');
    await this.requireUnlocked({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, factor: 'webauthn', ip });
    return passkeyOptions(await this.options.passkeys.authenticationOptions({ appId: trigger.appId, originalIdentity: trigger.originalIdentity }));
  }

  async verifyPasskey(
    trigger: TriggerRecord,
    input: { challengeId: string; response: AuthenticationResponseJSON; ip: string | null } & TrustRequest,
  ): Promise<StepUpSuccess> {
    this.requireOffered(trigger, 'webauthn');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const result = await this.options.lockout.attempt({ ...subject, factor: 'webauthn', ip: input.ip }, () =>
      this.options.passkeys.verifyAuthentication({ ...subject, challengeId: input.challengeId, response: input.response }),
    );
    if (!result.verified) throw this.refused(result, passkeyRefusal);
    return this.complete(trigger, 'webauthn', { ...input, amr: result.amr });
  }

  /**
   * Face enrolment (first factor only): the frames must each show one live face; the template is stored
   * sealed and, as with a TOTP enrolment's first code, the step-up completes.
   */
  async enrolFace(trigger: TriggerRecord, input: { frames: string[]; ip: string | null } & TrustRequest): Promise<StepUpSuccess> {
    this.requireOffered(trigger, 'face');
    await this.requireEnrollable(trigger, 'face');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    // The models' time is what a locked address must not get; the user has no face counter yet.
    await this.requireUnlocked({ ...subject, factor: 'face', ip: input.ip });
    const enrolled = await this.options.face.enrol(subject, await this.faces(input.frames, input.ip));
    if (!enrolled.enrolled) throw codeRefusal(enrolled.reason);
    return this.complete(trigger, 'face', { ...input, firstEnrolment: true });
  }

  /**
   * Face verification. A frame the models cannot use (no face, two faces, too small) is refused without
   * counting as the user's failure, so bad light does not lock anyone out (it counts against the IP); a comparison that fails (no match, not
   * live) counts towards the face lockout (5 failures, then 30 s doubling: NIST SP 800-63B-4 §3.2.3).
   */
  async verifyFace(trigger: TriggerRecord, input: { frames: string[]; ip: string | null } & TrustRequest): Promise<StepUpSuccess> {
    this.requireOffered(trigger, 'face');
    const subject = { appId: trigger.appId, originalIdentity: trigger.originalIdentity };
    const attempt = { ...subject, factor: 'face', ip: input.ip };
    // Checked before the models run: a locked user must not be able to keep the server busy.
    await this.requireUnlocked(attempt);
    const faces = await this.faces(input.frames, input.ip);
    const result = await this.options.lockout.attempt(attempt, () => this.options.face.verify(subject, faces));
    if (!result.verified) throw this.refused(result);
    return this.complete(trigger, 'face', input);
  }

  /**
   * The frames' faces. An unusable frame does not count against the user (bad light must not lock anyone
   * out), but it does against the IP: each one costs the models' time.
   */
  private async faces(frames: string[], ip: string | null) {
    try {
      return await this.options.face.analyse(decodeFrames(frames));
    } catch (error) {
      if (!(error instanceof FaceFrameError)) throw error;
      const locked = await this.options.lockout.ipFailure(ip);
      throw locked ? this.refused(locked) : new DomainError(error.code, error.message, { frame: error.frame });
    }
  }

  /** Factor types the user can prove now (for `MfaTriggerData.factors[].enrolled`). */
  async enrolledTypes(appId: string, originalIdentity: string): Promise<FactorType[]> {
    const enrolments = await this.options.storage.listFactorEnrolments(appId, originalIdentity);
    const user = await this.options.storage.getUser(appId, originalIdentity);
    const types = new Set<FactorType>(enrolments.filter((enrolment) => enrolment.status === 'active').map((enrolment) => enrolment.type));
    for (const channel of this.options.channels) if (this.destination(channel, user, enrolments)) types.add(channel);
    if ((await this.options.recovery.remaining({ appId, originalIdentity })) > 0) types.add('recovery_code');
    if ((await this.options.passkeys.list(appId, originalIdentity)).length > 0) types.add('webauthn');
    return [...types];
  }

  /** SMS/e-mail destination: an enrolled factor's, else the directory's phone/e-mail. */
  private destination(channel: OtpChannel, user: UserRecord | null, enrolments: Awaited<ReturnType<Storage['listFactorEnrolments']>>): string | null {
    const enrolled = enrolments.find((enrolment) => enrolment.type === channel && enrolment.status === 'active' && enrolment.destination);
    if (enrolled) return openSecret(enrolled.destination!, this.options.secrets.keyring, `destination:${enrolled.id}`);
    return (channel === 'sms' ? user?.phone : user?.email) ?? null;
  }

  /** A provider failure is the provider's (`delivery_failed`), logged without the code or the recipient. */
  private async delivered(send: () => Promise<OtpSendResult>): Promise<OtpSendResult> {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      this.options.logger.error({ err: { message: error.message } }, 'code delivery failed');
      throw new DomainError('delivery_failed', 'The code could not be sent; try again or choose another factor');
    }
  }

  private async requireEnrollable(trigger: TriggerRecord, type: FactorType): Promise<void> {
    const offered = await this.factors(trigger);
    if (!offered.find((factor) => factor.type === type)?.enrollable) {
      throw new DomainError('enrolment_not_allowed', 'A factor is already set up; use it, or ask an administrator to reset it');
    }
  }

  /** `locked` when the user's factor or the address is locked (see `FactorLockout.lockFor`). */
  private async requireUnlocked(subject: AttemptSubject): Promise<void> {
    const locked = await this.options.lockout.lockFor(subject);
    if (locked) throw this.refused(locked);
  }

  private refused<Reason extends string>(result: { verified: false; reason: Reason } | LockedResult, problemOf?: (reason: Reason) => DomainError): DomainError {
    return refusal(result, this.options.clock(), problemOf);
  }

  private offered(trigger: TriggerRecord): FactorType[] {
    return this.options.offeredFactors(trigger.appId, trigger.factors);
  }

  private requireOffered(trigger: TriggerRecord, type: FactorType): void {
    if (!this.offered(trigger).includes(type)) throw new DomainError('factor_not_offered', 'This step-up does not offer that factor');
  }

  private sendAnswer(sent: OtpSendResult, sentTo: string) {
    if (!sent.sent) throw sendRefusal(sent, this.options.clock());
    return {
      challengeId: sent.challengeId,
      expiresAt: new Date(sent.expiresAt).toISOString(),
      resendAvailableAt: new Date(sent.resendAvailableAt).toISOString(),
      sentTo,
    };
  }

  /** `amr`: what the factor proved this time, when that depends on more than its type (a passkey's `hwk` or `swk`). */
  private async complete(
    trigger: TriggerRecord,
    factor: FactorType,
    options: { firstEnrolment?: boolean; amr?: string[] } & TrustRequest,
  ): Promise<StepUpSuccess> {
    const now = this.options.clock();
    if (!(await this.options.storage.resolveTrigger(trigger.id, now))) throw new DomainError('state_token_used', 'This step-up is already complete');
    // Only the step-up that locked the user unlocks them; a stale one leaves a newer lock in place.
    const status = await this.options.storage.getUserStatus(trigger.appId, trigger.originalIdentity);
    if (status?.pendingTriggerId === trigger.id) await this.options.mfa.resolve(trigger.appId, trigger.originalIdentity);
    const priorAmr = Array.isArray(trigger.custom.priorAmr) ? (trigger.custom.priorAmr as string[]) : [];
    const { token, expiresAt } = await issueMfaToken({
      keys: this.options.keys,
      issuer: this.options.issuer,
      clock: this.options.clock,
      claims: {
        appId: trigger.appId,
        originalIdentity: trigger.originalIdentity,
        amr: [...new Set([...priorAmr, ...(options.amr ?? AMR[factor]), ...(priorAmr.length > 0 ? ['mfa'] : [])])],
        acr: trigger.acr,
        authTime: now,
        workflowId: trigger.workflowId,
        triggerId: trigger.id,
        extra: { factor, ...(factor === 'email' ? { channel: 'email' } : {}) },
      },
    });
    this.options.logger.info({ appId: trigger.appId, originalIdentity: trigger.originalIdentity, factor, triggerId: trigger.id }, 'step-up completed');
    const success: StepUpSuccess = { mfaToken: token, expiresAt: new Date(expiresAt).toISOString() };
    const trustDays = this.options.trustDeviceDays(trigger.appId);
    if (options.trustDevice && options.deviceId && trustDays !== null && this.offersTrustDevice(trigger)) {
      const binding = { appId: trigger.appId, originalIdentity: trigger.originalIdentity, deviceId: options.deviceId };
      success.deviceToken = (
        await issueDeviceToken({ keys: this.options.keys, issuer: this.options.issuer, clock: this.options.clock, binding, ttlSeconds: trustDays * 86_400 })
      ).token;
    }
    if (options.firstEnrolment && (await this.options.recovery.remaining(trigger)) === 0) {
      success.recoveryCodes = (await this.options.recovery.generate(trigger)).codes;
    }
    return success;
  }
}

/** The refusal a refused code or challenge is reported as, by the factor module's reason. */
export function codeRefusal(reason: string): DomainError {
  switch (reason) {
    case 'expired':
      return new DomainError('code_expired', 'That code has expired; ask for a new one');
    case 'consumed':
      return new DomainError('code_used', 'That code was already used');
    case 'exhausted':
      return new DomainError('too_many_attempts', 'Too many wrong codes; ask for a new one');
    case 'not_found':
      return new DomainError('challenge_not_found', 'No such code was sent');
    case 'not_enrolled':
      return new DomainError('factor_not_enrolled', 'That factor is not set up');
    case 'replayed':
      return new DomainError('code_used', 'That code was already used; wait for the next one');
    case 'face_mismatch':
      return new DomainError('face_mismatch', 'The face does not match the enrolled one');
    case 'face_not_live':
      return new DomainError('face_not_live', 'The camera did not see a live person; try again in better light, or choose another factor');
    default:
      return new DomainError('invalid_code', 'That code is not valid');
  }
}

/**
 * A factor's refusal as a `DomainError`: when locked, `locked` with `retryAt` and the seconds to wait (neither
 * when only a reset ends the lock). `now`: the server's clock, which the wait counts from.
 */
export function refusal<Reason extends string>(
  result: { verified: false; reason: Reason } | LockedResult,
  now: number,
  problemOf: (reason: Reason) => DomainError = codeRefusal,
): DomainError {
  if (result.reason === 'locked') {
    const { retryAt } = result as LockedResult;
    const detail = 'Too many failed attempts; try again later';
    return retryAt === null ? new DomainError('locked', detail) : DomainError.retryLater('locked', detail, { at: retryAt, now });
  }
  return problemOf(result.reason as Reason);
}

/** The refusal of a code that was not sent: `cooldown` or `rate_limited` with `retryAt` when waiting helps. */
export function sendRefusal(sent: Extract<OtpSendResult, { sent: false }>, now: number): DomainError {
  if (!('retryAt' in sent)) return codeRefusal(sent.reason);
  const detail = sent.reason === 'cooldown' ? 'Wait before asking for another code' : 'Too many codes were sent; try later';
  return DomainError.retryLater(sent.reason, detail, { at: sent.retryAt, now });
}

/** The refusal a refused passkey is reported as, by `PasskeyFactor`'s reason. */
export function passkeyRefusal(reason: PasskeyRefusal): DomainError {
  switch (reason) {
    case 'unavailable':
      return new DomainError('passkeys_unavailable', 'Passkeys are not set up for this app (no origins or RP ID)');
    case 'challenge_not_found':
      return new DomainError('invalid_challenge', 'That passkey request is unknown; start again');
    case 'challenge_used':
      return new DomainError('challenge_used', 'That passkey request was already answered; start again');
    case 'challenge_expired':
      return new DomainError('challenge_expired', 'That passkey request has expired; start again');
    case 'origin_mismatch':
      return new DomainError('origin_mismatch', 'The passkey was used on a site this app does not declare');
    case 'rp_id_mismatch':
      return new DomainError('rp_id_mismatch', 'The passkey belongs to another site');
    case 'user_not_verified':
      return new DomainError('user_not_verified', 'The authenticator did not verify the user (PIN or biometrics)');
    case 'counter_regression':
      return new DomainError('counter_regression', 'This passkey looks copied (its signature counter went backwards); use another factor');
    case 'unknown_credential':
      return new DomainError('unknown_credential', 'That passkey is not registered here');
    case 'credential_exists':
      return new DomainError('passkey_exists', 'That passkey is already registered');
    default:
      return new DomainError('invalid_passkey', 'The passkey answer could not be verified');
  }
}

/** Options for the browser, or the refusal when the app has no relying party. */
function passkeyOptions<T extends { challengeId: string; expiresAt: number; options: unknown }>(created: T | null) {
  if (!created) throw passkeyRefusal('unavailable');
  return { challengeId: created.challengeId, expiresAt: new Date(created.expiresAt).toISOString(), options: created.options };
}
