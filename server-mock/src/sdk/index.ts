/**
 * `camfa-guard/server`: the Node SDK a business system's backend uses to report behaviour, ask for a
 * user's MFA status, run workflows, follow MFA events, verify mfaTokens and lock requests until a step-up is done.
 * @packageDocumentation
 */
export { MetadataManagementClient, UebaApi } from './metadata-client.js';
export { UsersApi } from './users.js';
export type { DirectoryUser, DirectoryUserChanges, UserFactor, UserFactors } from '../protocol/index.js';
export type { CaptureResult, UserSelector } from './metadata-client.js';
export { AuthenticationClient, MfaApi } from './authentication-client.js';
export type {
  AuthenticationClientOptions,
  MfaTokenData,
  SubscribeOptions,
  SubscriptionToken,
  SubscriptionTokenInput,
  TriggerWorkflowInput,
  VerifyTokenErrorCode,
  VerifyTokenOptions,
  VerifyTokenResult,
} from './authentication-client.js';
export type { MfaTokenErrorCode, UsedTokenStore } from '../tokens/mfa-token.js';
export { mfaAuthMiddleware } from './middleware.js';
export type { MfaAuthMiddlewareOptions, UserStatusSource } from './middleware.js';
export { stepUpChallenge } from './challenge.js';
export type { StepUpChallenge, StepUpChallengeInput, StepUpProblem } from './challenge.js';
export { CamfaError } from './errors.js';
export type { CamfaErrorOptions, CamfaSdkErrorCode, UnavailableReason } from './errors.js';
export type { CamfaClientOptions, FailModeOptions, MetadataManagementClientOptions, StatusCacheOptions } from './http.js';
export type { StatusCache } from './status-cache.js';
export type { BreakerOptions, BreakerState } from './breaker.js';
export type { CamfaLogger } from './logger.js';
export type { Clock } from '../types.js';
export type {
  CustomValue,
  FactorType,
  FailMode,
  MfaEvent,
  MfaFactorOffer,
  MfaTriggerData,
  MfaTriggerReason,
  UebaEventInput,
  UserMfaStatus,
} from '../protocol/index.js';
