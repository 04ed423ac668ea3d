// The engine: starts, resumes and steers runs in this process. Each live run is a RunActor driving it
// under this instance's fenced lease (run-ownership.ts: one instance drives a run at a time, and a deposed
// one can write nothing); commands from other instances arrive through the run's inbox (run-inbox.ts).
// Adapters come in through EngineOptions: the engine knows the Store, Bus and agent interfaces only.
// It composes: run-start.ts (start, child runs), run-resume.ts (load, takeover), live-runs.ts (the runs
// driven here, settled()), run-steering.ts and run-input.ts (commands), run-inbox.ts, run-ownership.ts.

import {
  sessionEndDue,
  statusOf,
  type BoundHook,
  type ChildWorkflow,
  type RunState,
  type WorkflowStatusView,
} from '../core/index.js';
import type { InboxMessage, RunClaim } from '../store/store.js';
import { RunNotFoundError, RunOwnershipLostError } from '../store/store.js';
import { AgentAdapters } from '../agents/adapter-registry.js';
import { BatonError } from '../errors/registry.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import type { ModifyCommand, RunCommand } from './engine-policy.js';
import { DEFAULT_NAMESPACE, type EngineOptions, type StartOptions } from './engine-options.js';
import type { ValidateOptions } from '../plan/index.js';
import { RunHookHost } from './run-hooks.js';
import { ExecHookRunner } from '../hooks/hook-exec.js';
import { HttpHookRunner } from '../hooks/hook-http.js';
import { CircuitBreakers, DEFAULT_BREAKER, type BreakerView } from './breaker.js';
import type { AgentGateway } from './gateway.js';
import type { Routes } from './agent-binding.js';
import { JournalWriter } from './journal-writer.js';
import { RunActor, type ActorHost } from './run-actor.js';
import { runGateway } from './agent-binding.js';
import { modifyRun, steerRun, type SteeringHost } from './run-steering.js';
import { RunInbox } from './run-inbox.js';
import { provideRunInput, type InputDelivery, type ProvideInputOptions } from './run-input.js';
import { RunOwnership } from './run-ownership.js';
import { LiveRuns } from './live-runs.js';
import { runChildRun, startPrepared, startRun, type ChildRunHost, type StartHost } from './run-start.js';
import { checkResumable, loadRun, takeOver, type TakeoverHost } from './run-resume.js';

export { DEFAULT_NAMESPACE, type EngineOptions, type StartOptions } from './engine-options.js';
export { RECENTLY_ENDED } from './live-runs.js';

/** An engine given no adapters can bind no agent (each start fails with BATON_E_AGENT_UNBOUND). */
const NO_ADAPTERS = new AgentAdapters();

export type { ModifyCommand, RunCommand } from './engine-policy.js';
export { ModifyRejectedError } from './engine-policy.js';
export type { InputDelivery, ProvideInputOptions } from './run-input.js';

export class Engine {
  readonly namespace: string;
  readonly breakers: CircuitBreakers;
  private readonly now: () => number;
  private readonly writer: JournalWriter;
  /** The runs this engine drives, and what settled() answers for them. */
  private readonly actors: LiveRuns;
  private readonly ownership: RunOwnership;
  private readonly inbox: RunInbox;
  private readonly steering: SteeringHost;
  private readonly starting: StartHost;
  private readonly children: ChildRunHost;
  private readonly takeovers: TakeoverHost;
  private closed = false;
  private readonly hookHost: RunHookHost;

  constructor(private readonly opts: EngineOptions) {
    this.namespace = opts.namespace ?? DEFAULT_NAMESPACE;
    this.actors = new LiveRuns(this.namespace);
    this.hookHost =
      opts.hookHost ??
      new RunHookHost({ runners: { exec: new ExecHookRunner(), http: new HttpHookRunner() } });
    this.now = opts.now ?? Date.now;
    this.writer = new JournalWriter(opts.store);
    this.breakers = new CircuitBreakers(opts.breakers ?? DEFAULT_BREAKER, this.now);
    const { store, owner, instanceDir, claimExpired } = opts;
    const driven = () => this.actors.values();
    const lost = (actor: RunActor, e: RunOwnershipLostError) => this.lost(actor, e);
    this.ownership = new RunOwnership(
      store,
      { namespace: this.namespace, driven, lost, adopt: (claim) => this.adopt(claim) },
      { leaseMs: opts.leaseMs ?? 15_000, owner, instanceDir, claimExpired },
    );
    const actor = (runId: string) => this.actors.get(runId);
    const driving = () => this.actors.size > 0;
    const [namespace, now, load] = [this.namespace, this.now, (runId: string) => this.load(runId)];
    this.steering = { store, namespace, now, actor, load, closed: () => this.closed };
    this.starting = {
      store,
      namespace,
      now,
      patternPlugins: opts.patternPlugins,
      maxPatternSteps: opts.maxPatternSteps,
      hookHost: this.hookHost,
      ownership: this.ownership,
      gateway: (workflow, constraints) => this.gateway(workflow, constraints),
      actorHost: () => this.host(),
      track: (a) => this.track(a),
    };
    this.children = {
      store,
      namespace,
      drives: (runId) => this.actors.has(runId),
      start: (child, input, runId, hooks) => startPrepared(this.starting, child, input, { runId, hooks }),
      resume: (runId) => this.resume(runId),
      load,
      settled: (runId) => this.settled(runId),
    };
    this.takeovers = {
      store,
      namespace,
      hookHost: this.hookHost,
      readInbox: (runId) => this.inbox.readRun(runId),
    };
    this.inbox = new RunInbox(
      {
        store,
        namespace: this.namespace,
        actor,
        endedHere: (runId) => this.actors.endedHere(runId),
        driving,
        lost,
        ...(opts.takeResult ? { takeResult: opts.takeResult } : {}),
        ...(opts.takeTool ? { takeTool: opts.takeTool } : {}),
      },
      opts.inboxPollMs ?? 200,
    );
  }

  /** This instance's name in run leases. */
  get owner(): string {
    return this.ownership.owner;
  }

  /** True only when `owner` is provably dead (an instance of this host whose process is gone). */
  isDeadOwner(owner: string): boolean {
    return this.ownership.isDead(owner);
  }

  /** The runs this engine drives now. */
  drivenRuns(): string[] {
    return this.actors.runIds();
  }

  /** Takes on no more runs whose lease lapsed (a draining server). */
  stopClaiming(): void {
    this.ownership.stopClaiming();
  }

  /** Group-commit transactions so far (benchmarks report entries per commit). */
  get commits(): number {
    return this.writer.commits;
  }

  /**
   * Starts a run of a validated workflow; resolves once it is registered (the run goes on by itself),
   * before RunStarted is committed: await the actor's `whenCreated()` before handing its id to anyone.
   */
  start(spec: WorkflowSpec, input: unknown, options: StartOptions = {}): Promise<RunActor> {
    return startRun(this.starting, spec, input, options);
  }

  /**
   * Runs a child (sub-workflow or block) under a run id derived from its parent's dispatch, so a parent
   * that re-issues the dispatch after a crash finds the same child: finished (its result), orphaned
   * (taken over), or not started yet. A child another live instance drives is waited for in the store.
   */
  runChild(
    child: ChildWorkflow,
    input: unknown,
    runId: string,
    signal?: AbortSignal,
    hooks?: readonly BoundHook[],
  ): Promise<RunState> {
    return runChildRun(this.children, child, input, runId, signal, hooks);
  }

  /** Takes over a run whose owner died (or stopped): replays its journal and re-issues what is owed. */
  async resume(runId: string): Promise<RunActor> {
    const live = this.actors.get(runId);
    if (live) return live;
    const run = await this.opts.store.getRun(this.namespace, runId);
    if (!run) throw new RunNotFoundError(this.namespace, runId);
    const state = await this.resumable(runId);
    const claim = await this.ownership.claim(runId, run.owner);
    if (!claim) {
      const until = new Date(run.leaseUntil).toISOString();
      throw new BatonError(
        'BATON_E_RUN_OWNED',
        `run "${runId}" is driven by ${run.owner ?? 'another process'} (lease until ${until})`,
      );
    }
    return this.adopt(claim, state);
  }

  /** The run's state, when this engine can drive it (not ended, its pattern plugin installed). */
  private async resumable(runId: string): Promise<RunState> {
    const state = await this.load(runId);
    await checkResumable(runId, state, this.opts.patternPlugins);
    return state;
  }

  /**
   * Drives a run this instance has just claimed: a takeover (a new epoch) is journaled first, then what
   * the journal says is owed is re-issued (same idempotency keys), then what waits in its inbox
   * (run-resume.ts takeOver).
   */
  private async adopt(claim: RunClaim, loaded?: RunState): Promise<RunActor> {
    const { runId } = claim;
    const state = this.actors.has(runId) ? undefined : (loaded ?? (await this.resumable(runId)));
    const live = this.actors.get(runId);
    if (live || state === undefined) return live!;
    if (this.closed) {
      await this.ownership.release(runId, claim);
      throw new BatonError('BATON_E_RUN_OWNED', `run "${runId}": this engine is closing`);
    }
    const actor = this.track(
      new RunActor(
        this.namespace,
        runId,
        state,
        this.gateway(state.workflow!, state.options.constraints, state.options.routes),
        this.host(),
        // An ended run owing its session_end hooks: its row does not show the end yet (RunRow.patch).
        sessionEndDue(state) ? '' : state.status,
        claim,
      ),
    );
    await takeOver(this.takeovers, actor, claim, state);
    return actor;
  }

  /** The run's state folded from its journal (snapshot + tail): the truth, whoever drives the run. */
  async load(runId: string): Promise<RunState> {
    const live = this.actors.get(runId);
    if (live) return live.state;
    return loadRun(this.opts.store, this.namespace, runId);
  }

  /** The status response of the specification, with coordination overhead measured by the driving engine. */
  async status(runId: string): Promise<WorkflowStatusView & { breakers: BreakerView[] }> {
    const live = this.actors.get(runId);
    const state = await this.load(runId);
    let overhead = live?.overhead();
    if (overhead === undefined) {
      const summary = (await this.opts.store.getRun(this.namespace, runId))?.summary as
        { engine_ms?: number; wall_ms?: number } | undefined;
      overhead = summary?.engine_ms && summary.wall_ms ? Math.min(1, summary.engine_ms / summary.wall_ms) : 0;
    }
    return { ...statusOf(state, this.now(), overhead), breakers: this.breakers.view() };
  }

  /** Resolves with the final state when the run ends in this process; rejects if this process stops driving it. */
  settled(runId: string): Promise<RunState> {
    return this.actors.settled(runId);
  }

  /**
   * Steers a run: directly when this engine drives it, else through its inbox (run-steering.ts). With
   * `wait`, resolves with the seq of the entry the command became once it is journaled (undefined if that
   * did not happen within journal-wait.ts JOURNAL_WAIT_MS: the instance driving the run may still do it).
   */
  async command(runId: string, cmd: RunCommand, wait = false): Promise<number | undefined> {
    if (cmd.kind === 'modify') return (await this.modify(runId, cmd)).seq;
    return steerRun(this.steering, runId, cmd, wait);
  }

  /**
   * Answers the agent of task `task` (an attempt key as status prints it: `research`, `research[2]`)
   * that waits for input: journaled as TaskInputProvided by the process driving the run (through the
   * run's inbox when another instance owns it), then sent as the next message of the same remote task
   * (A2A) or to the worker holding the attempt. With `requestId`, a retry of the same answer is taken
   * once. Resolves with the entry's seq (undefined while the answer waits in the inbox of a run nobody
   * drives now: the process that resumes it journals it).
   * @throws BatonError BATON_E_RUN_NOT_FOUND, BATON_E_RUN_ENDED, BATON_E_NOT_WAITING_FOR_INPUT (the
   * message says what the task is doing instead).
   */
  provideInput(
    runId: string,
    task: string,
    input: unknown,
    opts: ProvideInputOptions = {},
  ): Promise<InputDelivery> {
    return provideRunInput(this.steering, runId, task, input, opts);
  }

  /**
   * Changes a running workflow (RunModified), checked against the run as it is when the change is
   * applied. Resolves with the entry's seq and the run's state after it.
   * @throws ModifyRejectedError naming each change at fault (BATON_E_MODIFY_INVALID / _CONFLICT).
   */
  modify(
    runId: string,
    cmd: ModifyCommand,
    check: ValidateOptions = {},
  ): Promise<{ seq: number; state: RunState }> {
    return modifyRun(this.steering, runId, cmd, check);
  }

  /**
   * Stops driving every run. Their leases are released, so another instance may take them over at once;
   * with `release: false` they are left to lapse, as a crash would leave them.
   */
  async close(options: { release?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inbox.close();
    for (const actor of [...this.actors.values()]) {
      actor.stop();
      this.actors.handOn(actor);
      if (options.release !== false && actor.created && !actor.released) {
        // The next owner fires nothing again after a clean stop: what this one fired is queued first.
        await this.hookHost.handedOver();
        await this.ownership.release(actor.runId, actor.fence);
      }
    }
    await this.ownership.close(options.release !== false);
  }

  /** What every run actor of this engine is given (one object, not one per run). */
  private actorHost: ActorHost | undefined;

  private host(): ActorHost {
    return (this.actorHost ??= this.makeHost());
  }

  private makeHost(): ActorHost {
    return {
      writer: this.writer,
      store: this.opts.store,
      bus: this.opts.bus,
      now: this.now,
      snapshotEvery: this.opts.snapshotEvery ?? 500,
      onEnd: (actor: RunActor, error?: unknown) => this.onEnd(actor, error),
      runChild: (child, input, runId, signal, hooks) => this.runChild(child, input, runId, signal, hooks),
      hooks: this.hookHost,
      cancelChild: async (runId: string) => {
        await this.command(runId, {
          kind: 'cancel',
          by: 'parent run',
          reason: 'the parent task was cancelled',
        });
      },
      ...(this.opts.onTurn ? { onTurn: this.opts.onTurn } : {}),
      ...(this.opts.patternPlugins
        ? { askPattern: this.opts.patternPlugins.ask.bind(this.opts.patternPlugins) }
        : {}),
    };
  }

  private track(actor: RunActor): RunActor {
    return this.actors.track(actor);
  }

  /** This instance no longer owns the actor's run: it stops at once, and releases nothing. */
  private lost(actor: RunActor, error: RunOwnershipLostError): void {
    if (this.actors.get(actor.runId) !== actor) return;
    actor.stop();
    this.onEnd(actor, error);
  }

  private onEnd(actor: RunActor, error?: unknown): void {
    error = this.actors.letGo(actor, error);
    // An ended run released its lease with its last entries, or does now; one that cannot go on
    // releases it for another instance (fenced: a deposed owner's release changes nothing).
    const release = error === undefined ? !actor.released : !(error instanceof RunOwnershipLostError);
    if (release && actor.created) void this.ownership.release(actor.runId, actor.fence);
    this.actors.settle(actor, error);
  }

  private gateway(
    workflow: WorkflowSpec,
    constraints?: ResourceConstraintsSpec,
    routes?: Routes,
  ): AgentGateway {
    return runGateway(workflow, constraints, this.breakers, this.opts.adapters ?? NO_ADAPTERS, routes);
  }

  /**
   * Delivers inbox messages another instance posted and sent along (the bus), sparing the read: the same
   * path as a read (each journaled once; deleted once journaled). Messages of runs not driven here are
   * left to whoever reads them; the poll reads them all anyway.
   */
  deliverInbox(messages: readonly InboxMessage[]): void {
    this.inbox.deliver(messages);
  }

  /**
   * A worker's result another instance sent ahead of posting it to the run's inbox: journaled now when
   * its attempt is still in flight in a run this engine drives, else ignored (the posted copy decides).
   */
  deliverResultAhead(runId: string, result: unknown): void {
    this.inbox.deliverAhead(runId, result);
  }

  /** Reads the inboxes of the runs this engine drives now (another instance posted a worker's result). */
  pollInboxes(): void {
    this.inbox.wake();
  }
}
