import type { Transport } from './http.js';
import { APP_PATHS, pathTo } from '../protocol/index.js';

/** A user of the backend's built-in directory, as the API shows it (never the password hash). */
export interface DirectoryUser {
  appId: string;
  originalIdentity: string;
  username: string | null;
  email: string | null;
  phone: string | null;
  roles: string[];
  groups: string[];
  department: string | null;
  attributes: Record<string, unknown>;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: number;
  updatedAt: number;
}

/** Fields a directory user may be given; `password` is hashed by the backend (null removes it). */
export interface DirectoryUserChanges {
  username?: string | null;
  email?: string | null;
  /** E.164, e.g. `+447700900123`. */
  phone?: string | null;
  password?: string | null;
  roles?: string[];
  groups?: string[];
  department?: string | null;
  attributes?: Record<string, unknown>;
  disabled?: boolean;
}

/** A factor of a user, as `GET /v1/users/{id}/factors` lists it; passkeys (`webauthn`) carry the extra fields. */
export interface UserFactor {
  id: string;
  type: 'totp' | 'sms' | 'email' | 'webauthn';
  status: 'pending' | 'active';
  createdAt: number;
  activatedAt: number | null;
  /** Passkeys only. */
  name?: string;
  lastUsedAt?: number | null;
  /** Passkeys only: `singleDevice` (bound to one authenticator) or `multiDevice` (synced). */
  deviceType?: 'singleDevice' | 'multiDevice';
  backedUp?: boolean;
}

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
  factors(originalIdentity: string): Promise<{ factors: UserFactor[]; recoveryCodesLeft: number }> {
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
