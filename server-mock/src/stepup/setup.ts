import type { Logger } from 'pino';
import { offeredFactors, type RegisteredApp } from '../apps/registry.js';
import type { Config } from '../config/schema.js';
import type { MfaService } from '../events/mfa.js';
import { FACTOR_KEYS_ENV, FACTOR_PEPPER_ENV, loadFactorSecrets, type FactorSecrets } from '../factors/crypto.js';
import { channelSender, outboxSender, smtpSender, webhookSmsSender, type MessageSender } from '../factors/delivery.js';
import { FACE_DEFAULTS, FaceFactor } from '../factors/face/face.js';
import { FaceModels } from '../factors/face/model.js';
import { FactorLockout } from '../factors/lockout.js';
import { OtpChallenges } from '../factors/otp-challenge.js';
import { RecoveryCodes } from '../factors/recovery-codes.js';
import { TotpFactor } from '../factors/totp.js';
import { PasskeyFactor, relyingPartyOf } from '../factors/webauthn.js';
import type { OtpChannel, Storage } from '../storage/types.js';
import type { KeyStore } from '../tokens/keys.js';
import type { StateTokens } from '../tokens/state-token.js';
import type { Clock } from '../types.js';
import { UserDirectory } from '../users/directory.js';
import { StepUpService } from './service.js';

export interface StepUpParts {
  stepUp: StepUpService;
  directory: UserDirectory;
  recovery: RecoveryCodes;
  lockout: FactorLockout;
  /** SMS and e-mail codes (step-up and code login share the limits). */
  otp: OtpChallenges;
  passkeys: PasskeyFactor;
  /** The dev outbox (dev config only): every code "sent", for the `/dev/outbox` page. */
  outbox: ReturnType<typeof outboxSender> | null;
  /** The face models of this process (loaded on first use, or at start with `factors.face.preload`). */
  faceModels: FaceModels;
  close(): void;
}

/**
 * The factor keys: from the environment, the config, or generated for the dev config. Loaded before
 * anything else reads storage, since they also seal the signing keys and the state-token secret.
 */
export function loadConfiguredFactorSecrets(config: Config, storage: Storage): Promise<FactorSecrets & { generated: boolean }> {
  return loadFactorSecrets({
    keys: process.env[FACTOR_KEYS_ENV] ?? config.factors.keys,
    pepper: process.env[FACTOR_PEPPER_ENV] ?? config.factors.pepper,
    ...(config.dev ? { generateIn: storage } : {}),
  });
}

/**
 * Builds the factors from the config and its keys: code delivery (SMTP, SMS webhook, or the dev
 * outbox), lockout, and the step-up service over them.
 */
export async function createStepUp(options: {
  config: Config;
  /** The live apps (`AppRegistry`): passkey origins, trust-device lifetimes and factor switches follow their changes. */
  apps: ReadonlyMap<string, RegisteredApp>;
  storage: Storage;
  clock: Clock;
  keys: KeyStore;
  publicUrl: string;
  stateTokens: StateTokens;
  mfa: MfaService;
  logger: Logger;
  secrets: FactorSecrets & { generated: boolean };
}): Promise<StepUpParts> {
  const { config, apps, storage, clock, logger, secrets } = options;
  const outbox = config.dev ? outboxSender({ clock }) : null;
  const smtp = config.factors.smtp
    ? smtpSender({
        transport: {
          host: config.factors.smtp.host,
          port: config.factors.smtp.port,
          secure: config.factors.smtp.secure,
          ...(config.factors.smtp.user ? { auth: { user: config.factors.smtp.user, pass: config.factors.smtp.password ?? '' } } : {}),
        },
        from: config.factors.smtp.from,
      })
    : null;
  const senders: Partial<Record<OtpChannel, MessageSender>> = {};
  const email = smtp ?? outbox;
  if (email) senders.email = email;
  const sms = config.factors.smsWebhook ? webhookSmsSender({ ...config.factors.smsWebhook, clock }) : outbox;
  if (sms) senders.sms = sms;
  if (secrets.generated) logger.warn({}, 'factor keys generated for the dev config; set CAMFA_FACTOR_KEYS and CAMFA_FACTOR_PEPPER in production');

  const appName = config.apps[0]?.name ?? 'camfa-guard';
  const recovery = new RecoveryCodes({ storage, pepper: secrets.pepper, clock });
  // NIST SP 800-63B-4 §3.2.3: at most 5 consecutive failed biometric attempts, then at least 30 s, growing.
  const lockout = new FactorLockout({
    storage,
    clock,
    threshold: config.factors.lockoutThreshold,
    factorLimits: { face: { threshold: 5, baseLockMs: 30_000 } },
  });
  const faceModels = new FaceModels();
  const { preload, ...faceSettings } = { ...FACE_DEFAULTS, preload: false, ...config.factors.face };
  if (preload) {
    faceModels.load().then(
      () => logger.info({ loadMs: Math.round(faceModels.loadMs ?? 0) }, 'face models loaded'),
      (error: unknown) => logger.error({ err: error }, 'face models failed to load'),
    );
  }
  const otp = new OtpChallenges({ storage, secrets, sender: channelSender(senders), clock, appName, ttlMs: config.factors.codeTtlSeconds * 1000 });
  const relyingParty = (appId: string) => {
    const app = apps.get(appId);
    return app ? relyingPartyOf(app) : null;
  };
  const passkeys = new PasskeyFactor({ storage, clock, logger, pepper: secrets.pepper, relyingParty });
  const stepUp = new StepUpService({
    ...options,
    issuer: options.publicUrl,
    secrets,
    channels: new Set(Object.keys(senders) as OtpChannel[]),
    trustDeviceDays: (appId) => apps.get(appId)?.trustDevice?.ttlDays ?? null,
    offeredFactors: (appId, requested) => offeredFactors(apps.get(appId), requested),
    totp: new TotpFactor({ storage, keyring: secrets.keyring, clock, issuer: appName }),
    otp,
    recovery,
    lockout,
    passkeys,
    face: new FaceFactor({ storage, keyring: secrets.keyring, clock, models: faceModels, settings: faceSettings }),
  });
  return { stepUp, directory: new UserDirectory(storage, clock), recovery, lockout, otp, passkeys, outbox, faceModels, close: () => smtp?.close() };
}
