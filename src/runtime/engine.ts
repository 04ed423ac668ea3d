// The engine: starts, resumes and steers runs in this process. Each live run is a RunActor driving it
// under this instance's fenced lease (run-ownership.ts: one instance drives a run at a time, and a deposed
// one can write nothing); commands from other instances arrive through the run's inbox (run-inbox.ts).
// Adapters come in through EngineOptions: the engine knows the Store, Bus and agent interfaces only.

import { randomInt } from 'node:crypto';
import {
  fold,
  initialState,
  patternFor,
  restore,
  sessionEndDue,
  statusOf,
  type ChildWorkflow,
  type RunSnapshot,
  type RunState,
  type WorkflowStatusView,
} from '../core/index.js';
import type { Bus } from '../bus/bus.js';
import type { InboxMessage, JournalRecord, NewRun, RunClaim, Store } from '../store/store.js';
import { RunNotFoundError, RunOwnershipLostError } from '../store/store.js';
import { AgentAdapters } from '../agents/adapter-registry.js';
import { fault } from '../telemetry/faults.js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import { resolveRunInput } from '../spec/run-input.js';
import { prepareWorkflow } from './children.js';
import {
  checkRunnable,
  hasEnded,
  newRunId,
  runEndedError,
  type ModifyCommand,
  type RunCommand,
} from './engine-policy.js';
import type { ValidateOptions } from '../plan/index.js';
import type { BoundHook, ScheduleOrigin } from '../core/index.js';
import { RunHookHost } from './run-hooks.js';
import { ExecHookRunner } from '../hooks/hook-exec.js';
import { HttpHookRunner } from '../hooks/hook-http.js';
import { CircuitBreakers, DEFAULT_BREAKER, type BreakerOptions, type BreakerView } from './breaker.js';
import type { AgentGateway } from './gateway.js';
import type { Routes } from './agent-binding.js';
import { JournalWriter } from './journal-writer.js';
import { awaitRunEnd } from './journal-wait.js';
import type { PatternPlugins } from './pattern-plugins.js';
import { RunActor, type ActorHost } from './run-actor.js';
import { liftDrainPause } from './drain-pause.js';
import { runGateway } from './agent-binding.js';
import { toEntry } from './records.js';
import { modifyRun, steerRun, type SteeringHost } from './run-steering.js';
import { RunInbox, type InboxHost } from './run-inbox.js';
import { provideRunInput, type InputDelivery, type ProvideInputOptions } from './run-input.js';
import { RunOwnership } from './run-ownership.js';
import { endRunTrace, resumedRunTrace, startRunTrace } from './run-trace.js';
import { traceparentOf } from '../telemetry/tracing.js';
import {
  coordinated,
  fencingRejection,
  leaseTakeover,
  runDriven,
  runEnded,
  runStarted,
} from '../telemetry/metrics.js';

/** The namespace of runs when none is given. */
export const DEFAULT_NAMESPACE = 'default';

export interface EngineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly namespace?: string;
  /** This instance's name in run leases (default: random). */
  readonly owner?: string;
  readonly now?: () => number;
  /** How long a run stays ours without renewal; another instance may take it over after. */
  readonly leaseMs?: number;
  /** Where this instance records its pid, so `baton resume` takes over at once from a crashed one. */
  readonly instanceDir?: string;
  /** Claim and resume, continuously, runs whose owner stopped renewing its lease (`baton serve`). */
  readonly claimExpired?: boolean;
  readonly snapshotEvery?: number;
  /** How often live runs look for commands posted by other processes. */
  readonly inboxPollMs?: number;
  readonly breakers?: BreakerOptions;
  /** How each declared agent is reached, by endpoint kind (filled by the composition root, app.ts). */
  readonly adapters?: AgentAdapters;
  /** Called after each committed turn of any run, with the entries it journaled (progress views). */
  readonly onTurn?: (actor: RunActor, entries: readonly JournalRecord[]) => void;
  /** See InboxHost.takeResult: a worker's result from the inbox handed to the attempt waiting for it. */
  readonly takeResult?: InboxHost['takeResult'];
  /** See InboxHost.takeTool: a worker's forwarded tool call handed to the attempt waiting for it. */
  readonly takeTool?: InboxHost['takeTool'];
  /** Orchestration patterns installed as WASM plugins (a workflow's pattern not built in natively). */
  readonly patternPlugins?: PatternPlugins;
  /** The most pattern steps one run may take (default 10,000): bounds a pattern that never ends a run. */
  readonly maxPatternSteps?: number;
  /** Runs hooks (app.ts builds it with every runner); default: exec and http hooks, no global ones. */
  readonly hookHost?: RunHookHost;
}

export interface StartOptions {
  readonly runId?: string;
  readonly timeoutMs?: number;
  readonly constraints?: ResourceConstraintsSpec;
  /** Directory that relative module endpoints resolve against (the workflow file's folder). */
  readonly baseDir?: string;
  /** The StartRun request_id (idempotency key) the run is created with: see Store.findRunByRequest. */
  readonly requestId?: string;
  /** The schedule fire starting the run, journaled in RunStarted (runtime/scheduler.ts). */
  readonly schedule?: ScheduleOrigin;
  /** The A2A context of a run an A2A message starts, journaled in RunStarted (src/a2a). */
  readonly a2a?: { readonly contextId: string };
  /** A child run's: the hooks its parent run is bound to (its own workflow's are added). */
  readonly hooks?: readonly BoundHook[];
  /**
   * The W3C traceparent of the caller's span: the run's trace continues the caller's. Without it the
   * active context's span (a StartRun call's) is the parent, or the run starts a trace of its own.
   */
  readonly traceparent?: string;
}

/** Ended runs whose final state settled() still answers with (older ones: BATON_E_RUN_NOT_FOUND). */
export const RECENTLY_ENDED = 256;

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
  private readonly actors = new Map<string, RunActor>();
  /** What settled() hands out for each run this engine drives. */
  private readonly ended = new Map<
    string,
    { resolve: (s: RunState) => void; reject: (e: unknown) => void; promise: Promise<RunState> }
  >();
  /**
   * Runs that ended here, newest last, for settled() called after the end: at most RECENTLY_ENDED of
   * them (a long-lived engine must not keep every final state it ever had).
   */
  private readonly recentlyEnded = new Map<string, Promise<RunState>>();
  private readonly ownership: RunOwnership;
  private readonly inbox: RunInbox;
  private readonly steering: SteeringHost;
  private closed = false;
  private readonly hookHost: RunHookHost;

  constructor(private readonly opts: EngineOptions) {
    this.namespace = opts.namespace ?? DEFAULT_NAMESPACE;
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
    this.inbox = new RunInbox(
      {
        store,
        namespace: this.namespace,
        actor,
        endedHere: (runId) => this.recentlyEnded.has(runId),
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
    return [...this.actors.keys()];
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
  async start(spec: WorkflowSpec, input: unknown, options: StartOptions = {}): Promise<RunActor> {
    const plugins = this.opts.patternPlugins;
    const prepared = await prepareWorkflow(spec, options.baseDir ?? process.cwd(), {
      store: this.opts.store,
      namespace: this.namespace,
      ...(plugins
        ? {
            hasPlugin: (ref: string) => plugins.has(ref),
            checkPlugin: (child: WorkflowSpec) => this.bindPattern(child, 0).then(() => undefined),
          }
        : {}),
    });
    return this.startPrepared(prepared, input, options);
  }

  /**
   * A run id already taken makes the first commit fail: `settled()` rejects with RunExistsError. A
   * pattern plugin is loaded and its pattern_init called first; if it cannot be, no run exists.
   */
  private async startPrepared(
    prepared: ChildWorkflow,
    given: unknown,
    options: StartOptions,
  ): Promise<RunActor> {
    const { workflow, children } = prepared;
    checkRunnable(workflow);
    const input = resolveRunInput(workflow, given);
    const seed = randomInt(2 ** 31);
    const pattern = await this.bindPattern(workflow, seed);
    const hooks = await this.bindHooks(workflow, options.hooks);
    const runId = options.runId ?? newRunId(this.now());
    const gateway = this.gateway(workflow, options.constraints);
    const routes = gateway.routes();
    // The run's row is created with its first entries, in one transaction (see RunActor.commit).
    const create: NewRun = {
      ns: this.namespace,
      runId,
      workflowName: workflow.name,
      workflowVersion: workflow.version,
      status: 'executing',
      createdAt: this.now(),
      input,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      owner: this.owner,
      leaseMs: this.ownership.leaseMs,
    };
    const fence = this.ownership.newRunLease();
    const actor = this.track(
      new RunActor(this.namespace, runId, initialState(), gateway, this.host(), 'executing', fence, create),
    );
    actor.trace = startRunTrace(workflow.name, this.namespace, runId, options.traceparent);
    const traceparent = traceparentOf(actor.trace);
    runStarted(this.namespace, workflow.name);
    actor.submit({
      type: 'RunStarted',
      runId,
      namespace: this.namespace,
      workflow,
      input,
      options: {
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
        ...(Object.keys(children).length === 0 ? {} : { children }),
        ...(pattern === undefined ? {} : { pattern }),
        ...(Object.keys(routes).length === 0 ? {} : { routes }),
        ...(this.opts.maxPatternSteps === undefined ? {} : { maxPatternSteps: this.opts.maxPatternSteps }),
        ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
        ...(options.a2a === undefined ? {} : { a2a: options.a2a }),
        ...(hooks.length === 0 ? {} : { hooks }),
        ...(traceparent === undefined ? {} : { traceparent }),
      },
      seed,
    });
    return actor;
  }

  /**
   * The hooks a new run is bound to, journaled in its RunStarted: its workflow's and the namespace's
   * global ones now (a child run: its parent's, then its own workflow's). Later changes do not touch it.
   */
  private async bindHooks(workflow: WorkflowSpec, inherited?: readonly BoundHook[]): Promise<BoundHook[]> {
    if (inherited !== undefined)
      return [...inherited, ...(await this.hookHost.bind(this.namespace, workflow, false))];
    return this.hookHost.bind(this.namespace, workflow);
  }

  /**
   * The plugin binding of a workflow whose pattern is not native but an installed plugin. A refusal by
   * its pattern_init (a bad pattern_config, a workflow it cannot run) rejects the start: no run exists,
   * as for a native pattern's config error, so `baton run` and StartRun report it at once.
   */
  private async bindPattern(workflow: WorkflowSpec, seed: number) {
    const name = workflow.orchestration_pattern;
    const plugins = this.opts.patternPlugins;
    if (patternFor(name) !== undefined || plugins === undefined || !(await plugins.has(name)))
      return undefined;
    const binding = await plugins.bind(name, workflow, seed, this.now());
    if (binding.error !== undefined) {
      const { code, message } = binding.error;
      // A plugin may answer a BATON_E_ code this host does not know: the message keeps it.
      if (isErrorCode(code)) throw new BatonError(code, message);
      throw new BatonError('BATON_E_PATTERN_CONFIG', `${code}: ${message}`);
    }
    return binding;
  }

  /**
   * Runs a child (sub-workflow or block) under a run id derived from its parent's dispatch, so a parent
   * that re-issues the dispatch after a crash finds the same child: finished (its result), orphaned
   * (taken over), or not started yet. A child another live instance drives is waited for in the store.
   */
  async runChild(
    child: ChildWorkflow,
    input: unknown,
    runId: string,
    signal?: AbortSignal,
    hooks?: readonly BoundHook[],
  ): Promise<RunState> {
    const run = await this.opts.store.getRun(this.namespace, runId);
    if (!run) await this.startPrepared(child, input, { runId, hooks: hooks ?? [] });
    else if (hasEnded(run.status)) return this.load(runId);
    else if (!this.actors.has(runId)) {
      try {
        await this.resume(runId);
      } catch (e) {
        if (e instanceof BatonError && e.code === 'BATON_E_RUN_OWNED') return this.awaitEnd(runId, signal);
        throw e;
      }
    }
    try {
      return await this.settled(runId);
    } catch (e) {
      if (e instanceof RunOwnershipLostError) return this.awaitEnd(runId, signal);
      throw e;
    }
  }

  /** The final state of a run another instance drives, once it ends there. */
  private async awaitEnd(runId: string, signal: AbortSignal | undefined): Promise<RunState> {
    await awaitRunEnd(this.opts.store, this.namespace, runId, signal);
    return this.load(runId);
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
    // An ended run is driven again only for its session_end hooks, when a crash lost them.
    if (hasEnded(state.status) && !sessionEndDue(state)) throw runEndedError(runId, state.status);
    const binding = state.options.pattern;
    if (binding !== undefined) {
      if (this.opts.patternPlugins === undefined) {
        throw new BatonError(
          'BATON_E_PLUGIN_NOT_FOUND',
          `run "${runId}" runs pattern plugin ${binding.name}@${binding.version}, and this engine has no plugins`,
        );
      }
      await this.opts.patternPlugins.verify(binding);
    }
    return state;
  }

  /**
   * Drives a run this instance has just claimed: a takeover (a new epoch) is journaled first, then what
   * the journal says is owed is re-issued (same idempotency keys), then what waits in its inbox.
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
        // An ended run owing its session_end hooks: its row does not show the end yet (run-actor runPatch).
        sessionEndDue(state) ? '' : state.status,
        claim,
      ),
    );
    const { previousOwner: from, previousEpoch: fromEpoch, owner: to, epoch } = claim;
    const takenOver = from !== to || fromEpoch !== epoch;
    // The journaled trace goes on: this process's span of the run is a child of the first one.
    actor.trace = resumedRunTrace(state, this.namespace, runId, epoch);
    if (takenOver && from !== undefined && from !== to) leaseTakeover(this.namespace);
    // From an owner that did not let go (died, went silent): what it fired may never have been handed over.
    const refire = takenOver && from !== undefined && this.hookHost.fires(state) ? state.lastSeq : 0;
    actor.recover(
      takenOver
        ? { type: 'RunTakenOver', ...(from === undefined ? {} : { from }), fromEpoch, to, epoch }
        : undefined,
    );
    await this.inbox.readRun(runId);
    if (refire > 0) await this.refireHooks(actor, refire);
    await liftDrainPause(this.opts.store, actor);
    return actor;
  }

  /**
   * After a takeover: the async and notification hooks of the entries journaled before it fire again
   * (they are not journaled: the last owner may have died before handing them over).
   */
  private async refireHooks(actor: RunActor, upToSeq: number): Promise<void> {
    try {
      const records = await this.opts.store.read(this.namespace, actor.runId);
      this.hookHost.refire(
        actor.state,
        records.filter((r) => r.seq <= upToSeq),
      );
    } catch (e) {
      fault('engine', `firing the async hooks of run ${actor.runId} again after its takeover`, e);
    }
  }

  /** The run's state folded from its journal (snapshot + tail): the truth, whoever drives the run. */
  async load(runId: string): Promise<RunState> {
    const live = this.actors.get(runId);
    if (live) return live.state;
    const snap = await this.opts.store.loadSnapshot(this.namespace, runId);
    const state = snap ? restore(snap.state as RunSnapshot) : initialState();
    const records = await this.opts.store.read(this.namespace, runId, { afterSeq: snap?.seq ?? 0 });
    if (!snap && records.length === 0) throw new RunNotFoundError(this.namespace, runId);
    return fold(records.map(toEntry), state);
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
    const waiter = this.ended.get(runId)?.promise ?? this.recentlyEnded.get(runId);
    if (!waiter)
      return Promise.reject(
        new BatonError('BATON_E_RUN_NOT_FOUND', `run "${runId}" is not driven by this engine`),
      );
    return waiter;
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
      this.actors.delete(actor.runId);
      runDriven(this.namespace, -1);
      this.observeEnd(actor, undefined);
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
    this.actors.set(actor.runId, actor);
    runDriven(this.namespace, 1);
    let resolveFn!: (s: RunState) => void;
    let rejectFn!: (e: unknown) => void;
    const promise = new Promise<RunState>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    promise.catch(() => undefined); // a caller that never awaits settled() must not see an unhandled rejection
    this.ended.set(actor.runId, { resolve: resolveFn, reject: rejectFn, promise });
    return actor;
  }

  /** This instance no longer owns the actor's run: it stops at once, and releases nothing. */
  private lost(actor: RunActor, error: RunOwnershipLostError): void {
    if (this.actors.get(actor.runId) !== actor) return;
    actor.stop();
    this.onEnd(actor, error);
  }

  private onEnd(actor: RunActor, error?: unknown): void {
    if (this.actors.get(actor.runId) === actor) runDriven(this.namespace, -1);
    this.actors.delete(actor.runId);
    if (error instanceof RunOwnershipLostError) fencingRejection(this.namespace);
    // A late result refused after the run's own end released it: the run ended here all the same.
    if (error instanceof RunOwnershipLostError && actor.ended && actor.released) error = undefined;
    this.observeEnd(actor, error);
    // An ended run released its lease with its last entries, or does now; one that cannot go on
    // releases it for another instance (fenced: a deposed owner's release changes nothing).
    const release = error === undefined ? !actor.released : !(error instanceof RunOwnershipLostError);
    if (release && actor.created) void this.ownership.release(actor.runId, actor.fence);
    const waiter = this.ended.get(actor.runId);
    if (!waiter) return;
    this.ended.delete(actor.runId);
    if (error === undefined) waiter.resolve(actor.state);
    else waiter.reject(error);
    this.recentlyEnded.set(actor.runId, waiter.promise);
    if (this.recentlyEnded.size > RECENTLY_ENDED)
      this.recentlyEnded.delete(this.recentlyEnded.keys().next().value!);
  }

  /** The run's span and metrics once this process lets go of it (ended, or handed on). */
  private observeEnd(actor: RunActor, error: unknown): void {
    const s = actor.state;
    coordinated(this.namespace, actor.engineMs);
    if (actor.ended && error === undefined)
      runEnded(
        this.namespace,
        s.workflow?.name ?? '',
        s.status,
        actor.engineMs,
        performance.now() - actor.wallStart,
      );
    endRunTrace(actor.trace, s, error);
    actor.trace = undefined;
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
