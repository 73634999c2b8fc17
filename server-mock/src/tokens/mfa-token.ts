import { randomBytes } from 'node:crypto';
import { SignJWT, errors, importJWK, jwtVerify, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import type { Clock } from '../types.js';
import { SIGNING_ALG, toPublicJwk, type KeyStore } from './keys.js';

/** Header `typ` of an mfaToken (RFC 8725 §3.11): no other token of ours can pass for one. */
export const MFA_TOKEN_TYPE = 'mfa+jwt';
/** The seed's ceiling on an mfaToken's lifetime (`exp - iat`), in seconds. */
export const MFA_TOKEN_MAX_TTL_SECONDS = 300;
/** The most clock skew a verifier may allow, in seconds. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 30;

/** The only accepted `alg`: an allow-list, so `none`, HMAC with a public key as secret and RSA never get near a key. */
const ALLOWED_ALGORITHMS = [SIGNING_ALG];
/** Header members that would let the token name its own key (RFC 7515 §4.1.3–4.1.6): the key confusion of RFC 8725 §2.6. */
const EMBEDDED_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
/** Far above a real mfaToken (~700 characters); stops a huge input before it is decoded. */
const MAX_TOKEN_LENGTH = 8192;
/** Claims the verifier interprets; anything else is an issuer's `extra` claim. */
const REGISTERED_CLAIMS = new Set(['iss', 'aud', 'sub', 'amr', 'acr', 'auth_time', 'iat', 'exp', 'nbf', 'jti', 'workflow_id', 'trigger_id']);

/** What an mfaToken asserts, as the issuer states it. */
export interface MfaTokenInput {
  /** Becomes `aud`: the one app allowed to accept the token. */
  appId: string;
  /** Becomes `sub`. */
  originalIdentity: string;
  /** Authentication methods used (RFC 8176), e.g. `['otp']`, `['hwk', 'user']`. */
  amr: string[];
  acr: string;
  /** When the user passed the factor, in ms since the epoch (sent as `auth_time`, whole seconds). */
  authTime: number;
  workflowId: string;
  triggerId: string;
  /** Additional claims, e.g. `{ channel: 'email' }`; may not reuse a registered claim name. */
  extra?: Readonly<Record<string, string | number | boolean>>;
}

/** A verified token's claims. Times are in ms since the epoch. */
export interface MfaTokenClaims {
  issuer: string;
  appId: string;
  originalIdentity: string;
  amr: string[];
  acr: string;
  authTime: number;
  issuedAt: number;
  expiresAt: number;
  /** Unique per token: the key of single-use exchange. */
  jti: string;
  workflowId: string;
  triggerId: string;
  /** Every claim the verifier does not interpret itself (e.g. `channel`). */
  extra: Record<string, unknown>;
}

/** Why a token was refused. Stable: callers branch, log and translate on it. */
export type MfaTokenErrorCode =
  | 'malformed'
  | 'alg_not_allowed'
  | 'embedded_key'
  | 'wrong_type'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_claims';

/** A refusal. `message` explains it for logs; it never contains the token or any value read from it. */
export interface MfaTokenFailure<Code extends string = MfaTokenErrorCode> {
  verified: false;
  code: Code;
  message: string;
}

export type VerifyMfaTokenResult = { verified: true; claims: MfaTokenClaims } | MfaTokenFailure;
export type ExchangeMfaTokenResult = { verified: true; claims: MfaTokenClaims } | MfaTokenFailure<MfaTokenErrorCode | 'token_already_used'>;

/** Anything that publishes the verification keys on demand, like {@link KeyStore}. */
export interface KeySource {
  jwks(): Promise<JSONWebKeySet>;
}

export interface IssueMfaTokenOptions {
  keys: KeyStore;
  /** The backend's public URL; becomes `iss`. */
  issuer: string;
  claims: MfaTokenInput;
  /** Default and maximum {@link MFA_TOKEN_MAX_TTL_SECONDS}. */
  ttlSeconds?: number;
  /** Default `Date.now`. */
  clock?: Clock;
}

export interface VerifyMfaTokenOptions {
  token: string;
  /** A JWKS (e.g. fetched from `/.well-known/jwks.json`) or the backend's own {@link KeyStore}. */
  keys: JSONWebKeySet | KeySource;
  issuer: string;
  /** The appId of the app accepting the token. */
  audience: string;
  /** Default `Date.now`. */
  clock?: Clock;
  /** Allowed clock skew on `exp`, `nbf` and `iat`. Default 0, at most {@link MAX_CLOCK_TOLERANCE_SECONDS}. */
  clockToleranceSeconds?: number;
}

/**
 * Remembers which tokens were exchanged. `consume` must be atomic (insert-if-absent): two concurrent
 * exchanges of one token must not both see `true`.
 */
export interface UsedTokenStore {
  /**
   * Records `jti` and answers true, or answers false when it was already recorded. The record must be
   * kept at least until `expiresAt` (ms since the epoch); after that the token no longer verifies anyway.
   */
  consume(jti: string, expiresAt: number): Promise<boolean>;
}

export interface ExchangeMfaTokenOptions extends VerifyMfaTokenOptions {
  usedTokens: UsedTokenStore;
}

/**
 * Signs the proof that a user passed a step-up (seed step 3.2.4), for the app named in `claims.appId`.
 * @throws {TypeError | RangeError} on invalid claims or lifetime: a bug in the caller, never user input.
 */
export async function issueMfaToken(options: IssueMfaTokenOptions): Promise<{ token: string; jti: string; expiresAt: number }> {
  const { keys, issuer, claims, ttlSeconds = MFA_TOKEN_MAX_TTL_SECONDS, clock = Date.now } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MFA_TOKEN_MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${MFA_TOKEN_MAX_TTL_SECONDS}`);
  }
  assertInput(claims);
  const key = await keys.current();
  const now = Math.floor(clock() / 1000);
  // Verifiers refuse a token that claims an authentication after its own issue.
  if (Math.floor(claims.authTime / 1000) > now) throw new RangeError('authTime is in the future');
  // 128 random bits: unguessable and collision-free, as single-use exchange needs.
  const jti = randomBytes(16).toString('base64url');
  const token = await new SignJWT({
    ...claims.extra,
    amr: claims.amr,
    acr: claims.acr,
    auth_time: Math.floor(claims.authTime / 1000),
    workflow_id: claims.workflowId,
    trigger_id: claims.triggerId,
  })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: MFA_TOKEN_TYPE, kid: key.kid })
    .setIssuer(issuer)
    .setAudience(claims.appId)
    .setSubject(claims.originalIdentity)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(jti)
    .sign(key.privateKey);
  return { token, jti, expiresAt: (now + ttlSeconds) * 1000 };
}

/**
 * Checks an mfaToken, cheapest and most dangerous properties first: shape, `alg` allow-list, no embedded
 * key, exact `typ`, known `kid`, signature, then `iss`, `aud`, `exp`, `nbf`, `iat`, lifetime and the
 * required claims. Never throws on a bad token: the result says why it was refused.
 * @throws {RangeError} for an out-of-range `clockToleranceSeconds`; rethrows a failing {@link KeySource}.
 */
export async function verifyMfaToken(options: VerifyMfaTokenOptions): Promise<VerifyMfaTokenResult> {
  const { token, issuer, audience, clock = Date.now, clockToleranceSeconds = 0 } = options;
  if (!Number.isFinite(clockToleranceSeconds) || clockToleranceSeconds < 0 || clockToleranceSeconds > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new RangeError(`clockToleranceSeconds must be between 0 and ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  const header = decodeHeader(token);
  if (!header) return refuse('malformed', 'not a compact JWS with JSON header and claims');
  if (typeof header.alg !== 'string' || !ALLOWED_ALGORITHMS.includes(header.alg))
    return refuse('alg_not_allowed', `alg must be one of ${ALLOWED_ALGORITHMS.join(', ')}`);
  if (EMBEDDED_KEY_HEADERS.some((name) => name in header)) return refuse('embedded_key', 'the header names its own key; only published keys are trusted');
  if (header.typ !== MFA_TOKEN_TYPE) return refuse('wrong_type', `typ must be ${MFA_TOKEN_TYPE}`);
  if (typeof header.kid !== 'string' || header.kid === '') return refuse('unknown_key', 'the header has no kid');
  // Looked up only now, so junk never costs a storage read or a JWKS fetch.
  const jwks = 'jwks' in options.keys ? await options.keys.jwks() : options.keys;
  const key = await importVerificationKey(jwks, header.kid);
  if (!key) return refuse('unknown_key', 'no published key has this kid');

  const now = clock();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ALLOWED_ALGORITHMS,
      typ: MFA_TOKEN_TYPE,
      currentDate: new Date(now),
      clockTolerance: clockToleranceSeconds,
    }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('bad_signature', 'the signature does not match a published key');
    // jose checks exp and nbf only after the signature, so this payload is authentic; checkClaims repeats
    // those checks (identically) and names the fault in our order.
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) payload = error.payload;
    else if (error instanceof errors.JOSEError) return refuse('malformed', 'the token could not be decoded');
    else throw error;
  }
  return checkClaims(payload, { issuer, audience, now: Math.floor(now / 1000), tolerance: clockToleranceSeconds });
}

/**
 * Verifies the token and spends it (seed step 3.2.5: the business backend trades it once for its own
 * session). A second exchange of the same token answers `token_already_used`.
 */
export async function exchangeMfaToken(options: ExchangeMfaTokenOptions): Promise<ExchangeMfaTokenResult> {
  const result = await verifyMfaToken(options);
  if (!result.verified) return result;
  // Kept until the token stops verifying, clock tolerance included, so no replay slips in after the record is gone.
  const verifiableUntil = result.claims.expiresAt + (options.clockToleranceSeconds ?? 0) * 1000;
  if (!(await options.usedTokens.consume(result.claims.jti, verifiableUntil))) {
    return refuse('token_already_used', 'this token was already exchanged');
  }
  return result;
}

function refuse<Code extends string>(code: Code, message: string): MfaTokenFailure<Code> {
  return { verified: false, code, message };
}

/** The protected header of a well-formed compact JWS whose payload is a JSON object, or null. */
function decodeHeader(token: unknown): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  // An empty signature is well-formed (an unsecured JWS): the alg check, not the shape, refuses it.
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!) || !/^[A-Za-z0-9_-]*$/.test(parts[2]!)) return null;
  const header = decodeJsonObject(parts[0]!);
  if (!header || !decodeJsonObject(parts[1]!)) return null;
  // `crit` (and with it `b64: false`, which changes what the signature covers) is an extension we never issue.
  if ('crit' in header || 'b64' in header) return null;
  return header;
}

function decodeJsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The published P-256 key with this kid, or null. Only public members are imported, whatever the set holds. */
async function importVerificationKey(jwks: JSONWebKeySet, kid: string) {
  const jwk = jwks.keys.find(
    (candidate: JWK) =>
      candidate.kid === kid &&
      candidate.kty === 'EC' &&
      candidate.crv === 'P-256' &&
      (candidate.alg === undefined || candidate.alg === SIGNING_ALG) &&
      (candidate.use === undefined || candidate.use === 'sig'),
  );
  if (!jwk) return null;
  try {
    return await importJWK(toPublicJwk(jwk), SIGNING_ALG);
  } catch {
    return null;
  }
}

function checkClaims(
  payload: JWTPayload,
  expected: { issuer: string; audience: string; now: number; tolerance: number },
): { verified: true; claims: MfaTokenClaims } | MfaTokenFailure {
  const { iss, aud, exp, nbf, iat, sub, amr, acr, auth_time: authTime, jti, workflow_id: workflowId, trigger_id: triggerId } = payload;
  const { now, tolerance } = expected;
  if (iss !== expected.issuer) return refuse('wrong_issuer', 'the token comes from another issuer');
  // A single audience only: a token minted for several apps is not one we issue.
  if (aud !== expected.audience) return refuse('wrong_audience', 'the token is meant for another app');
  if (!isNumericDate(exp)) return refuse('invalid_claims', 'exp must be a NumericDate');
  if (exp <= now - tolerance) return refuse('expired', 'the token has expired');
  if (nbf !== undefined && !isNumericDate(nbf)) return refuse('invalid_claims', 'nbf must be a NumericDate');
  if (nbf !== undefined && nbf > now + tolerance) return refuse('not_yet_valid', 'the token is not valid yet (nbf)');
  if (!isNumericDate(iat)) return refuse('invalid_claims', 'iat must be a NumericDate');
  if (iat > now + tolerance) return refuse('not_yet_valid', 'the token was issued in the future (iat)');
  if (exp <= iat || exp - iat > MFA_TOKEN_MAX_TTL_SECONDS) return refuse('invalid_claims', `the token lives longer than ${MFA_TOKEN_MAX_TTL_SECONDS} s`);
  if (
    !isText(sub) ||
    !Array.isArray(amr) ||
    amr.length === 0 ||
    !amr.every(isText) ||
    !isText(acr) ||
    !isNumericDate(authTime) ||
    authTime > iat ||
    !isText(jti) ||
    !isText(workflowId) ||
    !isText(triggerId)
  ) {
    return refuse('invalid_claims', 'sub, amr, acr, auth_time, jti, workflow_id and trigger_id must be present and well-typed');
  }
  return {
    verified: true,
    claims: {
      issuer: iss,
      appId: aud,
      originalIdentity: sub,
      amr: [...amr],
      acr,
      authTime: authTime * 1000,
      issuedAt: iat * 1000,
      expiresAt: exp * 1000,
      jti,
      workflowId,
      triggerId,
      extra: Object.fromEntries(Object.entries(payload).filter(([name]) => !REGISTERED_CLAIMS.has(name))),
    },
  };
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function assertInput(claims: MfaTokenInput): void {
  for (const name of ['appId', 'originalIdentity', 'acr', 'workflowId', 'triggerId'] as const) {
    if (!isText(claims[name])) throw new TypeError(`${name} must be a non-empty string`);
  }
  if (!Array.isArray(claims.amr) || claims.amr.length === 0 || !claims.amr.every(isText)) throw new TypeError('amr must be a non-empty array of strings');
  if (!isNumericDate(claims.authTime)) throw new TypeError('authTime must be a time in ms since the epoch');
  const reserved = Object.keys(claims.extra ?? {}).filter((name) => REGISTERED_CLAIMS.has(name));
  if (reserved.length > 0) throw new TypeError(`extra may not set registered claims (${reserved.join(', ')})`);
}
