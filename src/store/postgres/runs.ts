// Run rows, snapshots, the inbox and dedupe on PostgreSQL: plain functions over one Query each.

import {
  RunExistsError,
  RunNotFoundError,
  RunOwnershipLostError,
  type InboxMessage,
  type ListRunsOptions,
  type NewRun,
  type RunLease,
  type RunPage,
  type RunPatch,
  type RunRecord,
  type Snapshot,
} from '../store.js';
import { decodeRunCursor, encodeRunCursor, pageLimit, toJson } from '../store-args.js';
import type { Query } from './db.js';
import {
  DELETE_INBOX,
  FIND_RUN_BY_REQUEST,
  GET_RUN,
  INSERT_RUN,
  LOAD_SNAPSHOT,
  MARK_SEEN,
  POST_INBOX,
  READ_INBOX,
  READ_INBOX_ALL,
  RUN_HOLDER,
  SAVE_SNAPSHOT,
  UPDATE_RUN,
  type Named,
} from './statements.js';

interface RunRow {
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
  epoch: number;
  lease_until: number;
}

const toRunRecord = (r: RunRow): RunRecord => ({
  ns: r.namespace,
  runId: r.run_id,
  workflowName: r.workflow_name,
  workflowVersion: r.workflow_version,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSeq: r.last_seq,
  input: JSON.parse(r.input) as unknown,
  ...(r.summary === null ? {} : { summary: JSON.parse(r.summary) as unknown }),
  ...(r.owner === null ? {} : { owner: r.owner }),
  leaseUntil: r.lease_until,
  epoch: r.epoch,
});

export async function createRun(q: Query, run: NewRun): Promise<void> {
  const input = toJson(run.input, `input of run "${run.runId}"`);
  const { rowCount } = await q(INSERT_RUN, [
    run.ns,
    run.runId,
    run.workflowName,
    run.workflowVersion,
    run.status,
    run.createdAt,
    input,
    run.owner ?? null,
    run.owner === undefined ? null : (run.leaseMs ?? 0),
    run.requestId ?? null,
  ]);
  if (rowCount === 0) {
    // ON CONFLICT DO NOTHING covers both keys: say which one was taken.
    const taken = run.requestId !== undefined && (await findRunByRequest(q, run.ns, run.requestId));
    throw new RunExistsError(run.ns, run.runId, taken && taken !== run.runId ? run.requestId : undefined);
  }
}

export async function findRunByRequest(q: Query, ns: string, requestId: string): Promise<string | undefined> {
  return (await q<{ run_id: string }>(FIND_RUN_BY_REQUEST, [ns, requestId])).rows[0]?.run_id;
}

export async function updateRun(q: Query, ns: string, runId: string, p: RunPatch): Promise<void> {
  const summary = p.summary === undefined ? null : toJson(p.summary, `summary of run "${runId}"`);
  const values = [ns, runId, p.status, p.updatedAt, p.lastSeq, summary, p.release === true];
  const { rowCount } = await q(UPDATE_RUN, values);
  if (rowCount === 0) throw new RunNotFoundError(ns, runId);
}

export async function getRun(q: Query, ns: string, runId: string): Promise<RunRecord | undefined> {
  const row = (await q<RunRow>(GET_RUN, [ns, runId])).rows[0];
  return row && toRunRecord(row);
}

/** One prepared statement per filter combination (at most four); the page size is bound last. */
export async function listRuns(q: Query, ns: string, options: ListRunsOptions): Promise<RunPage> {
  const limit = pageLimit(options.limit);
  const where = ['namespace = $1'];
  const params: unknown[] = [ns];
  const flags: string[] = [];
  const add = (flag: string, clause: (n: number) => string, ...values: unknown[]) => {
    where.push(clause(params.length + 1));
    params.push(...values);
    flags.push(flag);
  };
  if (options.status !== undefined) add('s', (n) => `status = $${n}`, options.status);
  if (options.workflowName !== undefined) add('w', (n) => `workflow_name = $${n}`, options.workflowName);
  if (options.cursor !== undefined) {
    const after = decodeRunCursor(options.cursor);
    add('c', (n) => `(created_at, run_id) < ($${n}, $${n + 1})`, after.createdAt, after.runId);
  }
  const statement: Named = {
    name: `baton_list_runs_${flags.join('') || 'all'}`,
    text: `SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, run_id DESC LIMIT $${params.length + 1}`,
  };
  // One extra row tells whether another page exists without a count query.
  const { rows } = await q<RunRow>(statement, [...params, limit + 1]);
  const runs = rows.slice(0, limit).map(toRunRecord);
  const last = runs[runs.length - 1];
  return rows.length > limit && last ? { runs, nextCursor: encodeRunCursor(last) } : { runs };
}

/** A fenced write's answer: the fence did not hold, so nothing was written. */
async function refused(q: Query, ns: string, runId: string, fence: RunLease): Promise<RunOwnershipLostError> {
  const now = (await q<{ owner: string | null; epoch: number }>(RUN_HOLDER, [ns, runId])).rows[0];
  return new RunOwnershipLostError(
    ns,
    runId,
    fence,
    now && { ...(now.owner === null ? {} : { owner: now.owner }), epoch: now.epoch },
  );
}

const fenceValues = (fence: RunLease | undefined) => [fence?.owner ?? null, fence?.epoch ?? null];

export async function saveSnapshot(
  q: Query,
  ns: string,
  runId: string,
  seq: number,
  state: unknown,
  fence?: RunLease,
): Promise<void> {
  const text = toJson(state, `snapshot of run "${runId}" at seq ${seq}`);
  const { rows } = await q<{ ok: boolean }>(SAVE_SNAPSHOT, [ns, runId, seq, text, ...fenceValues(fence)]);
  if (!rows[0]?.ok) throw await refused(q, ns, runId, fence!);
}

export async function loadSnapshot(q: Query, ns: string, runId: string): Promise<Snapshot | undefined> {
  const row = (await q<{ seq: number; state: string }>(LOAD_SNAPSHOT, [ns, runId])).rows[0];
  return row && { seq: row.seq, state: JSON.parse(row.state) as unknown };
}

export async function postToInbox(
  q: Query,
  ns: string,
  runId: string,
  m: Omit<InboxMessage, 'id' | 'runId'>,
): Promise<number> {
  const payload = toJson(m.payload, () => `payload of a ${m.kind} for run "${runId}"`);
  const { rows } = await q<{ id: number }>(POST_INBOX, [ns, runId, m.kind, payload, m.at]);
  return rows[0]!.id;
}

interface InboxRow {
  id: number;
  run_id: string;
  kind: string;
  payload: string;
  at: number;
}

export async function readInbox(
  q: Query,
  ns: string,
  runId: string | null,
  afterId: number,
): Promise<InboxMessage[]> {
  const { rows } =
    runId === null
      ? await q<InboxRow>(READ_INBOX_ALL, [ns, afterId])
      : await q<InboxRow>(READ_INBOX, [ns, runId, afterId]);
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as unknown,
    at: r.at,
  }));
}

export async function deleteInbox(
  q: Query,
  ns: string,
  runId: string,
  upToId: number,
  fence?: RunLease,
): Promise<void> {
  const { rows } = await q<{ ok: boolean }>(DELETE_INBOX, [ns, runId, upToId, ...fenceValues(fence)]);
  if (!rows[0]?.ok) throw await refused(q, ns, runId, fence!);
}

export async function markSeen(q: Query, ns: string, scope: string, id: string): Promise<boolean> {
  return (await q(MARK_SEEN, [ns, scope, id])).rowCount === 1;
}
