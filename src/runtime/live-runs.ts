// The runs an engine drives now (one RunActor each) and what settled() answers for them: a waiter per
// run driven here, and the final states of the runs that ended here lately. Counted (baton_runs_driven)
// and traced: a run's span here ends when the engine lets go of it.

import type { RunState } from '../core/index.js';
import { RunOwnershipLostError } from '../store/store.js';
import { BatonError } from '../errors/registry.js';
import { coordinated, fencingRejection, runDriven, runEnded } from '../telemetry/metrics.js';
import type { RunActor } from './run-actor.js';
import { endRunTrace } from './run-trace.js';
import { logger } from '../telemetry/logger.js';

/** Ended runs whose final state settled() still answers with (older ones: BATON_E_RUN_NOT_FOUND). */
export const RECENTLY_ENDED = 256;

interface Waiter {
  resolve: (s: RunState) => void;
  reject: (e: unknown) => void;
  promise: Promise<RunState>;
}

export class LiveRuns {
  private readonly actors = new Map<string, RunActor>();
  /** What settled() hands out for each run this engine drives. */
  private readonly waiters = new Map<string, Waiter>();
  /**
   * Runs that ended here, newest last, for settled() called after the end: at most RECENTLY_ENDED of
   * them (a long-lived engine must not keep every final state it ever had).
   */
  private readonly recentlyEnded = new Map<string, Promise<RunState>>();

  constructor(private readonly namespace: string) {}

  get(runId: string): RunActor | undefined {
    return this.actors.get(runId);
  }

  has(runId: string): boolean {
    return this.actors.has(runId);
  }

  get size(): number {
    return this.actors.size;
  }

  values(): IterableIterator<RunActor> {
    return this.actors.values();
  }

  runIds(): string[] {
    return [...this.actors.keys()];
  }

  /** The run ended here lately (its final state is still known). */
  endedHere(runId: string): boolean {
    return this.recentlyEnded.has(runId);
  }

  /** A run this engine now drives: settled() waits for its end. */
  track(actor: RunActor): RunActor {
    this.actors.set(actor.runId, actor);
    runDriven(this.namespace, 1);
    let resolveFn!: (s: RunState) => void;
    let rejectFn!: (e: unknown) => void;
    const promise = new Promise<RunState>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    // A caller that never awaits settled() must not see an unhandled rejection; the reason is counted
    // where the actor stopped (stopped(): fencing rejections, the run's end) and logged here.
    promise.catch((e: unknown) => {
      logger('engine').debug({ err: e, run: actor.runId }, `run ${actor.runId}: no longer driven here`);
    });
    this.waiters.set(actor.runId, { resolve: resolveFn, reject: rejectFn, promise });
    return actor;
  }

  /** Resolves with the final state when the run ends in this process; rejects if this process stops driving it. */
  settled(runId: string): Promise<RunState> {
    const waiter = this.waiters.get(runId)?.promise ?? this.recentlyEnded.get(runId);
    if (!waiter)
      return Promise.reject(
        new BatonError('BATON_E_RUN_NOT_FOUND', `run "${runId}" is not driven by this engine`),
      );
    return waiter;
  }

  /**
   * The actor ended or had to stop (error set): no longer driven here. Returns what its run ends with
   * here: a late result refused after the run's own end released it is no error.
   */
  letGo(actor: RunActor, error: unknown): unknown {
    if (this.actors.get(actor.runId) === actor) runDriven(this.namespace, -1);
    this.actors.delete(actor.runId);
    if (error instanceof RunOwnershipLostError) fencingRejection(this.namespace);
    // A late result refused after the run's own end released it: the run ended here all the same.
    if (error instanceof RunOwnershipLostError && actor.ended && actor.released) error = undefined;
    this.observeEnd(actor, error);
    return error;
  }

  /** settled() answers for the run: its final state, or why this process stopped driving it. */
  settle(actor: RunActor, error: unknown): void {
    const waiter = this.waiters.get(actor.runId);
    if (!waiter) return;
    this.waiters.delete(actor.runId);
    if (error === undefined) waiter.resolve(actor.state);
    else waiter.reject(error);
    this.recentlyEnded.set(actor.runId, waiter.promise);
    if (this.recentlyEnded.size > RECENTLY_ENDED)
      this.recentlyEnded.delete(this.recentlyEnded.keys().next().value!);
  }

  /** The engine closes: the actor (stopped) is handed on, its settled() left waiting. */
  handOn(actor: RunActor): void {
    this.actors.delete(actor.runId);
    runDriven(this.namespace, -1);
    this.observeEnd(actor, undefined);
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
}
