// The SQLite side of the worker roster and work claims (store/work-records.ts): prepared statements and
// the transactions the Store methods run. SqliteStore delegates to it inside its own error handling.

import type { Database } from 'better-sqlite3';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from '../work-records.js';
import { toJson } from '../store-args.js';

interface RosterRow {
  worker_id: string;
  instance: string;
  routes: string;
  capabilities: string;
  capacity: number;
  in_flight: number;
  heartbeat_at: number;
}

interface ClaimRow {
  idem: string;
  run_id: string;
  route: string;
  entry_id: string;
  instance: string;
  worker_id: string;
  done: number;
  updated_at: number;
}

const toClaim = (r: ClaimRow): WorkClaim => ({
  idem: r.idem,
  runId: r.run_id,
  route: r.route,
  entryId: r.entry_id,
  instance: r.instance,
  workerId: r.worker_id,
  done: r.done === 1,
  updatedAt: r.updated_at,
});

export class WorkTables {
  private readonly q;
  readonly putWorkers: (
    ns: string,
    instance: string,
    workers: readonly WorkerEntry[],
    now: number,
    staleBefore: number,
  ) => void;
  readonly claimWork: (ns: string, req: ClaimRequest) => ClaimOutcome;

  constructor(db: Database) {
    this.q = {
      deleteInstance: db.prepare<[string, string]>(
        'DELETE FROM worker_roster WHERE namespace = ? AND instance = ?',
      ),
      deleteStale: db.prepare<[string, number]>(
        'DELETE FROM worker_roster WHERE namespace = ? AND heartbeat_at < ?',
      ),
      insertWorker: db.prepare<[string, string, string, string, string, number, number, number]>(
        `INSERT INTO worker_roster (namespace, instance, worker_id, routes, capabilities, capacity, in_flight,
                                    heartbeat_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listWorkers: db.prepare<[string, number], RosterRow>(
        `SELECT worker_id, instance, routes, capabilities, capacity, in_flight, heartbeat_at FROM worker_roster
         WHERE namespace = ? AND heartbeat_at > ? ORDER BY worker_id, instance`,
      ),
      getClaim: db.prepare<[string, string], ClaimRow>(
        'SELECT * FROM work_claims WHERE namespace = ? AND idem = ?',
      ),
      insertClaim: db.prepare<[string, string, string, string, string, string, string, number]>(
        `INSERT INTO work_claims (namespace, idem, run_id, route, entry_id, instance, worker_id, done, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
      ),
      // An empty worker id keeps the one recorded: the worker that had it may be given it again.
      takeClaim: db.prepare<[string, string, string, string, string, number, string, string]>(
        `UPDATE work_claims SET instance = ?, entry_id = ?, run_id = ?,
           worker_id = CASE WHEN ? = '' THEN worker_id ELSE ? END, updated_at = ?
         WHERE namespace = ? AND idem = ?`,
      ),
      assign: db.prepare<[string, number, string, string, string]>(
        `UPDATE work_claims SET worker_id = ?, updated_at = ?
         WHERE namespace = ? AND idem = ? AND instance = ? AND done = 0`,
      ),
      renew: db.prepare<[number, string, string]>(
        'UPDATE work_claims SET updated_at = ? WHERE namespace = ? AND instance = ? AND done = 0',
      ),
      // Free for anyone; the worker hint stays (that worker may be given it again).
      release: db.prepare<[string, string, string]>(
        `UPDATE work_claims SET instance = '' WHERE namespace = ? AND idem = ? AND instance = ? AND done = 0`,
      ),
      finish: db.prepare<[number, string, string]>(
        'UPDATE work_claims SET done = 1, updated_at = ? WHERE namespace = ? AND idem = ? AND done = 0',
      ),
      // A result recorded before anyone claimed the attempt (or after its claim was released).
      insertDone: db.prepare<[string, string, number]>(
        `INSERT INTO work_claims (namespace, idem, run_id, route, entry_id, instance, worker_id, done, updated_at)
         VALUES (?, ?, '', '', '', '', '', 1, ?) ON CONFLICT DO NOTHING`,
      ),
      prune: db.prepare<[string, number]>('DELETE FROM work_claims WHERE namespace = ? AND updated_at < ?'),
    };
    const q = this.q;
    this.putWorkers = db.transaction(
      (ns: string, instance: string, workers: readonly WorkerEntry[], now: number, staleBefore: number) => {
        q.deleteInstance.run(ns, instance);
        q.deleteStale.run(ns, staleBefore);
        for (const w of workers) {
          q.insertWorker.run(
            ns,
            instance,
            w.workerId,
            toJson(w.routes, `routes of worker "${w.workerId}"`),
            toJson(w.capabilities, `capabilities of worker "${w.workerId}"`),
            w.capacity,
            w.inFlight,
            now,
          );
        }
      },
    );
    // IMMEDIATE (see SqliteStore): the read and the write below are one decision, race-free across processes.
    const claim = db.transaction((ns: string, r: ClaimRequest): ClaimOutcome => {
      const row = q.getClaim.get(ns, r.idem);
      if (!row) {
        q.insertClaim.run(ns, r.idem, r.runId, r.route, r.entryId, r.instance, r.workerId, r.now);
        return { kind: 'claimed' };
      }
      const found = toClaim(row);
      if (found.done) return { kind: 'done', claim: found };
      const mine = found.instance === r.instance;
      const free =
        found.instance === '' || found.updatedAt < r.staleBefore || found.instance === r.takeOverFrom;
      if (!mine && !free) return { kind: 'held', claim: found };
      q.takeClaim.run(r.instance, r.entryId, r.runId, r.workerId, r.workerId, r.now, ns, r.idem);
      return mine ? { kind: 'claimed' } : { kind: 'claimed', previous: found };
    });
    this.claimWork = (ns, req) => claim.immediate(ns, req);
  }

  listWorkers(ns: string, freshAfter: number): WorkerRecord[] {
    return this.q.listWorkers.all(ns, freshAfter).map((r) => ({
      workerId: r.worker_id,
      instance: r.instance,
      routes: JSON.parse(r.routes) as string[],
      capabilities: JSON.parse(r.capabilities) as string[],
      capacity: r.capacity,
      inFlight: r.in_flight,
      heartbeatAt: r.heartbeat_at,
    }));
  }

  assignWork(ns: string, idem: string, instance: string, workerId: string, now: number): void {
    this.q.assign.run(workerId, now, ns, idem, instance);
  }

  renewWork(ns: string, instance: string, now: number): void {
    this.q.renew.run(now, ns, instance);
  }

  releaseWork(ns: string, idem: string, instance: string): void {
    this.q.release.run(ns, idem, instance);
  }

  finishWork(ns: string, idem: string, now: number): boolean {
    if (this.q.finish.run(now, ns, idem).changes === 1) return true;
    return this.q.insertDone.run(ns, idem, now).changes === 1;
  }

  getWork(ns: string, idem: string): WorkClaim | undefined {
    const row = this.q.getClaim.get(ns, idem);
    return row && toClaim(row);
  }

  pruneWork(ns: string, before: number): number {
    return this.q.prune.run(ns, before).changes;
  }
}
