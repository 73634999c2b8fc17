import { APP_PATHS, type MfaEvent, type UebaEventInput, type UserMfaStatus } from '../protocol/index.js';
import { CamfaError, unavailable } from './errors.js';
import { Transport, type FailModeOptions, type MetadataManagementClientOptions } from './http.js';
import { StatusCache } from './status-cache.js';
import { UsersApi } from './users.js';

/** Names one user. `originalId` is the seed guide's spelling (step 6.2) and means the same. */
export type UserSelector = { originalIdentity: string } | { originalId: string };

/** Answer of {@link UebaApi.capture}. */
export interface CaptureResult {
  /** Id of the stored event. */
  id: string;
  /** MFA events the event's workflows published (empty when nothing fired). */
  published: MfaEvent[];
}

/** UEBA and MFA-status calls, reached as `meta.ueba`. */
export class UebaApi {
  /** @internal Build a {@link MetadataManagementClient} instead. */
  constructor(
    private readonly transport: Transport,
    private readonly statusCache?: StatusCache,
  ) {}

  /**
   * Reports one user behaviour event (seed step 3.3). The backend derives geo and UA fields itself and
   * runs the app's event-mode workflows, so the answer already lists any MFA event this caused.
   * @throws {CamfaError} `backend_unavailable` when the backend cannot take it: catch it if reporting is
   *   best-effort for you; any other code is a request the backend refused.
   */
  async capture(event: UebaEventInput): Promise<CaptureResult> {
    const result = await this.transport.post<CaptureResult>(APP_PATHS.uebaEvents, event);
    for (const published of result.published ?? []) this.statusCache?.invalidate(published.originalIdentity);
    return result;
  }

  /**
   * Whether the user may go on (seed step 6.2). `mfaVerified: false` with `pending` means a step-up is
   * waiting; `pending` is what the browser needs to start it.
   *
   * When the backend cannot answer within `timeoutMs` (or answers 5xx, or its circuit is open) this does
   * not throw: it answers `{ mfaVerified: failMode === 'open', degraded: true }` and logs a warning
   * (seed step 7.2). Worst case it settles `timeoutMs` after the call.
   *
   * With the client's `statusCache` option, answers come from memory while its event stream is live.
   * @throws {CamfaError} for 4xx answers (wrong secret, bad input): a misconfiguration must be seen, not
   *   silently failed open.
   */
  async checkUserStatus(user: UserSelector, options: FailModeOptions = {}): Promise<UserMfaStatus> {
    const originalIdentity = identityOf(user);
    const failMode = options.failMode ?? this.transport.failMode;
    const read = () => this.readStatus(originalIdentity);
    try {
      return await (this.statusCache ? this.statusCache.get(originalIdentity, read) : read());
    } catch (error) {
      if (!(error instanceof CamfaError && error.unavailable)) throw error;
      this.transport.logDegraded('checkUserStatus', error, failMode, options.logger);
      return { mfaVerified: failMode === 'open', degraded: true };
    }
  }

  private async readStatus(originalIdentity: string): Promise<UserMfaStatus> {
    const status = await this.transport.post<UserMfaStatus>(APP_PATHS.mfaStatus, { originalIdentity });
    // The gate of every protected request: an answer without a boolean is no answer.
    if (typeof status?.mfaVerified !== 'boolean') throw unavailable('invalid_response', 'status answer without mfaVerified');
    return status.pending ? { mfaVerified: status.mfaVerified, pending: status.pending } : { mfaVerified: status.mfaVerified };
  }

  /**
   * Clears the user's pending step-up (an administrator vouched for them), and publishes
   * `security.mfa.resolved` to subscribers.
   * @throws {CamfaError} on any failure; there is nothing to fail open to.
   */
  async clearUserStatus(user: UserSelector): Promise<{ mfaVerified: true }> {
    const originalIdentity = identityOf(user);
    const answer = await this.transport.post<{ mfaVerified: true }>(APP_PATHS.mfaStatusClear, { originalIdentity });
    this.statusCache?.invalidate(originalIdentity);
    return answer;
  }
}

/**
 * Server-side client for reporting behaviour and asking for a user's MFA status (seed steps 3 and 6).
 *
 * ```ts
 * const meta = new MetadataManagementClient({ host, appId, appSecret, failMode: 'open' });
 * await meta.ueba.capture({ originalIdentity: 'u1', ip, ua, behaviorType: 'login' });
 * const { mfaVerified, pending } = await meta.ueba.checkUserStatus({ originalIdentity: 'u1' });
 * ```
 * One instance per app and process: it holds the circuit breaker (and the status cache, when asked for).
 */
export class MetadataManagementClient {
  /** UEBA capture and MFA status. */
  readonly ueba: UebaApi;
  /** The backend's built-in user directory. */
  readonly users: UsersApi;
  /** The `checkUserStatus` cache, when the `statusCache` option asked for one. */
  readonly statusCache: StatusCache | undefined;

  constructor(options: MetadataManagementClientOptions) {
    const transport = new Transport(options);
    this.statusCache = options.statusCache ? new StatusCache(transport, options.statusCache, options.clock ?? Date.now) : undefined;
    this.ueba = new UebaApi(transport, this.statusCache);
    this.users = new UsersApi(transport);
  }

  /** Closes the status cache's event stream, if any, so it no longer holds the process open. */
  close(): void {
    this.statusCache?.close();
  }
}

/** The user id of a selector, validated: an empty id would ask about nobody and pass. */
export function identityOf(user: UserSelector): string {
  const id = 'originalIdentity' in user ? user.originalIdentity : user.originalId;
  if (typeof id !== 'string' || id === '') throw new TypeError('originalIdentity must be a non-empty string');
  return id;
}
