// Fenced run ownership in the SQLite store: claims, renewals, takeovers of lapsed leases and the fence
// check every owner's write makes inside its transaction. Leases expire by this host's clock, the one
// clock all processes sharing a data directory have. Claims run in IMMEDIATE transactions, so two
// handles claiming at once are serialised by SQLite's write lock and never take the same run.

import type { Database, Statement, Transaction } from 'better-sqlite3';
import { RunOwnershipLostError, type RunClaim, type RunLease } from '../store.js';

/** The statuses of a run that ended: it is never claimed again. */
const ENDED = "('completed', 'failed', 'cancelled')";

interface Holder {
  namespace: string;
  run_id: string;
  owner: string | null;
  epoch: number;
  lease_until: number;
}

export class SqliteOwnership {
  readonly #holder: Statement<[string, string], Holder>;
  readonly #take: Statement<[string, number, number, string, string]>;
  readonly #renew: Statement<[number, string], Holder>;
  readonly #lapsed: Statement<[number, number], Holder>;
  readonly #release: Statement<[string, string, string, number]>;
  readonly #fence: Statement<[string, string], Pick<Holder, 'owner' | 'epoch'>>;
  readonly #claim: Transaction<
    (ns: string, runId: string, owner: string, leaseMs: number, dead?: string) => RunClaim | undefined
  >;
  readonly #claimExpired: Transaction<(owner: string, leaseMs: number, limit: number) => RunClaim[]>;

  constructor(db: Database) {
    this.#holder = db.prepare(
      `SELECT namespace, run_id, owner, epoch, lease_until FROM runs WHERE namespace = ? AND run_id = ? AND status NOT IN ${ENDED}`,
    );
    this.#take = db.prepare(
      'UPDATE runs SET owner = ?, lease_until = ?, epoch = ? WHERE namespace = ? AND run_id = ?',
    );
    this.#renew = db.prepare(
      `UPDATE runs SET lease_until = ? WHERE owner = ? AND status NOT IN ${ENDED}
       RETURNING namespace, run_id, owner, epoch, lease_until`,
    );
    // A run without an owner has lease_until 0 (creation and release set it), so one range covers both.
    this.#lapsed = db.prepare(
      `SELECT namespace, run_id, owner, epoch, lease_until FROM runs
       WHERE status NOT IN ${ENDED} AND lease_until <= ? ORDER BY lease_until LIMIT ?`,
    );
    this.#release = db.prepare(
      'UPDATE runs SET owner = NULL, lease_until = 0 WHERE namespace = ? AND run_id = ? AND owner = ? AND epoch = ?',
    );
    this.#fence = db.prepare('SELECT owner, epoch FROM runs WHERE namespace = ? AND run_id = ?');
    this.#claim = db.transaction(
      (ns: string, runId: string, owner: string, leaseMs: number, dead?: string) => {
        const now = Date.now();
        const row = this.#holder.get(ns, runId);
        if (row === undefined) return undefined;
        const mine = row.owner === owner;
        const free = row.owner === null || mine || row.owner === dead;
        if (!free && row.lease_until > now) return undefined;
        const epoch = mine ? row.epoch : row.epoch + 1;
        this.#take.run(owner, now + leaseMs, epoch, ns, runId);
        return claimOf(row, owner, epoch);
      },
    );
    this.#claimExpired = db.transaction((owner: string, leaseMs: number, limit: number) => {
      const now = Date.now();
      return this.#lapsed.all(now, limit).map((row) => {
        this.#take.run(owner, now + leaseMs, row.epoch + 1, row.namespace, row.run_id);
        return claimOf(row, owner, row.epoch + 1);
      });
    });
  }

  clock(): number {
    return Date.now();
  }

  claim(
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    takeOverFrom?: string,
  ): RunClaim | undefined {
    return this.#claim.immediate(ns, runId, owner, leaseMs, takeOverFrom);
  }

  renew(owner: string, leaseMs: number): RunClaim[] {
    return this.#renew.all(Date.now() + leaseMs, owner).map((row) => claimOf(row, owner, row.epoch));
  }

  claimExpired(owner: string, leaseMs: number, limit: number): RunClaim[] {
    return this.#claimExpired.immediate(owner, leaseMs, limit);
  }

  release(ns: string, runId: string, lease: RunLease): void {
    this.#release.run(ns, runId, lease.owner, lease.epoch);
  }

  /** Throws RunOwnershipLostError unless the run row's (owner, epoch) is `fence`. Call inside the write's transaction. */
  checkFence(ns: string, runId: string, fence: RunLease): void {
    const row = this.#fence.get(ns, runId);
    if (row?.owner === fence.owner && row.epoch === fence.epoch) return;
    throw new RunOwnershipLostError(
      ns,
      runId,
      fence,
      row && { ...(row.owner === null ? {} : { owner: row.owner }), epoch: row.epoch },
    );
  }
}

function claimOf(row: Holder, owner: string, epoch: number): RunClaim {
  return {
    ns: row.namespace,
    runId: row.run_id,
    owner,
    epoch,
    ...(row.owner === null ? {} : { previousOwner: row.owner }),
    previousEpoch: row.owner === null ? 0 : row.epoch,
  };
}
