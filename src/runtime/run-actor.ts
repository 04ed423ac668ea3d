// One live run: the single writer of its journal in this process. Inputs queue up; each turn stamps
// them, applies and decides them (derived entries too) in memory, commits the turn's entries in one
// group commit, and only then performs effects (agent calls, timers, events). Nothing reaches the
// outside world before the fact that caused it is durable, so a crash at any point loses no decision.
// The calls effects make outside the turn live beside it: run-attempts.ts (agent calls), child-runs.ts,
// run-hook-calls.ts (hook chains, guarded tool calls), attempt-journal.ts, run-events.ts.

import {
  apply,
  decide,
  ENTRY_VERSION,
  resumeCommands,
  type Command,
  type Dispatch,
  type EntryDraft,
  type InputFields,
  type JournalEntry,
  type RunState,
} from '../core/index.js';
import type { Bus } from '../bus/bus.js';
import type { AppendRequest, JournalRecord, NewRun, RunLease, Store } from '../store/store.js';
import { RunOwnershipLostError } from '../store/store.js';
import { AttemptAbandoned } from '../agents/adapter.js';
import type { AgentGateway } from './gateway.js';
import type { CommitListener, JournalWriter } from './journal-writer.js';
import { toRecord } from './records.js';
import { armRunTimer, TimerSet } from './timers.js';
import { dispatched, unitOf } from './outcomes.js';
import { PatternQuestions, type AskPatternFn } from './pattern-ask.js';
import { fault } from '../telemetry/faults.js';
import { logger } from '../telemetry/logger.js';
import type { RunHookHost } from './run-hooks.js';
import type { Spanned } from '../telemetry/tracing.js';
import { InFlight } from './run-calls.js';
import { RunHookCalls } from './run-hook-calls.js';
import { RunAttemptJournal } from './attempt-journal.js';
import { RunAttempts, taskSpec } from './run-attempts.js';
import { awaitChild, childRunIdOf, noChildPrepared, type ChildRunner } from './child-runs.js';
import { publishEvent, runStream } from './run-events.js';
import { RunRow } from './run-row.js';

export interface ActorHost extends ChildRunner {
  readonly writer: JournalWriter;
  readonly store: Store;
  readonly bus: Bus;
  readonly now: () => number;
  /** Save a snapshot once this many entries have been appended since the last one. */
  readonly snapshotEvery: number;
  /** Called once when the run ended or the actor had to stop (error set: it can no longer write). */
  readonly onEnd: (actor: RunActor, error?: unknown) => void;
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

export class RunActor implements CommitListener {
  private queue: Array<{ fields: InputFields; after?: (changed: boolean, seq: number) => void }> = [];
  private running = false;
  private stopped = false;
  /** The last commit handed the run's lease back with the run's end (nothing was in flight any more). */
  released = false;
  private readonly questions: PatternQuestions;
  private readonly timers: TimerSet;
  /** Attempts (and lease waits), child runs, hook chains in flight: aborted on CancelTask or stop. */
  private readonly inflight = new InFlight(() => this.settleIfDone());
  private readonly hookCalls: RunHookCalls;
  /** Where attempts journal remote task ids and questions, and hear the answers. */
  private readonly journal: RunAttemptJournal;
  private readonly attempts: RunAttempts;
  /** The run's row (its create, its status updates) and snapshots. */
  private readonly row: RunRow;
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
    pendingCreate?: NewRun,
  ) {
    this.timers = new TimerSet(host.now);
    this.row = new RunRow(this, reportedStatus, pendingCreate);
    this.questions = new PatternQuestions(this, host);
    this.hookCalls = new RunHookCalls(this, this.inflight, host.hooks);
    this.journal = new RunAttemptJournal(this, this.hookCalls);
    this.attempts = new RunAttempts(this, this.inflight, gateway, this.journal, host);
  }

  get nextSeq(): number {
    return this.state.lastSeq + 1;
  }

  /** False until the first commit has created a new run's row. */
  get created(): boolean {
    return this.row.pendingCreate === undefined;
  }

  /** Resolves once the run's row exists, so its id may be handed out: see RunRow.whenCreated. */
  whenCreated(): Promise<void> {
    return this.row.whenCreated();
  }

  get ended(): boolean {
    return FINAL.has(this.state.status);
  }

  /** No longer driving the run (it settled, the engine stopped, or ownership was lost). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Nothing queued, nothing in flight. */
  get idle(): boolean {
    return this.inflight.size === 0 && this.queue.length === 0;
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
    this.inflight.abortAll(() => new AttemptAbandoned('the engine stopped driving this run'));
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
    const run = this.row.patch(this.host.now);
    if (run) this.released = run.release === true;
    const create = this.row.pendingCreate;
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
    this.row.committed();
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
    this.row.failed(error);
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
    // The run ended: hook chains still asking about it (session_end's is its own end) and tasks still
    // waiting for an agent instance are abandoned (nothing of them would be journaled any more).
    if (this.ended && this.inflight.endsWithRun)
      this.inflight.abandonOnEnd(() => new Error(`run ${this.runId} has ended`));
    for (const effect of effects) effect();
    this.host.hooks?.observe(this.state, records);
    this.engineMs += performance.now() - t1;
    // Most turns save no snapshot: they go on at once.
    if (this.row.snapshotDue(this.host.snapshotEvery)) {
      void this.row.saveSnapshot(this.host.store).then(
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
    if (changed && entry.type === 'TaskInputProvided') effects.push(() => this.journal.handOver(entry));
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
          effects.push(() => publishEvent(this.host.bus, this, c));
          break;
        case 'Compensate':
          effects.push(() => void this.attempts.compensate(c));
          break;
        case 'CancelTask':
          effects.push(() => this.inflight.get(c.key)?.abort(new Error(c.reason)));
          break;
        case 'RunHooks':
          effects.push(() => void this.hookCalls.answer(c));
          break;
        case 'AskPattern':
          effects.push(() => this.questions.ask(c));
          break;
        case 'ArmTimer':
          effects.push(() => armRunTimer(this.timers, this, c));
          break;
      }
    }
  }

  private dispatch(c: Dispatch, records: JournalRecord[], effects: Effect[]): void {
    if (c.agent === null) {
      this.dispatchChild(c, records, effects);
      return;
    }
    const spec = taskSpec(this.state, c.task);
    if (c.redispatch) {
      const instance = this.state.units.get(unitOf(c.key))?.instance ?? c.agent;
      effects.push(() => void this.attempts.waitAndInvoke(c, instance, false));
      return;
    }
    const instance = this.gateway.choose(c.agent, spec.requires);
    const lease = this.gateway.tryLease(instance);
    if (lease === undefined) {
      effects.push(() => void this.attempts.waitAndInvoke(c, instance, true));
      return;
    }
    const changed = this.process(this.stamp(this.gateway.dispatched(c, instance)), records, effects);
    if (changed) effects.push(() => void this.attempts.invoke(lease, c));
    else lease.release();
  }

  /** A `workflow:` or `block:` task runs as a child run (child-runs.ts), its id derived from the dispatch. */
  private dispatchChild(c: Dispatch, records: JournalRecord[], effects: Effect[]): void {
    const child = this.state.options.children?.[c.task];
    const childRunId = childRunIdOf(this.runId, c);
    if (child === undefined) {
      const failed = noChildPrepared(c);
      effects.push(() => this.submit(failed));
      return;
    }
    if (!c.redispatch && !this.process(this.stamp(dispatched(c, `run:${childRunId}`)), records, effects))
      return;
    effects.push(() => void awaitChild(this, this.inflight, this.host, c, child, childRunId));
  }

  /** The bus stream watchers of this run read: engine events and agents' progress. */
  get stream(): string {
    return runStream(this.ns, this.runId);
  }
}
