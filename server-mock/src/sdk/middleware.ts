import type { Request, RequestHandler } from 'express';
import type { FailMode, UserMfaStatus } from '../protocol/index.js';
import { stepUpChallenge } from './challenge.js';
import type { FailModeOptions } from './http.js';
import type { CamfaLogger } from './logger.js';
import type { UserSelector } from './metadata-client.js';

/** What the middleware needs of a client: a {@link MetadataManagementClient}, or a stand-in in tests. */
export interface UserStatusSource {
  ueba: { checkUserStatus(user: UserSelector, options?: FailModeOptions): Promise<UserMfaStatus> };
}

/** Options of {@link mfaAuthMiddleware}. */
export interface MfaAuthMiddlewareOptions {
  client: UserStatusSource;
  /** The signed-in user's `originalIdentity`; nothing (null, undefined, '') means anonymous and passes. */
  getUserId(req: Request): string | null | undefined | Promise<string | null | undefined>;
  /** Overrides the client's `failMode` on the routes this instance guards. */
  failMode?: FailMode;
  /** Overrides the client's logger for the degraded warnings of these routes. */
  logger?: CamfaLogger;
}

/**
 * Express middleware that locks a user's requests while a step-up is pending (seed step 6.2).
 *
 * - No user → `next()`. Verified → `next()`.
 * - Pending step-up → `401` with the RFC 9470 `WWW-Authenticate` challenge and a problem document
 *   carrying the trigger (see {@link stepUpChallenge}).
 * - Backend unreachable → `failMode` decides: `'open'` → `next()`; `'closed'` → `503` problem
 *   `backend_unavailable` (a step-up cannot run while the backend is down, so a 401 would mislead).
 * - Any other error (a 4xx from the backend: wrong secret, …) → `next(err)`.
 *
 * ```ts
 * app.use('/api', mfaAuthMiddleware({ client: meta, getUserId: (req) => req.session.userId }));
 * app.post('/api/transfer', mfaAuthMiddleware({ client: meta, getUserId, failMode: 'closed' }), transfer);
 * ```
 * Express is needed only for its types; the SDK never imports it at runtime.
 */
export function mfaAuthMiddleware(options: MfaAuthMiddlewareOptions): RequestHandler {
  const { client, getUserId } = options;
  const callOptions: FailModeOptions = { failMode: options.failMode, logger: options.logger };
  return async (req, res, next) => {
    let status: UserMfaStatus;
    try {
      const userId = await getUserId(req);
      if (!userId) return next();
      status = await client.ueba.checkUserStatus({ originalIdentity: userId }, callOptions);
    } catch (error) {
      return next(error);
    }
    if (status.mfaVerified) return next();
    if (status.degraded) {
      res
        .status(503)
        .set({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' })
        .send(
          JSON.stringify({
            type: 'https://camfa-guard.dev/problems/backend_unavailable',
            title: 'Service Unavailable',
            status: 503,
            code: 'backend_unavailable',
            detail: 'MFA status cannot be checked right now',
          }),
        );
      return;
    }
    const challenge = stepUpChallenge({ trigger: status.pending });
    res.status(challenge.status).set(challenge.headers).send(JSON.stringify(challenge.body));
  };
}
