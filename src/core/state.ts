// The state of one run: what fold(journal) produces. Plain data (null, never undefined) so a snapshot
// is JSON and restore(snapshot(s)) equals s exactly; the derived RunContext is rebuilt, not stored.

import { BatonError } from '../errors/registry.js';
import type { WorkflowSpec } from '../spec/schema.js';
import { buildContext, type RunContext } from './context.js';
import type { DelegatedTask, EventRecord, RunError, RunOptions, TaskError } from './entries.js';

/**
 * planning: before RunStarted. failing / cancelling: compensations are running (or about to); the run
 * then ends failed / cancelled.
 */
export type RunStatus =
  'planning' | 'executing' | 'paused' | 'failing' | 'cancelling' | 'completed' | 'failed' | 'cancelled';

/**
 * A task as a node of the graph. pending: dependencies not done (or its `on` event not seen, if they
 * are); waiting_event: its dependencies are done and an `on`/`wait_for` event is awaited; ready: may
 * start; running: started (its instances carry the detail).
 */
export type TaskStatus =
  | 'pending'
  | 'waiting_event'
  | 'ready'
  | 'running'
  | 'completed'
  | 'failed'
  | 'skipped'
  | 'compensated'
  | 'cancelled';

/**
 * One dispatchable instance of a task (the task itself, or one fan-out position). evaluating: an
 * iteration finished and its `repeat.until` verdict is not journaled yet.
 */
export type UnitStatus =
  'ready' | 'dispatched' | 'evaluating' | 'waiting_retry' | 'completed' | 'failed' | 'cancelled';

export interface FanState {
  readonly count: number;
  /** Instances 0 .. started-1 have been dispatched at least once (they start in order). */
  started: number;
  done: number;
}

export interface TaskState {
  status: TaskStatus;
  /** Dependencies not yet completed or skipped. */
  remaining: number;
  /** Dependencies that completed (not skipped): none of several means this task is skipped too. */
  depsCompleted: number;
  /** When the task began waiting for its `wait_for` event (the timeout counts from here). */
  waitSince: number | null;
  onEvent: EventRecord | null;
  waitEvent: EventRecord | null;
  fan: FanState | null;
  output: unknown;
  /** A failure of the task as a whole (before dispatch, or its wait_for timed out). */
  error: TaskError | null;
  skipped: 'condition' | 'upstream_skipped' | null;
  /** From 1; a pattern's verdict may run the task again, in its next round (keys carry `@round`). */
  round: number;
  /** Fields a pattern's verdict adds to the input of this round (feedback, results, handoff context). */
  extra: Record<string, unknown> | null;
  /** Its output (in `output`) awaits its pattern's verdict, a PatternDecided entry. */
  judging: boolean;
  /**
   * Subtasks this round delegated (keys `/delegate[first]` .. `/delegate[count - 1]`; `first` is set
   * when a verdict on the `delegated` trigger delegated again in the same round), and how many of them
   * are done (completed, or replaced after a `failed` verdict).
   */
  delegated: { count: number; done: number; first?: number } | null;
}

export interface UnitState {
  readonly key: string;
  readonly task: number;
  /** Fan-out position, or -1. */
  readonly index: number;
  status: UnitStatus;
  iteration: number;
  /** Attempts of the current iteration that were dispatched. */
  attempts: number;
  /** idem of the latest dispatch: re-issued unchanged after a crash. */
  idem: string | null;
  /** The concrete agent that took the latest dispatch. */
  instance: string | null;
  dispatchedAt: number | null;
  retryAt: number | null;
  output: unknown;
  error: TaskError | null;
  /** Set on a subtask a pattern delegated: its agent and input are given, not derived from the task. */
  subtask: DelegatedTask | null;
  /**
   * The remote (A2A) task running the current attempt, once the agent named it. Absent otherwise (and in
   * snapshots written before remote agents existed), so a run without remote agents stores nothing more.
   */
  remoteTaskId?: string;
  /** Set while the current attempt's agent waits for input (A2A input-required). */
  inputRequired?: InputRequest;
  /**
   * The last answer given to the current attempt's agent (TaskInputProvided), until the agent asks
   * again: an attempt re-attached after a crash that finds its remote task still waiting sends it.
   */
  inputProvided?: InputAnswer;
  /** Every answer the current attempt took, by request id -> entry seq: a retried answer is taken once. */
  inputRequests?: Record<string, number>;
}

/** An answer to an agent's question, as journaled. */
export interface InputAnswer {
  readonly input: unknown;
  /** The TaskInputProvided entry's seq: stable across replay, so a re-sent answer carries the same id. */
  readonly seq: number;
  readonly at: number;
  readonly request_id?: string;
}

/** What an agent waiting for input asked, and since when (ms since the epoch). */
export interface InputRequest {
  readonly question: string;
  readonly data: unknown;
  readonly since: number;
}

export interface SagaState {
  readonly keys: readonly string[];
  readonly outcome: 'failed' | 'cancelled';
  /** Position in `keys` of the compensation running now. */
  next: number;
  readonly compensated: string[];
  readonly failed: Array<{ key: string; error: TaskError | null }>;
}

export interface Metrics {
  dispatched: number;
  completed: number;
  failed: number;
  retries: number;
  timeouts: number;
  events: number;
  duplicateEvents: number;
  /** Results for attempts that were no longer current (late, duplicate, after a timeout). */
  staleResults: number;
  /** Verdicts the run's pattern gave (optional: snapshots written before it counted lack it). */
  patternSteps?: number;
}

/** Who changed a running workflow, when, and why (the changes themselves are in the journal entry). */
export interface ModificationRecord {
  readonly seq: number;
  readonly at: number;
  readonly by: string;
  readonly reason: string;
  readonly request: string;
}

export interface RunState {
  runId: string;
  namespace: string;
  workflow: WorkflowSpec | null;
  input: unknown;
  options: RunOptions;
  seed: number;
  status: RunStatus;
  /** The task most recently dispatched, or the run's closing phase (compensation, done). */
  phase: string;
  startedAt: number;
  endedAt: number | null;
  lastSeq: number;
  /** `at` of the last applied entry: the engine's notion of now when it resumes after a crash. */
  lastAt: number;
  /** Whether the last applied entry changed anything (stale results and duplicate events do not). */
  lastChanged: boolean;
  /** Task state by graph index. */
  tasks: TaskState[];
  /** Instances by unit key, in the order they were first dispatched. */
  units: Map<string, UnitState>;
  /** Unit keys with an attempt dispatched and no result yet. */
  inFlight: Set<string>;
  /** Tasks neither completed nor skipped. */
  openTasks: number;
  /** Task ids in the order they completed (the saga runs it backwards). */
  completionOrder: string[];
  /** eventId -> seq of the entry that first carried it (later copies are duplicates). */
  events: Map<string, number>;
  /**
   * The event of the last entry, while its matching is not journaled: a crash between EventReceived
   * and its EventMatched would otherwise lose the match (a re-delivery is a duplicate).
   */
  eventToMatch: EventRecord | null;
  saga: SagaState | null;
  cancel: { by: string; reason: string } | null;
  error: RunError | null;
  output: Record<string, unknown> | null;
  /** The output a pattern's verdict completes the run with, until RunCompleted is journaled. */
  completion: Record<string, unknown> | null;
  /**
   * @experimental The state of the run's pattern, if it keeps one: its initial state from RunStarted,
   * then the latest journaled (a plugin's PatternStep, a hosted pattern's PatternDecided).
   */
  pattern: { name: string; state: unknown } | null;
  /** Modifications applied to the run (RunModified entries that changed it), oldest first. */
  modifications: ModificationRecord[];
  metrics: Metrics;
  /** Derived from `workflow`; not part of a snapshot. */
  ctx: RunContext | null;
}

export function initialState(): RunState {
  return {
    runId: '',
    namespace: '',
    workflow: null,
    input: null,
    options: {},
    seed: 0,
    status: 'planning',
    phase: 'planning',
    startedAt: 0,
    endedAt: null,
    lastSeq: 0,
    lastAt: 0,
    lastChanged: false,
    tasks: [],
    units: new Map(),
    inFlight: new Set(),
    openTasks: 0,
    completionOrder: [],
    events: new Map(),
    eventToMatch: null,
    saga: null,
    cancel: null,
    error: null,
    output: null,
    completion: null,
    pattern: null,
    modifications: [],
    metrics: {
      dispatched: 0,
      completed: 0,
      failed: 0,
      retries: 0,
      timeouts: 0,
      events: 0,
      duplicateEvents: 0,
      staleResults: 0,
    },
    ctx: null,
  };
}

/** The run context; only a run that has started has one. */
export function contextOf(state: RunState): RunContext {
  if (state.ctx === null) {
    throw new BatonError('BATON_E_JOURNAL_INVALID', 'the run has no RunStarted entry before this one');
  }
  return state.ctx;
}

/** The run still makes progress (no failure, cancellation or end decided). */
export const isActive = (state: RunState): boolean =>
  state.status === 'executing' || state.status === 'paused';

/** The run's deadline after its start: the run options' timeout, else the workflow's. */
export const runTimeoutMs = (state: RunState): number | undefined =>
  state.options.timeoutMs ?? state.workflow?.timeout;

export const SNAPSHOT_VERSION = 1;

type Plain<T> = { [K in keyof T]: T[K] };

/** The JSON form of a RunState: Maps and Sets as arrays, no derived context. */
export interface RunSnapshot extends Plain<Omit<RunState, 'units' | 'inFlight' | 'events' | 'ctx'>> {
  readonly snapshotVersion: typeof SNAPSHOT_VERSION;
  units: UnitState[];
  inFlight: string[];
  events: Array<[string, number]>;
}

/** A deep copy of the state as JSON-serialisable data (the live state keeps changing after this). */
export function snapshot(state: RunState): RunSnapshot {
  const { units, inFlight, events, ctx: _ctx, ...rest } = state;
  return structuredClone({
    snapshotVersion: SNAPSHOT_VERSION,
    ...rest,
    units: [...units.values()],
    inFlight: [...inFlight],
    events: [...events],
  });
}

export function restore(snap: RunSnapshot): RunState {
  if (snap.snapshotVersion !== SNAPSHOT_VERSION) {
    throw new BatonError(
      'BATON_E_JOURNAL_INVALID',
      `unknown snapshot version ${String(snap.snapshotVersion)}`,
    );
  }
  const { snapshotVersion: _v, units, inFlight, events, ...rest } = structuredClone(snap);
  return {
    ...rest,
    // Snapshots taken before live modification existed have no list.
    modifications: (rest.modifications as ModificationRecord[] | undefined) ?? [], // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion -- absent in old snapshots, whatever the type says
    units: new Map(units.map((u) => [u.key, u])),
    inFlight: new Set(inFlight),
    events: new Map(events),
    ctx: rest.workflow === null ? null : buildContext(rest.workflow, rest.options.pattern),
  };
}
