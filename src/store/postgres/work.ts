// The worker roster and work claims (store/work-records.ts) on PostgreSQL: plain functions over one
// Query each. A claim is the attempt's cross-instance lease: taking it reads the row FOR UPDATE and
// writes it in one statement, so of two instances claiming at once one wins.

import type { InboxMessage } from '../store.js';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from '../work-records.js';
import { toJson } from '../store-args.js';
import type { Query } from './db.js';
import { CHANNEL_SQL, LOCK_INBOX, type Named } from './statements.js';

const named = (name: string, text: string): Named => ({ name: `baton_${name}`, text });

/**
 * A result whose payload and run id take fewer bytes than this goes to the run's owner in the
 * notification itself (the payload limit is 8,000 bytes); a larger one is read from the inbox.
 */
const RESULT_NOTIFY_BYTES = 7000;

const Q = {
  /** This instance's rows replaced by `workers` (upserted), and every stale row deleted: one statement. */
  putWorkers: named(
    'workers_put',
    `WITH gone AS (
       DELETE FROM worker_roster r
       WHERE r.namespace = $1
         AND ((r.instance = $2 AND r.worker_id <> ALL($3::text[])) OR (r.instance <> $2 AND r.heartbeat_at < $9))
     )
     INSERT INTO worker_roster (namespace, instance, worker_id, routes, capabilities, capacity, in_flight, heartbeat_at)
     SELECT $1, $2, w.worker_id, w.routes, w.caps, w.capacity, w.in_flight, $8
     FROM unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::int[])
          AS w(worker_id, routes, caps, capacity, in_flight)
     ON CONFLICT (namespace, instance, worker_id) DO UPDATE SET
       routes = EXCLUDED.routes, capabilities = EXCLUDED.capabilities, capacity = EXCLUDED.capacity,
       in_flight = EXCLUDED.in_flight, heartbeat_at = EXCLUDED.heartbeat_at`,
  ),
  listWorkers: named(
    'workers_list',
    `SELECT worker_id, instance, routes, capabilities, capacity, in_flight, heartbeat_at FROM worker_roster
     WHERE namespace = $1 AND heartbeat_at > $2 ORDER BY worker_id, instance`,
  ),
  /**
   * The claim as it was (locked), and whether this instance took it: its own, free (inserted here),
   * stale, or its holder named dead. An empty worker id keeps the one recorded (a hint for re-delivery).
   * One statement, one round trip. Committed without waiting for the WAL flush (synchronous_commit off
   * for this transaction): other instances see the claim at once all the same, and only a crash of
   * PostgreSQL itself could lose it, which at worst lets an attempt in flight run again under its
   * idempotency key (results stay exactly once: the run's journal dedupes them). The result's own post
   * (postResult) is durable, and flushes this claim with it.
   */
  takeClaim: named(
    'work_take',
    `WITH old AS (
       SELECT * FROM work_claims WHERE namespace = $1 AND idem = $2 FOR UPDATE
     ),
     took AS (
       UPDATE work_claims w SET instance = $3, entry_id = $4, run_id = $5,
         worker_id = CASE WHEN $6 = '' THEN w.worker_id ELSE $6 END, updated_at = $7
       FROM old
       WHERE w.namespace = old.namespace AND w.idem = old.idem AND NOT old.done
         AND (old.instance = $3 OR old.instance = '' OR old.updated_at < $8 OR old.instance = $9)
       RETURNING 1
     ),
     ins AS (
       INSERT INTO work_claims (namespace, idem, run_id, route, entry_id, instance, worker_id, done, updated_at)
       SELECT $1, $2, $5, $10, $4, $3, $6, false, $7 WHERE NOT EXISTS (SELECT 1 FROM old)
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT old.*, (SELECT count(*) FROM took)::int AS took, (SELECT count(*) FROM ins)::int AS inserted,
       set_config('synchronous_commit', 'off', true) AS async
     FROM (SELECT 1) AS one LEFT JOIN old ON true`,
  ),
  /** A hint (which worker has it) and a renewal: committed without waiting for the flush, as a claim. */
  assign: named(
    'work_assign',
    `WITH a AS (
       UPDATE work_claims SET worker_id = $1, updated_at = $2
       WHERE namespace = $3 AND idem = $4 AND instance = $5 AND NOT done RETURNING 1
     )
     SELECT set_config('synchronous_commit', 'off', true) AS async, (SELECT count(*) FROM a)::int AS n`,
  ),
  renew: named(
    'work_renew',
    `WITH r AS (
       UPDATE work_claims SET updated_at = $1 WHERE namespace = $2 AND instance = $3 AND NOT done RETURNING 1
     )
     SELECT set_config('synchronous_commit', 'off', true) AS async, (SELECT count(*) FROM r)::int AS n`,
  ),
  release: named(
    'work_release',
    `UPDATE work_claims SET instance = '' WHERE namespace = $1 AND idem = $2 AND instance = $3 AND NOT done`,
  ),
  /** Done: the claim marked, or a done row created for a result recorded before any claim. */
  finish: named(
    'work_finish',
    `WITH marked AS (
       UPDATE work_claims SET done = true, updated_at = $3 WHERE namespace = $1 AND idem = $2 AND NOT done
       RETURNING 1
     ),
     inserted AS (
       INSERT INTO work_claims (namespace, idem, run_id, route, entry_id, instance, worker_id, done, updated_at)
       SELECT $1, $2, '', '', '', '', '', true, $3 WHERE NOT EXISTS (SELECT 1 FROM marked)
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT (SELECT count(*) FROM marked)::int + (SELECT count(*) FROM inserted)::int AS n`,
  ),
  /**
   * A result posted to its run's inbox (as POST_INBOX: ids under the namespace's advisory lock, a
   * notification, which carries the message when it is small: ["inbox", ns, run id, {id, kind,
   * payload, at}], so the owner journals it without a read) and its claim marked done (as finish), in
   * one durable transaction.
   */
  postResult: named(
    'work_post_result',
    `WITH serial AS MATERIALIZED (SELECT pg_advisory_xact_lock(${LOCK_INBOX}, hashtext(current_schema() || '.' || $1))),
     posted AS (
       INSERT INTO inbox (namespace, run_id, kind, payload, at) SELECT $1, $2, $3, $4, $5 FROM serial
       RETURNING id, pg_notify(${CHANNEL_SQL}, (CASE WHEN octet_length($4) + octet_length($2) < ${RESULT_NOTIFY_BYTES}
         THEN json_build_array('inbox', $1::text, $2::text, json_build_object('id', id, 'kind', $3::text, 'payload', $4::json, 'at', $5::bigint))
         ELSE json_build_array('inbox', $1::text, $2::text) END)::text) AS notified
     ),
     marked AS (
       UPDATE work_claims SET done = true, updated_at = $7 WHERE namespace = $1 AND idem = $6 AND NOT done
       RETURNING 1
     ),
     inserted AS (
       INSERT INTO work_claims (namespace, idem, run_id, route, entry_id, instance, worker_id, done, updated_at)
       SELECT $1, $6, '', '', '', '', '', true, $7 WHERE NOT EXISTS (SELECT 1 FROM marked)
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT id, (SELECT count(*) FROM marked)::int + (SELECT count(*) FROM inserted)::int AS n FROM posted`,
  ),
  get: named('work_get', 'SELECT * FROM work_claims WHERE namespace = $1 AND idem = $2'),
  prune: named('work_prune', 'DELETE FROM work_claims WHERE namespace = $1 AND updated_at < $2'),
};

interface ClaimRow {
  idem: string;
  run_id: string;
  route: string;
  entry_id: string;
  instance: string;
  worker_id: string;
  done: boolean;
  updated_at: number;
}

const toClaim = (r: ClaimRow): WorkClaim => ({
  idem: r.idem,
  runId: r.run_id,
  route: r.route,
  entryId: r.entry_id,
  instance: r.instance,
  workerId: r.worker_id,
  done: r.done,
  updatedAt: r.updated_at,
});

export async function putWorkers(
  q: Query,
  ns: string,
  instance: string,
  workers: readonly WorkerEntry[],
  now: number,
  staleBefore: number,
): Promise<void> {
  await q(Q.putWorkers, [
    ns,
    instance,
    workers.map((w) => w.workerId),
    workers.map((w) => toJson(w.routes, `routes of worker "${w.workerId}"`)),
    workers.map((w) => toJson(w.capabilities, `capabilities of worker "${w.workerId}"`)),
    workers.map((w) => w.capacity),
    workers.map((w) => w.inFlight),
    now,
    staleBefore,
  ]);
}

export async function listWorkers(q: Query, ns: string, freshAfter: number): Promise<WorkerRecord[]> {
  const { rows } = await q<{
    worker_id: string;
    instance: string;
    routes: string;
    capabilities: string;
    capacity: number;
    in_flight: number;
    heartbeat_at: number;
  }>(Q.listWorkers, [ns, freshAfter]);
  return rows.map((r) => ({
    workerId: r.worker_id,
    instance: r.instance,
    routes: JSON.parse(r.routes) as string[],
    capabilities: JSON.parse(r.capabilities) as string[],
    capacity: r.capacity,
    inFlight: r.in_flight,
    heartbeatAt: r.heartbeat_at,
  }));
}

export async function claimWork(q: Query, ns: string, r: ClaimRequest): Promise<ClaimOutcome> {
  // A row another claimer inserts between our look (no row) and our insert (conflict) is read again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const take = [ns, r.idem, r.instance, r.entryId, r.runId, r.workerId, r.now, r.staleBefore];
    const row = (
      await q<Partial<ClaimRow> & { took: number; inserted: number }>(Q.takeClaim, [
        ...take,
        r.takeOverFrom ?? null,
        r.route,
      ])
    ).rows[0]!;
    if (row.inserted === 1) return { kind: 'claimed' };
    if (row.idem === undefined || row.idem === null) continue;
    const found = toClaim(row as ClaimRow);
    if (found.done) return { kind: 'done', claim: found };
    if (row.took === 0) return { kind: 'held', claim: found };
    return found.instance === r.instance ? { kind: 'claimed' } : { kind: 'claimed', previous: found };
  }
  throw new Error(`claimWork "${r.idem}": the claim row kept changing under three attempts`);
}

export async function assignWork(
  q: Query,
  ns: string,
  idem: string,
  instance: string,
  workerId: string,
  now: number,
): Promise<void> {
  await q(Q.assign, [workerId, now, ns, idem, instance]);
}

export async function renewWork(q: Query, ns: string, instance: string, now: number): Promise<void> {
  await q(Q.renew, [now, ns, instance]);
}

export async function releaseWork(q: Query, ns: string, idem: string, instance: string): Promise<void> {
  await q(Q.release, [ns, idem, instance]);
}

export async function finishWork(q: Query, ns: string, idem: string, now: number): Promise<boolean> {
  return ((await q<{ n: number }>(Q.finish, [ns, idem, now])).rows[0]?.n ?? 0) > 0;
}

export async function postResult(
  q: Query,
  ns: string,
  runId: string,
  m: Omit<InboxMessage, 'id' | 'runId'>,
  idem: string,
  now: number,
): Promise<number> {
  const payload = toJson(m.payload, () => `payload of a ${m.kind} for run "${runId}"`);
  const { rows } = await q<{ id: number }>(Q.postResult, [ns, runId, m.kind, payload, m.at, idem, now]);
  return rows[0]!.id;
}

export async function getWork(q: Query, ns: string, idem: string): Promise<WorkClaim | undefined> {
  const row = (await q<ClaimRow>(Q.get, [ns, idem])).rows[0];
  return row && toClaim(row);
}

export async function pruneWork(q: Query, ns: string, before: number): Promise<number> {
  return (await q(Q.prune, [ns, before])).rowCount ?? 0;
}
