import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { FactorEnrolmentRecord, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import { openSecret, sealSecret } from './crypto.js';
import type { FactorKeyring } from './crypto.js';

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** Code parameters. Authenticator apps widely support only the defaults (SHA-1, 6 digits, 30 s). */
export interface TotpParameters {
  algorithm: TotpAlgorithm;
  digits: number;
  /** Seconds per time step. */
  period: number;
  /** Steps accepted either side of the current one, for clock drift. */
  window: number;
}

export const TOTP_DEFAULTS: TotpParameters = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 };

/** RFC 4226 §4 asks for a key as long as the HMAC output. */
const SECRET_BYTES: Record<TotpAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 };

export interface TotpFactorOptions extends Partial<TotpParameters> {
  storage: Storage;
  keyring: FactorKeyring;
  clock: Clock;
  /** The app name shown by authenticator apps (`issuer` in the URI). */
  issuer: string;
  /** How long an enrolment may wait for its first code; default 15 minutes. */
  pendingTtlMs?: number;
}

export interface TotpSubject {
  appId: string;
  originalIdentity: string;
  enrolmentId: string;
}

export type TotpRefusal = 'not_found' | 'invalid' | 'replayed' | 'expired';
export type TotpResult = { verified: true; amr: ['otp']; step: number } | { verified: false; reason: TotpRefusal };

/**
 * The time step `code` is valid for at `timestamp` (ms) within ±`window` steps, or null. The single
 * place a TOTP code is checked: enrolment, verification and the RFC 6238 vectors all go through it.
 */
export function matchTotpStep(input: { secret: Uint8Array; code: string; timestamp: number } & TotpParameters): number | null {
  const { algorithm, digits, period, window, timestamp } = input;
  const delta = TOTP.validate({ token: input.code, secret: new Secret({ buffer: copyBuffer(input.secret) }), algorithm, digits, period, window, timestamp });
  return delta === null ? null : TOTP.counter({ period, timestamp }) + delta;
}

/** otpauth wants an ArrayBuffer of exactly the key; a Buffer's may be a slice of a shared pool. */
function copyBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/**
 * TOTP (RFC 6238): enrolment hands out the `otpauth://` URI and the base32 secret once; the first valid
 * code activates the enrolment; verification accepts ±`window` steps and never the same step twice
 * (the last accepted step is stored and raised atomically, so two instances cannot both accept it).
 * Seeds are sealed with AES-256-GCM under the enrolment id before they reach storage.
 */
export class TotpFactor {
  private readonly parameters: TotpParameters;
  private readonly pendingTtlMs: number;

  constructor(private readonly options: TotpFactorOptions) {
    this.parameters = {
      algorithm: options.algorithm ?? TOTP_DEFAULTS.algorithm,
      digits: options.digits ?? TOTP_DEFAULTS.digits,
      period: options.period ?? TOTP_DEFAULTS.period,
      window: options.window ?? TOTP_DEFAULTS.window,
    };
    this.pendingTtlMs = options.pendingTtlMs ?? 15 * 60_000;
  }

  /**
   * Starts an enrolment. `secret` (base32) is for users who cannot scan `uri`; show both once and never
   * again. The enrolment stays pending until `activate` sees a valid code.
   */
  async enrol(input: { appId: string; originalIdentity: string; accountName?: string }): Promise<{ enrolmentId: string; secret: string; uri: string }> {
    const enrolmentId = randomBytes(16).toString('base64url');
    const secret = new Secret({ size: SECRET_BYTES[this.parameters.algorithm] });
    const { algorithm, digits, period } = this.parameters;
    const uri = new TOTP({ issuer: this.options.issuer, label: input.accountName ?? input.originalIdentity, secret, algorithm, digits, period }).toString();
    await this.options.storage.insertFactorEnrolment({
      id: enrolmentId,
      appId: input.appId,
      originalIdentity: input.originalIdentity,
      type: 'totp',
      status: 'pending',
      secret: sealSecret(secret.base32, this.options.keyring, totpSealContext(enrolmentId)),
      destination: null,
      lastUsedStep: null,
      createdAt: this.options.clock(),
      activatedAt: null,
    });
    return { enrolmentId, secret: secret.base32, uri };
  }

  /** Activates a pending enrolment with its first valid code; that code's step then counts as used. */
  async activate(input: TotpSubject & { code: string }): Promise<TotpResult> {
    const now = this.options.clock();
    const enrolment = await this.load(input, 'pending');
    if (enrolment === null) return { verified: false, reason: 'not_found' };
    if (now - enrolment.createdAt > this.pendingTtlMs) return { verified: false, reason: 'expired' };
    const step = this.match(enrolment, input.code, now);
    if (step === null) return { verified: false, reason: 'invalid' };
    const activated = await this.options.storage.activateFactorEnrolment({ id: enrolment.id, activatedAt: now, lastUsedStep: step });
    return activated ? { verified: true, amr: ['otp'], step } : { verified: false, reason: 'replayed' };
  }

  /** Checks a code of an active enrolment, refusing any step at or before the last one accepted. */
  async verify(input: TotpSubject & { code: string }): Promise<TotpResult> {
    const now = this.options.clock();
    const enrolment = await this.load(input, 'active');
    if (enrolment === null) return { verified: false, reason: 'not_found' };
    const step = this.match(enrolment, input.code, now);
    if (step === null) return { verified: false, reason: 'invalid' };
    const fresh = await this.options.storage.advanceFactorStep(enrolment.id, step);
    return fresh ? { verified: true, amr: ['otp'], step } : { verified: false, reason: 'replayed' };
  }

  /** The enrolment when it is a TOTP enrolment of this user in `status`; anyone else's is "not found". */
  private async load(subject: TotpSubject, status: FactorEnrolmentRecord['status']): Promise<FactorEnrolmentRecord | null> {
    const enrolment = await this.options.storage.getFactorEnrolment(subject.enrolmentId);
    const owned = enrolment !== null && enrolment.appId === subject.appId && enrolment.originalIdentity === subject.originalIdentity;
    return owned && enrolment.type === 'totp' && enrolment.status === status && enrolment.secret !== null ? enrolment : null;
  }

  private match(enrolment: FactorEnrolmentRecord, code: string, now: number): number | null {
    const base32 = openSecret(enrolment.secret!, this.options.keyring, totpSealContext(enrolment.id));
    return matchTotpStep({ ...this.parameters, secret: Secret.fromBase32(base32).bytes, code: code.replace(/\s+/g, ''), timestamp: now });
  }
}

/** The associated data a TOTP seed is sealed under: the seed opens only in its own enrolment's row. */
export const totpSealContext = (enrolmentId: string): string => `totp:${enrolmentId}`;
