// decide()'s forward path: start a released task (skip it, wait for its event, fan it out, or dispatch
// it), keep a fan-out's instances flowing within its limit, have the run's pattern judge an output it
// awaits, and finish the run when every task is done (or when a pattern's verdict completed it).

import { CEL_SCOPES } from '../spec/cel.js';
import type { TaskSpec } from '../spec/schema.js';
import { publishCompletion, publishDispatch, publishEmits } from './events.js';
import { evaluateBool } from './expressions.js';
import { fanItems, taskInput } from './inputs.js';
import { attemptKey, timerId, unitKey } from './keys.js';
import { append, nextIdem, type Outbox } from './outbox.js';
import { judge } from './patterns/judge.js';
import { hosted } from './patterns/registry.js';
import { newUnit } from './progress.js';
import { contextOf, type RunState, type UnitState } from './state.js';
import { fansOut } from './context.js';
import type { TaskError } from './entries.js';
import { deniedError, hookRecord, hookSubject, preTaskGate } from './hooks.js';

/** Instances in flight at once: `parallel: N`; unbounded for `true`; one at a time for a bare `for_each`. */
const fanLimit = (spec: TaskSpec): number =>
  typeof spec.parallel === 'number' ? spec.parallel : spec.parallel === true ? Infinity : 1;

/** The task failed before an agent saw it (attempt 0 is the engine's own). */
export function failBeforeDispatch(out: Outbox, task: string, error: TaskError): void {
  append(out, { type: 'TaskFailed', key: task, attempt: 0, error });
}

const isSerial = (s: RunState): boolean => hosted(contextOf(s).pattern)?.serial === true;

/** Under a serial pattern, task i may start: no task is running and no ready task comes before it. */
function serialTurn(s: RunState, i: number): boolean {
  for (let k = 0; k < s.tasks.length; k++) {
    const status = s.tasks[k]!.status;
    if (status === 'running' || (k < i && status === 'ready')) return false;
  }
  return true;
}

/**
 * Starts a task whose dependencies are done. Skip rule (as Airflow's none_failed_min_one_success):
 * a task all of whose dependencies were skipped is skipped too, so a branch that did not run skips
 * its whole chain, while a join runs when at least one of its branches completed. Then `when`; then a
 * task still waiting for an event arms its wait_for deadline; else it fans out or is dispatched.
 * Under a serial pattern a ready task waits its turn (it is started when the running one finishes).
 */
export function startTask(out: Outbox, i: number): void {
  const s = out.state;
  const ctx = contextOf(s);
  const t = s.tasks[i]!;
  if (t.status !== 'ready' && t.status !== 'waiting_event') return;
  if (t.status === 'ready' && isSerial(s) && !serialTurn(s, i)) return;
  // Released twice by one entry (its dispatch is not journaled yet, so it still looks ready): once.
  if (out.started.has(i)) return;
  out.started.add(i);
  const spec = ctx.specs[i]!;
  const id = spec.id;
  if (ctx.graph.depStart[i + 1]! > ctx.graph.depStart[i]! && t.depsCompleted === 0) {
    append(out, { type: 'TaskSkipped', key: id, reason: 'upstream_skipped' });
    return;
  }
  if (spec.when !== undefined) {
    const r = evaluateBool(s, spec.when, CEL_SCOPES.task);
    if (!r.ok) return failBeforeDispatch(out, id, r.error);
    if (r.value === false) return append(out, { type: 'TaskSkipped', key: id, reason: 'condition' });
  }
  if (t.status === 'waiting_event') {
    if (t.waitSince !== null) {
      out.commands.push({
        type: 'ArmTimer',
        timerId: timerId({ kind: 'wait', task: id }),
        fireAt: t.waitSince + spec.wait_for!.timeout,
      });
    }
    return;
  }
  if (!fansOut(spec)) {
    dispatchUnit(out, newUnit(unitKey(id, -1, t.round), i, -1));
    return;
  }
  const items = fanItems(s, i);
  if (!items.ok) return failBeforeDispatch(out, id, items.error);
  append(out, { type: 'FanOutExpanded', task: id, count: (items.value as unknown[]).length });
}

/**
 * Dispatches the next attempt of `u` (or, with `reissue`, its attempt in flight again, under the same
 * idem). Nothing is dispatched while the run is paused. Returns false when the task failed instead, or
 * when the attempt waits for its pre_task hooks' verdict (it is dispatched when HookDecided arrives,
 * with the input and agent the hooks chose).
 */
export function dispatchUnit(out: Outbox, u: UnitState, reissue = false): boolean {
  const s = out.state;
  // A pause holds back new dispatches only: an attempt already journaled as dispatched is in flight, and
  // re-issuing it after a crash is how a paused run's in-flight work gets to finish.
  if (s.status !== 'executing' && !(reissue && s.status === 'paused')) return true;
  const spec = contextOf(s).specs[u.task]!;
  const input = taskInput(s, u);
  if (!input.ok) {
    failBeforeDispatch(out, spec.id, input.error);
    return false;
  }
  const attempt = reissue ? u.attempts : u.attempts + 1;
  const gate = preTaskGate(out, u, attempt, input.value, u.subtask?.agent ?? spec.agent ?? null, reissue);
  if (gate === 'held') return false;
  if (gate === 'denied') {
    const v = hookRecord(s, 'pre_task', hookSubject(attemptKey(u.key, u.iteration), attempt))!;
    failBeforeDispatch(out, spec.id, deniedError('pre_task', v));
    return false;
  }
  out.commands.push({
    type: 'Dispatch',
    key: attemptKey(u.key, u.iteration),
    task: spec.id,
    agent: gate.agent,
    attempt,
    input: gate.input,
    idem: reissue ? u.idem! : nextIdem(out),
    redispatch: reissue,
  });
  return true;
}

/** Dispatches fan-out instances, in order, while fewer than the task's limit are unfinished. */
export function fillFanOut(out: Outbox, i: number): void {
  const s = out.state;
  const { fan, round } = s.tasks[i]!;
  if (s.status !== 'executing' || fan === null) return;
  const spec = contextOf(s).specs[i]!;
  const limit = fanLimit(spec);
  for (let k = fan.started; k < fan.count && k - fan.done < limit; k++) {
    if (!dispatchUnit(out, newUnit(unitKey(spec.id, k, round), i, k))) return;
  }
}

/** After TaskDispatched: arm the attempt's deadline and announce it. */
export function dispatched(out: Outbox, u: UnitState): void {
  const spec = contextOf(out.state).specs[u.task]!;
  if (spec.timeout !== undefined) {
    const key = attemptKey(u.key, u.iteration);
    out.commands.push({
      type: 'ArmTimer',
      timerId: timerId({ kind: 'timeout', key, attempt: u.attempts }),
      fireAt: u.dispatchedAt! + spec.timeout,
    });
  }
  publishDispatch(out, u);
}

/** After an instance's final result: its task may be complete (or judged), or another instance may start. */
export function unitFinished(out: Outbox, u: UnitState): void {
  publishCompletion(out, u);
  const t = out.state.tasks[u.task]!;
  if (t.status === 'completed' || t.judging) taskFinished(out, u.task);
  else fillFanOut(out, u.task);
}

/**
 * After a task completed or was skipped: publish its emits, start the dependents it released, maybe
 * end. A task whose output its pattern judges is judged first (the verdict's entry brings it back here).
 * Under a serial pattern the ready task first in file order starts, released now or earlier.
 */
export function taskFinished(out: Outbox, i: number): void {
  const s = out.state;
  if (s.tasks[i]!.judging) return judge(out, i);
  if (s.tasks[i]!.status === 'completed' && !publishEmits(out, i)) return;
  const g = contextOf(s).graph;
  const serial = isSerial(s);
  for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
    const j = g.outs[k]!;
    // Only this finish can have brought j's count to zero: j is released now, not before.
    if (s.tasks[j]!.remaining === 0 && !(serial && s.tasks[j]!.status === 'ready')) startTask(out, j);
  }
  if (serial) {
    const next = s.tasks.findIndex((t) => t.status === 'ready');
    if (next >= 0) startTask(out, next);
  }
  completeRunIfDone(out);
}

/**
 * All tasks completed or skipped: the run completes with the outputs of its sinks (tasks nothing
 * depends on). A pattern's verdict may have completed it already, with the output it names.
 */
export function completeRunIfDone(out: Outbox): void {
  const s = out.state;
  if (s.completion !== null) return append(out, { type: 'RunCompleted', output: s.completion });
  if (s.openTasks > 0) return;
  const g = contextOf(s).graph;
  const output: Record<string, unknown> = {};
  for (let i = 0; i < g.ids.length; i++) {
    if (g.outStart[i + 1] === g.outStart[i] && s.tasks[i]!.status === 'completed') {
      Object.defineProperty(output, g.ids[i]!, {
        value: s.tasks[i]!.output,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  append(out, { type: 'RunCompleted', output });
}

/** After an iteration of a repeating task: journal whether `repeat.until` calls for another one. */
export function decideRepeat(out: Outbox, u: UnitState): void {
  const spec = contextOf(out.state).specs[u.task]!;
  const repeat = spec.repeat!;
  const r = evaluateBool(out.state, repeat.until, CEL_SCOPES.repeatUntil, {
    output: u.output,
    iteration: u.iteration,
  });
  if (!r.ok) return failBeforeDispatch(out, spec.id, r.error);
  const again = r.value === false && u.iteration < repeat.max_iterations;
  append(out, { type: 'RepeatDecided', key: u.key, iteration: u.iteration, again });
}
