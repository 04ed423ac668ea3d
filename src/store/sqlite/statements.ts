// Every fixed query of the SQLite store, prepared once per connection, with the row shapes they return.
// listRuns builds its few filter combinations at call time (listRunsQuery) and caches them in sqlite-store.ts.

import type { Database } from 'better-sqlite3';
import type { ListRunsOptions } from '../store.js';
import { decodeRunCursor } from '../store-args.js';

export interface JournalRow {
  seq: number;
  type: string;
  v: number;
  at: number;
  data: string;
}

export interface RunRow {
  namespace: string;
  run_id: string;
  workflow_name: string;
  workflow_version: string;
  status: string;
  created_at: number;
  updated_at: number;
  last_seq: number;
  input: string;
  summary: string | null;
  owner: string | null;
  lease_until: number;
  epoch: number;
}

/** Who holds a run, and whether it can still be claimed. */
export interface OwnershipRow {
  status: string;
  owner: string | null;
  epoch: number;
  lease_until: number;
}

export interface InboxRow {
  id: number;
  run_id: string;
  kind: string;
  payload: string;
  at: number;
}

export interface WorkflowRow {
  name: string;
  version: string;
  source: string;
  spec: string;
}

type Ns = string;
type Key = [Ns, string];

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database) {
  return {
    // Changes when another connection (or process) has committed since this one last looked.
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    nextSeq: db
      .prepare<Key, number>(
        'SELECT coalesce(max(seq), 0) + 1 FROM journal WHERE namespace = ? AND run_id = ?',
      )
      .pluck(),
    // LIMIT -1 is SQLite for "no limit".
    readJournal: db.prepare<[Ns, string, number, number], JournalRow>(
      'SELECT seq, type, v, at, data FROM journal WHERE namespace = ? AND run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),

    insertRun: db.prepare<
      [Ns, string, string, string, string, number, number, string, string | null, number, number]
    >(
      `INSERT INTO runs (namespace, run_id, workflow_name, workflow_version, status, created_at, updated_at, input,
                         owner, lease_until, epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    // A NULL summary parameter means "not given": keep the stored one.
    // A NULL summary keeps the stored one; release = 1 clears the owner in the same update.
    updateRun: db.prepare<[string, number, number, string | null, number, number, Ns, string]>(
      `UPDATE runs SET status = ?, updated_at = ?, last_seq = ?, summary = coalesce(?, summary),
         owner = CASE WHEN ? = 1 THEN NULL ELSE owner END,
         lease_until = CASE WHEN ? = 1 THEN 0 ELSE lease_until END
       WHERE namespace = ? AND run_id = ?`,
    ),
    getRun: db.prepare<Key, RunRow>('SELECT * FROM runs WHERE namespace = ? AND run_id = ?'),

    saveSnapshot: db.prepare<[Ns, string, number, string]>(
      `INSERT INTO snapshots (namespace, run_id, seq, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state
       WHERE excluded.seq >= snapshots.seq`,
    ),
    loadSnapshot: db.prepare<Key, { seq: number; state: string }>(
      'SELECT seq, state FROM snapshots WHERE namespace = ? AND run_id = ?',
    ),

    insertWorkflow: db.prepare<[Ns, string, string, string, string]>(
      `INSERT INTO workflows (namespace, name, version, source, spec) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name, version) DO NOTHING`,
    ),
    getWorkflowVersion: db.prepare<[Ns, string, string], WorkflowRow>(
      'SELECT name, version, source, spec FROM workflows WHERE namespace = ? AND name = ? AND version = ?',
    ),
    getWorkflowLatest: db.prepare<Key, WorkflowRow>(
      'SELECT name, version, source, spec FROM workflows WHERE namespace = ? AND name = ? ORDER BY id DESC LIMIT 1',
    ),
    listWorkflows: db.prepare<[Ns], { name: string; version: string }>(
      'SELECT name, version FROM workflows WHERE namespace = ? ORDER BY name, id',
    ),
    deleteWorkflowVersion: db.prepare<[Ns, string, string]>(
      'DELETE FROM workflows WHERE namespace = ? AND name = ? AND version = ?',
    ),
    deleteWorkflowAll: db.prepare<Key>('DELETE FROM workflows WHERE namespace = ? AND name = ?'),

    // Ownership. Claims decide in JavaScript inside an IMMEDIATE transaction (who held the run is part of
    // the answer); the statements only read the row and write the new holder.
    ownership: db.prepare<Key, OwnershipRow>(
      'SELECT status, owner, epoch, lease_until FROM runs WHERE namespace = ? AND run_id = ?',
    ),
    setOwner: db.prepare<[string, number, number, Ns, string]>(
      'UPDATE runs SET owner = ?, epoch = ?, lease_until = ? WHERE namespace = ? AND run_id = ?',
    ),
    renewLeases: db.prepare<[number, string], { namespace: string; run_id: string; epoch: number }>(
      'UPDATE runs SET lease_until = ? WHERE owner = ? RETURNING namespace, run_id, epoch',
    ),
    // The WHERE repeats runs_by_lease's own, so the claim is a range scan of that partial index.
    expiredRuns: db.prepare<
      [number, string, string | null, string | null, number],
      { namespace: string; run_id: string; owner: string | null; epoch: number }
    >(
      `SELECT namespace, run_id, owner, epoch FROM runs
       WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled'
         AND lease_until <= ? AND (owner IS NULL OR owner <> ?) AND (? IS NULL OR namespace = ?)
       ORDER BY lease_until LIMIT ?`,
    ),
    releaseRun: db.prepare<[Ns, string, string, number]>(
      'UPDATE runs SET owner = NULL, lease_until = 0 WHERE namespace = ? AND run_id = ? AND owner = ? AND epoch = ?',
    ),
    postInbox: db.prepare<[Ns, string, string, string, number]>(
      'INSERT INTO inbox (namespace, run_id, kind, payload, at) VALUES (?, ?, ?, ?, ?)',
    ),
    readInbox: db.prepare<[Ns, string, number], InboxRow>(
      'SELECT id, run_id, kind, payload, at FROM inbox WHERE namespace = ? AND run_id = ? AND id > ? ORDER BY id',
    ),
    readInboxAll: db.prepare<[Ns, number], InboxRow>(
      'SELECT id, run_id, kind, payload, at FROM inbox WHERE namespace = ? AND id > ? ORDER BY id',
    ),
    deleteInbox: db.prepare<[Ns, string, number]>(
      'DELETE FROM inbox WHERE namespace = ? AND run_id = ? AND id <= ?',
    ),

    markSeen: db.prepare<[Ns, string, string]>(
      'INSERT INTO seen (namespace, scope, id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),

    insertRequest: db.prepare<[Ns, string, string]>(
      'INSERT INTO run_requests (namespace, request_id, run_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    findRequest: db
      .prepare<[Ns, string], string>('SELECT run_id FROM run_requests WHERE namespace = ? AND request_id = ?')
      .pluck(),
  };
}

/** The listRuns query for one filter combination; the page size is bound last. */
export function listRunsQuery(ns: string, options: ListRunsOptions): { sql: string; params: unknown[] } {
  const where = ['namespace = ?'];
  const params: unknown[] = [ns];
  if (options.status !== undefined) {
    where.push('status = ?');
    params.push(options.status);
  }
  if (options.workflowName !== undefined) {
    where.push('workflow_name = ?');
    params.push(options.workflowName);
  }
  if (options.cursor !== undefined) {
    const after = decodeRunCursor(options.cursor);
    where.push('(created_at, run_id) < (?, ?)');
    params.push(after.createdAt, after.runId);
  }
  const sql = `SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, run_id DESC LIMIT ?`;
  return { sql, params };
}
