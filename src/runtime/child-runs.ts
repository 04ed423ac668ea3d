// A `workflow:` or `block:` task runs as a child run, under a run id derived from its parent's dispatch
// (stable across a crash), and its end becomes the task's result: the parent actor's side (wait for the
// child, cancel it with the task). The engine's side (find the child again, start or take it over) is
// run-start.ts runChildRun.

import type { BoundHook, ChildWorkflow, Dispatch, InputFields, RunState } from '../core/index.js';
import { BatonError } from '../errors/registry.js';
import { fault } from '../telemetry/faults.js';
import { withContext } from '../telemetry/tracing.js';
import { attemptFailed, childResult } from './outcomes.js';
import type { CallingRun, InFlight } from './run-calls.js';

/** How a parent run's actor reaches its children (the engine's runChild, a cancel through the inbox). */
export interface ChildRunner {
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
}

/** The child run of a dispatch: the same id whenever the dispatch is re-issued. */
export const childRunIdOf = (runId: string, c: Dispatch): string => `${runId}.${c.key}.${c.attempt}`;

/** The attempt's end when no child workflow was prepared for its task (at start, by children.ts). */
export function noChildPrepared(c: Dispatch): InputFields {
  const error = {
    code: 'BATON_E_INTERNAL',
    message: `no child workflow was prepared for task "${c.task}"`,
    retryable: false,
    kind: 'error' as const,
  };
  return { type: 'TaskFailed', key: c.key, attempt: c.attempt, error };
}

/**
 * Runs the child of a journaled dispatch to its end and submits that as the task's result. Cancelling
 * the task cancels the child.
 */
export async function awaitChild(
  run: CallingRun,
  calls: InFlight,
  runner: ChildRunner,
  c: Dispatch,
  child: ChildWorkflow,
  childRunId: string,
): Promise<void> {
  const ac = new AbortController();
  calls.set(c.key, ac);
  // A cancelled task cancels its child; an actor that stops driving the run (shutdown, lost ownership)
  // leaves the child alone: whoever drives the parent next finds it again.
  const cancel = () => {
    if (run.isStopped) return;
    runner.cancelChild(childRunId).catch((e: unknown) => fault('run-actor', `cancelling ${childRunId}`, e));
  };
  ac.signal.addEventListener('abort', cancel, { once: true });
  let result: InputFields;
  try {
    // The child's run span is a child of this run's (its start reads the active context).
    const state = await withContext(run.trace?.ctx, () =>
      runner.runChild(child, c.input, childRunId, ac.signal, run.state.options.hooks),
    );
    result = childResult(c, childRunId, state);
  } catch (e) {
    // A child that another live process drives (BATON_E_RUN_OWNED) may be had later: retryable.
    result = attemptFailed(c, e, e instanceof BatonError && e.retryable);
  }
  calls.end(c.key, ac);
  if (run.isStopped || ac.signal.aborted) return calls.settle();
  run.submit(result);
}
