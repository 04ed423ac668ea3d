// Every fixed query of the PostgreSQL store as a named prepared statement (pg prepares each once per
// connection, then only binds and executes it), with the advisory lock classes the store uses. listRuns
// names its few filter combinations in runs.ts.

import { ENDED } from './migrations.js';

/** A statement pg prepares once per connection under `name`. */
export interface Named {
  readonly name: string;
  readonly text: string;
}

/** Advisory lock classes (the first key of pg_advisory_*lock(int, int)); the second is a hashed name. */
export const LOCK_MIGRATE = 0x62617401;
export const LOCK_INBOX = 0x62617402;

/** The server's clock in ms since the Unix epoch: what leases expire by. */
export const NOW_MS = '(extract(epoch FROM now()) * 1000)::bigint';

/** The NOTIFY channel of the store's schema (LISTEN names it in notify.ts). */
export const CHANNEL_SQL = `'baton.' || current_schema()`;
export const channelOf = (schema: string): string => `baton.${schema}`;

const named = (name: string, text: string): Named => ({ name: `baton_${name}`, text });

/**
 * The journal rows of an append: one JSON array of {n: namespace, r: run id, s: seq, t: type, v, a: at}
 * beside one text of the records' data, their JSON texts joined by newlines, zipped row by row (ROWS
 * FROM). A JSON text written by JSON.stringify never holds a raw newline (it escapes control characters),
 * so the split gives back each text as written, which the data column receives: no second escaping in
 * the client, no unquoting in the server (and PostgreSQL's json functions refuse a \u0000 escape inside
 * a document they take apart, which the data never is here).
 */
export const RECORDS_FROM = (json: string, texts: string): string =>
  `ROWS FROM (json_to_recordset(${json}::json) AS (n text, r text, s bigint, t text, v int, a bigint),
              unnest(string_to_array(${texts}::text, E'\\n'))) AS r(n, r, s, t, v, a, d)`;
const RECORDS = (json: string, texts: string) => `SELECT r.n, r.r, r.s, r.t, r.v, r.a, r.d
    FROM ${RECORDS_FROM(json, texts)}`;

/**
 * Wakes other instances' watchers of the journals in `$1`: payloads ["journal", ns, [run ids]] built by
 * announce.ts after the appends committed, sent together in one statement. Its own transaction commits
 * without waiting for the WAL flush: it writes nothing but the notifications, and a notification lost in
 * a crash only leaves a watcher to its polling backstop.
 */
export const ANNOUNCE_JOURNAL = named(
  'announce_journal',
  `SELECT set_config('synchronous_commit', 'off', true) AS sync,
     (SELECT count(pg_notify(${CHANNEL_SQL}, p)) FROM unnest($1::text[]) AS p) AS sent`,
);

/**
 * A group commit in ONE statement (one round trip, its own transaction): each run's expected next seq,
 * the fences of owners (the run row locked FOR SHARE where it still holds the fence, so no takeover can
 * commit before this does), creates, inserts and run-row updates. Every write is conditional on the
 * verdict of all checks, so a batch with one stale or deposed run writes nothing. On success it answers
 * one row (i = 0, ok); otherwise one row per run with what journal.ts needs to say which check failed.
 * Every row names its run itself (no join between the arrays), so a group commit of thousands of runs
 * stays linear: each step is one index lookup per row.
 * Parameters: heads $1-$6, fences $7-$10, creates $11-$24, patches $25-$31 (arrays), records $32-$33
 * (RECORDS).
 */
export const APPEND = named(
  'append',
  `WITH
  heads AS MATERIALIZED (
    SELECT h.i::int AS i, h.ns, h.run_id, h.expected, h.n, h.creating, h.patching
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::bool[], $6::bool[])
         WITH ORDINALITY AS h(ns, run_id, expected, n, creating, patching, i)
  ),
  fenced AS MATERIALIZED (
    SELECT r.namespace
    FROM unnest($7::text[], $8::text[], $9::text[], $10::bigint[]) AS f(ns, run_id, owner, epoch)
    JOIN runs r ON r.namespace = f.ns AND r.run_id = f.run_id AND r.owner = f.owner AND r.epoch = f.epoch
    FOR SHARE OF r
  ),
  checks AS MATERIALIZED (
    SELECT h.i, h.ns, h.run_id, h.n, h.expected, h.creating, h.patching,
      (SELECT coalesce(max(j.seq), 0) + 1 FROM journal j WHERE j.namespace = h.ns AND j.run_id = h.run_id) AS next,
      -- Looked up only where a create or an update needs it; a scalar subquery, not EXISTS, which may be
      -- planned as a hash of the whole runs table.
      CASE WHEN h.creating OR h.patching
        THEN coalesce((SELECT true FROM runs r WHERE r.namespace = h.ns AND r.run_id = h.run_id), false)
      END AS has_run
    FROM heads h
  ),
  verdict AS MATERIALIZED (
    SELECT
      NOT EXISTS (
        SELECT 1 FROM checks c
        WHERE c.next <> c.expected OR (c.creating AND c.has_run) OR (c.patching AND NOT c.has_run)
      )
      AND (SELECT count(*) FROM fenced) = cardinality($7::text[])
      AS ok
  ),
  created AS (
    INSERT INTO runs (namespace, run_id, workflow_name, workflow_version, status, created_at, updated_at,
                      last_seq, input, summary, owner, epoch, lease_until, request_id)
    SELECT c.ns, c.run_id, c.wf, c.ver, c.status, c.created, c.updated, c.last_seq, c.input, c.summary, c.owner,
           c.epoch, CASE WHEN c.owner IS NULL THEN 0 ELSE ${NOW_MS} + c.lease_ms END, c.request_id
    FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::bigint[],
                $18::bigint[], $19::text[], $20::text[], $21::text[], $22::bigint[], $23::bigint[], $24::text[])
         AS c(ns, run_id, wf, ver, status, created, updated, last_seq, input, summary, owner, epoch, lease_ms,
              request_id)
    WHERE (SELECT ok FROM verdict)
  ),
  patched AS (
    UPDATE runs AS r SET
      status = p.status, updated_at = p.updated, last_seq = p.last_seq, summary = coalesce(p.summary, r.summary),
      owner = CASE WHEN p.release THEN NULL ELSE r.owner END,
      lease_until = CASE WHEN p.release THEN 0 ELSE r.lease_until END
    FROM unnest($25::text[], $26::text[], $27::text[], $28::bigint[], $29::bigint[], $30::text[], $31::bool[])
         AS p(ns, run_id, status, updated, last_seq, summary, release)
    WHERE r.namespace = p.ns AND r.run_id = p.run_id AND (SELECT ok FROM verdict)
  ),
  appended AS (
    INSERT INTO journal (namespace, run_id, seq, type, v, at, data)
    ${RECORDS('$32', '$33')}
    WHERE (SELECT ok FROM verdict)
  )
SELECT c.i, c.next, c.has_run, false AS ok
FROM checks c WHERE NOT (SELECT ok FROM verdict)
UNION ALL
SELECT 0, 0, NULL, true
WHERE (SELECT ok FROM verdict)
ORDER BY 1`,
);

/**
 * The common case of APPEND (one run, no create and no run-row update: most turns of a run) as a bare
 * INSERT, the least work the server can do for a fenced append: the run row locked FOR SHARE where it
 * holds the fence, the journal's next seq, and the rows of `source` (`n` and `r` are this run's), all
 * written or none. $1 namespace, $2 run id, $3 expected next seq, $4/$5 the fence (NULL owner: none). The
 * command's row count says which: the records' count, or 0 when a check failed (journal.ts then reads
 * why; a turn with no records takes APPEND).
 */
const appendOne = (name: string, source: string): Named =>
  named(
    name,
    `WITH fenced AS MATERIALIZED (
    SELECT 1 FROM runs WHERE namespace = $1 AND run_id = $2 AND owner = $4 AND epoch = $5 FOR SHARE
  )
  INSERT INTO journal (namespace, run_id, seq, type, v, at, data)
  SELECT $1, $2, r.s, r.t, r.v, r.a, r.d
  FROM ${source}
  WHERE ($4::text IS NULL OR EXISTS (SELECT 1 FROM fenced))
    AND (SELECT coalesce(max(seq), 0) + 1 FROM journal WHERE namespace = $1 AND run_id = $2) = $3`,
  );

/** APPEND_ONE of any number of records: $6 and $7 are RECORDS' (`n` and `r` unused). */
export const APPEND_ONE = appendOne('append_one', RECORDS_FROM('$6', '$7'));

/** Up to this many records, APPEND_ONE_ROWS[k - 1] takes them as plain parameters. */
export const APPEND_ONE_MAX_ROWS = 4;

/**
 * APPEND_ONE of exactly k records (a turn writes one to three), each as four parameters from $6: type, v,
 * at, data (its JSON text); seqs follow $3. No JSON document to build in the client or parse in the server,
 * and a record's text travels as written instead of escaped a second time inside one.
 */
export const APPEND_ONE_ROWS: readonly Named[] = Array.from({ length: APPEND_ONE_MAX_ROWS }, (_, k) => {
  const rows = Array.from({ length: k + 1 }, (_, i) => {
    const p = 6 + 4 * i;
    return `($3::bigint + ${i}, $${p}::text, $${p + 1}::int, $${p + 2}::bigint, $${p + 3}::text)`;
  });
  return appendOne(`append_one_${k + 1}`, `(VALUES ${rows.join(', ')}) AS r(s, t, v, a, d)`);
});

export const READ_JOURNAL = named(
  'read_journal',
  `SELECT seq, type, v, at, data FROM journal
   WHERE namespace = $1 AND run_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
);

export const INSERT_RUN = named(
  'insert_run',
  `INSERT INTO runs (namespace, run_id, workflow_name, workflow_version, status, created_at, updated_at, input,
                     owner, epoch, lease_until, request_id)
   VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, CASE WHEN $8::text IS NULL THEN 0 ELSE 1 END,
           CASE WHEN $8::text IS NULL THEN 0 ELSE ${NOW_MS} + $9 END, $10)
   ON CONFLICT DO NOTHING`,
);

/** A NULL summary keeps the stored one; release clears the owner in the same update. */
export const UPDATE_RUN = named(
  'update_run',
  `UPDATE runs SET status = $3, updated_at = $4, last_seq = $5, summary = coalesce($6, summary),
     owner = CASE WHEN $7 THEN NULL ELSE owner END,
     lease_until = CASE WHEN $7 THEN 0 ELSE lease_until END
   WHERE namespace = $1 AND run_id = $2`,
);

export const GET_RUN = named('get_run', 'SELECT * FROM runs WHERE namespace = $1 AND run_id = $2');

/** Owner and epoch of a run, to say in an error who holds it now. */
export const RUN_HOLDER = named(
  'run_holder',
  'SELECT owner, epoch FROM runs WHERE namespace = $1 AND run_id = $2',
);

/** The next seq of each of several runs' journals (to name the run a failed group commit lost on). */
export const NEXT_SEQS = named(
  'next_seqs',
  `SELECT (SELECT coalesce(max(j.seq), 0) + 1 FROM journal j WHERE j.namespace = k.ns AND j.run_id = k.run_id) AS next
   FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(ns, run_id, i) ORDER BY k.i`,
);

/**
 * Writes `$3..` only while the fence ($F owner, $F+1 epoch; NULL owner: no fence) holds the run row,
 * locked FOR SHARE to commit. Returns one row: whether the fence held.
 */
const fencedWrite = (name: string, fenceAt: number, write: string, async = false): Named =>
  named(
    name,
    `WITH fence AS MATERIALIZED (
       SELECT 1 FROM runs WHERE namespace = $1 AND run_id = $2 AND owner = $${fenceAt} AND epoch = $${fenceAt + 1}
       FOR SHARE
     ),
     held AS MATERIALIZED (SELECT $${fenceAt}::text IS NULL OR EXISTS (SELECT 1 FROM fence) AS ok),
     written AS (${write})
     SELECT ok${async ? ", set_config('synchronous_commit', 'off', true) AS async" : ''} FROM held`,
  );

export const SAVE_SNAPSHOT = fencedWrite(
  'save_snapshot',
  5,
  `INSERT INTO snapshots (namespace, run_id, seq, state) SELECT $1, $2, $3, $4 WHERE (SELECT ok FROM held)
   ON CONFLICT (namespace, run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state
   WHERE excluded.seq >= snapshots.seq`,
);

/**
 * Committed without waiting for the WAL flush: a deletion lost to a crash of PostgreSQL itself brings
 * back messages the run has journaled, which it drops as duplicates (the inbox id is the event id, a
 * result's attempt is no longer in flight); the owner's next durable commit flushes it anyway.
 */
export const DELETE_INBOX = fencedWrite(
  'delete_inbox',
  4,
  'DELETE FROM inbox WHERE namespace = $1 AND run_id = $2 AND id <= $3 AND (SELECT ok FROM held)',
  true,
);

export const LOAD_SNAPSHOT = named(
  'load_snapshot',
  'SELECT seq, state FROM snapshots WHERE namespace = $1 AND run_id = $2',
);

/** The advisory lock (to commit) comes before the id: ids commit in id order within a namespace. */
export const POST_INBOX = named(
  'post_inbox',
  `WITH serial AS MATERIALIZED (SELECT pg_advisory_xact_lock(${LOCK_INBOX}, hashtext(current_schema() || '.' || $1)))
   INSERT INTO inbox (namespace, run_id, kind, payload, at) SELECT $1, $2, $3, $4, $5 FROM serial
   RETURNING id, pg_notify(${CHANNEL_SQL}, json_build_array('inbox', $1::text, $2::text)::text) AS notified`,
);
export const READ_INBOX = named(
  'read_inbox',
  'SELECT id, run_id, kind, payload, at FROM inbox WHERE namespace = $1 AND run_id = $2 AND id > $3 ORDER BY id',
);
export const READ_INBOX_ALL = named(
  'read_inbox_all',
  'SELECT id, run_id, kind, payload, at FROM inbox WHERE namespace = $1 AND id > $2 ORDER BY id',
);

export const MARK_SEEN = named(
  'mark_seen',
  'INSERT INTO seen (namespace, scope, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
);

export const INSERT_WORKFLOW = named(
  'insert_workflow',
  `INSERT INTO workflows (namespace, name, version, source, spec) VALUES ($1, $2, $3, $4, $5)
   ON CONFLICT (namespace, name, version) DO NOTHING`,
);
export const GET_WORKFLOW_VERSION = named(
  'get_workflow_version',
  'SELECT name, version, source, spec FROM workflows WHERE namespace = $1 AND name = $2 AND version = $3',
);
export const GET_WORKFLOW_LATEST = named(
  'get_workflow_latest',
  'SELECT name, version, source, spec FROM workflows WHERE namespace = $1 AND name = $2 ORDER BY id DESC LIMIT 1',
);
export const LIST_WORKFLOWS = named(
  'list_workflows',
  'SELECT name, version FROM workflows WHERE namespace = $1 ORDER BY name, id',
);
export const DELETE_WORKFLOW_VERSION = named(
  'delete_workflow_version',
  'DELETE FROM workflows WHERE namespace = $1 AND name = $2 AND version = $3',
);
export const DELETE_WORKFLOW_ALL = named(
  'delete_workflow_all',
  'DELETE FROM workflows WHERE namespace = $1 AND name = $2',
);

export const INSERT_PLUGIN = named(
  'insert_plugin',
  `INSERT INTO plugins (namespace, name, version, sha256, manifest, wasm, stored_at)
   VALUES ($1, $2, $3, $4, $5, $6, ${NOW_MS})
   ON CONFLICT (namespace, name, version) DO NOTHING`,
);
export const PLUGIN_SHA = named(
  'plugin_sha',
  'SELECT sha256 FROM plugins WHERE namespace = $1 AND name = $2 AND version = $3',
);
export const GET_PLUGIN = named(
  'get_plugin',
  `SELECT name, version, sha256, manifest, wasm FROM plugins WHERE namespace = $1 AND sha256 = $2
   ORDER BY stored_at, name, version LIMIT 1`,
);
export const LIST_PLUGINS = named(
  'list_plugins',
  `SELECT name, version, sha256, manifest, octet_length(wasm) AS size, stored_at FROM plugins
   WHERE namespace = $1 ORDER BY name, stored_at, version`,
);
export const DELETE_PLUGIN = named(
  'delete_plugin',
  'DELETE FROM plugins WHERE namespace = $1 AND name = $2 AND version = $3',
);

// --- Leases (leases.ts): by the server's clock; a run that ended is never claimed. ---

/**
 * Free, lapsed, already `$3`'s (kept epoch), or held by the named dead owner `$5`: the row is locked,
 * then taken. RETURNING gives the new epoch beside the owner it was taken from.
 */
export const CLAIM_RUN = named(
  'claim_run',
  `WITH old AS MATERIALIZED (
     SELECT namespace, run_id, owner, epoch FROM runs
     WHERE namespace = $1 AND run_id = $2 AND status NOT IN ${ENDED}
     FOR UPDATE
   )
   UPDATE runs AS r SET owner = $3, lease_until = ${NOW_MS} + $4,
     epoch = CASE WHEN old.owner = $3 THEN old.epoch ELSE old.epoch + 1 END
   FROM old
   WHERE r.namespace = old.namespace AND r.run_id = old.run_id
     AND (old.owner IS NULL OR old.owner = $3 OR old.owner = $5 OR r.lease_until <= ${NOW_MS})
   RETURNING r.namespace, r.run_id, r.owner, r.epoch, old.owner AS previous_owner,
     CASE WHEN old.owner IS NULL THEN 0 ELSE old.epoch END AS previous_epoch`,
);

export const RENEW_LEASES = named(
  'renew_leases',
  `UPDATE runs SET lease_until = ${NOW_MS} + $2
   WHERE owner = $1 AND status NOT IN ${ENDED}
   RETURNING namespace, run_id, owner, epoch, owner AS previous_owner, epoch AS previous_epoch`,
);

/**
 * SKIP LOCKED: a run another instance is claiming (or an owner is writing to) is left to it. The
 * claimer's own lapsed runs are left to its renewal: claiming one would depose its own live driver. $4: the
 * namespace claimed from (NULL: any).
 */
export const CLAIM_EXPIRED = named(
  'claim_expired',
  `WITH lapsed AS MATERIALIZED (
     SELECT namespace, run_id, owner, epoch FROM runs
     WHERE status NOT IN ${ENDED} AND lease_until <= ${NOW_MS} AND owner IS DISTINCT FROM $1
       AND ($4::text IS NULL OR namespace = $4)
     ORDER BY lease_until LIMIT $3
     FOR UPDATE SKIP LOCKED
   )
   UPDATE runs AS r SET owner = $1, epoch = lapsed.epoch + 1, lease_until = ${NOW_MS} + $2
   FROM lapsed
   WHERE r.namespace = lapsed.namespace AND r.run_id = lapsed.run_id
   RETURNING r.namespace, r.run_id, r.owner, r.epoch, lapsed.owner AS previous_owner,
     CASE WHEN lapsed.owner IS NULL THEN 0 ELSE lapsed.epoch END AS previous_epoch`,
);

export const RELEASE_RUN = named(
  'release_run',
  `UPDATE runs SET owner = NULL, lease_until = 0
   WHERE namespace = $1 AND run_id = $2 AND owner = $3 AND epoch = $4`,
);

export const CLOCK = named('clock', `SELECT ${NOW_MS} AS now`);

/** The run a StartRun request_id created (runs_by_request: unique per namespace). */
export const FIND_RUN_BY_REQUEST = named(
  'find_run_by_request',
  'SELECT run_id FROM runs WHERE namespace = $1 AND request_id = $2',
);
