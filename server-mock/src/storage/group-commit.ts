import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Write = (trx: Transaction<Database>) => Promise<unknown>;
interface Pending {
  write: Write;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the hot inserts (captured events, decision records). Writes that arrive while a
 * batch is committing wait and go together in the next transaction: one commit, one pass over the
 * shared index pages, instead of one each. Every caller still resolves only after its own write is
 * committed, so "durable before the 2xx" holds. A failed batch is replayed one write per transaction,
 * so one bad row fails only its own caller.
 *
 * Measured with raw better-sqlite3 on the event table: 220 µs per insert alone, 70 µs in batches of 20.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxBatch = 200,
  ) {}

  run(write: Write): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves once every write queued so far is settled. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let the current event-loop turn queue its writes first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const pending of batch) await pending.write(trx);
        });
        for (const pending of batch) pending.resolve();
      } catch {
        for (const pending of batch) {
          await this.db
            .transaction()
            .execute((trx) => pending.write(trx))
            .then(pending.resolve, pending.reject);
        }
      }
    }
    this.flushing = null;
  }
}
