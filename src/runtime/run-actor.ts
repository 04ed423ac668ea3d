// One live run: the single writer of its journal in this process. Inputs queue up; each turn stamps
// them, applies and decides them (derived entries too) in memory, commits the turn's entries in one
// group commit, and only then performs effects (agent calls, timers, events). Nothing reaches the
// outside world before the fact that caused it is durable, so a crash at any point loses no decision.

import {
  apply,
  parseKey,
  decide,
  ENTRY_VERSION,
  pendingAnswer,
  resumeCommands,
  snapshot,
  type ChildWorkflow,
  type Command,
  type Compensate,
  type Dispatch,
  type EntryDraft,
  type InputFields,
  type JournalEntry,
  type Publish,
  type BoundHook,
  type RunHooks,
  type RunState,
  hookRecord,
  sessionEndDue,
} from '../core/index.js';
import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { Bus } from '../bus/bus.js';
import type { AppendRequest, JournalRecord, NewRun, RunLease, RunPatch, Store } from '../store/store.js';
import { RunOwnershipLostError } from '../store/store.js';
import type { AgentLease } from '../agents/roster.js';
import type { AttemptJournal } from '../agents/a2a-parts.js';
import { AttemptAbandoned, type ProvidedInput } from '../agents/adapter.js';
import { BatonError } from '../errors/registry.js';
import { attemptResult, type AgentGateway, type Attempt } from './gateway.js';
import type { CommitListener, JournalWriter } from './journal-writer.js';
import { toRecord } from './records.js';
import { AbortPool } from './abort-pool.js';
import { TimerSet } from './timers.js';
import { attemptFailed, childResult, dispatched, journaledHook, progressEvent, unitOf } from './outcomes.js';
import { askPattern, type AskPatternFn } from './pattern-ask.js';
import { fault } from '../telemetry/faults.js';
import { logger } from '../telemetry/logger.js';
import type { RunHookHost } from './run-hooks.js';
import type { ToolKind } from '../agents/adapter.js';

/** A run bound to blocking hooks on an engine without a hook runtime: the question is denied, named. */
function noHookRunner(
  trigger: string,
  subject: string,
  why = 'this engine has no hook runtime',
): InputFields {
  return {
    type: 'HookDecided',
    trigger,
    subject,
    outcome: trigger.startsWith('pre_') || trigger === 'session_start' ? 'deny' : 'warn',
    message: why,
    hooks: [],
  };
}
import { endSpan, inSpan, SpanKind, startSpan, withContext, type Spanned } from '../telemetry/tracing.js';
import { patternStep } from '../telemetry/metrics.js';

export interface ActorHost {
  readonly writer: JournalWriter;
  readonly store: Store;
  readonly bus: Bus;
  readonly now: () => number;
  /** Save a snapshot once this many entries have been appended since the last one. */
  readonly snapshotEvery: number;
  /** Called once when the run ended or the actor had to stop (error set: it can no longer write). */
  readonly onEnd: (actor: RunActor, error?: unknown) => void;
  /** Runs a sub-workflow or block as a child run to its end (finding it again if it exists). */
  readonly runChild: (
    child: ChildWorkflow,
    input: unknown,
    runId: string,
    signal: AbortSignal,
    /** The parent run's hooks: no path of a run bypasses them. */
    hooks?: readonly BoundHook[],
  ) => Promise<RunState>;
  readonly cancelChild: (runId: string) => Promise<void>;
  /** Called after each committed turn with the entries it journaled (progress views, metrics). */
  readonly onTurn?: (actor: RunActor, entries: readonly JournalRecord[]) => void;
  /** Calls the run's pattern plugin (pattern_step); a plugin failure comes back as a `fail` verdict. */
  readonly askPattern?: AskPatternFn;
  /** Runs the run's hooks: RunHooks commands, tool calls, and the hooks that never hold a run. */
  readonly hooks?: RunHookHost;
}

type Effect = () => void;

const NO_RECORDS: JournalRecord[] = [];
const NO_EFFECTS: Effect[] = [];

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** What a run still journals once it has ended: its session_end hooks' record, nothing else. */
const journaledAfterEnd = (f: InputFields): boolean =>
  f.type === 'HookDecided' && (f as { trigger?: unknown }).trigger === 'session_end';

export class RunActor implements CommitListener, AttemptJournal {
  private queue: Array<{ fields: InputFields; after?: (changed: boolean, seq: number) => void }> = [];
  private running = false;
  private stopped = false;
  /** The last commit handed the run's lease back with the run's end (nothing was in flight any more). */
  released = false;
  /**
   * The run's pattern questions, one at a time: each is asked with the pattern state the previous
   * verdict left (journaled and applied), so verdicts on outputs that arrived together never start
   * from the same state and overwrite each other.
   */
  private asks: Promise<void> = Promise.resolve();
  private readonly timers: TimerSet;
  /** Who listens for answers to an attempt's question, by `key|attempt` (the attempt's adapter). */
  private readonly answers = new Map<string, Set<(answer: ProvidedInput) => void>>();
  /** Attempts (and lease waits) in flight, by unit key: aborted on CancelTask or stop. */
  private readonly inflight = new Map<string, AbortController>();
  /**
   * The keys of `inflight` that wait for an agent instance, and those running a hook chain: what the
   * run's end abandons. Kept apart so a turn after the end looks at them, not at every entry in flight:
   * a cancelled run with 40,000 tasks waiting for one agent otherwise scanned all of them once per
   * waiter (O(n^2), the server's event loop blocked for a minute).
   */
  private readonly leaseWaits = new Map<string, AbortController>();
  private readonly hookRuns = new Map<string, AbortController>();
  private readonly controllers = new AbortPool();
  private lastSnapshotSeq: number;
  private lastReportedStatus = '';
  /** The turn whose commit is awaited: its records and the effects to run once they are durable. */
  private turnRecords = NO_RECORDS;
  private turnEffects = NO_EFFECTS;
  /** Time spent deciding and performing (not waiting for agents or the disk): coordination overhead. */
  engineMs = 0;
  /**
   * The run's span in this process (`invoke_workflow`), when tracing is on: attempts, timers, pattern
   * steps and compensations are its children. Set by the engine; ended when the actor lets go.
   */
  trace: Spanned | undefined;
  readonly wallStart = performance.now();

  constructor(
    readonly ns: string,
    readonly runId: string,
    readonly state: RunState,
    private readonly gateway: AgentGateway,
    private readonly host: ActorHost,
    /** The status the run's row has now: the row is updated, with the journal, when it changes. */
    reportedStatus: string,
    /** This engine's lease on the run: every write carries it (the store refuses it once deposed). */
    public fence: RunLease,
    /** A new run's row, created by the first commit together with RunStarted. */
    private pendingCreate?: NewRun,
  ) {
    this.timers = new TimerSet(host.now);
    this.lastSnapshotSeq = state.lastSeq;
    this.lastReportedStatus = reportedStatus;
  }

  get nextSeq(): number {
    return this.state.lastSeq + 1;
  }

  /** False until the first commit has created a new run's row. */
  get created(): boolean {
    return this.pendingCreate === undefined;
  }

  private createdWait?: { promise: Promise<void>; settle: (error?: unknown) => void };

  /**
   * Resolves once the run's first entries (RunStarted) are durable and its row exists, so its id may be
   * handed out; rejects with the commit's error (RunExistsError for a taken id) if they never will be.
   */
  whenCreated(): Promise<void> {
    if (this.pendingCreate === undefined) return Promise.resolve();
    if (!this.createdWait) {
      let settle!: (error?: unknown) => void;
      const promise = new Promise<void>((resolve, reject) => {
        settle = (error) =>
          error === undefined
            ? resolve()
            : reject(error instanceof Error ? error : new Error('the first commit failed', { cause: error }));
      });
      this.createdWait = { promise, settle };
    }
    return this.createdWait.promise;
  }

  get ended(): boolean {
    return FINAL.has(this.state.status);
  }

  /** No longer driving the run (it settled, the engine stopped, or ownership was lost). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Queue an input entry; `after` runs once it is durable, told whether apply accepted it and its seq. */
  submit(fields: InputFields, after?: (changed: boolean, seq: number) => void): void {
    if (this.stopped) return;
    this.queue.push(after ? { fields, after } : { fields });
    if (!this.running) this.pump();
  }

  /**
   * After a takeover: journal it (`takenOver`, first), re-issue what the journal says is owed (same
   * idems), re-arm timers.
   */
  recover(takenOver?: InputFields): void {
    const effects: Effect[] = [];
    const records: JournalRecord[] = [];
    const first = this.nextSeq;
    if (takenOver) this.process(this.stamp(takenOver), records, effects);
    this.execute(resumeCommands(this.state), records, effects);
    // Recovery may derive entries (decisions lost in the crash): commit them before any effect.
    this.running = true;
    if (!this.commit(first, records, effects)) this.pump();
  }

  /** Stop driving the run (shutdown or lost ownership): timers and in-flight calls are abandoned. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.timers.clearAll();
    for (const ac of this.inflight.values())
      ac.abort(new AttemptAbandoned('the engine stopped driving this run'));
    this.inflight.clear();
    this.leaseWaits.clear();
    this.hookRuns.clear();
  }

  /** Live coordination overhead: engine time over wall time since this actor started. */
  overhead(): number {
    const wall = performance.now() - this.wallStart;
    return wall > 0 ? Math.min(1, this.engineMs / wall) : 0;
  }

  /**
   * Takes the queued inputs a turn at a time until the queue is empty, or until a turn's commit is
   * awaited: committed() goes on from there once the journal writer has it.
   */
  private pump(): void {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const t0 = performance.now();
        const batch = this.queue;
        this.queue = [];
        const records: JournalRecord[] = [];
        const effects: Effect[] = [];
        const first = this.nextSeq;
        for (const item of batch) {
          if (this.ended && !journaledAfterEnd(item.fields)) {
            this.late(item, effects);
            continue;
          }
          const entry = this.stamp(item.fields);
          const changed = this.process(entry, records, effects);
          if (item.after) effects.push(() => item.after!(changed, entry.seq));
        }
        this.engineMs += performance.now() - t0;
        if (this.commit(first, records, effects)) return;
      }
    } catch (e) {
      this.running = false;
      this.settleIfDone();
      throw e;
    }
    this.running = false;
    this.settleIfDone();
  }

  /** An input that arrived after the run ended (a late verdict, a late result): dropped, not journaled. */
  private late(
    item: { fields: InputFields; after?: (changed: boolean, seq: number) => void },
    effects: Effect[],
  ) {
    logger('run-actor').debug(`run ${this.runId} has ended: ${item.fields.type} dropped, not journaled`);
    const after = item.after;
    if (after) effects.push(() => after(false, this.state.lastSeq));
  }

  /**
   * Hands the turn's entries to the journal writer; its effects run in committed(), once they are
   * durable. A turn without entries goes straight to its effects. True while the turn is not done.
   */
  private commit(first: number, records: JournalRecord[], effects: Effect[]): boolean {
    if (records.length === 0) return this.afterCommit(records, effects);
    const run = this.runPatch();
    const create = this.pendingCreate;
    const req: { -readonly [K in keyof AppendRequest]: AppendRequest[K] } = {
      ns: this.ns,
      runId: this.runId,
      expectedNextSeq: first,
      records,
      fence: this.fence,
    };
    if (run) req.run = run;
    if (create) req.create = create;
    this.turnRecords = records;
    this.turnEffects = effects;
    this.host.writer.append(req, this);
    return true;
  }

  /** For the journal writer: the turn's entries are durable; its effects run, and the run goes on. */
  committed(): void {
    if (this.pendingCreate !== undefined) {
      this.pendingCreate = undefined;
      this.createdWait?.settle();
    }
    const records = this.turnRecords;
    const effects = this.turnEffects;
    this.turnRecords = NO_RECORDS;
    this.turnEffects = NO_EFFECTS;
    let busy: boolean;
    try {
      busy = this.afterCommit(records, effects);
    } catch (e) {
      this.running = false;
      this.settleIfDone();
      throw e;
    }
    if (!busy) this.pump();
  }

  /** For the journal writer: the turn could not be committed. */
  failed(error: unknown): void {
    if (this.pendingCreate !== undefined)
      this.createdWait?.settle(error ?? new Error('the first commit failed'));
    this.turnRecords = NO_RECORDS;
    this.turnEffects = NO_EFFECTS;
    // The state is ahead of the journal now: this actor can never write again. A takeover replays.
    this.stop();
    this.host.onEnd(this, error);
    this.running = false;
  }

  /** Runs a committed turn's effects; true while a snapshot is being saved (the run goes on after it). */
  private afterCommit(records: JournalRecord[], effects: Effect[]): boolean {
    if (this.stopped) return false;
    const t1 = performance.now();
    // The run ended: hook chains still asking about it are abandoned (session_end's is its own end).
    if (this.ended && (this.leaseWaits.size > 0 || this.hookRuns.size > 0)) this.abandonOnEnd();
    for (const effect of effects) effect();
    this.host.hooks?.observe(this.state, records);
    this.engineMs += performance.now() - t1;
    // Most turns save no snapshot: they go on at once.
    if (this.state.lastSeq - this.lastSnapshotSeq >= this.host.snapshotEvery && !this.ended) {
      void this.saveSnapshot().then(
        () => {
          this.host.onTurn?.(this, records);
          this.pump();
        },
        (e: unknown) => {
          // Refused under our fence: the run is another instance's now. Otherwise a snapshot only
          // shortens replay: the run goes on without it.
          if (e instanceof RunOwnershipLostError) return this.failed(e);
          fault('run-actor', `saving a snapshot of run ${this.runId} failed`, e);
          this.host.onTurn?.(this, records);
          this.pump();
        },
      );
      return true;
    }
    this.host.onTurn?.(this, records);
    return false;
  }

  /**
   * Runs the blocking hooks a RunHooks command asks for and journals their verdict (HookDecided) before
   * anything acts on it. Asked once at a time per question; a question already answered (a resume
   * re-issued it) is not asked again.
   */
  private async runHooks(c: RunHooks): Promise<void> {
    const key = `hook:${c.trigger}:${c.subject}`;
    const hooks = this.host.hooks;
    if (this.stopped || this.inflight.has(key) || hookRecord(this.state, c.trigger, c.subject) !== undefined)
      return;
    const ac = new AbortController();
    this.inflight.set(key, ac);
    this.hookRuns.set(key, ac);
    let fields: InputFields;
    try {
      fields =
        hooks !== undefined
          ? await hooks.answer(this.state, c, ac.signal)
          : noHookRunner(c.trigger, c.subject);
    } catch (e) {
      fault('run-actor', `running ${c.trigger} hooks of run ${this.runId}`, e);
      fields = noHookRunner(c.trigger, c.subject, String(e));
    }
    if (this.inflight.get(key) === ac) this.inflight.delete(key);
    if (this.hookRuns.get(key) === ac) this.hookRuns.delete(key);
    if (this.stopped || ac.signal.aborted) return this.settleIfDone();
    // The run ended (a cancel) while the chain ran: its verdict decides nothing any more.
    if (this.ended && c.trigger !== 'session_end') {
      logger('run-actor').debug(`run ${this.runId} has ended: ${c.trigger} verdict on ${c.subject} dropped`);
      return this.settleIfDone();
    }
    this.submit(fields);
  }

  /**
   * The run ended: hook chains still asking about it are abandoned (session_end's is its own end), and
   * so are tasks still waiting for an agent instance (nothing of them would be journaled any more).
   */
  private abandonOnEnd(): void {
    const why = new Error(`run ${this.runId} has ended`);
    for (const [key, ac] of [...this.hookRuns]) if (!key.startsWith('hook:session_end:')) ac.abort(why);
    for (const ac of [...this.leaseWaits.values()]) ac.abort(why);
  }

  /** An agent's tool call under the run's hooks (ctx.tool): see RunHookHost.tool. */
  toolCall<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    // One `execute_tool {kind}` span per call (GenAI conventions), under the attempt's span when the
    // handler runs in it; the hooks' chain spans are its children.
    return inSpan(
      `execute_tool ${kind}`,
      SpanKind.INTERNAL,
      { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': kind, 'baton.task.key': key },
      undefined,
      () => this.guardedTool(key, attempt, call, kind, args, fn),
    );
  }

  private guardedTool<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    const hooks = this.host.hooks;
    if (hooks === undefined) return Promise.resolve().then(() => fn(args));
    const agent = this.state.units.get(unitOf(key))?.instance ?? undefined;
    const journal = (fields: InputFields): Promise<void> =>
      new Promise((resolve) => this.submit(fields, () => resolve()));
    return hooks.tool(
      this.state,
      { key, attempt, call, ...(agent !== undefined ? { agent } : {}) },
      kind,
      args,
      async (a) => fn(a),
      journal,
      new AbortController().signal,
    );
  }

  private async saveSnapshot(): Promise<void> {
    const s = this.state;
    this.lastSnapshotSeq = s.lastSeq;
    await this.host.store.saveSnapshot(this.ns, this.runId, s.lastSeq, snapshot(s), this.fence);
  }

  /**
   * The run row's update that goes with this turn's entries, when the status changed (or the run ended).
   * The end releases the lease only when nothing is left in flight: a late result journaled after the
   * release would be refused by the fence; otherwise the engine releases the run when the actor settles.
   */
  private runPatch(): RunPatch | undefined {
    const s = this.state;
    if (s.status === this.lastReportedStatus) return undefined;
    // The row shows the end once session_end's hooks are recorded: a crash before leaves the run (its
    // lease lapsing) to a takeover, which asks them again.
    if (this.ended && sessionEndDue(s)) return undefined;
    this.lastReportedStatus = s.status;
    this.released = this.ended && this.inflight.size === 0 && this.queue.length === 0;
    return {
      status: s.status,
      updatedAt: this.host.now(),
      lastSeq: s.lastSeq,
      summary: { engine_ms: this.engineMs, wall_ms: performance.now() - this.wallStart },
      release: this.released,
    };
  }

  /** Once the run has ended and nothing is left in flight, the actor lets go of it (once). */
  private settleIfDone(): void {
    if (this.stopped || this.running || !this.ended || this.queue.length > 0 || this.inflight.size > 0)
      return;
    this.stop();
    this.host.onEnd(this);
  }

  private stamp(fields: InputFields | EntryDraft): JournalEntry {
    // Object.assign onto a literal, not a spread: entries come in many shapes, and V8 clones such a
    // mix by spread several times slower. A derived entry's own `v` overwrites the default.
    const entry = Object.assign({ type: fields.type, seq: 0, at: 0, v: ENTRY_VERSION }, fields);
    entry.seq = this.state.lastSeq + 1;
    entry.at = this.host.now();
    return entry as JournalEntry;
  }

  /** Applies and decides one entry (and, depth first, what it derives); returns whether it applied. */
  private process(entry: JournalEntry, records: JournalRecord[], effects: Effect[]): boolean {
    apply(this.state, entry);
    const changed = this.state.lastChanged;
    records.push(toRecord(entry));
    // An answer reaches the agent only once it is durable (a resumed run sends it again if need be).
    if (changed && entry.type === 'TaskInputProvided') effects.push(() => this.handOver(entry));
    this.execute(decide(this.state, entry), records, effects);
    return changed;
  }

  private execute(commands: readonly Command[], records: JournalRecord[], effects: Effect[]): void {
    for (const c of commands) {
      switch (c.type) {
        case 'Append':
          this.process(this.stamp(c.entry), records, effects);
          break;
        case 'Dispatch':
          this.dispatch(c, records, effects);
          break;
        case 'Publish':
          effects.push(() => this.publish(c));
          break;
        case 'Compensate':
          effects.push(() => void this.compensate(c));
          break;
        case 'CancelTask':
          effects.push(() => this.inflight.get(c.key)?.abort(new Error(c.reason)));
          break;
        case 'RunHooks':
          effects.push(() => void this.runHooks(c));
          break;
        case 'AskPattern':
          effects.push(() => {
            this.asks = this.asks.then(() => askPattern(this, this.stepper(), c));
          });
          break;
        case 'ArmTimer':
          effects.push(() => {
            const span = this.timerSpan(c.timerId);
            this.timers.arm(c.timerId, c.fireAt, () => {
              endSpan(span);
              this.submit({ type: 'TimerFired', timerId: c.timerId });
            });
          });
          break;
      }
    }
  }

  /** A span for a retry's backoff or a task's `wait` (other timers are deadlines that seldom fire). */
  private timerSpan(timerId: string): Spanned | undefined {
    if (this.trace === undefined) return undefined;
    const kind = timerId.slice(0, timerId.indexOf(':'));
    if (kind !== 'retry' && kind !== 'wait') return undefined;
    const name = kind === 'retry' ? 'baton.retry_backoff' : 'baton.wait';
    return startSpan(
      `${name} ${timerId.slice(kind.length + 1)}`,
      SpanKind.INTERNAL,
      {
        'baton.run.id': this.runId,
        'baton.timer.id': timerId,
      },
      this.trace.ctx,
    );
  }

  /** The pattern plugin call, timed (metric) and traced (`baton.pattern_step`). */
  private stepper(): AskPatternFn | undefined {
    const ask = this.host.askPattern;
    if (ask === undefined) return undefined;
    return async (binding, c, seed) => {
      const t0 = performance.now();
      try {
        return await inSpan(
          `baton.pattern_step ${binding.name}`,
          SpanKind.INTERNAL,
          {
            'baton.run.id': this.runId,
            'baton.pattern': binding.name,
            'baton.task.key': c.key,
            'baton.pattern.step': c.step,
          },
          this.trace?.ctx,
          () => ask(binding, c, seed),
        );
      } finally {
        patternStep(binding.name, (performance.now() - t0) / 1000);
      }
    };
  }

  private taskSpec(task: string) {
    const ctx = this.state.ctx!;
    return ctx.specs[ctx.graph.index.get(task)!]!;
  }

  private dispatch(c: Dispatch, records: JournalRecord[], effects: Effect[]): void {
    if (c.agent === null) {
      this.dispatchChild(c, records, effects);
      return;
    }
    const spec = this.taskSpec(c.task);
    if (c.redispatch) {
      const instance = this.state.units.get(unitOf(c.key))?.instance ?? c.agent;
      effects.push(() => void this.waitAndInvoke(c, instance, false));
      return;
    }
    const instance = this.gateway.choose(c.agent, spec.requires);
    const lease = this.gateway.tryLease(instance);
    if (lease === undefined) {
      effects.push(() => void this.waitAndInvoke(c, instance, true));
      return;
    }
    const changed = this.process(this.stamp(this.gateway.dispatched(c, instance)), records, effects);
    if (changed) effects.push(() => void this.invoke(lease, c));
    else lease.release();
  }

  /**
   * A `workflow:` or `block:` task runs as a child run with an id derived from this dispatch (stable
   * across a crash); its end becomes this task's result. Cancelling the task cancels the child.
   */
  private dispatchChild(c: Dispatch, records: JournalRecord[], effects: Effect[]): void {
    const child = this.state.options.children?.[c.task];
    const childRunId = `${this.runId}.${c.key}.${c.attempt}`;
    if (child === undefined) {
      const error = {
        code: 'BATON_E_INTERNAL',
        message: `no child workflow was prepared for task "${c.task}"`,
        retryable: false,
        kind: 'error' as const,
      };
      effects.push(() => this.submit({ type: 'TaskFailed', key: c.key, attempt: c.attempt, error }));
      return;
    }
    if (!c.redispatch && !this.process(this.stamp(dispatched(c, `run:${childRunId}`)), records, effects))
      return;
    effects.push(() => void this.awaitChild(c, child, childRunId));
  }

  private async awaitChild(c: Dispatch, child: ChildWorkflow, childRunId: string): Promise<void> {
    const ac = new AbortController();
    this.inflight.set(c.key, ac);
    // A cancelled task cancels its child; an actor that stops driving the run (shutdown, lost ownership)
    // leaves the child alone: whoever drives the parent next finds it again.
    const cancel = () => {
      if (this.stopped) return;
      this.host
        .cancelChild(childRunId)
        .catch((e: unknown) => fault('run-actor', `cancelling ${childRunId}`, e));
    };
    ac.signal.addEventListener('abort', cancel, { once: true });
    let result: InputFields;
    try {
      // The child's run span is a child of this run's (its start reads the active context).
      const state = await withContext(this.trace?.ctx, () =>
        this.host.runChild(child, c.input, childRunId, ac.signal, this.state.options.hooks),
      );
      result = childResult(c, childRunId, state);
    } catch (e) {
      // A child that another live process drives (BATON_E_RUN_OWNED) may be had later: retryable.
      result = attemptFailed(c, e, e instanceof BatonError && e.retryable);
    }
    if (this.inflight.get(c.key) === ac) this.inflight.delete(c.key);
    if (this.stopped || ac.signal.aborted) return this.settleIfDone();
    this.submit(result);
  }

  /** No instance was free: wait for one, then journal the dispatch (unless redispatching) and call it. */
  private async waitAndInvoke(c: Dispatch, instance: string, journal: boolean): Promise<void> {
    const ac = new AbortController();
    this.inflight.set(c.key, ac);
    this.leaseWaits.set(c.key, ac);
    let lease: AgentLease;
    try {
      lease = await this.gateway.lease(instance, ac.signal);
    } catch (e) {
      this.endLeaseWait(c.key, ac);
      if (this.stopped || ac.signal.aborted) return this.settleIfDone();
      // No instance can ever be had (unknown agent, larger than a quota): the attempt fails for good.
      const failed = attemptFailed(c, e, false);
      if (journal) this.submit(this.gateway.dispatched(c, instance), (ok) => ok && this.submit(failed));
      else this.submit(failed);
      return;
    }
    this.endLeaseWait(c.key, ac);
    if (this.stopped) return lease.release();
    if (!journal) return void this.invoke(lease, c);
    this.submit(this.gateway.dispatched(c, instance), (changed) =>
      changed ? void this.invoke(lease, c) : lease.release(),
    );
  }

  private endLeaseWait(key: string, ac: AbortController): void {
    if (this.inflight.get(key) === ac) this.inflight.delete(key);
    if (this.leaseWaits.get(key) === ac) this.leaseWaits.delete(key);
  }

  private async invoke(lease: AgentLease, c: Dispatch): Promise<void> {
    const ac = this.controllers.take();
    this.inflight.set(c.key, ac);
    const spec = this.taskSpec(c.task);
    const attempt: Attempt = {
      runId: this.runId,
      key: c.key,
      task: c.task,
      attempt: c.attempt,
      idem: c.idem,
      input: c.input,
      deadline: spec.timeout === undefined ? undefined : this.dispatchedAt(c.key) + spec.timeout,
      // Agents' own progress goes to watchers on the run's stream (not the journal: it decides nothing).
      onUpdate: (u) => this.publishProgress(c, lease.agentId, u),
      description: spec.description,
      journal: this,
      redelivered: c.redispatch,
      // Not a spread of {} when untraced: that allocates on every attempt.
      trace: this.trace?.ctx,
    };
    const outcome = await this.gateway.invoke(lease, attempt, ac.signal, 'task');
    if (this.inflight.get(c.key) === ac) this.inflight.delete(c.key);
    this.controllers.give(ac);
    if (this.stopped) return;
    const result = attemptResult(c.key, c.attempt, outcome);
    if (result) this.submit(result, journaledHook(outcome));
    else this.settleIfDone();
  }

  remoteTaskOf(key: string, attempt: number): string | undefined {
    const p = parseKey(key);
    const u = p === null ? undefined : this.state.units.get(p.unit);
    if (u === undefined || u.iteration !== p!.iteration || u.attempts !== attempt) return undefined;
    return u.status === 'dispatched' ? u.remoteTaskId : undefined;
  }

  remoteTaskAttached(key: string, attempt: number, remoteTaskId: string): void {
    this.submit({ type: 'TaskAttemptAttached', key, attempt, remoteTaskId });
  }

  inputRequired(key: string, attempt: number, request: { question: string; data?: unknown }): void {
    const { question, data } = request;
    // A re-attached task asks again what the journal already shows: nothing to journal.
    const p = parseKey(key);
    if (p !== null && this.state.units.get(p.unit)?.inputRequired?.question === question) return;
    this.submit({
      type: 'TaskInputRequired',
      key,
      attempt,
      question,
      ...(data === undefined ? {} : { data }),
    });
  }

  pendingInput(key: string, attempt: number): ProvidedInput | undefined {
    const a = pendingAnswer(this.state, key, attempt);
    return a === undefined ? undefined : { input: a.input, seq: a.seq };
  }

  onInput(key: string, attempt: number, listener: (answer: ProvidedInput) => void): () => void {
    const slot = `${key}|${attempt}`;
    let set = this.answers.get(slot);
    if (set === undefined) this.answers.set(slot, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.answers.get(slot) === set) this.answers.delete(slot);
    };
  }

  private handOver(e: { key: string; attempt: number; input: unknown; seq: number }): void {
    const listeners = this.answers.get(`${e.key}|${e.attempt}`);
    if (listeners === undefined) return;
    for (const l of [...listeners]) {
      try {
        l({ input: e.input, seq: e.seq });
      } catch (err) {
        fault('run-actor', `handing the answer for ${e.key} of run ${this.runId} to its agent`, err);
      }
    }
  }

  /** When the unit's current attempt was journaled as dispatched (its deadline counts from then). */
  private dispatchedAt(key: string): number {
    return this.state.units.get(unitOf(key))?.dispatchedAt ?? this.host.now();
  }

  private async compensate(c: Compensate): Promise<void> {
    const ac = new AbortController();
    const key = `${c.key}/compensate`;
    this.inflight.set(key, ac);
    const span = startSpan(
      `baton.compensate ${c.task}`,
      SpanKind.INTERNAL,
      { 'baton.run.id': this.runId, 'baton.task.key': c.key, 'gen_ai.agent.name': c.agent },
      this.trace?.ctx,
    );
    const done = await this.gateway.compensate(this.runId, c, this.host.now(), ac.signal, span?.ctx);
    endSpan(span, done.type === 'CompensationDone' && !done.ok ? done.error : undefined);
    if (this.inflight.get(key) === ac) this.inflight.delete(key);
    if (!this.stopped) this.submit(done);
  }

  private publishProgress(c: Dispatch, agent: string, u: TaskStatusUpdateEvent): void {
    void this.host.bus
      .publish(this.stream, progressEvent(c, agent, this.runId, u))
      .catch((e: unknown) => fault('run-actor', `publishing progress of run "${this.runId}"`, e));
  }

  /** The bus stream watchers of this run read: engine events and agents' progress. */
  get stream(): string {
    return `ns:${this.ns}:run:${this.runId}:events`;
  }

  private publish(c: Publish): void {
    const event = { eventId: c.eventId, channel: c.channel, name: c.name, data: c.data, run: this.runId };
    // Watchers are best effort (the journal is the record, the loopback below is what the run needs),
    // but a failed publish is still reported.
    void this.host.bus
      .publish(this.stream, event)
      .catch((e: unknown) => fault('run-actor', `publishing an event of run "${this.runId}"`, e));
    // Once the run has ended nothing in it can be waiting for the event: keep the journal closed.
    if (c.loopback && !this.ended) {
      this.submit({
        type: 'EventReceived',
        eventId: c.eventId,
        channel: c.channel,
        ...(c.name === null ? {} : { name: c.name }),
        data: c.data,
        source: `run:${this.runId}`,
      });
    }
  }
}
