import { SignJWT, createLocalJWKSet, errors, jwtVerify } from 'jose';
import type { Clock } from '../types.js';
import { SIGNING_ALG, type KeyStore } from './keys.js';

/** "Trust this device": a signed binding of one user to one deviceId for one app, with a lifetime. */
export const DEVICE_TOKEN_TYPE = 'camfa-device+jwt';

export interface DeviceBinding {
  appId: string;
  originalIdentity: string;
  deviceId: string;
}

export async function issueDeviceToken(options: {
  keys: KeyStore;
  issuer: string;
  clock: Clock;
  binding: DeviceBinding;
  ttlSeconds: number;
}): Promise<{ token: string; expiresAt: number }> {
  const { keys, issuer, clock, binding, ttlSeconds } = options;
  const key = await keys.current();
  const now = Math.floor(clock() / 1000);
  const token = await new SignJWT({ device_id: binding.deviceId })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: DEVICE_TOKEN_TYPE, kid: key.kid })
    .setIssuer(issuer)
    .setAudience(binding.appId)
    .setSubject(binding.originalIdentity)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key.privateKey);
  return { token, expiresAt: (now + ttlSeconds) * 1000 };
}

/**
 * True only for a live token of ours, of this type, for exactly this app, user and device: a token
 * copied to another browser (other deviceId) or presented for another account proves nothing.
 */
export async function verifyDeviceToken(options: { token: string; keys: KeyStore; issuer: string; clock: Clock; binding: DeviceBinding }): Promise<boolean> {
  const { token, keys, issuer, clock, binding } = options;
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await keys.jwks()), {
      algorithms: [SIGNING_ALG],
      typ: DEVICE_TOKEN_TYPE,
      issuer,
      audience: binding.appId,
      subject: binding.originalIdentity,
      currentDate: new Date(clock()),
      requiredClaims: ['exp', 'device_id'],
    });
    return payload.device_id === binding.deviceId;
  } catch (error) {
    if (error instanceof errors.JOSEError) return false;
    throw error;
  }
}
