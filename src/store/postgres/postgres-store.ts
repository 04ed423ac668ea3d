// The distributed Store: PostgreSQL through a pg Pool, every table in the store URL's schema. Each method
// is one named prepared statement (one round trip; a group commit too, see journal.ts), wrapped here:
// refused after close, driver errors become StoreUnavailableError naming the operation, a value the
// database cannot store (class 22) StoreInvalidArgumentError.

import type pg from 'pg';
import { BatonError } from '../../errors/registry.js';
import {
  StoreClosedError,
  StoreInvalidArgumentError,
  StoreUnavailableError,
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
  type DeleteRunOutcome,
  type NewSchedule,
  type PurgeRunsOptions,
  type SchedulePage,
  type ScheduleRecord,
  type ScheduleUpdate,
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
import { checkAppend } from '../store-args.js';
import { StoreWatchers } from '../store-watchers.js';
import { JournalAnnouncer } from './announce.js';
import * as catalog from './catalog.js';
import { clientConfig, openPool, poolQuery, type ConnectionOptions } from './connection.js';
import { DATA_EXCEPTION_CLASS, logged, sqlState, type Query } from './db.js';
import { appendBatch, readJournal } from './journal.js';
import * as leases from './leases.js';
import { migrate } from './migrate.js';
import { ChangeFeed } from './notify.js';
import * as runs from './runs.js';
import * as hooks from './hooks.js';
import * as schedules from './schedules.js';
import * as work from './work.js';

export interface PostgresStoreOptions extends ConnectionOptions {
  /** The URL with its password masked, for messages. */
  readonly display: string;
}

/** Opens the pool, migrates the schema (creating it if missing) and starts the change feed. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  let idleErrors = 0;
  const pool = openPool(options, (e) => {
    idleErrors++;
    console.warn(
      `[postgres store] an idle connection to ${options.display} failed (${idleErrors} so far):`,
      e.message,
    );
  });
  const ownPids = new Set<number>();
  pool.on('connect', (c) => ownPids.add(processId(c)));
  pool.on('remove', (c) => ownPids.delete(processId(c)));
  const changes = new StoreWatchers('postgres');
  const feed = new ChangeFeed(clientConfig(options), ownPids, changes);
  try {
    const client = await pool.connect();
    try {
      await migrate(client, options.schema);
      client.release();
    } catch (e) {
      client.release(true); // it may hold a transaction or the lock: not reused
      throw e;
    }
    await feed.start();
    return new PostgresStore(pool, feed, changes);
  } catch (e) {
    await feed.close();
    await pool.end().catch(logged('closing the pool of a store that did not open'));
    throw e instanceof BatonError
      ? e
      : new StoreUnavailableError(`postgres store: open ${options.display}`, e);
  }
}

const processId = (c: pg.PoolClient): number => (c as unknown as { processID: number }).processID;

/**
 * Appends per group commit before the engine sends it and gathers the next (Store.pipelineBatch): small
 * enough that the server commits one batch while the engine decides the next, large enough that a
 * commit's fixed cost (its round trip, the WAL flush) is shared by many runs.
 */
const PIPELINE_BATCH = 250;

class PostgresStore implements Store {
  readonly pipelineBatch = PIPELINE_BATCH;
  /** postResult's notification carries the message (work.ts), to every instance's change feed. */
  readonly sendsResults = true;
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #changes: StoreWatchers;
  readonly #q: Query;
  readonly #announcer: JournalAnnouncer;
  #closed = false;

  constructor(pool: pg.Pool, feed: ChangeFeed, changes: StoreWatchers) {
    this.#pool = pool;
    this.#feed = feed;
    this.#changes = changes;
    this.#q = poolQuery(pool);
    this.#announcer = new JournalAnnouncer(this.#q);
  }

  /** Runs one operation: refuses after close, wraps driver errors with what was being done. */
  async #do<T>(operation: string, fn: (q: Query) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreClosedError(operation);
    try {
      return await fn(this.#q);
    } catch (e) {
      if (e instanceof BatonError) throw e;
      if (sqlState(e)?.startsWith(DATA_EXCEPTION_CLASS)) {
        throw new StoreInvalidArgumentError(`${operation}: ${(e as Error).message}`, { cause: e });
      }
      throw new StoreUnavailableError(`postgres store: ${operation}`, e);
    }
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
      return this.#appendBatch([req]);
    });
  }

  appendMany(batch: readonly AppendRequest[]): Promise<void> {
    return this.#do(`appendMany (${batch.length} runs)`, () => {
      batch.forEach(checkAppend);
      return this.#appendBatch(batch);
    });
  }

  async #appendBatch(batch: readonly AppendRequest[]): Promise<void> {
    if (batch.length === 0) return;
    const appended = await appendBatch(this.#q, batch);
    for (const a of appended) {
      if (a.records === 0) continue;
      this.#announcer.add(a.ns, a.runId);
      if (this.#changes.size > 0) this.#changes.notify({ kind: 'journal', ns: a.ns, runId: a.runId });
    }
  }

  read(ns: string, runId: string, options?: ReadOptions): Promise<JournalRecord[]> {
    return this.#do(`read run "${runId}" (namespace "${ns}")`, (q) => readJournal(q, ns, runId, options));
  }

  createRun(run: NewRun): Promise<void> {
    return this.#do(`createRun "${run.runId}" (namespace "${run.ns}")`, (q) => runs.createRun(q, run));
  }
  findRunByRequest(ns: string, requestId: string): Promise<string | undefined> {
    return this.#do(`findRunByRequest "${requestId}" (namespace "${ns}")`, (q) =>
      runs.findRunByRequest(q, ns, requestId),
    );
  }

  updateRun(ns: string, runId: string, patch: RunPatch): Promise<void> {
    return this.#do(`updateRun "${runId}" (namespace "${ns}")`, (q) => runs.updateRun(q, ns, runId, patch));
  }

  getRun(ns: string, runId: string): Promise<RunRecord | undefined> {
    return this.#do(`getRun "${runId}" (namespace "${ns}")`, (q) => runs.getRun(q, ns, runId));
  }

  listRuns(ns: string, options: ListRunsOptions = {}): Promise<RunPage> {
    return this.#do(`listRuns (namespace "${ns}")`, (q) => runs.listRuns(q, ns, options));
  }

  saveSnapshot(ns: string, runId: string, seq: number, state: unknown, fence?: RunLease): Promise<void> {
    return this.#do(`saveSnapshot "${runId}" at seq ${seq} (namespace "${ns}")`, (q) =>
      runs.saveSnapshot(q, ns, runId, seq, state, fence),
    );
  }

  loadSnapshot(ns: string, runId: string): Promise<Snapshot | undefined> {
    return this.#do(`loadSnapshot "${runId}" (namespace "${ns}")`, (q) => runs.loadSnapshot(q, ns, runId));
  }

  putWorkflow(ns: string, w: WorkflowDefinition): Promise<void> {
    return this.#do(`putWorkflow ${w.name}@${w.version} (namespace "${ns}")`, (q) =>
      catalog.putWorkflow(q, ns, w),
    );
  }

  getWorkflow(ns: string, name: string, version?: string): Promise<WorkflowDefinition | undefined> {
    return this.#do(`getWorkflow ${name}@${version ?? 'latest'} (namespace "${ns}")`, (q) =>
      catalog.getWorkflow(q, ns, name, version),
    );
  }

  listWorkflows(ns: string): Promise<WorkflowVersionRef[]> {
    return this.#do(`listWorkflows (namespace "${ns}")`, (q) => catalog.listWorkflows(q, ns));
  }

  deleteWorkflow(ns: string, name: string, version?: string): Promise<number> {
    return this.#do(`deleteWorkflow ${name}@${version ?? '*'} (namespace "${ns}")`, (q) =>
      catalog.deleteWorkflow(q, ns, name, version),
    );
  }

  claimRun(
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<RunClaim | undefined> {
    return this.#do(`claimRun "${runId}" for ${owner} (namespace "${ns}")`, (q) =>
      leases.claimRun(q, ns, runId, owner, leaseMs, takeOverFrom),
    );
  }

  renewLeases(owner: string, leaseMs: number): Promise<RunClaim[]> {
    return this.#do(`renewLeases of ${owner}`, (q) => leases.renewLeases(q, owner, leaseMs));
  }

  claimExpiredRuns(owner: string, leaseMs: number, limit: number, ns?: string): Promise<RunClaim[]> {
    return this.#do(`claimExpiredRuns for ${owner} (namespace "${ns ?? '*'}")`, (q) =>
      leases.claimExpiredRuns(q, owner, leaseMs, limit, ns),
    );
  }

  releaseRun(ns: string, runId: string, lease: RunLease): Promise<void> {
    return this.#do(`releaseRun "${runId}" (namespace "${ns}")`, (q) =>
      leases.releaseRun(q, ns, runId, lease),
    );
  }

  async postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number> {
    const id = await this.#do(`postToInbox "${runId}" (namespace "${ns}")`, (q) =>
      runs.postToInbox(q, ns, runId, message),
    );
    this.#changes.notify({ kind: 'inbox', ns, runId });
    return id;
  }

  readInbox(ns: string, runId: string | null, afterId = 0): Promise<InboxMessage[]> {
    return this.#do(`readInbox "${runId ?? '*'}" (namespace "${ns}")`, (q) =>
      runs.readInbox(q, ns, runId, afterId),
    );
  }

  deleteInbox(ns: string, runId: string, upToId: number, fence?: RunLease): Promise<void> {
    return this.#do(`deleteInbox "${runId}" (namespace "${ns}")`, (q) =>
      runs.deleteInbox(q, ns, runId, upToId, fence),
    );
  }

  markSeen(ns: string, scope: string, id: string): Promise<boolean> {
    return this.#do(`markSeen ${scope}/${id} (namespace "${ns}")`, (q) => runs.markSeen(q, ns, scope, id));
  }

  watch(listener: (change: StoreChange) => void): () => void {
    return this.#changes.add(listener);
  }

  clock(): Promise<number> {
    return this.#do('clock', (q) => leases.clock(q));
  }

  putPlugin(ns: string, plugin: StoredPlugin): Promise<boolean> {
    return this.#do(`putPlugin ${plugin.name}@${plugin.version} (namespace "${ns}")`, (q) =>
      catalog.putPlugin(q, ns, plugin),
    );
  }

  getPlugin(ns: string, sha256: string): Promise<StoredPlugin | undefined> {
    return this.#do(`getPlugin ${sha256} (namespace "${ns}")`, (q) => catalog.getPlugin(q, ns, sha256));
  }

  listPlugins(ns: string): Promise<StoredPluginRef[]> {
    return this.#do(`listPlugins (namespace "${ns}")`, (q) => catalog.listPlugins(q, ns));
  }

  deletePlugin(ns: string, name: string, version: string): Promise<boolean> {
    return this.#do(`deletePlugin ${name}@${version} (namespace "${ns}")`, (q) =>
      catalog.deletePlugin(q, ns, name, version),
    );
  }

  // --- Run deletion (DeleteRun, retention) and schedules: schedules.ts ---

  deleteRun(ns: string, runId: string, onlyIfStatus: readonly string[]): Promise<DeleteRunOutcome> {
    return this.#do(`deleteRun "${runId}" (namespace "${ns}")`, (q) =>
      schedules.deleteRun(q, ns, runId, onlyIfStatus),
    );
  }

  purgeRuns(ns: string, options: PurgeRunsOptions): Promise<string[]> {
    return this.#do(`purgeRuns (namespace "${ns}")`, (q) => schedules.purgeRuns(q, ns, options));
  }

  createSchedule(schedule: NewSchedule): Promise<void> {
    return this.#do(`createSchedule "${schedule.scheduleId}" (namespace "${schedule.ns}")`, (q) =>
      schedules.createSchedule(q, schedule),
    );
  }

  getSchedule(ns: string, scheduleId: string): Promise<ScheduleRecord | undefined> {
    return this.#do(`getSchedule "${scheduleId}" (namespace "${ns}")`, (q) =>
      schedules.getSchedule(q, ns, scheduleId),
    );
  }

  listSchedules(ns: string, options: { limit?: number; cursor?: string } = {}): Promise<SchedulePage> {
    return this.#do(`listSchedules (namespace "${ns}")`, (q) => schedules.listSchedules(q, ns, options));
  }

  updateSchedule(
    ns: string,
    scheduleId: string,
    expectedRevision: number,
    update: ScheduleUpdate,
  ): Promise<boolean> {
    return this.#do(`updateSchedule "${scheduleId}" (namespace "${ns}")`, (q) =>
      schedules.updateSchedule(q, ns, scheduleId, expectedRevision, update),
    );
  }

  deleteSchedule(ns: string, scheduleId: string): Promise<boolean> {
    return this.#do(`deleteSchedule "${scheduleId}" (namespace "${ns}")`, (q) =>
      schedules.deleteSchedule(q, ns, scheduleId),
    );
  }

  dueSchedules(ns: string, upTo: number, limit: number): Promise<ScheduleRecord[]> {
    return this.#do(`dueSchedules (namespace "${ns}")`, (q) => schedules.dueSchedules(q, ns, upTo, limit));
  }

  // --- Hooks: global hooks and the execution log (hooks.ts) ---

  createHook(hook: NewHookRecord): Promise<void> {
    return this.#do(`createHook "${hook.name}" (namespace "${hook.ns}")`, (q) => hooks.createHook(q, hook));
  }

  getHook(ns: string, name: string): Promise<HookRecord | undefined> {
    return this.#do(`getHook "${name}" (namespace "${ns}")`, (q) => hooks.getHook(q, ns, name));
  }

  listHooks(ns: string, options: { trigger?: string } = {}): Promise<HookRecord[]> {
    return this.#do(`listHooks (namespace "${ns}")`, (q) => hooks.listHooks(q, ns, options.trigger));
  }

  updateHook(ns: string, name: string, update: HookRecordUpdate): Promise<boolean> {
    return this.#do(`updateHook "${name}" (namespace "${ns}")`, (q) => hooks.updateHook(q, ns, name, update));
  }

  deleteHook(ns: string, name: string): Promise<boolean> {
    return this.#do(`deleteHook "${name}" (namespace "${ns}")`, (q) => hooks.deleteHook(q, ns, name));
  }

  appendHookExecutions(records: readonly NewHookExecutionRecord[]): Promise<void> {
    return this.#do(`appendHookExecutions (${records.length})`, (q) =>
      hooks.appendHookExecutions(q, records),
    );
  }

  listHookExecutions(ns: string, query: HookExecutionQuery = {}): Promise<HookExecutionPage> {
    return this.#do(`listHookExecutions (namespace "${ns}")`, (q) => hooks.listHookExecutions(q, ns, query));
  }

  purgeHookExecutions(before: number, limit: number): Promise<number> {
    return this.#do('purgeHookExecutions', (q) => hooks.purgeHookExecutions(q, before, limit));
  }

  // --- Workers: the shared roster and work claims (work.ts) ---

  putWorkers(
    ns: string,
    instance: string,
    workers: readonly WorkerEntry[],
    now: number,
    staleBefore: number,
  ): Promise<void> {
    return this.#do(`putWorkers of ${instance} (namespace "${ns}")`, (q) =>
      work.putWorkers(q, ns, instance, workers, now, staleBefore),
    );
  }

  listWorkers(ns: string, freshAfter: number): Promise<WorkerRecord[]> {
    return this.#do(`listWorkers (namespace "${ns}")`, (q) => work.listWorkers(q, ns, freshAfter));
  }

  claimWork(ns: string, req: ClaimRequest): Promise<ClaimOutcome> {
    return this.#do(`claimWork "${req.idem}" for ${req.instance} (namespace "${ns}")`, (q) =>
      work.claimWork(q, ns, req),
    );
  }

  assignWork(ns: string, idem: string, instance: string, workerId: string, now: number): Promise<void> {
    return this.#do(`assignWork "${idem}" (namespace "${ns}")`, (q) =>
      work.assignWork(q, ns, idem, instance, workerId, now),
    );
  }

  renewWork(ns: string, instance: string, now: number): Promise<void> {
    return this.#do(`renewWork of ${instance} (namespace "${ns}")`, (q) =>
      work.renewWork(q, ns, instance, now),
    );
  }

  releaseWork(ns: string, idem: string, instance: string): Promise<void> {
    return this.#do(`releaseWork "${idem}" (namespace "${ns}")`, (q) =>
      work.releaseWork(q, ns, idem, instance),
    );
  }

  finishWork(ns: string, idem: string, now: number): Promise<boolean> {
    return this.#do(`finishWork "${idem}" (namespace "${ns}")`, (q) => work.finishWork(q, ns, idem, now));
  }

  async postResult(
    ns: string,
    runId: string,
    message: Omit<InboxMessage, 'id' | 'runId'>,
    idem: string,
    now: number,
  ): Promise<number> {
    const id = await this.#do(`postResult "${idem}" for run "${runId}" (namespace "${ns}")`, (q) =>
      work.postResult(q, ns, runId, message, idem, now),
    );
    this.#changes.notify({ kind: 'inbox', ns, runId, message: { id, runId, ...message } });
    return id;
  }

  getWork(ns: string, idem: string): Promise<WorkClaim | undefined> {
    return this.#do(`getWork "${idem}" (namespace "${ns}")`, (q) => work.getWork(q, ns, idem));
  }

  pruneWork(ns: string, before: number): Promise<number> {
    return this.#do(`pruneWork (namespace "${ns}")`, (q) => work.pruneWork(q, ns, before));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#announcer.close();
    await this.#feed.close();
    await this.#pool.end();
  }
}
