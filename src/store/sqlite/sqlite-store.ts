// The embedded Store: one SQLite file (better-sqlite3, WAL) in the data directory. better-sqlite3 is
// synchronous; each method runs to completion inside its promise, so calls never interleave.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { BatonError } from '../../errors/registry.js';
import {
  JournalConflictError,
  RunExistsError,
  RunNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
  WorkflowConflictError,
  type AppendRequest,
  type InboxMessage,
  type JournalRecord,
  type ListRunsOptions,
  type NewRun,
  type ReadOptions,
  type RunPage,
  type RunPatch,
  type RunRecord,
  type Snapshot,
  type Store,
  type WorkflowDefinition,
  type WorkflowVersionRef,
} from '../store.js';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from '../work-records.js';
import {
  checkAppend,
  decodeRunCursor,
  encodeRunCursor,
  pageLimit,
  readRange,
  toJson,
} from '../store-args.js';
import { IdleCheckpointer } from './checkpointer.js';
import { JournalEnds } from './journal-ends.js';
import { JournalRows } from './journal-rows.js';
import { migrate } from './migrate.js';
import { prepareStatements, type RunRow, type Statements } from './statements.js';
import { WorkTables } from './work-tables.js';

/** A data directory of this name keeps the store in memory (benchmarks without durability, tests). */
export const MEMORY = ':memory:';

/** The database file inside the data directory. */
export const SQLITE_FILE = 'baton.db';

export interface SqliteStoreOptions {
  /** Created (with parents) if missing. `:memory:` keeps everything in memory: nothing survives close. */
  readonly dataDir: string;
  /** How long a call waits for a lock another process holds before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if needed) and migrates the store in `dataDir`. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const inMemory = options.dataDir === MEMORY;
  const file = inMemory ? MEMORY : join(options.dataDir, SQLITE_FILE);
  let db: Db | undefined;
  try {
    if (!inMemory) await mkdir(options.dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    // Up to 32 MiB of pages cached per connection (SQLite's default is 2 MiB), grown only as pages are
    // used: a busy journal's index pages stay in memory instead of being read back from the WAL. Memory
    // only; what a commit writes, and when it is durable, does not change.
    db.pragma('cache_size = -32768');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    migrate(db);
    return new SqliteStore(db, inMemory ? undefined : new IdleCheckpointer(db));
  } catch (e) {
    db?.close();
    throw e instanceof BatonError ? e : new StoreUnavailableError(`sqlite store: open ${file}`, e);
  }
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
});

class SqliteStore implements Store {
  readonly #db: Db;
  readonly #q: Statements;
  /** listRuns statements by SQL text: at most one per filter combination. */
  readonly #listStatements = new Map<string, Statement<unknown[], RunRow>>();
  readonly #appendBatch: (batch: readonly AppendRequest[]) => void;
  readonly #ends: JournalEnds;
  readonly #rows: JournalRows;
  readonly #checkpointer: IdleCheckpointer | undefined;
  #closed = false;
  readonly #work: WorkTables;

  constructor(db: Db, checkpointer: IdleCheckpointer | undefined) {
    this.#db = db;
    this.#q = prepareStatements(db);
    this.#work = new WorkTables(db);
    this.#checkpointer = checkpointer;
    this.#ends = new JournalEnds(() => this.#q.dataVersion.get()!);
    this.#rows = new JournalRows(db, recordJson);
    const tx = db.transaction((batch: readonly AppendRequest[]) => {
      this.#ends.begin();
      for (const req of batch) this.#appendOne(req);
      this.#rows.flush();
    });
    // IMMEDIATE takes the write lock before reading the journal's end, so writers in other processes wait
    // and then see each other's records: the expectedNextSeq check is race-free, the primary key a backstop.
    this.#appendBatch = (batch) => {
      try {
        tx.immediate(batch);
      } catch (e) {
        this.#ends.forget(); // rolled back: the ends remembered during it never happened
        this.#rows.clear();
        throw e;
      }
      this.#checkpointer?.wrote();
    };
  }

  /**
   * Runs one operation inside a promise: refuses after close, turns bad arguments into rejections, and wraps
   * driver errors with what was being done.
   */
  #do<T>(operation: string, fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.#closed) throw new StoreClosedError(operation);
      try {
        resolve(fn());
      } catch (e) {
        throw e instanceof BatonError ? e : new StoreUnavailableError(`sqlite store: ${operation}`, e);
      }
    });
  }

  #appendOne(req: AppendRequest): void {
    const { ns, runId, expectedNextSeq, records } = req;
    if (req.create) this.#createRun(req.create);
    // The end this connection wrote last, while no other connection has committed; else a lookup.
    const next = this.#ends.get(ns, runId) ?? this.#lookUpEnd(ns, runId);
    if (next !== expectedNextSeq) throw new JournalConflictError(ns, runId, expectedNextSeq, next);
    this.#rows.add(ns, runId, records);
    if (req.run) this.#updateRun(ns, runId, req.run);
    if (req.run?.release) this.#ends.drop(ns, runId);
    else this.#ends.set(ns, runId, expectedNextSeq + records.length);
  }

  /** The next seq of a run's journal as stored, rows of this transaction included. */
  #lookUpEnd(ns: string, runId: string): number {
    if (this.#rows.pending(runId)) this.#rows.flush();
    return this.#q.nextSeq.get(ns, runId)!;
  }

  append(
    ns: string,
    runId: string,
    expectedNextSeq: number,
    records: readonly JournalRecord[],
  ): Promise<void> {
    return this.#do(`append to run "${runId}" (namespace "${ns}")`, () => {
      const req = { ns, runId, expectedNextSeq, records };
      checkAppend(req);
      this.#appendBatch([req]);
    });
  }

  appendMany(batch: readonly AppendRequest[]): Promise<void> {
    return this.#do(`appendMany (${batch.length} runs)`, () => {
      batch.forEach(checkAppend);
      this.#appendBatch(batch);
    });
  }

  read(ns: string, runId: string, options?: ReadOptions): Promise<JournalRecord[]> {
    return this.#do(`read run "${runId}" (namespace "${ns}")`, () => {
      const { afterSeq, limit } = readRange(options);
      return this.#q.readJournal.all(ns, runId, afterSeq, limit ?? -1).map((r) => ({
        seq: r.seq,
        type: r.type,
        v: r.v,
        at: r.at,
        data: JSON.parse(r.data) as unknown,
      }));
    });
  }

  createRun(run: NewRun): Promise<void> {
    return this.#do(`createRun "${run.runId}" (namespace "${run.ns}")`, () => this.#createRun(run));
  }

  #createRun(run: NewRun): void {
    const { ns, runId } = run;
    const input = toJson(run.input, `input of run "${runId}"`);
    const { workflowName, workflowVersion, status, createdAt } = run;
    const { changes } = this.#q.insertRun.run(
      ns,
      runId,
      workflowName,
      workflowVersion,
      status,
      createdAt,
      createdAt,
      input,
      run.owner ?? null,
      run.leaseUntil ?? 0,
    );
    if (changes === 0) throw new RunExistsError(ns, runId);
  }

  updateRun(ns: string, runId: string, patch: RunPatch): Promise<void> {
    return this.#do(`updateRun "${runId}" (namespace "${ns}")`, () => this.#updateRun(ns, runId, patch));
  }

  #updateRun(ns: string, runId: string, patch: RunPatch): void {
    const summary = patch.summary === undefined ? null : toJson(patch.summary, `summary of run "${runId}"`);
    const release = patch.release ? 1 : 0;
    const { changes } = this.#q.updateRun.run(
      patch.status,
      patch.updatedAt,
      patch.lastSeq,
      summary,
      release,
      release,
      ns,
      runId,
    );
    if (changes === 0) throw new RunNotFoundError(ns, runId);
  }

  getRun(ns: string, runId: string): Promise<RunRecord | undefined> {
    return this.#do(`getRun "${runId}" (namespace "${ns}")`, () => {
      const row = this.#q.getRun.get(ns, runId);
      return row && toRunRecord(row);
    });
  }

  listRuns(ns: string, options: ListRunsOptions = {}): Promise<RunPage> {
    return this.#do(`listRuns (namespace "${ns}")`, () => {
      const limit = pageLimit(options.limit);
      const { sql, params } = listRunsQuery(ns, options);
      let stmt = this.#listStatements.get(sql);
      if (!stmt) this.#listStatements.set(sql, (stmt = this.#db.prepare<unknown[], RunRow>(sql)));
      // One extra row tells whether another page exists without a count query.
      const rows = stmt.all(...params, limit + 1);
      const runs = rows.slice(0, limit).map(toRunRecord);
      const last = runs[runs.length - 1];
      return rows.length > limit && last ? { runs, nextCursor: encodeRunCursor(last) } : { runs };
    });
  }

  saveSnapshot(ns: string, runId: string, seq: number, state: unknown): Promise<void> {
    return this.#do(`saveSnapshot "${runId}" at seq ${seq} (namespace "${ns}")`, () => {
      const text = toJson(state, `snapshot of run "${runId}" at seq ${seq}`);
      this.#q.saveSnapshot.run(ns, runId, seq, text);
    });
  }

  loadSnapshot(ns: string, runId: string): Promise<Snapshot | undefined> {
    return this.#do(`loadSnapshot "${runId}" (namespace "${ns}")`, () => {
      const row = this.#q.loadSnapshot.get(ns, runId);
      return row && { seq: row.seq, state: JSON.parse(row.state) as unknown };
    });
  }

  putWorkflow(ns: string, w: WorkflowDefinition): Promise<void> {
    return this.#do(`putWorkflow ${w.name}@${w.version} (namespace "${ns}")`, () => {
      const spec = toJson(w.spec, `spec of workflow ${w.name}@${w.version}`);
      const { changes } = this.#q.insertWorkflow.run(ns, w.name, w.version, w.source, spec);
      // The unique key decided; the row found is the one stored before, so comparing needs no transaction.
      if (changes === 0 && this.#q.getWorkflowVersion.get(ns, w.name, w.version)?.source !== w.source) {
        throw new WorkflowConflictError(ns, w.name, w.version);
      }
    });
  }

  getWorkflow(ns: string, name: string, version?: string): Promise<WorkflowDefinition | undefined> {
    return this.#do(`getWorkflow ${name}@${version ?? 'latest'} (namespace "${ns}")`, () => {
      const row =
        version === undefined
          ? this.#q.getWorkflowLatest.get(ns, name)
          : this.#q.getWorkflowVersion.get(ns, name, version);
      return (
        row && {
          name: row.name,
          version: row.version,
          source: row.source,
          spec: JSON.parse(row.spec) as unknown,
        }
      );
    });
  }

  listWorkflows(ns: string): Promise<WorkflowVersionRef[]> {
    return this.#do(`listWorkflows (namespace "${ns}")`, () => this.#q.listWorkflows.all(ns));
  }

  deleteWorkflow(ns: string, name: string, version?: string): Promise<number> {
    return this.#do(`deleteWorkflow ${name}@${version ?? '*'} (namespace "${ns}")`, () => {
      const result =
        version === undefined
          ? this.#q.deleteWorkflowAll.run(ns, name)
          : this.#q.deleteWorkflowVersion.run(ns, name, version);
      return result.changes;
    });
  }

  claimRun(
    ns: string,
    runId: string,
    owner: string,
    now: number,
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<boolean> {
    return this.#do(
      `claimRun "${runId}" for ${owner} (namespace "${ns}")`,
      () =>
        this.#q.claimRun.run(owner, now + leaseMs, ns, runId, owner, now, takeOverFrom ?? null).changes === 1,
    );
  }

  releaseRun(ns: string, runId: string, owner: string): Promise<void> {
    return this.#do(`releaseRun "${runId}" (namespace "${ns}")`, () => {
      this.#q.releaseRun.run(ns, runId, owner);
    });
  }

  postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number> {
    return this.#do(`postToInbox "${runId}" (namespace "${ns}")`, () => {
      const payload = toJson(message.payload, () => `payload of a ${message.kind} for run "${runId}"`);
      return Number(this.#q.postInbox.run(ns, runId, message.kind, payload, message.at).lastInsertRowid);
    });
  }

  readInbox(ns: string, runId: string | null, afterId = 0): Promise<InboxMessage[]> {
    return this.#do(`readInbox "${runId ?? '*'}" (namespace "${ns}")`, () =>
      (runId === null
        ? this.#q.readInboxAll.all(ns, afterId)
        : this.#q.readInbox.all(ns, runId, afterId)
      ).map((r) => ({
        id: r.id,
        runId: r.run_id,
        kind: r.kind,
        payload: JSON.parse(r.payload) as unknown,
        at: r.at,
      })),
    );
  }

  deleteInbox(ns: string, runId: string, upToId: number): Promise<void> {
    return this.#do(`deleteInbox "${runId}" (namespace "${ns}")`, () => {
      this.#q.deleteInbox.run(ns, runId, upToId);
    });
  }

  markSeen(ns: string, scope: string, id: string): Promise<boolean> {
    return this.#do(
      `markSeen ${scope}/${id} (namespace "${ns}")`,
      () => this.#q.markSeen.run(ns, scope, id).changes === 1,
    );
  }

  putWorkers(
    ns: string,
    instance: string,
    workers: readonly WorkerEntry[],
    now: number,
    staleBefore: number,
  ): Promise<void> {
    return this.#do(`putWorkers of ${instance} (namespace "${ns}")`, () => {
      this.#work.putWorkers(ns, instance, workers, now, staleBefore);
      this.#checkpointer?.wrote();
    });
  }

  listWorkers(ns: string, freshAfter: number): Promise<WorkerRecord[]> {
    return this.#do(`listWorkers (namespace "${ns}")`, () => this.#work.listWorkers(ns, freshAfter));
  }

  claimWork(ns: string, req: ClaimRequest): Promise<ClaimOutcome> {
    return this.#do(`claimWork "${req.idem}" for ${req.instance} (namespace "${ns}")`, () =>
      this.#work.claimWork(ns, req),
    );
  }

  assignWork(ns: string, idem: string, instance: string, workerId: string, now: number): Promise<void> {
    return this.#do(`assignWork "${idem}" (namespace "${ns}")`, () =>
      this.#work.assignWork(ns, idem, instance, workerId, now),
    );
  }

  renewWork(ns: string, instance: string, now: number): Promise<void> {
    return this.#do(`renewWork of ${instance} (namespace "${ns}")`, () =>
      this.#work.renewWork(ns, instance, now),
    );
  }

  releaseWork(ns: string, idem: string, instance: string): Promise<void> {
    return this.#do(`releaseWork "${idem}" (namespace "${ns}")`, () =>
      this.#work.releaseWork(ns, idem, instance),
    );
  }

  finishWork(ns: string, idem: string, now: number): Promise<boolean> {
    return this.#do(`finishWork "${idem}" (namespace "${ns}")`, () => this.#work.finishWork(ns, idem, now));
  }

  getWork(ns: string, idem: string): Promise<WorkClaim | undefined> {
    return this.#do(`getWork "${idem}" (namespace "${ns}")`, () => this.#work.getWork(ns, idem));
  }

  pruneWork(ns: string, before: number): Promise<number> {
    return this.#do(`pruneWork (namespace "${ns}")`, () => this.#work.pruneWork(ns, before));
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#checkpointer?.stop();
      this.#db.close();
    }
    return Promise.resolve();
  }
}

/** A record's data as stored; the error naming the record is built only when it cannot be serialised. */
function recordJson(r: JournalRecord, ns: string, runId: string): string {
  try {
    const text = JSON.stringify(r.data) as string | undefined;
    if (text !== undefined) return text;
  } catch {
    // toJson below says why, naming the record.
  }
  return toJson(r.data, `data of record ${r.seq} of run "${runId}" (namespace "${ns}")`);
}

/** The listRuns query for one filter combination; the page size is bound last. */
function listRunsQuery(ns: string, options: ListRunsOptions): { sql: string; params: unknown[] } {
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
