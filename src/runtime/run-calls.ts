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

  set(key: string, ac: AbortController): void {
    this.calls.set(key, ac);
  }

  /** The call under `key` ended (unless another has taken its place since). */
  end(key: string, ac: AbortController): void {
    if (this.calls.get(key) === ac) this.calls.delete(key);
  }

  /** Aborts the calls whose key `which` picks, each with a reason of its own. */
  abortWhere(which: (key: string) => boolean, reason: () => unknown): void {
    for (const [key, ac] of this.calls) if (which(key)) ac.abort(reason());
  }

  /** Aborts every call, each with a reason of its own, and forgets them (the actor stopped). */
  abortAll(reason: () => unknown): void {
    for (const ac of this.calls.values()) ac.abort(reason());
    this.calls.clear();
  }
}
