import type { Transport } from './http.js';
import { APP_PATHS, pathTo, type DirectoryUser, type DirectoryUserChanges, type UserFactors } from '../protocol/index.js';

/**
 * The built-in user directory, reached as `meta.users` (for teams without a login system of their own).
 * Every call throws `CamfaError` on failure: `user_exists`, `user_conflict` (with the taken field in
 * `detail`), `user_not_found`, or `backend_unavailable`.
 */
export class UsersApi {
  /** @internal Build a {@link MetadataManagementClient} instead. */
  constructor(private readonly transport: Transport) {}

  create(user: { originalIdentity: string } & DirectoryUserChanges): Promise<DirectoryUser> {
    return this.transport.call('POST', APP_PATHS.users, user);
  }

  get(originalIdentity: string): Promise<DirectoryUser> {
    return this.transport.call('GET', pathTo(APP_PATHS.user, { originalIdentity }));
  }

  update(originalIdentity: string, changes: DirectoryUserChanges): Promise<DirectoryUser> {
    return this.transport.call('PATCH', pathTo(APP_PATHS.user, { originalIdentity }), changes);
  }

  async remove(originalIdentity: string): Promise<void> {
    await this.transport.call('DELETE', pathTo(APP_PATHS.user, { originalIdentity }));
  }

  /** The user's factors, passkeys included, and how many recovery codes are left. Never any secret. */
  factors(originalIdentity: string): Promise<UserFactors> {
    return this.transport.call('GET', pathTo(APP_PATHS.userFactors, { originalIdentity }));
  }

  /** Removes one factor or passkey by its `id` (throws `factor_not_found` for anyone else's). */
  async removeFactor(originalIdentity: string, id: string): Promise<void> {
    await this.transport.call('DELETE', pathTo(APP_PATHS.userFactor, { originalIdentity, enrolmentId: id }));
  }

  /** Replaces the user's recovery codes; the answer is the only time the new codes are visible. */
  regenerateRecoveryCodes(originalIdentity: string): Promise<{ codes: string[] }> {
    return this.transport.call('POST', pathTo(APP_PATHS.userRecoveryCodes, { originalIdentity }), {});
  }
}
