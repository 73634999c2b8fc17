import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RegisteredApp } from '../apps/registry.js';
import type { GatewayConfig, GatewayRoute } from '../config/schema.js';
import { DomainError } from '../errors.js';
import type { MfaService } from '../events/mfa.js';
import { GATEWAY_PATHS, type FactorType, type MfaTriggerData } from '../protocol/index.js';
import type { Storage } from '../storage/types.js';
import { exchangeMfaToken, type KeySource } from '../tokens/mfa-token.js';
import type { Clock } from '../types.js';
import type { CaptureService } from '../ueba/capture.js';
import { originalUrl, type OriginalRequest } from './forwarded.js';
import { routeFor } from './rules.js';
import { gatewayCookieName, type GatewaySession, type GatewaySessions } from './session.js';

/** Why the check refused: no one is signed in, or the user owes a step-up. */
export type Denial = 'login' | 'stepup';

export type CheckOutcome =
  { result: 'pass'; headers: Record<string, string> } | { result: 'denied'; denial: Denial; location: string; route: GatewayRoute; detail: string };

/** Who asks and what about: the original request, the client's address and User-Agent, the session cookie and identity header. */
export interface CheckInput {
  appId: string;
  request: OriginalRequest;
  ip: string | null;
  ua: string | undefined;
  cookie: string | undefined;
  /** The configured identity header's value, when the app names one. */
  identity: string | undefined;
}

export interface GatewayServiceOptions {
  apps: ReadonlyMap<string, RegisteredApp>;
  sessions: GatewaySessions;
  capture: CaptureService;
  mfa: MfaService;
  storage: Storage;
  keys: KeySource;
  publicUrl: string;
  clock: Clock;
  logger: Logger;
  /** Offered by a step-up the gateway asks for itself (a sensitive route). */
  defaultFactors: readonly FactorType[];
}

/** Where a text field of a UEBA event ends (`ueba/schema.ts`). */
const MAX_TEXT = 1024;
const SIGN_IN_REFUSAL = 'This token does not sign anyone in to this app';

/**
 * Gateway access: the forward-auth check a gateway asks for each request, and what the hosted sign-in and
 * step-up pages need (a step-up to run, a session for an mfaToken, a return only to the app's hosts).
 */
export class GatewayService {
  constructor(private readonly options: GatewayServiceOptions) {}

  /** The app and its gateway section; refuses an app without one as if it did not exist for gateways. */
  gatewayOf(appId: string): { app: RegisteredApp; gateway: GatewayConfig } {
    const app = this.options.apps.get(appId);
    if (!app?.gateway) throw new DomainError('gateway_not_configured', `App "${appId}" has no gateway section`);
    return { app, gateway: app.gateway };
  }

  /**
   * Judges one request: public routes pass; otherwise the user (session cookie or identity header) is captured
   * as a UEBA event (the app's event-mode workflows run on it), then a pending step-up or, on a sensitive route,
   * a step-up older than its `max_age` refuses it.
   */
  async check(input: CheckInput): Promise<CheckOutcome> {
    const { app, gateway } = this.gatewayOf(input.appId);
    if (!gateway.hosts.includes(input.request.host))
      throw new DomainError('gateway_host_not_allowed', `App "${app.id}" is not served on ${input.request.host}`);
    const route = routeFor(gateway, input.request.path);
    if (route.access === 'public') return { result: 'pass', headers: {} };
    const session = this.sessionOf(app, input.cookie);
    const originalIdentity = gateway.identityHeader ? input.identity : session?.originalIdentity;
    const denied = (denial: Denial, detail: string): CheckOutcome => ({
      result: 'denied',
      denial,
      location: this.pageFor(app.id, denial, input.request),
      route,
      detail,
    });
    if (!originalIdentity) return denied('login', 'Sign in first');
    await this.options.capture.capture({ appId: app.id, input: this.eventOf(originalIdentity, route, input) });
    const status = await this.options.mfa.status(app.id, originalIdentity);
    if (status.pending) return denied('stepup', status.pending.reason.message);
    // A session of someone else than the identity header names says nothing about this user's step-ups.
    const own = session?.originalIdentity === originalIdentity ? session : null;
    if (route.access === 'sensitive' && !(await this.steppedUpFor(app.id, own, route)))
      return denied(
        'stepup',
        route.everyUse ? 'Each use of this page needs a step-up' : `This page needs a step-up within the last ${route.maxAgeSeconds} seconds`,
      );
    return { result: 'pass', headers: identityHeaders(originalIdentity, own) };
  }

  /** The hosted page that resolves a refusal, on the host the user asked for, returning to the original URL. */
  pageFor(appId: string, denial: Denial, request: OriginalRequest): string {
    const page = denial === 'login' ? GATEWAY_PATHS.login : GATEWAY_PATHS.stepUp;
    return `${request.proto}://${request.host}${page}?${new URLSearchParams({ app: appId, rd: originalUrl(request) })}`;
  }

  /** Where a hosted page may send the user back: an http(s) URL on one of the app's hosts, else a refusal (no open redirect). */
  returnTarget(gateway: GatewayConfig, returnTo: string): URL {
    let target: URL;
    try {
      target = new URL(returnTo);
    } catch {
      throw new DomainError('gateway_redirect_not_allowed', 'rd must be an absolute URL');
    }
    if ((target.protocol !== 'https:' && target.protocol !== 'http:') || target.username || target.password || !gateway.hosts.includes(target.host)) {
      throw new DomainError('gateway_redirect_not_allowed', 'rd must be on a host this app lists');
    }
    return target;
  }

  /**
   * The step-up the hosted step-up page runs: the user's pending one, or (a sensitive route) a new one asking
   * for the route's `acr`. The user is the session's (or the identity header's); without one: sign in first.
   */
  async stepUpFor(input: { appId: string; returnTo: string; cookie: string | undefined; identity: string | undefined }): Promise<MfaTriggerData> {
    const { app, gateway } = this.gatewayOf(input.appId);
    const target = this.returnTarget(gateway, input.returnTo);
    const originalIdentity = gateway.identityHeader ? input.identity : this.sessionOf(app, input.cookie)?.originalIdentity;
    if (!originalIdentity) throw new DomainError('gateway_session_required', 'Sign in first');
    const status = await this.options.mfa.status(app.id, originalIdentity);
    if (status.pending) return status.pending;
    const route = routeFor(gateway, target.pathname);
    const trigger = await this.options.mfa.createTrigger({
      appId: app.id,
      originalIdentity,
      workflowId: 'gateway',
      workflowVersion: 0,
      ruleId: `route:${route.path}`,
      message: 'Confirm it is you to open this page',
      factors: [...this.options.defaultFactors],
      acr: route.acr,
      custom: {},
    });
    return this.options.mfa.triggerData(trigger);
  }

  /**
   * Trades an mfaToken of this app (from the hosted sign-in or step-up) for a gateway session, spent once. A
   * token of a step-up (its trigger is stored for this user) stamps the session's last step-up. The session
   * already held (`cookie`) carries over when it is the same user's: its methods join the token's (`pwd otp`).
   * Every refusal reads the same.
   */
  async signIn(input: {
    appId: string;
    token: string;
    returnTo: string;
    cookie: string | undefined;
  }): Promise<{ cookie: { name: string; value: string; maxAgeSeconds: number }; location: string }> {
    const { app, gateway } = this.gatewayOf(input.appId);
    const target = this.returnTarget(gateway, input.returnTo);
    const { storage, keys, publicUrl, clock, logger, sessions } = this.options;
    const result = await exchangeMfaToken({
      token: input.token,
      keys,
      issuer: publicUrl,
      audience: app.id,
      clock,
      usedTokens: { consume: (jti, expiresAt) => storage.consumeTokenId(jti, expiresAt) },
    });
    if (!result.verified) {
      // The token is a credential until it expires: only why it was refused is logged.
      logger.warn({ appId: app.id, reason: result.code }, 'gateway sign-in refused');
      throw new DomainError('gateway_sign_in_refused', SIGN_IN_REFUSAL);
    }
    const { claims } = result;
    const trigger = await storage.getTrigger(claims.triggerId);
    const steppedUp = trigger?.appId === app.id && trigger.originalIdentity === claims.originalIdentity;
    const held = this.sessionOf(app, input.cookie);
    const previous = held?.originalIdentity === claims.originalIdentity ? held : null;
    const steppedUpAt = steppedUp ? claims.authTime : previous?.steppedUpAt;
    const ttlMs = gateway.sessionMinutes * 60_000;
    const amr = [...new Set([...(previous?.amr ?? []), ...claims.amr])];
    const issued = sessions.issue(app, { originalIdentity: claims.originalIdentity, amr, ...(steppedUpAt === undefined ? {} : { steppedUpAt }) }, ttlMs);
    logger.info({ appId: app.id, originalIdentity: claims.originalIdentity, steppedUp }, 'gateway session started');
    return { cookie: { name: gatewayCookieName(app.id), value: issued.value, maxAgeSeconds: ttlMs / 1000 }, location: target.href };
  }

  private sessionOf(app: RegisteredApp, cookie: string | undefined): GatewaySession | null {
    return cookie ? this.options.sessions.read(app, cookie) : null;
  }

  /**
   * Whether the session's last step-up is within the route's `max_age`; on an `everyUse` route also that this
   * step-up has not let a request through here already: each step-up is one pass, spent in storage (like an
   * mfaToken's `jti`), so every instance sees it spent.
   */
  private async steppedUpFor(appId: string, session: GatewaySession | null, route: GatewayRoute): Promise<boolean> {
    const steppedUpAt = session?.steppedUpAt;
    if (steppedUpAt === undefined || this.options.clock() - steppedUpAt > route.maxAgeSeconds * 1000) return false;
    if (!route.everyUse) return true;
    const pass = createHash('sha256')
      .update(JSON.stringify([appId, session!.originalIdentity, route.path, steppedUpAt]))
      .digest('base64url');
    return this.options.storage.consumeTokenId(`gateway-pass:${pass}`, steppedUpAt + route.maxAgeSeconds * 1000);
  }

  private eventOf(originalIdentity: string, route: GatewayRoute, { request, ip, ua }: CheckInput) {
    return {
      originalIdentity,
      ...(ip ? { ip } : {}),
      ...(ua ? { ua: ua.slice(0, MAX_TEXT) } : {}),
      behaviorType: route.behaviorType ?? 'access',
      resourcesType: route.path.slice(0, MAX_TEXT),
      actionType: request.method.slice(0, MAX_TEXT),
      custom: { host: request.host, path: request.path.slice(0, MAX_TEXT) },
    };
  }
}

/** What the upstream learns of the user: who (`X-Camfa-User`), how (`X-Camfa-Amr`, RFC 8176) and when they last stepped up. */
function identityHeaders(originalIdentity: string, session: GatewaySession | null): Record<string, string> {
  return {
    'x-camfa-user': originalIdentity,
    ...(session ? { 'x-camfa-amr': session.amr.join(' ') } : {}),
    ...(session?.steppedUpAt !== undefined ? { 'x-camfa-auth-time': String(Math.floor(session.steppedUpAt / 1000)) } : {}),
  };
}
