/**
 * Shapes of the backend's browser-facing answers (`GET /openapi.json` describes them). The data types shared
 * with the backend and the Node SDK come from one place so the halves cannot drift.
 */
import type { MfaTriggerData as BackendTriggerData, StepUpFactor } from '../../server-mock/src/types.js';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

export type { FactorType, MfaFactorOffer, MfaEvent, StepUpFactor, StepUpSuccess, TrustRequest, UserMfaStatus } from '../../server-mock/src/types.js';

/**
 * Why a step-up is asked for: the policy rule and its author's text. `message` is the default; `messages`, when the
 * author translated it, holds the text per language tag (`en`, `zh-CN`, `zh-TW`, `ja`). Either may lack a final
 * punctuation mark; the step-up ends the sentence itself.
 */
export interface PolicyReason {
  ruleId: string;
  message: string;
  messages?: Record<string, string>;
}

/**
 * `MfaTriggerData` with the reason's translations declared here too, so the browser reads them whether or not the
 * backend's type has caught up (the field is the same optional one: either type is assignable to the other).
 */
export type MfaTriggerData = Omit<BackendTriggerData, 'reason'> & { reason: PolicyReason };

/** The channels that deliver a one-time code. */
export type OtpChannel = 'sms' | 'email';

/** Answer of `POST /v1/stepup/factors`. */
export interface StepUpFactors {
  factors: StepUpFactor[];
  reason: PolicyReason;
  acr: string;
  /** ISO 8601. */
  expiresAt: string;
  appName: string;
  /** Whether "trust this device" may be offered. */
  trustDevice: boolean;
}

/** Answer of `POST /v1/stepup/totp/enroll`: what the QR code encodes, and the secret for typing by hand. */
export interface TotpEnrolment {
  enrolmentId: string;
  secret: string;
  /** `otpauth://totp/…` */
  uri: string;
}

/** Answer of `POST /v1/stepup/otp/send`. */
export interface OtpSent {
  challengeId: string;
  expiresAt: string;
  resendAvailableAt: string;
  /** Masked destination. */
  sentTo: string;
}

/** Answer of `POST /v1/stepup/otp/resend`. */
export type OtpResent = Omit<OtpSent, 'sentTo'>;

/** The user as the built-in directory shows them. */
export interface GuardUser {
  originalIdentity: string;
  username?: string | null;
  email?: string | null;
  phone?: string | null;
  [field: string]: unknown;
}

/** Answer of `POST /v1/login`. */
export type LoginAnswer = { status: 'authenticated'; user: GuardUser; token: string; expiresAt: string } | { status: 'mfa_required'; mfa: MfaTriggerData };

/** What the login endpoints accept besides the credentials. */
export interface LoginMetadata {
  /** From `MetadataClient.load()`. */
  deviceId?: string;
  /** A "trust this device" binding from an earlier step-up (`StepUpSuccess.deviceToken`). */
  deviceToken?: string;
  custom?: Record<string, string | number | boolean | null>;
}

/** Answer of `POST /v1/login/code/send`; the same shape whether or not the login exists. */
export interface LoginCodeSent {
  challengeId: string;
  sentTo: string;
  channel: OtpChannel;
}

/**
 * Answer of the passkey options endpoints: `options` for SimpleWebAuthn's `startRegistration()` /
 * `startAuthentication()`, `challengeId` to send back with the browser's answer (each works once).
 */
export interface PasskeyChallenge<Options> {
  challengeId: string;
  /** ISO 8601; at most 5 minutes away. */
  expiresAt: string;
  options: Options;
}
