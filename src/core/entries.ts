// The journal entries of a run: every fact about it, typed and versioned. A run's state is the fold of
// these (fold.ts); inputs come from the runtime, derived entries from decide() so replay never re-decides.

import type { ResourceConstraintsSpec, TaskSpec, WorkflowSpec } from '../spec/schema.js';

/** The version written into every entry; apply() refuses entries of a version it does not know. */
export const ENTRY_VERSION = 1;

/** Fields every entry carries. `at` is ms since the epoch, stamped by the runtime when it appends. */
interface EntryBase<T extends string> {
  readonly seq: number;
  readonly at: number;
  readonly type: T;
  readonly v: typeof ENTRY_VERSION;
}

export interface RunOptions {
  /** Overrides the workflow's `timeout`. */
  readonly timeoutMs?: number;
  readonly constraints?: ResourceConstraintsSpec;
  /**
   * The most pattern steps (verdicts) the run may take; one more fails it with BATON_E_PATTERN_STEPS.
   * Bounds a pattern that never ends a run. Default DEFAULT_MAX_PATTERN_STEPS.
   */
  readonly maxPatternSteps?: number;
  /**
   * The plugin the run's orchestration pattern is (absent for a native pattern): identity, and the
   * result of its pattern_init, which the runtime called before the run started.
   */
  readonly pattern?: PatternBinding;
  /** What each `workflow:` / `block:` task runs as a child run, by task id (prepared by the runtime). */
  readonly children?: Readonly<Record<string, ChildWorkflow>>;
  /** The schedule fire that started the run: which schedule, and its nominal fire time (ms). */
  readonly schedule?: ScheduleOrigin;
  /**
   * Where the runtime sends each agent's tasks, decided when the run started (by agent id, e.g.
   * `worker:writer` for an agent without an endpoint that workers serve): a resumed run keeps these
   * rather than asking which workers happen to be connected. Opaque to core.
   */
  readonly routes?: Readonly<Record<string, string>>;
  /** A run started by an A2A message (src/a2a): the A2A context it belongs to, as GetTask reports it. */
  readonly a2a?: { readonly contextId: string };
  /**
   * The hooks the run is bound to (its workflow's and the namespace's global ones when it started), so
   * a hook added or changed later does not affect it. Core reads only name, trigger, mode and enabled;
   * the rest is the runtime's (src/hooks HookConfig).
   */
  readonly hooks?: readonly BoundHook[];
  /**
   * The W3C traceparent of the run's `invoke_workflow` span, when tracing was on at its start: whoever
   * drives the run later (a resume, a takeover) continues the same trace under it. Opaque to core.
   */
  readonly traceparent?: string;
}

/** A hook bound to a run, as core sees it (the whole HookConfig is kept for the runtime). */
export interface BoundHook {
  readonly name: string;
  readonly trigger: string;
  readonly mode: 'blocking' | 'async';
  readonly enabled: boolean;
  readonly [field: string]: unknown;
}

export interface ScheduleOrigin {
  readonly id: string;
  readonly fireAt: number;
  /** Started by a manual trigger rather than by the schedule's timing. */
  readonly manual?: boolean;
}

/**
 * A pattern plugin bound to a run: which bytes (name@version, sha256: a resumed run must load the same),
 * and what its pattern_init answered: the setup, or the error that fails the run at its start.
 */
export interface PatternBinding {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly setup?: {
    readonly state: unknown;
    readonly judges: readonly string[];
    readonly holds: readonly string[];
    readonly serial: boolean;
    /** ABI 1.1: a judged task or delegated subtask that failed for good is judged (trigger `failed`). */
    readonly judges_failures?: boolean;
    /** ABI 1.1: a delegation's results are judged (trigger `delegated`) instead of re-running its task. */
    readonly judges_delegations?: boolean;
  };
  readonly error?: { readonly code: string; readonly message: string };
}

/** A sub-workflow or nested block, resolved when the run started, with its own children. */
export interface ChildWorkflow {
  readonly workflow: WorkflowSpec;
  readonly children: Readonly<Record<string, ChildWorkflow>>;
}

/** Why an attempt (or a task) failed. The engine retries by `retryable` and `code`, never by message. */
export interface TaskError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** The agent asks not to be called again before this many ms (a lower bound on the backoff). */
  readonly retryAfterMs?: number;
  /** error: the agent reported it; timeout: the attempt's deadline passed; lost: the worker vanished. */
  readonly kind: 'error' | 'timeout' | 'lost';
}

/** Why a run failed: the error of the task that failed it (with its key), or the engine's own. */
export interface RunError {
  readonly code: string;
  readonly message: string;
  readonly key?: string;
}

/** An event as the engine records it on the task it started or released. */
export interface EventRecord {
  readonly eventId: string;
  readonly channel: string;
  readonly name: string | null;
  readonly data: unknown;
  readonly source: string;
  /** The task id or agent it is addressed to (a pattern's event, ABI 1.1); absent: any listener. */
  readonly to?: string;
}

// ── Inputs: appended by the runtime ─────────────────────────────────────────────────────────────

export interface RunStarted extends EntryBase<'RunStarted'> {
  readonly runId: string;
  readonly namespace: string;
  /** Already validated and planned. */
  readonly workflow: WorkflowSpec;
  readonly input: unknown;
  readonly options: RunOptions;
  /** The run's only source of randomness (retry jitter). */
  readonly seed: number;
}

export interface TaskDispatched extends EntryBase<'TaskDispatched'> {
  /** `id`, `id[3]` (fan-out instance), `id#2` (repeat iteration), or `id[3]#2`. */
  readonly key: string;
  readonly task: string;
  readonly attempt: number;
  /** The agent the task declares; null for a sub-workflow or block task. */
  readonly agent: string | null;
  /** The concrete agent the runtime chose (differs from `agent` when a breaker routed around it). */
  readonly instance: string | null;
  readonly idem: string;
  /** Where the runtime sent it (`queue:NAME`, `worker:AGENT`, `module:...`, `adapter`); opaque to core. */
  readonly route?: string;
}

export interface TaskCompleted extends EntryBase<'TaskCompleted'> {
  readonly key: string;
  readonly attempt: number;
  readonly output: unknown;
}

/**
 * An attempt failed. Attempt 0 (derived, keyed by task id) means the task failed before any agent saw
 * it: the engine could not evaluate its input, `when` or fan-out list. Such a failure is never retried.
 */
export interface TaskFailed extends EntryBase<'TaskFailed'> {
  readonly key: string;
  readonly attempt: number;
  readonly error: TaskError;
}

export interface TimerFired extends EntryBase<'TimerFired'> {
  readonly timerId: string;
}

export interface EventReceived extends EntryBase<'EventReceived'> {
  readonly eventId: string;
  readonly channel: string;
  readonly name?: string;
  readonly data: unknown;
  readonly source: string;
  /**
   * Only for the task with this id (or the tasks of this agent): set on an event a pattern's verdict
   * published with `to` (ABI 1.1); absent, every listener on the channel may match.
   */
  readonly to?: string;
}

export interface RunCancelRequested extends EntryBase<'RunCancelRequested'> {
  readonly by: string;
  readonly reason: string;
}

export interface RunPaused extends EntryBase<'RunPaused'> {
  readonly by: string;
  /** Why, as the requester said (absent in entries journaled before reasons were recorded). */
  readonly reason?: string;
}

export interface RunResumed extends EntryBase<'RunResumed'> {
  readonly by: string;
  readonly reason?: string;
}

/**
 * The run changed hands: another instance took it over (its owner died, stopped renewing its lease, or
 * released it in a drain). Journaled by the new owner as its first entry, before it re-issues what is
 * owed; it changes nothing in the run's state.
 */
export interface RunTakenOver extends EntryBase<'RunTakenOver'> {
  /** The owner it was taken from (absent when it had none, e.g. a drain released it). */
  readonly from?: string;
  /** That owner's fencing epoch (0 when there was none). */
  readonly fromEpoch: number;
  readonly to: string;
  readonly epoch: number;
}

/** One change to a running workflow (the domain form of the API's RunModification). */
export type Modification =
  | { readonly op: 'add_task'; readonly task: TaskSpec }
  | { readonly op: 'remove_task'; readonly task: string }
  | { readonly op: 'replace_task'; readonly task: TaskSpec }
  | { readonly op: 'swap_agent'; readonly task: string; readonly agent: string }
  | { readonly op: 'pattern_config'; readonly config: Readonly<Record<string, unknown>> };

/**
 * The run goes on under a changed workflow (modify.ts). Validated before it was journaled; apply()
 * checks the run-state rules again (the run may have moved on since) and changes nothing if one fails.
 */
export interface RunModified extends EntryBase<'RunModified'> {
  readonly by: string;
  readonly reason: string;
  readonly changes: readonly Modification[];
  /** The whole workflow after the changes: what the rest of the run follows (and replay rebuilds from). */
  readonly workflow: WorkflowSpec;
  /** The requester's id for this change (the inbox id or a local one): how a caller finds its entry. */
  readonly request: string;
  /**
   * How many modifications the run had applied when `workflow` was derived: a change checked against
   * an older workflow (another modification got in first) would undo that one, so it changes nothing.
   */
  readonly base: number;
}

/** Also derived (ok: false) when the engine cannot evaluate the compensation's input. */
export interface CompensationDone extends EntryBase<'CompensationDone'> {
  /** The task id whose compensation ran. */
  readonly key: string;
  readonly ok: boolean;
  readonly error?: TaskError;
}

/**
 * @experimental A pattern plugin's state after one step, journaled so replay needs no plugin memory.
 * The runtime appends it and executes the plugin's commands itself.
 */
export interface PatternStep extends EntryBase<'PatternStep'> {
  readonly pattern: string;
  readonly state: unknown;
}

/**
 * A remote agent (A2A) took the attempt as its task `remoteTaskId`. Journaled as soon as the agent names
 * the task, so a runtime that takes the run over re-attaches to that task instead of sending the
 * message again. Applies only while the attempt is in flight.
 */
export interface TaskAttemptAttached extends EntryBase<'TaskAttemptAttached'> {
  readonly key: string;
  readonly attempt: number;
  readonly remoteTaskId: string;
}

/**
 * The attempt's agent needs input before it can go on (A2A input-required). The attempt stays in
 * flight (its timeout still runs); the run shows which task waits, for what, and since when.
 */
export interface TaskInputRequired extends EntryBase<'TaskInputRequired'> {
  readonly key: string;
  readonly attempt: number;
  /** What the agent asked, in words (the text of its status message). */
  readonly question: string;
  /** Structured detail the agent's message carried (its data parts), when there is any. */
  readonly data?: unknown;
}

/**
 * Someone answered the question the attempt's agent asked (TaskInputRequired): the answer goes to the
 * agent as the next message of the same remote task (or to the worker holding the attempt). Applies
 * only while that attempt is in flight and waiting; the question clears. Journaled before it is sent,
 * so a run resumed after a crash still has the answer to send.
 */
export interface TaskInputProvided extends EntryBase<'TaskInputProvided'> {
  readonly key: string;
  readonly attempt: number;
  /** The answer: any JSON value. */
  readonly input: unknown;
  /** The answerer's id for it: a retry with the same id is journaled once. */
  readonly request_id?: string;
}

/** One hook asked for a HookDecided verdict: what ran (command, or plugin name@version and sha256). */
export interface HookOutcome {
  readonly name: string;
  /** The command, URL, or `name@version sha256:...` of a hook plugin. */
  readonly ref: string;
  readonly outcome: 'allow' | 'warn' | 'deny' | 'transform' | 'skipped';
  readonly message?: string;
  readonly durationMs: number;
  /** The hook's own failure (crash, timeout, bad answer), folded into `outcome` by its fail policy. */
  readonly error?: string;
}

/**
 * The verdict of the blocking hooks a trigger ran (a RunHooks command), journaled before the engine acts
 * on it: replay reads it and never runs a hook again. `subject` names what the hooks guarded: `run` for
 * session_start, `${key}/${attempt}` for pre_task and post_task, `${key}/${attempt}/${tool call}` for a
 * tool trigger, `restore@${seq}` for session_restore.
 */
export interface HookDecided extends EntryBase<'HookDecided'> {
  readonly trigger: string;
  readonly subject: string;
  /** allow and warn let the guarded step go on; deny stops it; transform changed it (input, agent, args). */
  readonly outcome: 'allow' | 'warn' | 'deny' | 'transform';
  /** The deciding hook's message (the deny's reason, or the warnings joined). */
  readonly message?: string;
  /** The hook that denied (or the last that transformed). */
  readonly hook?: string;
  readonly hooks: readonly HookOutcome[];
  /** pre_task transform: the input the agent receives instead of the one the engine evaluated. */
  readonly input?: unknown;
  /** pre_task: the agent the hooks picked among the capable ones. */
  readonly agent?: string;
  /** A tool trigger's transform: the tool call's arguments after the hooks' patches. */
  readonly args?: unknown;
}

// ── Derived: decide() asks the runtime to append these ──────────────────────────────────────────

/** A subtask a pattern's verdict delegates: run by `agent` with exactly `input`. */
export interface DelegatedTask {
  readonly agent: string;
  readonly input: unknown;
}

/**
 * An event a pattern's verdict publishes (ABI 1.1): on `channel` (one of the workflow's
 * coordination.event_driven channels) as event `type`, optionally addressed `to` one task id or agent.
 * Journaled as an EventReceived (id `${runId}/${verdict key}/step${n}/event${j}`), it starts or releases
 * the tasks listening for it exactly as an outside signal would.
 */
export interface PatternEvent {
  readonly channel: string;
  readonly type: string;
  readonly data: unknown;
  readonly to?: string;
}

/**
 * What an orchestration pattern decides about a task's output (patterns/registry.ts). The engine
 * carries it out mechanically; `reason` only explains it in the journal (e.g. `rounds_exhausted`).
 * - continue: the task completes and the graph goes on; with `output`, that value becomes the task's
 *   output (an aggregation the pattern computed: a vote, a merge, the best score).
 * - rerun: the task does not complete; it and the tasks in `also` run again, each in its next round,
 *   awaiting only their dependencies inside that set, with `input`'s fields added to their input.
 * - delegate: the subtasks run at once; when all have completed the task runs again (next round)
 *   with `results` ({ key, agent, input, output } per subtask, in order) added to its input.
 * - handoff: the task completes and task `to` (ABI 1.1: and the tasks in `also`, at once) runs next
 *   (its next round if it ran before) with `input`'s fields added to its input.
 * ABI 1.1: rerun and handoff may carry `inputs` (fields per task, on top of `input`), and any verdict
 * `events`, published before the op is carried out.
 * - complete: the task completes and the run completes with `output` if given, else
 *   `{ <task id>: output }`.
 * - fail: the run fails with `error` (after its saga, like any failure).
 */
export type PatternDecision = {
  readonly reason?: string;
  /** ABI 1.1: events published on the run's channels before the op is carried out. */
  readonly events?: readonly PatternEvent[];
} & (
  | { readonly op: 'continue'; readonly output?: unknown }
  | {
      readonly op: 'rerun';
      readonly also: readonly string[];
      readonly input: Record<string, unknown>;
      /** ABI 1.1: fields for one task of the rerun each, added on top of `input`. */
      readonly inputs?: Readonly<Record<string, Record<string, unknown>>>;
    }
  | { readonly op: 'delegate'; readonly subtasks: readonly DelegatedTask[] }
  | {
      readonly op: 'handoff';
      readonly to: string;
      readonly input: Record<string, unknown>;
      /** ABI 1.1: more tasks that run next with `to`, at once (several peers addressed). */
      readonly also?: readonly string[];
      /** ABI 1.1: fields for one of the tasks that run next each, added on top of `input`. */
      readonly inputs?: Readonly<Record<string, Record<string, unknown>>>;
    }
  | { readonly op: 'complete'; readonly output?: Record<string, unknown> }
  | { readonly op: 'fail'; readonly error: { readonly code: string; readonly message: string } }
);

/**
 * An orchestration pattern's verdict on the output of a task it judges, with the pattern's state after
 * it: replay applies the verdict and never asks the pattern again. Derived for a native pattern; an
 * input for a plugin, which the runtime asks (AskPattern) and whose answer it appends.
 */
export interface PatternDecided extends EntryBase<'PatternDecided'> {
  /** The judged task's round: `synthesize`, `synthesize@2` (keys.ts roundKey). */
  readonly key: string;
  readonly pattern: string;
  readonly state: unknown;
  readonly decision: PatternDecision;
}

export interface TaskSkipped extends EntryBase<'TaskSkipped'> {
  /** The task id. */
  readonly key: string;
  /** condition: its `when` was false; upstream_skipped: every one of its dependencies was skipped. */
  readonly reason: 'condition' | 'upstream_skipped';
}

export interface FanOutExpanded extends EntryBase<'FanOutExpanded'> {
  readonly task: string;
  readonly count: number;
}

export interface RetryScheduled extends EntryBase<'RetryScheduled'> {
  readonly key: string;
  /** The attempt that will run at `fireAt`. */
  readonly attempt: number;
  readonly fireAt: number;
}

/** The outcome of a `repeat.until` check after an iteration completed. */
export interface RepeatDecided extends EntryBase<'RepeatDecided'> {
  /** The instance key without the iteration suffix. */
  readonly key: string;
  readonly iteration: number;
  /** true: run iteration + 1; false: `until` held or max_iterations was reached. */
  readonly again: boolean;
}

/** An event matched the `on` or `wait_for` of these tasks (filters are CEL, so decided once, here). */
export interface EventMatched extends EntryBase<'EventMatched'> {
  readonly event: EventRecord;
  readonly tasks: readonly string[];
}

export interface CompensationStarted extends EntryBase<'CompensationStarted'> {
  /** Task ids to compensate, in reverse completion order; run one at a time. */
  readonly keys: readonly string[];
  readonly outcome: 'failed' | 'cancelled';
  /** Why the run fails (outcome failed). */
  readonly error: RunError | null;
}

export interface RunCompleted extends EntryBase<'RunCompleted'> {
  /** Outputs of the sink tasks (no dependents) that completed, keyed by task id. */
  readonly output: Record<string, unknown>;
}

export interface RunFailed extends EntryBase<'RunFailed'> {
  readonly error: RunError;
}

export type RunCancelled = EntryBase<'RunCancelled'>;

export type InputEntry =
  | RunStarted
  | TaskDispatched
  | TaskCompleted
  | TaskFailed
  | TimerFired
  | EventReceived
  | RunCancelRequested
  | RunPaused
  | RunResumed
  | RunTakenOver
  | RunModified
  | CompensationDone
  | PatternStep
  | PatternDecided
  | TaskAttemptAttached
  | TaskInputRequired
  | TaskInputProvided
  | HookDecided;

export type DerivedEntry =
  | EventReceived
  | TaskSkipped
  | FanOutExpanded
  | RetryScheduled
  | RepeatDecided
  | PatternDecided
  | EventMatched
  | CompensationStarted
  | RunCompleted
  | RunFailed
  | RunCancelled
  | TaskFailed
  | CompensationDone;

export type JournalEntry = InputEntry | DerivedEntry;
export type EntryType = JournalEntry['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An entry before the runtime numbers and stamps it (what an Append command carries). */
export type EntryDraft = DistributiveOmit<DerivedEntry, 'seq' | 'at'>;

/** What decide() fills in for a derived entry (it adds the version). */
export type EntryFields = DistributiveOmit<DerivedEntry, 'seq' | 'at' | 'v'>;

/** What the runtime fills in for an input entry before stamping seq, at and v. */
export type InputFields = DistributiveOmit<InputEntry, 'seq' | 'at' | 'v'>;
