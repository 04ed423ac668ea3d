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
  type DeleteRunOutcome,
  type InboxMessage,
  type JournalRecord,
  type ListRunsOptions,
  type NewRun,
  type NewSchedule,
  type PurgeRunsOptions,
  type ReadOptions,
  type RunClaim,
  type RunLease,
  type RunPage,
  type RunPatch,
  type RunRecord,
  type SchedulePage,
  type ScheduleRecord,
  type ScheduleUpdate,
  type Snapshot,
  type Store,
  type StoreChange,
  type StoredPlugin,
  type StoredPluginRef,
  type WorkflowDefinition,
  type WorkflowVersionRef,
} from '../store.js';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from '../work-records.js';
import type {
  HookExecutionPage,
  HookExecutionQuery,
  HookRecord,
  HookRecordUpdate,
  NewHookExecutionRecord,
  NewHookRecord,
} from '../hook-records.js';
import { checkAppend, encodeRunCursor, pageLimit, readRange, toJson } from '../store-args.js';
import { StoreWatchers } from '../store-watchers.js';
import { IdleCheckpointer } from './checkpointer.js';
import { JournalEnds, sameLease } from './journal-ends.js';
import { JournalRows } from './journal-rows.js';
import { migrate } from './migrate.js';
import { SqliteOwnership } from './ownership.js';
import { SqlitePlugins } from './plugins.js';
import { SqliteRunDeletion } from './run-deletion.js';
import { SqliteSchedules } from './schedules.js';
import { SqliteHooks } from './hooks.js';
import { listRunsQuery, prepareStatements, type RunRow, type Statements } from './statements.js';
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
  readonly #ownership: SqliteOwnership;
  readonly #plugins: SqlitePlugins;
  /** watch() listeners: told after this connection's commits (other connections' are not seen here). */
  readonly #watchers = new StoreWatchers('sqlite');
  readonly #schedules: SqliteSchedules;
  readonly #deletion: SqliteRunDeletion;
  #closed = false;
  readonly #work: WorkTables;
  readonly #hooks: SqliteHooks;

  constructor(db: Db, checkpointer: IdleCheckpointer | undefined) {
    this.#db = db;
    this.#q = prepareStatements(db);
    this.#plugins = new SqlitePlugins(db);
    this.#schedules = new SqliteSchedules(db);
    this.#deletion = new SqliteRunDeletion(db);
    this.#work = new WorkTables(db);
    this.#hooks = new SqliteHooks(db);
    this.#checkpointer = checkpointer;
    this.#ends = new JournalEnds(() => this.#q.dataVersion.get()!);
    this.#rows = new JournalRows(db, recordJson);
    this.#ownership = new SqliteOwnership(db, this.#q);
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
      if (this.#watchers.size > 0) this.#watchers.appended(batch);
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
    const { ns, runId, expectedNextSeq, records, fence } = req;
    const create = req.create;
    if (create) this.#createRun(create);
    // The end this connection wrote last, and the lease that passed the fence then, while no other
    // connection has committed; else lookups. A row this transaction just created holds its creator.
    const end = this.#ends.get(ns, runId);
    if (
      fence !== undefined &&
      !sameLease(end?.fence, fence) &&
      !(create?.owner === fence.owner && fence.epoch === 1)
    )
      this.#ownership.check(ns, runId, fence);
    const next = end?.next ?? this.#lookUpEnd(ns, runId);
    if (next !== expectedNextSeq) throw new JournalConflictError(ns, runId, expectedNextSeq, next);
    this.#rows.add(ns, runId, records);
    if (req.run) this.#updateRun(ns, runId, req.run);
    if (req.run?.release) this.#ends.drop(ns, runId);
    else this.#ends.set(ns, runId, expectedNextSeq + records.length, fence);
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
    return this.#do(`createRun "${run.runId}" (namespace "${run.ns}")`, () =>
      // A transaction of its own when it also records a request_id: both rows or neither.
      run.requestId === undefined
        ? this.#createRun(run)
        : this.#db.transaction(() => this.#createRun(run)).immediate(),
    );
  }

  #createRun(run: NewRun): void {
    const { ns, runId } = run;
    const input = toJson(run.input, `input of run "${runId}"`);
    const { workflowName, workflowVersion, status, createdAt } = run;
    const owner = run.owner ?? null;
    const { changes } = this.#q.insertRun.run(
      ns,
      runId,
      workflowName,
      workflowVersion,
      status,
      createdAt,
      createdAt,
      input,
      owner,
      owner === null ? 0 : Date.now() + (run.leaseMs ?? 0),
      owner === null ? 0 : 1,
    );
    if (changes === 0) throw new RunExistsError(ns, runId);
    // In the same transaction: a second run of one request_id is never created.
    if (run.requestId !== undefined && this.#q.insertRequest.run(ns, run.requestId, runId).changes === 0)
      throw new RunExistsError(ns, runId, run.requestId);
  }

  findRunByRequest(ns: string, requestId: string): Promise<string | undefined> {
    return this.#do(`findRunByRequest "${requestId}" (namespace "${ns}")`, () =>
      this.#q.findRequest.get(ns, requestId),
    );
  }

  updateRun(ns: string, runId: string, patch: RunPatch): Promise<void> {
    return this.#do(`updateRun "${runId}" (namespace "${ns}")`, () => {
      this.#updateRun(ns, runId, patch);
      if (patch.release) this.#ends.forget(); // the owner changed outside an append
    });
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
      const save = () => void this.#q.saveSnapshot.run(ns, runId, seq, text);
      if (fence === undefined) save();
      else this.#ownership.fenced(ns, runId, fence, save);
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
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<RunClaim | undefined> {
    return this.#do(`claimRun "${runId}" for ${owner} (namespace "${ns}")`, () => {
      const claim = this.#ownership.claimRun(ns, runId, owner, leaseMs, takeOverFrom);
      if (claim) this.#ends.forget(); // a fence remembered for this run may be stale now
      return claim;
    });
  }

  renewLeases(owner: string, leaseMs: number): Promise<RunClaim[]> {
    return this.#do(`renewLeases for ${owner}`, () => this.#ownership.renewLeases(owner, leaseMs));
  }

  claimExpiredRuns(owner: string, leaseMs: number, limit: number, ns?: string): Promise<RunClaim[]> {
    return this.#do(`claimExpiredRuns for ${owner} (up to ${limit}, namespace "${ns ?? '*'}")`, () => {
      const claims = this.#ownership.claimExpiredRuns(owner, leaseMs, Math.max(0, Math.trunc(limit)), ns);
      if (claims.length > 0) this.#ends.forget();
      return claims;
    });
  }

  releaseRun(ns: string, runId: string, lease: RunLease): Promise<void> {
    return this.#do(`releaseRun "${runId}" (namespace "${ns}")`, () => {
      if (this.#ownership.releaseRun(ns, runId, lease)) this.#ends.forget();
    });
  }

  postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number> {
    return this.#do(`postToInbox "${runId}" (namespace "${ns}")`, () => {
      const payload = toJson(message.payload, () => `payload of a ${message.kind} for run "${runId}"`);
      const id = Number(this.#q.postInbox.run(ns, runId, message.kind, payload, message.at).lastInsertRowid);
      this.#watchers.notify({ kind: 'inbox', ns, runId });
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
      const remove = () => void this.#q.deleteInbox.run(ns, runId, upToId);
      if (fence === undefined) remove();
      else this.#ownership.fenced(ns, runId, fence, remove);
    });
  }

  markSeen(ns: string, scope: string, id: string): Promise<boolean> {
    return this.#do(
      `markSeen ${scope}/${id} (namespace "${ns}")`,
      () => this.#q.markSeen.run(ns, scope, id).changes === 1,
    );
  }

  watch(listener: (change: StoreChange) => void): () => void {
    return this.#watchers.add(listener);
  }

  clock(): Promise<number> {
    return this.#do('clock', () => Date.now());
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

  deleteRun(ns: string, runId: string, onlyIfStatus: readonly string[]): Promise<DeleteRunOutcome> {
    return this.#do(`deleteRun "${runId}" (namespace "${ns}")`, () => {
      const outcome = this.#deletion.deleteRun(ns, runId, onlyIfStatus);
      if (outcome.deleted) this.#deleted([runId], ns);
      return outcome;
    });
  }

  purgeRuns(ns: string, options: PurgeRunsOptions): Promise<string[]> {
    return this.#do(`purgeRuns (namespace "${ns}")`, () => {
      const ids = this.#deletion.purgeRuns(ns, options);
      this.#deleted(ids, ns);
      return ids;
    });
  }

  /** Deleted runs' journals end nowhere now: forget the ends this connection remembered for them. */
  #deleted(runIds: readonly string[], ns: string): void {
    for (const runId of runIds) this.#ends.drop(ns, runId);
    if (runIds.length > 0) this.#checkpointer?.wrote();
  }

  createSchedule(schedule: NewSchedule): Promise<void> {
    return this.#do(`createSchedule "${schedule.scheduleId}" (namespace "${schedule.ns}")`, () =>
      this.#schedules.create(schedule),
    );
  }

  getSchedule(ns: string, scheduleId: string): Promise<ScheduleRecord | undefined> {
    return this.#do(`getSchedule "${scheduleId}" (namespace "${ns}")`, () =>
      this.#schedules.get(ns, scheduleId),
    );
  }

  listSchedules(ns: string, options: { limit?: number; cursor?: string } = {}): Promise<SchedulePage> {
    return this.#do(`listSchedules (namespace "${ns}")`, () => this.#schedules.list(ns, options));
  }

  updateSchedule(
    ns: string,
    scheduleId: string,
    expectedRevision: number,
    update: ScheduleUpdate,
  ): Promise<boolean> {
    return this.#do(`updateSchedule "${scheduleId}" (namespace "${ns}")`, () =>
      this.#schedules.update(ns, scheduleId, expectedRevision, update),
    );
  }

  deleteSchedule(ns: string, scheduleId: string): Promise<boolean> {
    return this.#do(`deleteSchedule "${scheduleId}" (namespace "${ns}")`, () =>
      this.#schedules.delete(ns, scheduleId),
    );
  }

  dueSchedules(ns: string, upTo: number, limit: number): Promise<ScheduleRecord[]> {
    return this.#do(`dueSchedules (namespace "${ns}")`, () => this.#schedules.due(ns, upTo, limit));
  }
  createHook(hook: NewHookRecord): Promise<void> {
    return this.#do(`createHook "${hook.name}" (namespace "${hook.ns}")`, () => this.#hooks.create(hook));
  }

  getHook(ns: string, name: string): Promise<HookRecord | undefined> {
    return this.#do(`getHook "${name}" (namespace "${ns}")`, () => this.#hooks.get(ns, name));
  }

  listHooks(ns: string, options: { trigger?: string } = {}): Promise<HookRecord[]> {
    return this.#do(`listHooks (namespace "${ns}")`, () => this.#hooks.list(ns, options.trigger));
  }

  updateHook(ns: string, name: string, update: HookRecordUpdate): Promise<boolean> {
    return this.#do(`updateHook "${name}" (namespace "${ns}")`, () => this.#hooks.update(ns, name, update));
  }

  deleteHook(ns: string, name: string): Promise<boolean> {
    return this.#do(`deleteHook "${name}" (namespace "${ns}")`, () => this.#hooks.delete(ns, name));
  }

  appendHookExecutions(records: readonly NewHookExecutionRecord[]): Promise<void> {
    return this.#do(`appendHookExecutions (${records.length})`, () => this.#hooks.append(records));
  }

  listHookExecutions(ns: string, query: HookExecutionQuery = {}): Promise<HookExecutionPage> {
    return this.#do(`listHookExecutions (namespace "${ns}")`, () => this.#hooks.page(ns, query));
  }

  purgeHookExecutions(before: number, limit: number): Promise<number> {
    return this.#do('purgeHookExecutions', () => this.#hooks.purge(before, limit));
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

  postResult(
    ns: string,
    runId: string,
    message: Omit<InboxMessage, 'id' | 'runId'>,
    idem: string,
    now: number,
  ): Promise<number> {
    return this.#do(`postResult "${idem}" for run "${runId}" (namespace "${ns}")`, () => {
      const payload = toJson(message.payload, () => `payload of a ${message.kind} for run "${runId}"`);
      const id = this.#db
        .transaction(() => {
          const posted = Number(
            this.#q.postInbox.run(ns, runId, message.kind, payload, message.at).lastInsertRowid,
          );
          this.#work.finishWork(ns, idem, now);
          return posted;
        })
        .immediate();
      this.#watchers.notify({ kind: 'inbox', ns, runId });
      return id;
    });
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
      this.#watchers.clear();
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
