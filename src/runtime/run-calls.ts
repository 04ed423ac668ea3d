// What a run actor shares with the calls it makes outside its turn (agent attempts, child runs, hook
// chains, compensations): the part of the actor they see, and the registry of those calls in flight.

import type { InputFields, RunState } from '../core/index.js';
import type { Spanned } from '../telemetry/tracing.js';

/** The part of a run actor a call out of its turn sees: the run, and the way back in (an input entry). */
export interface CallingRun {
  readonly runId: string;
  readonly state: RunState;
  readonly ended: boolean;
  readonly isStopped: boolean;
  /** The run's span in this process, when tracing is on: a call's span is its child. */
  readonly trace: Spanned | undefined;
  submit(fields: InputFields, after?: (changed: boolean, seq: number) => void): void;
}

/**
 * The calls in flight, by key (a dispatch key, `hook:{trigger}:{subject}`, `{key}/compensate`): aborted
 * on CancelTask or when the actor stops, and the run lets go only once none is left.
 */
export class InFlight {
  private readonly calls = new Map<string, AbortController>();
  /**
   * The calls the run's end abandons, kept apart from the rest: tasks waiting for an agent instance
   * (`lease`) and hook chains (`hook`, but session_end's, which is the end's own). A turn after the end
   * looks at these, not at every call in flight: a cancelled run with 40,000 tasks waiting for one agent
   * otherwise scanned all of them once per waiter (O(n^2), the server's event loop blocked for a minute).
   */
  private readonly endable = new Map<string, AbortController>();

  constructor(
    /**
     * For a call that ended without an input: once the run has ended and nothing is left in flight, the
     * actor lets go of it (the actor's settleIfDone).
     */
    readonly settle: () => void,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  has(key: string): boolean {
    return this.calls.has(key);
  }

  get(key: string): AbortController | undefined {
    return this.calls.get(key);
  }

  /** `endsWithRun`: the run's end aborts the call (a wait for an agent instance, a hook chain). */
  set(key: string, ac: AbortController, endsWithRun = false): void {
    this.calls.set(key, ac);
    if (endsWithRun) this.endable.set(key, ac);
  }

  /** The call under `key` ended (unless another has taken its place since). */
  end(key: string, ac: AbortController): void {
    if (this.calls.get(key) === ac) this.calls.delete(key);
    if (this.endable.get(key) === ac) this.endable.delete(key);
  }

  /** Whether any call the run's end abandons is in flight. */
  get endsWithRun(): boolean {
    return this.endable.size > 0;
  }

  /** The run ended: the calls that end with it are aborted (each with a reason of its own). */
  abandonOnEnd(reason: () => unknown): void {
    for (const ac of [...this.endable.values()]) ac.abort(reason());
  }

  /** Aborts every call, each with a reason of its own, and forgets them (the actor stopped). */
  abortAll(reason: () => unknown): void {
    for (const ac of this.calls.values()) ac.abort(reason());
    this.calls.clear();
    this.endable.clear();
  }
}
