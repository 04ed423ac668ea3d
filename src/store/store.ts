// The Store extension point: the interface every storage adapter implements (SQLite embedded, PostgreSQL
// distributed), the records it holds, and the errors it throws. test/conformance/store-suite.ts pins it.

import { BatonError } from '../errors/registry.js';
import type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from './work-records.js';

export type { ClaimOutcome, ClaimRequest, WorkClaim, WorkerEntry, WorkerRecord } from './work-records.js';

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
  /** Claim the run for this owner at creation (see claimRun), until `leaseUntil`. */
  readonly owner?: string;
  readonly leaseUntil?: number;
}

export interface RunPatch {
  readonly status: string;
  readonly updatedAt: number;
  readonly lastSeq: number;
  /** Replaces the stored summary when given; kept as it was when omitted. */
  readonly summary?: unknown;
  /** Give up ownership with this update (the run ended): owner cleared, lease lapsed. */
  readonly release?: boolean;
}

/** A run's row as stored: what it was created with, and what updates and claims made of it since. */
export interface RunRecord extends Omit<NewRun, 'owner' | 'leaseUntil'> {
  readonly updatedAt: number;
  /** As last reported by updateRun (0 until then); the journal itself is the truth. */
  readonly lastSeq: number;
  readonly summary?: unknown;
  /** The process driving the run while its lease lasts (see claimRun); absent when none claimed it. */
  readonly owner?: string;
  /** ms since the Unix epoch; the owner's claim lapses then (0 when never claimed). */
  readonly leaseUntil: number;
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
  /** A run's records in seq order. */
  read(ns: string, runId: string, options?: ReadOptions): Promise<JournalRecord[]>;

  /** Throws RunExistsError if the id is taken in the namespace. updatedAt starts as createdAt, lastSeq as 0. */
  createRun(run: NewRun): Promise<void>;
  /** Throws RunNotFoundError if there is no such run. */
  updateRun(ns: string, runId: string, patch: RunPatch): Promise<void>;
  getRun(ns: string, runId: string): Promise<RunRecord | undefined>;
  listRuns(ns: string, options?: ListRunsOptions): Promise<RunPage>;

  /** Keeps the snapshot with the highest seq: saving an older one than stored is a no-op. */
  saveSnapshot(ns: string, runId: string, seq: number, state: unknown): Promise<void>;
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
   * Takes or renews the run's lease for `owner` until `now + leaseMs`: true when `owner` holds it now
   * (it was free, expired at `now`, or already `owner`'s); false when another owner's lease is live or
   * there is no such run. One process drives a run at a time. `takeOverFrom` names an owner the caller
   * knows is dead (e.g. a process on this host that no longer exists): its lease counts as expired.
   */
  claimRun(
    ns: string,
    runId: string,
    owner: string,
    now: number,
    leaseMs: number,
    takeOverFrom?: string,
  ): Promise<boolean>;
  /** Gives the lease up if `owner` holds it. */
  releaseRun(ns: string, runId: string, owner: string): Promise<void>;

  /** Posts a command for the run's owner (or whoever takes the run over next); returns its id. */
  postToInbox(ns: string, runId: string, message: Omit<InboxMessage, 'id' | 'runId'>): Promise<number>;
  /** Commands posted to the run (to any run of the namespace when runId is null) with id > afterId, oldest first. */
  readInbox(ns: string, runId: string | null, afterId?: number): Promise<InboxMessage[]>;
  /** Drops the run's commands with id <= upToId (after they were journaled). */
  deleteInbox(ns: string, runId: string, upToId: number): Promise<void>;

  /** Dedupe for at-least-once inputs: true the first time (scope, id) is seen, false after. */
  markSeen(ns: string, scope: string, id: string): Promise<boolean>;

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
  getWork(ns: string, idem: string): Promise<WorkClaim | undefined>;
  /** Deletes claims not updated since `before` (done ones, and held ones nobody renews); returns how many. */
  pruneWork(ns: string, before: number): Promise<number>;

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

/** Thrown by createRun when the run id is already used in the namespace. */
export class RunExistsError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
  ) {
    super('BATON_E_RUN_EXISTS', `run "${runId}" already exists in namespace "${ns}"`);
  }
}

/** Thrown by updateRun when the run does not exist. */
export class RunNotFoundError extends BatonError {
  constructor(
    readonly ns: string,
    readonly runId: string,
  ) {
    super('BATON_E_RUN_NOT_FOUND', `run "${runId}" does not exist in namespace "${ns}"`);
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
