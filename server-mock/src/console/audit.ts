import type { AuditEntryRecord, Storage } from '../storage/types.js';
import type { Clock } from '../types.js';
import type { AuditEntry } from '../protocol/index.js';

/** What a change through the console tells the audit log; the time is the log's own clock. */
export interface AuditChange {
  /** The administrator's name. */
  actor: string;
  /** Dotted verb such as `app.create`, `app.secret.rotate`, `workflow.publish`, `session.start`. */
  action: string;
  /** What was changed, as `kind:id` (`app:shop`, `workflow:shop/login`). */
  target: string;
  /** The thing before and after, as JSON; null for a creation (before) or a deletion (after). Never a secret. */
  before?: unknown;
  after?: unknown;
}

export const AUDIT_PAGE_MAX = 200;

const toEntry = ({ at, ...entry }: AuditEntryRecord): AuditEntry => ({ ...entry, at: new Date(at).toISOString() });

/** Every change made through `/console/api/*`: who, what, before and after, when. Append-only. */
export class AuditLog {
  constructor(private readonly options: { storage: Storage; clock: Clock }) {}

  async record(change: AuditChange): Promise<AuditEntry> {
    const { storage, clock } = this.options;
    return toEntry(await storage.insertAuditEntry({ ...change, at: clock(), before: change.before ?? null, after: change.after ?? null }));
  }

  /** Newest first; `before` pages on from the last id of the previous page. */
  async list(query: { limit: number; before?: number }): Promise<AuditEntry[]> {
    return (await this.options.storage.listAuditEntries({ ...query, limit: Math.min(query.limit, AUDIT_PAGE_MAX) })).map(toEntry);
  }
}
