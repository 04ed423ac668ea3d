// The Store extension point: the interface every storage adapter implements (SQLite embedded, PostgreSQL
// distributed), the records it holds, and the errors it throws. test/conformance/store-suite.ts pins it.

import { quote } from '../errors/quote.js';
import { BatonError } from '../errors/registry.js';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from './work-records.js';

export type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from './work-records.js';
import type {
  HookExecutionPage,
  HookExecutionQuery,
  HookRecord,
  HookRecordUpdate,
  NewHookExecutionRecord,
  NewHookRecord,
} from './hook-records.js';
export type {
  HookExecutionPage,
  HookExecutionQuery,
  HookExecutionRecord,
  HookRecord,
  HookRecordUpdate,
  NewHookExecutionRecord,
  NewHookRecord,
} from './hook-records.js';
export { HookExistsError } from './hook-records.js';

/**
 * One fact about a run. The store keeps it verbatim; only core knows what `type`, `v` and `data` mean.
 * Seqs start at 1 and are consecutive per run.
 */
export interface JournalRecord {
  readonly seq: number;
  readonly type: string;
  /** Version of this entry type's data shape. */
  readonly v: number;
  /** When the runtime observed the fact, in ms since the Unix epoch. */
  readonly at: number;
  /** JSON-serialisable. */
  readonly data: unknown;
}

/** One run's share of a group commit. */
export interface AppendRequest {
  readonly ns: string;
  readonly runId: string;
  /** The seq the writer believes comes next (last stored seq + 1; 1 for an empty journal). */
  readonly expectedNextSeq: number;
  /** Numbered expectedNextSeq, expectedNextSeq + 1, ... An empty list only checks expectedNextSeq. */
  readonly records: readonly JournalRecord[];
  /** Updates the run's row in the same transaction, so its status never disagrees with its journal. */
  readonly run?: RunPatch;
  /** Creates the run's row first, in the same transaction (RunExistsError if the id is taken). */
  readonly create?: NewRun;
  /**
   * The writer's lease: the append (and its run update) succeeds only while the run's row holds exactly
   * this owner and epoch, checked in the same transaction; else RunOwnershipLostError and nothing of the
   * batch is written. Lease expiry alone does not fail it: only a change of owner or epoch does.
   */
  readonly fence?: RunLease;
}

export interface ReadOptions {
  /** Return records with seq > afterSeq (default 0: from the start). */
  readonly afterSeq?: number;
  /** At most this many records (default: all). */
  readonly limit?: number;
}

export interface NewRun {
  readonly ns: string;
  /** Supplied by the caller; unique within the namespace. */
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  /** The runtime's status vocabulary; the store only filters on it. */
  readonly status: string;
  /** ms since the Unix epoch; runs are listed newest first by it. */
  readonly createdAt: number;
  readonly input: unknown;
  /**
   * The StartRun request_id that created the run (its idempotency key): a second run created with the
   * same one in the namespace throws RunExistsError, and findRunByRequest finds this run by it.
   */
  readonly requestId?: string;
  /** Claim the run for this owner at creation (epoch 1), until the store's clock + `leaseMs`. */
  readonly owner?: string;
  readonly leaseMs?: number;
}

export interface RunPatch {
  readonly status: string;
  readonly updatedAt: number;
  readonly lastSeq: number;
  /** Replaces the stored summary when given; kept as it was when omitted. */
  readonly summary?: unknown;
  /**
   * Give up ownership with this update (the run ended): owner cleared, lease lapsed. In a fenced append
   * only while the fence still holds the run (otherwise the whole append fails).
   */
  readonly release?: boolean;
}

/** The fencing token of a run's owner: every write on the owner's behalf carries it. */
export interface RunLease {
  readonly owner: string;
  /** Increases by one each time the run changes hands (1 for a run created already claimed). */
  readonly epoch: number;
}

/** What claimRun / claimExpiredRuns hand the new owner. */
export interface RunClaim extends RunLease {
  readonly ns: string;
  readonly runId: string;
  /** The owner it was taken from (absent when the run had none), and that owner's epoch (0 when none). */
  readonly previousOwner?: string;
  readonly previousEpoch: number;
}

/** Woken after a commit that appended to a run's journal or posted to its inbox (any instance's, where the adapter can see them). */
export interface StoreChange {
  readonly kind: 'journal' | 'inbox';
  readonly ns: string;
  readonly runId: string;
  /**
   * A worker's result posted by postResult, sent along when the store can (PostgreSQL: in the
   * notification, up to a size): the run's owner journals it without reading its inbox.
   */
  readonly message?: InboxMessage;
}

/** A run's row as stored: what it was created with, and what updates and claims made of it since. */
export interface RunRecord extends Omit<NewRun, 'owner' | 'leaseMs'> {
  readonly updatedAt: number;
  /** As last reported by updateRun (0 until then); the journal itself is the truth. */
  readonly lastSeq: number;
  readonly summary?: unknown;
  /** The process driving the run while its lease lasts (see claimRun); absent when none claimed it. */
  readonly owner?: string;
  /** ms since the Unix epoch by the store's clock; the owner's claim lapses then (0 when never claimed). */
  readonly leaseUntil: number;
  /** The fencing epoch: how many times the run changed hands (0 for a run never claimed). */
  readonly epoch: number;
}

/** A command posted to a run from outside the process that drives it. */
export interface InboxMessage {
  /** Increasing per store: the order commands are taken in, and their dedupe id. */
  readonly id: number;
  readonly runId: string;
  readonly kind: string;
  readonly payload: unknown;
  readonly at: number;
}

export interface ListRunsOptions {
  readonly status?: string;
  readonly workflowName?: string;
  /** Page size, 1..MAX_PAGE (default DEFAULT_PAGE). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface RunPage {
  /** Newest first (createdAt, then runId, descending). */
  readonly runs: readonly RunRecord[];
  /** Present when more runs may follow; stable even while new runs are created. */
  readonly nextCursor?: string;
}

export interface Snapshot {
  /** The journal seq the state was folded up to. */
  readonly seq: number;
  readonly state: unknown;
}

export interface WorkflowDefinition {
  readonly name: string;
  readonly version: string;
  /** The YAML text as the user wrote it. */
  readonly source: string;
  /** The validated, JSON-serialisable spec. */
  readonly spec: unknown;
}

export interface WorkflowVersionRef {
  readonly name: string;
  readonly version: string;
}

/** A plugin's bytes and manifest, kept by sha256 so every instance can load the plugin a run is bound to. */
export interface StoredPlugin {
  readonly name: string;
  readonly version: string;
  /** Hex sha256 of `wasm`: the plugin's identity (a run's binding names it). */
  readonly sha256: string;
  /** The plugin's manifest as JSON (the store does not read it). */
  readonly manifest: unknown;
  readonly wasm: Uint8Array;
}

/** A stored plugin without its bytes (listPlugins). */
export interface StoredPluginRef extends Omit<StoredPlugin, 'wasm'> {
  readonly sizeBytes: number;
  /** When it was first stored, ms since the Unix epoch. */
  readonly storedAt: number;
}

/** A schedule's row. `spec` and `state` are JSON the runtime owns; the store queries the other columns. */
export interface NewSchedule {
  readonly ns: string;
  /** Unique within the namespace. */
  readonly scheduleId: string;
  readonly spec: unknown;
  readonly paused: boolean;
  /** Why it was paused (or anything the owner wants to say about it); '' for none. */
  readonly note: string;
  /** The first nominal fire not yet handled (ms since the Unix epoch); null when it never fires again. */
  readonly nextFireAt: number | null;
  /** When a scheduler should next look at it (dueSchedules); null for never. */
  readonly wakeAt: number | null;
  readonly state: unknown;
  readonly createdAt: number;
}

export interface ScheduleRecord extends NewSchedule {
  /** 1 at creation, one more with each successful updateSchedule: the condition of the next update. */
  readonly revision: number;
  readonly updatedAt: number;
}

/** Everything updateSchedule replaces (the whole mutable row: callers read, change, write back). */
export type ScheduleUpdate = Omit<NewSchedule, 'ns' | 'scheduleId' | 'createdAt'> & {
  readonly updatedAt: number;
};

export interface SchedulePage {
  /** By schedule id. */
  readonly schedules: readonly ScheduleRecord[];
  readonly nextCursor?: string;
}

/** What deleteRun found: deleted, or left alone because of its status, or no such run. */
export type DeleteRunOutcome =
  | { readonly deleted: true }
  | { readonly deleted: false; readonly status: string }
  | { readonly deleted: false; readonly status?: undefined };

export interface PurgeRunsOptions {
  /** Only runs in one of these statuses (the runtime's names for "ended"). */
  readonly statuses: readonly string[];
  /** Only runs whose row was last updated (for an ended run: when it ended) before this time, in ms. */
  readonly updatedBefore: number;
  /** At most this many runs in one call (one transaction), 1..MAX_PAGE. */
  readonly limit: number;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/**
 * Durable state of the control plane. Every key carries a namespace: the same run id or workflow name in
 * two namespaces names two different things. All methods reject with a BatonError: the typed errors below,
 * or StoreUnavailableError wrapping the driver's error.
 */
export interface Store {
  /** Appends one run's records atomically, or throws JournalConflictError if another writer got there first. */
  append(
    ns: string,
    runId: string,
    expectedNextSeq: number,
    records: readonly JournalRecord[],
  ): Promise<void>;
  /** Group commit: all appends (for any number of runs, in order) land in one transaction, or none does. */
  appendMany(batch: readonly AppendRequest[]): Promise<void>;
  /**
   * For a store that commits on a server, concurrently with this process (PostgreSQL): how many appends
   * a group commit takes before the engine's journal writer sends it and starts gathering the next, so
   * the server commits one batch while this process decides the next. Absent: one group commit per
   * turn of the event loop, whatever its size (SQLite commits in this process's own thread).
   */
  readonly pipelineBatch?: number;
  /**
   * True when watch() on every instance is told of a postResult with the message itself
   * (StoreChange.message; PostgreSQL's notifications carry it): the instance posting a result need not
   * wake the run's owner another way (agents/work-intake.ts sends it on the bus otherwise).
   */
  readonly sendsResults?: boolean;
  /** A run's records in seq order. */
  read(ns: string, runId: string, options?: ReadOptions): Promise<JournalRecord[]>;

  /** Throws RunExistsError if the id is taken in the namespace. updatedAt starts as createdAt, lastSeq as 0. */
  createRun(run: NewRun): Promise<void>;
  /** Throws RunNotFoundError if there is no such run. */
  updateRun(ns: string, runId: string, patch: RunPatch): Promise<void>;
  getRun(ns: string, runId: string): Promise<RunRecord | undefined>;
  listRuns(ns: string, options?: ListRunsOptions): Promise<RunPage>;

  /**
   * Keeps the snapshot with the highest seq: saving an older one than stored is a no-op. With `fence`,
   * RunOwnershipLostError (and nothing saved) unless the run's row holds exactly that owner and epoch.
   */
  saveSnapshot(ns: string, runId: string, seq: number, state: unknown, fence?: RunLease): Promise<void>;
  loadSnapshot(ns: string, runId: string): Promise<Snapshot | undefined>;

  /** Idempotent for the same source; throws WorkflowConflictError when name+version holds another source. */
  putWorkflow(ns: string, workflow: WorkflowDefinition): Promise<void>;
  /** The given version, or without one the most recently stored version. */
  getWorkflow(ns: string, name: string, version?: string): Promise<WorkflowDefinition | undefined>;
  /** Every stored version, by name, oldest version first. */
  listWorkflows(ns: string): Promise<WorkflowVersionRef[]>;
  /** Deletes one version, or all versions without one; returns how many were deleted. */
  deleteWorkflow(ns: string, name: string, version?: string): Promise<number>;

  /**
   * Takes the run for `owner` if it has no owner, its lease has expired by the store's clock, it is
   * `owner`'s already (a re-claim by the same owner keeps its epoch and extends the lease), or its owner
   * is `takeOverFrom` (an owner the caller knows is dead). Taking it from another owner (or from none)
   * increments the epoch. Undefined when another owner's lease is live, the run ended (completed, failed,
   * cancelled), or there is no such run.
   */
  claimRun(
    ns: string,
    runId: string,
    owner: string,
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<RunClaim | undefined>;

  /**
   * Renews, in ONE statement, the lease of every run `owner` holds (all namespaces) until store clock +
   * leaseMs, and returns the runs it still holds with their epochs. A run missing from the answer was
   * taken over (or ended): its driver must stop at once.
   */
  renewLeases(owner: string, leaseMs: number): Promise<RunClaim[]>;

  /**
   * Claims up to `limit` runs (of namespace `ns`; any namespace when it is absent) that have not ended
   * and whose lease has expired by the store's clock (or that have no owner while not ended), for
   * `owner`; each claim increments the epoch. An instance passes the namespace it serves, so it never
   * claims (and has to release again) another namespace's runs.
   * Runs `owner` itself holds are left out, lapsed or not: its renewal extends them under the same epoch,
   * where a claim would depose its own driver. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances
   * claiming at once never take the same run.
   */
  claimExpiredRuns(owner: string, leaseMs: number, limit: number, ns?: string): Promise<RunClaim[]>;

  /** Gives the lease up if `lease` still holds it (owner and epoch); a deposed owner releases nothing. */
  releaseRun(ns: string, runId: string, lease: RunLease): Promise<void>;

  /** Posts a command for the run's owner (or whoever takes the run over next); returns its id. */
  postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number>;
  /** Commands posted to the run (to any run of the namespace when runId is null) with id > afterId, oldest first. */
  readInbox(ns: string, runId: string | null, afterId?: number): Promise<InboxMessage[]>;
  /**
   * Drops the run's commands with id <= upToId (after they were journaled). With `fence`,
   * RunOwnershipLostError (and nothing deleted) unless the run's row holds exactly that owner and epoch.
   */
  deleteInbox(ns: string, runId: string, upToId: number, fence?: RunLease): Promise<void>;

  /** The run a StartRun request_id created (NewRun.requestId), if any; forgotten with its run. */
  findRunByRequest(ns: string, requestId: string): Promise<string | undefined>;

  /** Dedupe for at-least-once inputs: true the first time (scope, id) is seen, false after. */
  markSeen(ns: string, scope: string, id: string): Promise<boolean>;

  /**
   * Calls `listener` after commits that appended to a journal or posted to an inbox. PostgreSQL: from
   * LISTEN/NOTIFY (every instance's commits; a notification per transaction per run, coalesced is fine).
   * SQLite: this store's own commits only (other processes are seen by the caller's polling backstop).
   * Returns an unsubscribe function. A listener that throws is logged, never breaks the store.
   */
  watch(listener: (change: StoreChange) => void): () => void;

  /** The store's clock (ms since the epoch): the clock leases expire by. PostgreSQL: the server's now(). */
  clock(): Promise<number>;

  /**
   * Stores a plugin by its sha256; the same sha256 again is a no-op (returns false). Throws
   * PluginConflictError when name@version is stored with other bytes (a version is immutable).
   */
  putPlugin(ns: string, plugin: StoredPlugin): Promise<boolean>;
  getPlugin(ns: string, sha256: string): Promise<StoredPlugin | undefined>;
  /** Every stored plugin without its bytes, by name then in the order stored. */
  listPlugins(ns: string): Promise<StoredPluginRef[]>;
  /** Deletes name@version; returns false when it was not stored. */
  deletePlugin(ns: string, name: string, version: string): Promise<boolean>;

  /**
   * Deletes a run with its journal, snapshot and inbox, in one transaction, but only while its status is
   * one of `onlyIfStatus` (the runtime passes its "ended" statuses); otherwise nothing is deleted and the
   * outcome carries the status found (none when there is no such run).
   */
  deleteRun(ns: string, runId: string, onlyIfStatus: readonly string[]): Promise<DeleteRunOutcome>;
  /**
   * Retention: deletes up to `limit` runs of the namespace matching the options (oldest update first),
   * each with its journal, snapshot and inbox, in one transaction; returns their ids. Call again until it
   * returns fewer than `limit`.
   */
  purgeRuns(ns: string, options: PurgeRunsOptions): Promise<string[]>;

  /** Throws ScheduleExistsError if the id is taken in the namespace. Its revision starts at 1. */
  createSchedule(schedule: NewSchedule): Promise<void>;
  getSchedule(ns: string, scheduleId: string): Promise<ScheduleRecord | undefined>;
  listSchedules(ns: string, options?: { limit?: number; cursor?: string }): Promise<SchedulePage>;
  /**
   * Replaces the schedule's mutable fields if its revision is still `expectedRevision` (then revision + 1):
   * one conditional UPDATE, so of several processes claiming the same due fire exactly one wins. False
   * when the revision moved on (another writer got there first) or the schedule is gone.
   */
  updateSchedule(
    ns: string,
    scheduleId: string,
    expectedRevision: number,
    update: ScheduleUpdate,
  ): Promise<boolean>;
  /** True when it existed. Runs it started are kept. */
  deleteSchedule(ns: string, scheduleId: string): Promise<boolean>;
  /** Schedules not paused whose wakeAt is at or before `upTo`, earliest first, at most `limit` (1..MAX_PAGE). */
  dueSchedules(ns: string, upTo: number, limit: number): Promise<ScheduleRecord[]>;

  // ── Workers (work-records.ts): the shared roster and work claims ──────────────────────────────────

  /**
   * Replaces `instance`'s roster rows with `workers`, all heartbeated at `now`, and deletes every row
   * (any instance's) not heartbeated since `staleBefore`. One transaction.
   */
  putWorkers(
    ns: string,
    instance: string,
    workers: readonly WorkerEntry[],
    now: number,
    staleBefore: number,
  ): Promise<void>;
  /** Roster rows heartbeated after `freshAfter`, by worker id then instance. */
  listWorkers(ns: string, freshAfter: number): Promise<WorkerRecord[]>;

  /**
   * Takes the claim on an attempt for `req.instance`: free (no row), already its own, or its holder's
   * stale (not renewed since staleBefore) or named in takeOverFrom. Atomic: of two instances claiming
   * at once, one gets it. A done claim is never taken.
   */
  claimWork(ns: string, req: ClaimRequest): Promise<ClaimOutcome>;
  /** Records which worker has it, if `instance` still holds it. */
  assignWork(ns: string, idem: string, instance: string, workerId: string, now: number): Promise<void>;
  /** Renews every claim `instance` holds (not done) as of `now`: one statement. */
  renewWork(ns: string, instance: string, now: number): Promise<void>;
  /** Gives up a claim `instance` holds (not done): anyone may claim the attempt now (the worker hint stays). */
  releaseWork(ns: string, idem: string, instance: string): Promise<void>;
  /** Marks the attempt's result recorded, whoever holds it; true if this call did. */
  finishWork(ns: string, idem: string, now: number): Promise<boolean>;
  /**
   * A worker's result for a run another instance may own: posts `message` to the run's inbox (as
   * postToInbox) and marks the attempt `idem` done (as finishWork) in one transaction, so the result is
   * recorded and its claim closed with one durable commit. Returns the inbox id.
   */
  postResult(
    ns: string,
    runId: string,
    message: Omit<InboxMessage, 'id' | 'runId'>,
    idem: string,
    now: number,
  ): Promise<number>;
  getWork(ns: string, idem: string): Promise<WorkClaim | undefined>;
  /** Deletes claims not updated since `before` (done ones, and held ones nobody renews); returns how many. */
  pruneWork(ns: string, before: number): Promise<number>;

  // ── Hooks (hook-records.ts): global hooks (workflow_hooks) and the execution log ─────────────────

  /** Throws HookExistsError if the name is taken in the namespace (updatedAt starts as createdAt). */
  createHook(hook: NewHookRecord): Promise<void>;
  getHook(ns: string, name: string): Promise<HookRecord | undefined>;
  /** The namespace's hooks by priority then name; `trigger` narrows to one trigger. */
  listHooks(ns: string, options?: { trigger?: string }): Promise<HookRecord[]>;
  /** Replaces the hook's mutable fields; false when there is no such hook. */
  updateHook(ns: string, name: string, update: HookRecordUpdate): Promise<boolean>;
  /** True when it existed. Its logged executions are kept (retention deletes them). */
  deleteHook(ns: string, name: string): Promise<boolean>;
  /** Appends executions to the log, in one transaction. */
  appendHookExecutions(records: readonly NewHookExecutionRecord[]): Promise<void>;
  /** The namespace's logged executions, newest first, narrowed by run and/or hook name. */
  listHookExecutions(ns: string, query?: HookExecutionQuery): Promise<HookExecutionPage>;
  /** Retention: deletes up to `limit` executions (any namespace) logged before `before`; returns how many. */
  purgeHookExecutions(before: number, limit: number): Promise<number>;

  /** Releases the connection; later calls reject with StoreClosedError. Closing twice is a no-op. */
  close(): Promise<void>;
}

/**
 * Thrown by append/appendMany when the journal's next seq is not the one the writer expected: another
 * writer appended first (or this one skipped ahead). Nothing of the append (or its batch) was written.
 */
export class JournalConflictError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
    readonly expectedNextSeq: number,
    /** Undefined when an adapter learnt of the conflict from the primary key rather than by reading. */
    readonly actualNextSeq: number | undefined,
  ) {
    const actual = actualNextSeq === undefined ? 'already taken' : `at ${actualNextSeq}`;
    super(
      'BATON_E_JOURNAL_CONFLICT',
      `journal of run "${runId}" (namespace "${ns}"): expected to append at seq ${expectedNextSeq}, ` +
        `but the next seq is ${actual}; another writer owns this run`,
    );
  }
}

/**
 * Thrown by a fenced write (append, saveSnapshot, deleteInbox) when the run's row no longer holds the
 * writer's lease: another instance took the run over (a new epoch), or it was released. Nothing of the
 * write happened. The writer must stop driving the run at once and release nothing.
 */
export class RunOwnershipLostError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
    readonly lease: RunLease,
    /** The row's owner and epoch now, when the adapter read them (owner absent: released). */
    readonly now?: { readonly owner?: string; readonly epoch: number },
  ) {
    const taken =
      now === undefined
        ? ''
        : ` (now epoch ${now.epoch}${now.owner === undefined ? ', no owner' : ` / owner ${now.owner}`})`;
    super(
      'BATON_E_RUN_OWNERSHIP_LOST',
      `run ${runId} (namespace ${ns}): this instance (owner ${lease.owner}, epoch ${lease.epoch}) no longer ` +
        `owns it; it was taken over${taken}`,
    );
  }
}

/** Thrown by createRun when the run id is already used in the namespace. */
export class RunExistsError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
    /** Set when it is the request_id that another run of the namespace was created with. */
    readonly requestId?: string,
  ) {
    super(
      'BATON_E_RUN_EXISTS',
      requestId === undefined
        ? `run "${runId}" already exists in namespace "${ns}"`
        : `request_id "${requestId}" already started another run in namespace "${ns}"`,
    );
  }
}

/** Thrown by updateRun when the run does not exist. */
export class RunNotFoundError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
  ) {
    super('BATON_E_RUN_NOT_FOUND', `run ${quote(runId)} does not exist in namespace "${ns}"`);
  }
}

/** Thrown by createSchedule when the schedule id is already used in the namespace. */
export class ScheduleExistsError extends BatonError {
  constructor(
    readonly ns: string,
    readonly scheduleId: string,
  ) {
    super('BATON_E_SCHEDULE_EXISTS', `schedule "${scheduleId}" already exists in namespace "${ns}"`);
  }
}

/** Thrown by putWorkflow when name+version is already stored with a different source. */
export class WorkflowConflictError extends BatonError {
  constructor(
    readonly ns: string,
    readonly workflowName: string,
    readonly version: string,
  ) {
    super(
      'BATON_E_WORKFLOW_CONFLICT',
      `workflow ${workflowName}@${version} in namespace "${ns}" is already stored with a different source; ` +
        'give the changed workflow a new version',
    );
  }
}

/** Thrown when an argument cannot be stored: misnumbered records, non-JSON data, a bad cursor or limit. */
export class StoreInvalidArgumentError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BATON_E_STORE_INVALID', message, options);
  }
}

/** Thrown on open when the database's schema is newer than every migration this build knows. */
export class StoreSchemaError extends BatonError {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      'BATON_E_STORE_SCHEMA',
      `the database is at schema version ${found}, but this Baton knows versions up to ${supported}; ` +
        'upgrade Baton or use another data directory',
    );
  }
}

/** Thrown by any call made after close(). */
export class StoreClosedError extends BatonError {
  constructor(readonly operation: string) {
    super('BATON_E_STORE_CLOSED', `store ${operation}: the store is closed`);
  }
}

/** Wraps a driver failure (lock, I/O, corruption, lost connection), naming the adapter and operation. */
export class StoreUnavailableError extends BatonError {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('BATON_E_STORE_UNAVAILABLE', `${operation} failed: ${reason}`, { cause });
  }
}
/** Thrown by putPlugin when name@version is already stored with other bytes. */
export class PluginConflictError extends BatonError {
  constructor(
    readonly ns: string,
    readonly pluginName: string,
    readonly version: string,
    readonly storedSha256: string,
    readonly sha256: string,
  ) {
    super(
      'BATON_E_PLUGIN_EXISTS',
      `plugin ${pluginName}@${version} is already stored with other bytes in namespace "${ns}" (sha256 ${storedSha256}, ` +
        `these have ${sha256}); a version is immutable: bump the version to store the change`,
    );
  }
}
