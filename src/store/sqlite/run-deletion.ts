// Deleting runs from the SQLite store (DeleteRun, retention): a run's journal, snapshot, inbox and row go
// in one transaction, and only while the run's status is one the caller names, checked inside it.

import type { Database, Transaction } from 'better-sqlite3';
import { StoreInvalidArgumentError, type DeleteRunOutcome, type PurgeRunsOptions } from '../store.js';
import { batchLimit } from '../store-args.js';

type Ns = string;

export class SqliteRunDeletion {
  readonly #deleteOne: Transaction<
    (ns: string, runId: string, statuses: readonly string[]) => DeleteRunOutcome
  >;
  readonly #purge: Transaction<(ns: string, o: PurgeRunsOptions) => string[]>;

  constructor(db: Database) {
    const status = db
      .prepare<[Ns, string], string>('SELECT status FROM runs WHERE namespace = ? AND run_id = ?')
      .pluck();
    // The run ids of one call travel as a JSON array: one statement per table, whatever the batch size.
    const tables = ['journal', 'snapshots', 'inbox', 'runs'].map((t) =>
      db.prepare<[Ns, string]>(
        `DELETE FROM ${t} WHERE namespace = ? AND run_id IN (SELECT value FROM json_each(?))`,
      ),
    );
    const candidates = db
      .prepare<[Ns, string, number, number], string>(
        `SELECT run_id FROM runs
         WHERE namespace = ? AND status IN (SELECT value FROM json_each(?)) AND updated_at < ?
         ORDER BY updated_at, run_id LIMIT ?`,
      )
      .pluck();
    const remove = (ns: string, ids: readonly string[]) => {
      const list = JSON.stringify(ids);
      for (const t of tables) t.run(ns, list);
    };
    this.#deleteOne = db.transaction((ns: string, runId: string, statuses: readonly string[]) => {
      const found = status.get(ns, runId);
      if (found === undefined) return { deleted: false };
      if (!statuses.includes(found)) return { deleted: false, status: found };
      remove(ns, [runId]);
      return { deleted: true };
    });
    this.#purge = db.transaction((ns: string, o: PurgeRunsOptions) => {
      const ids = candidates.all(ns, JSON.stringify(o.statuses), o.updatedBefore, o.limit);
      if (ids.length > 0) remove(ns, ids);
      return ids;
    });
  }

  /** Runs inside a write transaction taken at once (IMMEDIATE): the status read cannot go stale. */
  deleteRun(ns: string, runId: string, statuses: readonly string[]): DeleteRunOutcome {
    return this.#deleteOne.immediate(ns, runId, statuses);
  }

  purgeRuns(ns: string, o: PurgeRunsOptions): string[] {
    batchLimit('purgeRuns', o.limit);
    if (!Number.isFinite(o.updatedBefore))
      throw new StoreInvalidArgumentError(
        `purgeRuns: updatedBefore must be a time in ms, got ${o.updatedBefore}`,
      );
    return this.#purge.immediate(ns, o);
  }
}
