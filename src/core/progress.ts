// How facts move the graph forward inside apply(): a finished task releases its dependents at once
// (no superstep barrier), fan-out instances join in order, and an ending run stops what is in flight.

import { unitKey } from './keys.js';
import { hosted } from './patterns/registry.js';
import { contextOf, type RunState, type TaskState, type UnitState } from './state.js';

export function newTask(remaining: number): TaskState {
  return {
    status: 'pending',
    remaining,
    depsCompleted: 0,
    waitSince: null,
    onEvent: null,
    waitEvent: null,
    fan: null,
    output: null,
    error: null,
    skipped: null,
    round: 1,
    extra: null,
    judging: false,
    delegated: null,
  };
}

export function newUnit(key: string, task: number, index: number): UnitState {
  return {
    key,
    task,
    index,
    status: 'ready',
    iteration: 1,
    attempts: 0,
    idem: null,
    instance: null,
    dispatchedAt: null,
    retryAt: null,
    output: null,
    error: null,
    subtask: null,
  };
}

/**
 * Re-derives a not-yet-started task's status from its gates, in order: dependencies done, its `on`
 * event seen (at any time, even before the dependencies finished), then its `wait_for` event seen
 * after that point (the wait's timeout counts from `waitSince`).
 */
export function refreshGates(state: RunState, i: number, at: number): void {
  const t = state.tasks[i]!;
  if ((t.status !== 'pending' && t.status !== 'waiting_event') || t.remaining > 0) return;
  const spec = contextOf(state).specs[i]!;
  if (spec.on !== undefined && t.onEvent === null) {
    t.status = 'waiting_event';
  } else if (spec.wait_for !== undefined && t.waitEvent === null) {
    t.status = 'waiting_event';
    t.waitSince ??= at;
  } else {
    t.status = 'ready';
  }
}

/**
 * A finished (completed or skipped) task counts down the remaining dependencies of its dependents that
 * still wait (one that already ran, when this task finishes again in a later round, is left alone).
 */
function finish(state: RunState, i: number, completed: boolean, at: number): void {
  state.openTasks--;
  const g = contextOf(state).graph;
  for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
    const j = g.outs[k]!;
    const d = state.tasks[j]!;
    if (d.status !== 'pending') continue;
    d.remaining--;
    if (completed) d.depsCompleted++;
    refreshGates(state, j, at);
  }
}

/** The task's output is in: it completes, unless its pattern judges it first (it then stays running). */
export function completeTask(state: RunState, i: number, output: unknown, at: number): void {
  const t = state.tasks[i]!;
  t.output = output;
  if (hosted(contextOf(state).pattern)?.judged.has(i) === true) t.judging = true;
  else closeTask(state, i, at);
}

/** Marks the task completed and releases its dependents. */
export function closeTask(state: RunState, i: number, at: number): void {
  markCompleted(state, i);
  finish(state, i, true, at);
}

/**
 * Marks the task completed, releasing nothing (its pattern ends the run with it). A task completing
 * again in a later round moves to the end of the completion order: the saga compensates it once, for
 * its latest output.
 */
export function markCompleted(state: RunState, i: number): void {
  const t = state.tasks[i]!;
  const id = contextOf(state).graph.ids[i]!;
  t.status = 'completed';
  const earlier = t.round > 1 ? state.completionOrder.indexOf(id) : -1;
  if (earlier >= 0) state.completionOrder.splice(earlier, 1);
  state.completionOrder.push(id);
}

export function skipTask(state: RunState, i: number, reason: TaskState['skipped'], at: number): void {
  const t = state.tasks[i]!;
  t.status = 'skipped';
  t.skipped = reason;
  finish(state, i, false, at);
}

/** An instance's final result is in: the task completes with it, or with all of them once they are. */
export function finishUnit(state: RunState, u: UnitState, at: number): void {
  u.status = 'completed';
  state.metrics.completed++;
  const t = state.tasks[u.task]!;
  if (t.fan === null) {
    completeTask(state, u.task, u.output, at);
    return;
  }
  if (++t.fan.done < t.fan.count) return;
  const id = contextOf(state).graph.ids[u.task]!;
  const joined = new Array<unknown>(t.fan.count);
  for (let k = 0; k < t.fan.count; k++) joined[k] = state.units.get(unitKey(id, k, t.round))!.output;
  completeTask(state, u.task, joined, at);
}

/** The run is ending: every attempt in flight is over for the engine (its late result is ignored). */
export function stopInFlight(state: RunState): void {
  for (const key of state.inFlight) state.units.get(key)!.status = 'cancelled';
  state.inFlight.clear();
}
