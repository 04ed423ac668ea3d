// Run ownership in SQLite: claims, renewals and releases of run leases, and the fence check every
// fenced write makes. The store's clock is this host's (SQLite runs in the process); every decision is
// taken inside an IMMEDIATE transaction, so two handles (or processes) never both win the same run.

import type { Database } from 'better-sqlite3';
import { RunOwnershipLostError, type RunClaim, type RunLease } from '../store.js';
import type { Statements } from './statements.js';

/** The statuses of a run that ended (core's vocabulary): such a run is never claimed again. */
const ENDED = new Set(['completed', 'failed', 'cancelled']);

export class SqliteOwnership {
  readonly #q: Statements;
  readonly #claim: (
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    from?: string,
  ) => RunClaim | undefined;
  readonly #claimExpired: (owner: string, leaseMs: number, limit: number, ns?: string) => RunClaim[];
  readonly #fenced: (ns: string, runId: string, fence: RunLease, write: () => unknown) => unknown;

  constructor(db: Database, q: Statements) {
    this.#q = q;
    this.#claim = immediate(db, (ns: string, runId: string, owner: string, leaseMs: number, from?: string) =>
      this.#claimOne(ns, runId, owner, leaseMs, from),
    );
    this.#claimExpired = immediate(db, (owner: string, leaseMs: number, limit: number, ns?: string) => {
      const now = Date.now();
      return q.expiredRuns.all(now, owner, ns ?? null, ns ?? null, limit).map((row) => {
        const epoch = row.epoch + 1;
        q.setOwner.run(owner, epoch, now + leaseMs, row.namespace, row.run_id);
        return claim(row.namespace, row.run_id, owner, epoch, row.owner, row.epoch);
      });
    });
    this.#fenced = immediate(db, (ns: string, runId: string, fence: RunLease, write: () => unknown) => {
      this.check(ns, runId, fence);
      return write();
    });
  }

  /** Throws RunOwnershipLostError unless the run's row holds exactly `fence` (call inside a transaction). */
  check(ns: string, runId: string, fence: RunLease): void {
    const row = this.#q.ownership.get(ns, runId);
    if (row?.owner === fence.owner && row.epoch === fence.epoch) return;
    throw new RunOwnershipLostError(
      ns,
      runId,
      fence,
      row && { ...(row.owner === null ? {} : { owner: row.owner }), epoch: row.epoch },
    );
  }

  /** `write` in one transaction with the fence check: nothing is written when the fence fails. */
  fenced<T>(ns: string, runId: string, fence: RunLease, write: () => T): T {
    return this.#fenced(ns, runId, fence, write) as T;
  }

  claimRun(
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    takeOverFrom?: string,
  ): RunClaim | undefined {
    return this.#claim(ns, runId, owner, leaseMs, takeOverFrom);
  }

  #claimOne(ns: string, runId: string, owner: string, leaseMs: number, from?: string): RunClaim | undefined {
    const row = this.#q.ownership.get(ns, runId);
    if (row === undefined || ENDED.has(row.status)) return undefined;
    const now = Date.now();
    const mine = row.owner === owner;
    const free = row.owner === null || row.lease_until <= now || (from !== undefined && row.owner === from);
    if (!mine && !free) return undefined;
    const epoch = mine ? row.epoch : row.epoch + 1;
    this.#q.setOwner.run(owner, epoch, now + leaseMs, ns, runId);
    return claim(ns, runId, owner, epoch, row.owner, row.epoch);
  }

  renewLeases(owner: string, leaseMs: number): RunClaim[] {
    return this.#q.renewLeases
      .all(Date.now() + leaseMs, owner)
      .map((r) => claim(r.namespace, r.run_id, owner, r.epoch, owner, r.epoch));
  }

  claimExpiredRuns(owner: string, leaseMs: number, limit: number, ns?: string): RunClaim[] {
    return this.#claimExpired(owner, leaseMs, limit, ns);
  }

  /** True when `lease` held the run and gave it up. */
  releaseRun(ns: string, runId: string, lease: RunLease): boolean {
    return this.#q.releaseRun.run(ns, runId, lease.owner, lease.epoch).changes === 1;
  }
}

function claim(
  ns: string,
  runId: string,
  owner: string,
  epoch: number,
  previousOwner: string | null,
  previousEpoch: number,
): RunClaim {
  return previousOwner === null
    ? { ns, runId, owner, epoch, previousEpoch: 0 }
    : { ns, runId, owner, epoch, previousOwner, previousEpoch };
}

/** `fn` as an IMMEDIATE transaction: the write lock is taken before the first read. */
function immediate<A extends unknown[], R>(db: Database, fn: (...args: A) => R): (...args: A) => R {
  const tx = db.transaction(fn);
  return (...args: A) => tx.immediate(...args);
}
