// The engine: starts, resumes and steers runs in this process. Each live run is a RunActor holding a lease
// on it in the store (one process drives a run at a time); commands from other processes (signal, cancel,
// pause, resume) arrive through the run's inbox. Adapters come in through EngineOptions: the engine knows
// the Store, Bus and agent interfaces only.

import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import {
  fold,
  initialState,
  patternFor,
  restore,
  statusOf,
  type ChildWorkflow,
  type RunSnapshot,
  type RunState,
  type WorkflowStatusView,
} from '../core/index.js';
import type { Bus } from '../bus/bus.js';
import type { InboxMessage, JournalRecord, NewRun, Store } from '../store/store.js';
import { RunNotFoundError } from '../store/store.js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import { resolveRunInput } from '../spec/run-input.js';
import { prepareWorkflow } from './children.js';
import {
  checkRunnable,
  commandEntry,
  isDeadLocalOwner,
  isDuplicateEvent,
  ModifyRejectedError,
  newRunId,
  type ModifyCommand,
  type RunCommand,
} from './engine-policy.js';
import type { ValidateOptions } from '../plan/index.js';
import type { InputFields } from '../core/index.js';
import { CircuitBreakers, DEFAULT_BREAKER, type BreakerOptions, type BreakerView } from './breaker.js';
import { agentGateway, type AdapterFor, type Routes } from './agent-binding.js';
import { JournalWriter } from './journal-writer.js';
import { awaitEntry, submitAndWait } from './journal-wait.js';
import { toEntry } from './records.js';
import type { PatternPlugins } from './pattern-plugins.js';
import { RunActor, type ActorHost } from './run-actor.js';

export interface EngineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly namespace?: string;
  /** This process's name in run leases. */
  readonly owner?: string;
  readonly now?: () => number;
  /** How long a run stays ours without renewal; another process may take it over after. */
  readonly leaseMs?: number;
  readonly snapshotEvery?: number;
  /** How often live runs look for commands posted by other processes. */
  readonly inboxPollMs?: number;
  readonly breakers?: BreakerOptions;
  /**
   * Adapters for agents without a module endpoint (registered handlers, remote workers); `route` is
   * the one the run journaled when it started (RunOptions.routes), when resuming it.
   */
  readonly adapterFor?: AdapterFor;
  /** Called after each committed turn of any run, with the entries it journaled (progress views). */
  readonly onTurn?: (actor: RunActor, entries: readonly JournalRecord[]) => void;
  /** Orchestration patterns installed as WASM plugins (a workflow's pattern not built in natively). */
  readonly patternPlugins?: PatternPlugins;
  /** The most pattern steps one run may take (default 10,000): bounds a pattern that never ends a run. */
  readonly maxPatternSteps?: number;
}

export interface StartOptions {
  readonly runId?: string;
  readonly timeoutMs?: number;
  readonly constraints?: ResourceConstraintsSpec;
  /** Directory that relative module endpoints resolve against (the workflow file's folder). */
  readonly baseDir?: string;
}

/** Ended runs whose final state settled() still answers with (older ones: BATON_E_RUN_NOT_FOUND). */
export const RECENTLY_ENDED = 256;

export type { ModifyCommand, RunCommand } from './engine-policy.js';
export { ModifyRejectedError } from './engine-policy.js';

export class Engine {
  readonly namespace: string;
  readonly owner: string;
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
  /** Highest inbox id this engine has read. */
  private inboxCursor = 0;
  private readonly leaseMs: number;
  private readonly renewTimer: NodeJS.Timeout;
  private readonly inboxTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: EngineOptions) {
    this.namespace = opts.namespace ?? 'default';
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.now = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? 15_000;
    this.writer = new JournalWriter(opts.store);
    this.breakers = new CircuitBreakers(opts.breakers ?? DEFAULT_BREAKER, this.now);
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(50, this.leaseMs / 3));
    this.inboxTimer = setInterval(() => void this.pollInboxes(), opts.inboxPollMs ?? 200);
    this.renewTimer.unref();
    this.inboxTimer.unref();
  }

  /** Group-commit transactions so far (benchmarks report entries per commit). */
  get commits(): number {
    return this.writer.commits;
  }

  /** Starts a run of a validated workflow; resolves once it is registered (the run goes on by itself). */
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
      owner: this.owner,
      leaseUntil: this.now() + this.leaseMs,
    };
    const actor = this.track(
      new RunActor(this.namespace, runId, initialState(), gateway, this.host(), 'executing', create),
    );
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
      },
      seed,
    });
    return actor;
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
   * (taken over), or not started yet.
   */
  async runChild(child: ChildWorkflow, input: unknown, runId: string): Promise<RunState> {
    const run = await this.opts.store.getRun(this.namespace, runId);
    if (!run) await this.startPrepared(child, input, { runId });
    else if (['completed', 'failed', 'cancelled'].includes(run.status)) return this.load(runId);
    else if (!this.actors.has(runId)) await this.resume(runId);
    return this.settled(runId);
  }

  /** Takes over a run whose process died (or stopped): replays its journal and re-issues what is owed. */
  async resume(runId: string): Promise<RunActor> {
    const live = this.actors.get(runId);
    if (live) return live;
    const run = await this.opts.store.getRun(this.namespace, runId);
    if (!run) throw new RunNotFoundError(this.namespace, runId);
    const state = await this.load(runId);
    if (['completed', 'failed', 'cancelled'].includes(state.status)) {
      throw new BatonError('BATON_E_RUN_ENDED', `run "${runId}" already ${state.status}`);
    }
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
    const dead = run.owner !== undefined && isDeadLocalOwner(run.owner) ? run.owner : undefined;
    if (
      !(await this.opts.store.claimRun(this.namespace, runId, this.owner, this.now(), this.leaseMs, dead))
    ) {
      const until = new Date(run.leaseUntil).toISOString();
      throw new BatonError(
        'BATON_E_RUN_OWNED',
        `run "${runId}" is driven by ${run.owner ?? 'another process'} (lease until ${until})`,
      );
    }
    const workflow = state.workflow!;
    const actor = this.track(
      new RunActor(
        this.namespace,
        runId,
        state,
        this.gateway(workflow, state.options.constraints, state.options.routes),
        this.host(),
        run.status,
      ),
    );
    actor.recover();
    this.deliverInbox(await this.opts.store.readInbox(this.namespace, runId));
    return actor;
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
   * Steers a run: directly when this process drives it, else through its inbox. With `wait`, resolves
   * with the seq of the entry the command became once it is journaled (undefined if that did not happen
   * within journal-wait.ts JOURNAL_WAIT_MS: the process driving the run may still journal it).
   */
  async command(runId: string, cmd: RunCommand, wait = false): Promise<number | undefined> {
    if (cmd.kind === 'modify') return (await this.modify(runId, cmd)).seq;
    const actor = this.actors.get(runId);
    if (actor) {
      const entry = commandEntry(`local:${this.now()}:${randomBytes(4).toString('hex')}`, cmd) as InputFields;
      if (isDuplicateEvent(actor, entry) && entry.type === 'EventReceived')
        return actor.state.events.get(entry.eventId);
      if (!wait) return void actor.submit(entry);
      return (await submitAndWait(actor, entry))?.seq;
    }
    const posted = await this.post(runId, cmd);
    return wait ? (await this.awaitEntry(runId, posted))?.seq : undefined;
  }

  /**
   * Changes a running workflow (RunModified), checked against the run as it is when the change is
   * applied. Resolves with the entry's seq and the run's state after it.
   * @throws ModifyRejectedError naming each change at fault (BATON_E_MODIFY_INVALID / _CONFLICT).
   */
  async modify(
    runId: string,
    cmd: ModifyCommand,
    check: ValidateOptions = {},
  ): Promise<{ seq: number; state: RunState }> {
    // A change checked against a workflow another change replaced meanwhile is not applied: check again.
    for (let tries = 0; tries < 3; tries++) {
      const actor = this.actors.get(runId);
      if (!actor) break;
      const entry = commandEntry(
        `local:${this.now()}:${randomBytes(4).toString('hex')}`,
        cmd,
        actor.state,
        check,
      );
      if (Array.isArray(entry)) throw new ModifyRejectedError(entry);
      const done = await submitAndWait(actor, entry as InputFields);
      if (done === undefined) throw ModifyRejectedError.notJournaled(runId);
      if (done.changed) return { seq: done.seq, state: actor.state };
    }
    if (this.actors.has(runId)) throw ModifyRejectedError.notJournaled(runId);
    const before = await this.load(runId);
    const first = commandEntry('check', cmd, before, check);
    if (Array.isArray(first)) throw new ModifyRejectedError(first);
    const posted = await this.post(runId, cmd);
    const found = await this.awaitEntry(runId, posted);
    if (found === undefined) throw ModifyRejectedError.notJournaled(runId);
    const state = await this.load(runId);
    if (!state.modifications.some((m) => m.seq === found.seq))
      throw ModifyRejectedError.outgrown(runId, found.seq);
    return { seq: found.seq, state };
  }

  /** Posts a command to the inbox of a run another process drives; returns the ids its entry will carry. */
  private async post(runId: string, cmd: RunCommand): Promise<{ afterSeq: number; ids: string[] }> {
    const run = await this.opts.store.getRun(this.namespace, runId);
    if (!run) throw new RunNotFoundError(this.namespace, runId);
    if (['completed', 'failed', 'cancelled'].includes(run.status)) {
      throw new BatonError('BATON_E_RUN_ENDED', `run "${runId}" already ${run.status}`);
    }
    const { kind, ...payload } = cmd;
    const id = await this.opts.store.postToInbox(this.namespace, runId, { kind, payload, at: this.now() });
    const ids = [`inbox:${id}`];
    if (cmd.kind === 'signal' && cmd.eventId) ids.push(`signal:${cmd.eventId}`);
    return { afterSeq: run.lastSeq, ids };
  }

  private awaitEntry(runId: string, posted: { afterSeq: number; ids: string[] }) {
    return awaitEntry(this.opts.store, this.namespace, runId, posted.afterSeq, posted.ids, () => this.closed);
  }

  /** Stops driving every run (their leases are released so another process may resume them at once). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewTimer);
    clearInterval(this.inboxTimer);
    for (const actor of [...this.actors.values()]) {
      actor.stop();
      this.actors.delete(actor.runId);
      await this.opts.store.releaseRun(this.namespace, actor.runId, this.owner).catch(() => undefined);
    }
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
      runChild: (child: ChildWorkflow, input: unknown, runId: string) => this.runChild(child, input, runId),
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

  private onEnd(actor: RunActor, error?: unknown): void {
    this.actors.delete(actor.runId);
    // A run that ended released its lease in its last commit; one we had to stop driving releases it now.
    if (error !== undefined)
      void this.opts.store.releaseRun(this.namespace, actor.runId, this.owner).catch(() => undefined);
    const waiter = this.ended.get(actor.runId);
    if (!waiter) return;
    this.ended.delete(actor.runId);
    if (error === undefined) waiter.resolve(actor.state);
    else waiter.reject(error);
    this.recentlyEnded.set(actor.runId, waiter.promise);
    if (this.recentlyEnded.size > RECENTLY_ENDED)
      this.recentlyEnded.delete(this.recentlyEnded.keys().next().value!);
  }

  private gateway(workflow: WorkflowSpec, constraints?: ResourceConstraintsSpec, routes?: Routes) {
    return agentGateway(workflow, constraints, this.breakers, this.opts.adapterFor, routes);
  }

  private async renewLeases(): Promise<void> {
    for (const actor of [...this.actors.values()]) {
      // A new run's row (and lease) is written by its first commit: until then there is nothing to renew,
      // and a claim would fail for want of the row, not because another process took the run.
      if (!actor.created) continue;
      const ok = await this.opts.store
        .claimRun(this.namespace, actor.runId, this.owner, this.now(), this.leaseMs)
        .catch(() => true); // a store hiccup is not proof that someone else took the run
      if (!ok) {
        actor.stop();
        this.onEnd(
          actor,
          new BatonError('BATON_E_RUN_OWNED', `run "${actor.runId}" was taken over by another process`),
        );
      }
    }
  }

  /** One read for every run this process drives: commands other processes posted since the last poll. */
  async pollInboxes(): Promise<void> {
    if (this.actors.size === 0) return;
    const read = await this.opts.store.readInbox(this.namespace, null, this.inboxCursor).catch(() => []);
    // A poll that overlapped a slower one delivers only what that one did not (same cursor, same rows).
    const messages = read.filter((m) => m.id > this.inboxCursor && this.actors.has(m.runId));
    this.inboxCursor = Math.max(this.inboxCursor, read.at(-1)?.id ?? 0);
    this.deliverInbox(messages);
  }

  private deliverInbox(messages: readonly InboxMessage[]): void {
    const lastOfRun = new Map(messages.map((m) => [m.runId, m.id]));
    for (const m of messages) {
      const actor = this.actors.get(m.runId);
      if (!actor) continue;
      const cmd = { kind: m.kind, ...(m.payload as object) } as RunCommand;
      // The inbox id is the event id: a message journaled twice (crash before the delete) is a duplicate.
      const after =
        lastOfRun.get(m.runId) === m.id
          ? () => void this.opts.store.deleteInbox(this.namespace, m.runId, m.id).catch(() => undefined)
          : undefined;
      const entry = commandEntry(`inbox:${m.id}`, cmd, actor.state);
      // A modification that no longer fits the run is not journaled; its sender sees none and says so.
      if (Array.isArray(entry) || isDuplicateEvent(actor, entry as InputFields)) after?.();
      else actor.submit(entry as InputFields, after);
    }
  }
}
