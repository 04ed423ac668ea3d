// The journal's write path on PostgreSQL: a group commit (any number of runs, creates, fences, run-row
// updates) becomes the arrays of the single APPEND statement (statements.ts); a batch that fails a check
// is decoded into the error SQLite would raise for the first request at fault. Reads page by seq.

import {
  JournalConflictError,
  RunExistsError,
  RunNotFoundError,
  RunOwnershipLostError,
  type AppendRequest,
  type JournalRecord,
  type NewRun,
  type ReadOptions,
  type RunLease,
  type RunPatch,
} from '../store.js';
import { readRange, toJson } from '../store-args.js';
import { arrayLiteral, constraintOf, sqlState, UNIQUE_VIOLATION, type Query } from './db.js';
import {
  APPEND,
  APPEND_ONE,
  APPEND_ONE_MAX_ROWS,
  APPEND_ONE_ROWS,
  NEXT_SEQS,
  READ_JOURNAL,
  RUN_HOLDER,
} from './statements.js';

/** One run of a batch: the first request for it and everything later requests add. */
interface Head {
  /** 1-based position in the statement's head arrays. */
  readonly i: number;
  readonly ns: string;
  readonly runId: string;
  readonly expected: number;
  /** The next seq after this batch's records so far. */
  end: number;
  create?: NewRun;
  /** The create's row after the batch's patches, when the run is created in this batch. */
  createPatch?: RunPatch;
  patch?: RunPatch;
  readonly fences: RunLease[];
}

type Col<T> = T[];

/** The columns of the APPEND statement, array by array (see its comment for the order). */
interface Columns {
  heads: [Col<string>, Col<string>, Col<number>, Col<number>, Col<boolean>, Col<boolean>];
  fences: [Col<string>, Col<string>, Col<string>, Col<number>];
  creates: [
    Col<string>,
    Col<string>,
    Col<string>,
    Col<string>,
    Col<string>,
    Col<number>,
    Col<number>,
    Col<number>,
    Col<string>,
    Col<string | null>,
    Col<string | null>,
    Col<number>,
    Col<number | null>,
    Col<string | null>,
  ];
  patches: [
    Col<string>,
    Col<string>,
    Col<string>,
    Col<number>,
    Col<number>,
    Col<string | null>,
    Col<boolean>,
  ];
}

/** A record of the batch with its data as JSON text (what the data column stores). */
interface Row {
  readonly head: Head;
  readonly rec: JournalRecord;
  readonly d: string;
}

/**
 * Groups the batch by run and checks what needs no database: consecutive seqs within the batch, one
 * create per run, the fence of a run created in this batch (its creator's, epoch 1).
 */
function plan(batch: readonly AppendRequest[]): { heads: Head[]; rows: Row[] } {
  const byRun = new Map<string, Head>();
  const heads: Head[] = [];
  const rows: Row[] = [];
  for (const req of batch) {
    const key = `${req.ns}\u0000${req.runId}`;
    let head = byRun.get(key);
    if (head === undefined) {
      head = {
        i: heads.length + 1,
        ns: req.ns,
        runId: req.runId,
        expected: req.expectedNextSeq,
        end: req.expectedNextSeq,
        fences: [],
      };
      byRun.set(key, head);
      heads.push(head);
    } else if (req.expectedNextSeq !== head.end) {
      throw new JournalConflictError(req.ns, req.runId, req.expectedNextSeq, head.end);
    }
    if (req.create) {
      if (head.create || head.patch || head.fences.length > 0) throw new RunExistsError(req.ns, req.runId);
      head.create = req.create;
    }
    if (req.fence) addFence(head, req.fence);
    if (req.run) mergePatch(head, req.run);
    for (const rec of req.records) rows.push({ head, rec, d: recordJson(rec, req.ns, req.runId) });
    head.end += req.records.length;
  }
  return { heads, rows };
}

/** A field as JSON.stringify writes it inside an object (a missing one reaches the server as null). */
const scalar = (x: unknown): string =>
  typeof x === 'number' && Number.isFinite(x) ? String(x) : (JSON.stringify(x) ?? 'null');

/**
 * The rows as RECORDS' two parameters (statements.ts): the JSON array of {n, r, s, t, v, a}, written out
 * by hand so no object is built per row and each run's names are escaped once, not once per record; and
 * the records' data texts joined by newlines.
 */
function records(rows: readonly Row[], named: boolean): [string, string] {
  let out = '[';
  let texts = '';
  let head: Head | undefined;
  let names = '';
  for (let k = 0; k < rows.length; k++) {
    const { rec, d } = rows[k]!;
    if (named && rows[k]!.head !== head) {
      head = rows[k]!.head;
      names = `"n":${JSON.stringify(head.ns)},"r":${JSON.stringify(head.runId)},`;
    }
    if (k > 0) {
      out += ',';
      texts += '\n';
    }
    out += `{${names}"s":${scalar(rec.seq)},"t":${scalar(rec.type)},"v":${scalar(rec.v)},"a":${scalar(rec.at)}}`;
    texts += d;
  }
  return [out + ']', texts];
}

/** A run created in this batch is fenced by its creator (epoch 1); any other by the stored row. */
function addFence(head: Head, fence: RunLease): void {
  if (head.create) {
    const owner = head.create.owner;
    if (owner === fence.owner && fence.epoch === 1) return;
    const current = { ...(owner === undefined ? {} : { owner }), epoch: owner === undefined ? 0 : 1 };
    throw new RunOwnershipLostError(head.ns, head.runId, fence, current);
  }
  if (!head.fences.some((f) => f.owner === fence.owner && f.epoch === fence.epoch)) head.fences.push(fence);
}

/** Later patches win; a summary is kept unless replaced; a release sticks. */
function mergePatch(head: Head, p: RunPatch): void {
  const before = head.create ? head.createPatch : head.patch;
  const merged: RunPatch = {
    ...p,
    ...(p.summary === undefined && before?.summary !== undefined ? { summary: before.summary } : {}),
    ...(before?.release && !p.release ? { release: true } : {}),
  };
  if (head.create) head.createPatch = merged;
  else head.patch = merged;
}

function columns(heads: readonly Head[], rows: readonly Row[]): unknown[] {
  const c: Omit<Columns, 'records'> = {
    heads: [[], [], [], [], [], []],
    fences: [[], [], [], []],
    creates: [[], [], [], [], [], [], [], [], [], [], [], [], [], []],
    patches: [[], [], [], [], [], [], []],
  };
  for (const h of heads) {
    c.heads[0].push(h.ns);
    c.heads[1].push(h.runId);
    c.heads[2].push(h.expected);
    c.heads[3].push(h.end - h.expected);
    c.heads[4].push(h.create !== undefined);
    c.heads[5].push(h.patch !== undefined);
    for (const f of h.fences) {
      c.fences[0].push(h.ns);
      c.fences[1].push(h.runId);
      c.fences[2].push(f.owner);
      c.fences[3].push(f.epoch);
    }
    if (h.create) pushCreate(c.creates, h.create, h.createPatch);
    if (h.patch) {
      const p = h.patch;
      const summary = p.summary === undefined ? null : toJson(p.summary, `summary of run "${h.runId}"`);
      c.patches[0].push(h.ns);
      c.patches[1].push(h.runId);
      c.patches[2].push(p.status);
      c.patches[3].push(p.updatedAt);
      c.patches[4].push(p.lastSeq);
      c.patches[5].push(summary);
      c.patches[6].push(p.release === true);
    }
  }
  const arrays = [...c.heads, ...c.fences, ...c.creates, ...c.patches] as Array<
    Array<string | number | boolean | null>
  >;
  return [...arrays.map(arrayLiteral), ...records(rows, true)];
}

function pushCreate(cols: Columns['creates'], run: NewRun, patch: RunPatch | undefined): void {
  const released = patch?.release === true;
  const owner = run.owner === undefined || released ? null : run.owner;
  const summary =
    patch?.summary === undefined ? null : toJson(patch.summary, `summary of run "${run.runId}"`);
  cols[0].push(run.ns);
  cols[1].push(run.runId);
  cols[2].push(run.workflowName);
  cols[3].push(run.workflowVersion);
  cols[4].push(patch?.status ?? run.status);
  cols[5].push(run.createdAt);
  cols[6].push(patch?.updatedAt ?? run.createdAt);
  cols[7].push(patch?.lastSeq ?? 0);
  cols[8].push(toJson(run.input, `input of run "${run.runId}"`));
  cols[9].push(summary);
  cols[10].push(owner);
  cols[11].push(run.owner === undefined ? 0 : 1); // claimed at creation: epoch 1, even if released at once
  cols[12].push(owner === null ? null : (run.leaseMs ?? 0));
  cols[13].push(run.requestId ?? null);
}

interface AppendRow {
  i: number;
  next: number;
  has_run: boolean | null;
  ok: boolean;
}

/** One group commit; resolves with the runs it appended to (for watchers), once committed. */
export async function appendBatch(
  q: Query,
  batch: readonly AppendRequest[],
): Promise<Array<{ ns: string; runId: string; records: number }>> {
  const { heads, rows } = plan(batch);
  const appended = () => heads.map((h) => ({ ns: h.ns, runId: h.runId, records: h.end - h.expected }));
  const only = heads.length === 1 ? heads[0]! : undefined;
  try {
    if (only && !only.create && !only.patch && only.fences.length <= 1 && only.end > only.expected) {
      await appendOne(q, only, rows);
      return appended();
    }
    const verdict = (await q<AppendRow>(APPEND, columns(heads, rows))).rows;
    if (verdict[0]?.ok !== false) return appended();
    await refusal(q, heads, verdict);
  } catch (e) {
    // Another writer committed the same seq (or run id) between our read and our insert.
    if (sqlState(e) === UNIQUE_VIOLATION) throw await raced(q, heads, e);
    throw e;
  }
  throw new Error(`append: the database refused a batch of ${heads.length} runs without saying why`);
}

async function appendOne(q: Query, h: Head, rows: readonly Row[]): Promise<void> {
  const fence = h.fences[0];
  const values: unknown[] = [h.ns, h.runId, h.expected, fence?.owner ?? null, fence?.epoch ?? null];
  let statement = APPEND_ONE;
  if (rows.length <= APPEND_ONE_MAX_ROWS) {
    statement = APPEND_ONE_ROWS[rows.length - 1]!;
    for (const { rec, d } of rows) values.push(rec.type, rec.v, rec.at, d);
  } else values.push(...records(rows, false));
  if ((await q(statement, values)).rowCount === rows.length) return;
  // Nothing was written: the fence no longer holds, or the journal is not where the writer thought.
  const deposed = fence === undefined ? undefined : await lost(q, h);
  if (deposed) throw deposed;
  const next = (await q<{ next: number }>(NEXT_SEQS, [[h.ns], [h.runId]])).rows[0]?.next;
  throw new JournalConflictError(h.ns, h.runId, h.expected, next);
}

/** Throws the error of the first run (in batch order) whose check failed. */
async function refusal(q: Query, heads: readonly Head[], rows: readonly AppendRow[]): Promise<void> {
  for (const h of heads) {
    const row = rows[h.i - 1]!;
    if (h.create && row.has_run) throw new RunExistsError(h.ns, h.runId);
    const deposed = h.fences.length > 0 ? await lost(q, h) : undefined;
    if (deposed) throw deposed;
    if (row.next !== h.expected) throw new JournalConflictError(h.ns, h.runId, h.expected, row.next);
    if (h.patch && row.has_run === false) throw new RunNotFoundError(h.ns, h.runId);
  }
}

/** The fence of `h` the run row does not hold (read after the batch failed), if any. */
async function lost(q: Query, h: Head): Promise<RunOwnershipLostError | undefined> {
  const { rows } = await q<{ owner: string | null; epoch: number }>(RUN_HOLDER, [h.ns, h.runId]);
  const now = rows[0];
  const fence = h.fences.find((f) => f.owner !== now?.owner || f.epoch !== now.epoch);
  if (fence === undefined) return undefined;
  const current = now && { ...(now.owner === null ? {} : { owner: now.owner }), epoch: now.epoch };
  return new RunOwnershipLostError(h.ns, h.runId, fence, current);
}

/** Names the run a unique_violation was about: a run id taken since, or a journal that moved on. */
async function raced(q: Query, heads: readonly Head[], e: unknown): Promise<Error> {
  if (constraintOf(e) === 'runs_pkey') {
    const created = heads.find((h) => h.create);
    if (created) return new RunExistsError(created.ns, created.runId);
  }
  if (constraintOf(e) === 'runs_by_request') {
    const created = heads.find((h) => h.create?.requestId !== undefined);
    if (created) return new RunExistsError(created.ns, created.runId, created.create!.requestId);
  }
  const { rows } = await q<{ next: number }>(NEXT_SEQS, [heads.map((h) => h.ns), heads.map((h) => h.runId)]);
  const moved = heads.find((h, k) => rows[k]?.next !== h.expected) ?? heads[0]!;
  return new JournalConflictError(moved.ns, moved.runId, moved.expected, undefined);
}

interface JournalRow {
  seq: number;
  type: string;
  v: number;
  at: number;
  data: string;
}

export async function readJournal(
  q: Query,
  ns: string,
  runId: string,
  options?: ReadOptions,
): Promise<JournalRecord[]> {
  const { afterSeq, limit } = readRange(options);
  const { rows } = await q<JournalRow>(READ_JOURNAL, [ns, runId, afterSeq, limit ?? null]);
  return rows.map((r) => ({
    seq: r.seq,
    type: r.type,
    v: r.v,
    at: r.at,
    data: JSON.parse(r.data) as unknown,
  }));
}

/**
 * A record's data as stored (JSON.stringify's text: never a raw newline, which RECORDS relies on); the
 * error naming the record is built only when it cannot be serialised.
 */
function recordJson(r: JournalRecord, ns: string, runId: string): string {
  try {
    const text = JSON.stringify(r.data) as string | undefined;
    if (text !== undefined) return text;
  } catch {
    // toJson below says why, naming the record.
  }
  return toJson(r.data, `data of record ${r.seq} of run "${runId}" (namespace "${ns}")`);
}
