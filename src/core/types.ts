/**
 * The wire shapes the browser uses (`GET /openapi.json` describes them). They are declared once, in the protocol
 * module the backend and the Node SDK share (`server-mock/src/protocol/`), so the halves cannot drift; this file
 * adds only the WebAuthn JSON shapes, which come from SimpleWebAuthn.
 */
import type { MfaTriggerReason } from '../../server-mock/src/protocol/index.js';

export type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

export type {
  FactorType,
  GuardUser,
  LoginAnswer,
  LoginCodeSent,
  LoginMetadata,
  MfaEvent,
  MfaFactorOffer,
  MfaTriggerData,
  OtpChannel,
  OtpResent,
  OtpSent,
  PasskeyChallenge,
  StepUpFactor,
  StepUpFactors,
  StepUpSuccess,
  TotpEnrolment,
  TrustRequest,
  UserMfaStatus,
} from '../../server-mock/src/protocol/index.js';

/**
 * Why a step-up is asked for: the policy rule and its author's text. `message` is the default; `messages`, when the
 * author translated it, holds the text per language tag (`en`, `zh-CN`, `zh-TW`, `ja`). Either may lack a final
 * punctuation mark; the step-up ends the sentence itself.
 */
export type PolicyReason = MfaTriggerReason;
