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
  RunOwnershipLostError,
  StoreClosedError,
  StoreUnavailableError,
  WorkflowConflictError,
  type AppendRequest,
  type InboxMessage,
  type JournalRecord,
  type ListRunsOptions,
  type NewRun,
  type ReadOptions,
  type RunClaim,
  type RunLease,
  type RunPage,
  type RunPatch,
  type RunRecord,
  type Snapshot,
  type Store,
  type StoreChange,
  type StoredPlugin,
  type StoredPluginRef,
  type WorkflowDefinition,
  type WorkflowVersionRef,
} from '../store.js';
import {
  checkAppend,
  decodeRunCursor,
  encodeRunCursor,
  pageLimit,
  readRange,
  toJson,
} from '../store-args.js';
import { ChangeListeners } from '../store-watch.js';
import { IdleCheckpointer } from './checkpointer.js';
import { JournalEnds } from './journal-ends.js';
import { JournalRows } from './journal-rows.js';
import { migrate } from './migrate.js';
import { SqliteOwnership } from './ownership.js';
import { SqlitePlugins } from './plugins.js';
import { prepareStatements, type RunRow, type Statements } from './statements.js';

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
  epoch: r.epoch,
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
  readonly #own: SqliteOwnership;
  readonly #plugins: SqlitePlugins;
  readonly #changes = new ChangeListeners('sqlite store');
  #closed = false;

  constructor(db: Db, checkpointer: IdleCheckpointer | undefined) {
    this.#db = db;
    this.#q = prepareStatements(db);
    this.#own = new SqliteOwnership(db);
    this.#plugins = new SqlitePlugins(db);
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
      if (this.#changes.size > 0) this.#announce(batch);
    };
  }

  /** Tells watchers which runs' journals a committed batch appended to (once per run). */
  #announce(batch: readonly AppendRequest[]): void {
    const seen = new Set<string>();
    for (const { ns, runId, records } of batch) {
      const key = `${ns}\u0000${runId}`;
      if (records.length === 0 || seen.has(key)) continue;
      seen.add(key);
      this.#changes.emit({ kind: 'journal', ns, runId });
    }
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
    if (req.fence) this.#checkFence(req);
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
      run.owner === undefined ? 0 : this.#own.clock() + (run.leaseMs ?? 0),
      run.owner === undefined ? 0 : 1,
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

  saveSnapshot(ns: string, runId: string, seq: number, state: unknown, fence?: RunLease): Promise<void> {
    return this.#do(`saveSnapshot "${runId}" at seq ${seq} (namespace "${ns}")`, () => {
      const text = toJson(state, `snapshot of run "${runId}" at seq ${seq}`);
      this.#fenced(ns, runId, fence, () => this.#q.saveSnapshot.run(ns, runId, seq, text));
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

  postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number> {
    return this.#do(`postToInbox "${runId}" (namespace "${ns}")`, () => {
      const payload = toJson(message.payload, () => `payload of a ${message.kind} for run "${runId}"`);
      const id = Number(this.#q.postInbox.run(ns, runId, message.kind, payload, message.at).lastInsertRowid);
      this.#changes.emit({ kind: 'inbox', ns, runId });
      return id;
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

  deleteInbox(ns: string, runId: string, upToId: number, fence?: RunLease): Promise<void> {
    return this.#do(`deleteInbox "${runId}" (namespace "${ns}")`, () => {
      this.#fenced(ns, runId, fence, () => this.#q.deleteInbox.run(ns, runId, upToId));
    });
  }

  markSeen(ns: string, scope: string, id: string): Promise<boolean> {
    return this.#do(
      `markSeen ${scope}/${id} (namespace "${ns}")`,
      () => this.#q.markSeen.run(ns, scope, id).changes === 1,
    );
  }

  // --- Fenced run ownership (docs/architecture.md, "Run ownership"): leases by this host's clock. ---

  claimRun(
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<RunClaim | undefined> {
    return this.#do(`claimRun "${runId}" for ${owner} (namespace "${ns}")`, () =>
      this.#own.claim(ns, runId, owner, leaseMs, takeOverFrom),
    );
  }

  renewLeases(owner: string, leaseMs: number): Promise<RunClaim[]> {
    return this.#do(`renewLeases of ${owner}`, () => this.#own.renew(owner, leaseMs));
  }

  claimExpiredRuns(owner: string, leaseMs: number, limit: number): Promise<RunClaim[]> {
    return this.#do(`claimExpiredRuns for ${owner}`, () => this.#own.claimExpired(owner, leaseMs, limit));
  }

  releaseRun(ns: string, runId: string, lease: RunLease): Promise<void> {
    return this.#do(`releaseRun "${runId}" (namespace "${ns}")`, () => this.#own.release(ns, runId, lease));
  }

  watch(listener: (change: StoreChange) => void): () => void {
    return this.#changes.add(listener);
  }

  clock(): Promise<number> {
    return this.#do('clock', () => this.#own.clock());
  }

  /** A create is fenced by the owner it creates (epoch 1); any other append by the run row as stored. */
  #checkFence(req: AppendRequest): void {
    const fence = req.fence!;
    if (!req.create) return this.#own.checkFence(req.ns, req.runId, fence);
    const { owner } = req.create;
    if (owner === fence.owner && fence.epoch === 1) return;
    throw new RunOwnershipLostError(req.ns, req.runId, fence, {
      ...(owner === undefined ? {} : { owner }),
      epoch: owner === undefined ? 0 : 1,
    });
  }

  /** Runs `write` after the fence check, in one IMMEDIATE transaction; without a fence, just runs it. */
  #fenced(ns: string, runId: string, fence: RunLease | undefined, write: () => unknown): void {
    if (fence === undefined) {
      write();
      return;
    }
    this.#db
      .transaction(() => {
        this.#own.checkFence(ns, runId, fence);
        write();
      })
      .immediate();
  }

  // --- Plugins by sha256 ---

  putPlugin(ns: string, plugin: StoredPlugin): Promise<boolean> {
    return this.#do(`putPlugin ${plugin.name}@${plugin.version} (namespace "${ns}")`, () =>
      this.#plugins.put(ns, plugin),
    );
  }

  getPlugin(ns: string, sha256: string): Promise<StoredPlugin | undefined> {
    return this.#do(`getPlugin ${sha256} (namespace "${ns}")`, () => this.#plugins.get(ns, sha256));
  }

  listPlugins(ns: string): Promise<StoredPluginRef[]> {
    return this.#do(`listPlugins (namespace "${ns}")`, () => this.#plugins.list(ns));
  }

  deletePlugin(ns: string, name: string, version: string): Promise<boolean> {
    return this.#do(`deletePlugin ${name}@${version} (namespace "${ns}")`, () =>
      this.#plugins.delete(ns, name, version),
    );
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
