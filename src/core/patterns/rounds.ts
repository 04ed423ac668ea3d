// apply()'s side of a hosted pattern: carry out a journaled verdict, mechanically. A task run again gets
// its next round (instance keys carry `@round`); earlier rounds' instances stay, outputs and all.

import type { PatternDecided } from '../entries.js';
import { delegateKey, parseKey, roundKey } from '../keys.js';
import { closeTask, markCompleted, newUnit, refreshGates } from '../progress.js';
import { contextOf, isActive, type RunState, type TaskState, type UnitState } from '../state.js';

/** Statuses of a task that has not started in its current round (a new round would reuse it). */
const NOT_STARTED = new Set(['pending', 'waiting_event', 'ready']);

/**
 * Applies a verdict on the task whose output awaits it; a verdict on any other round (or after the
 * run ended) changes nothing. Names of unknown tasks were turned into a failure before journaling.
 */
export function applyVerdict(s: RunState, e: PatternDecided): boolean {
  const ctx = contextOf(s);
  const p = parseKey(e.key);
  const isRound = p !== null && p.unit === e.key && p.index < 0 && p.delegate === undefined;
  const i = isRound ? ctx.graph.index.get(p.task) : undefined;
  const t = i === undefined ? undefined : s.tasks[i];
  if (!isActive(s) || t === undefined || !t.judging || (p!.round ?? 1) !== t.round) return false;
  s.pattern = { name: e.pattern, state: e.state };
  s.metrics.patternSteps = (s.metrics.patternSteps ?? 0) + 1;
  t.judging = false;
  const d = e.decision;
  const indexOf = (id: string) => ctx.graph.index.get(id)!;
  switch (d.op) {
    case 'continue':
      if (d.output !== undefined) t.output = d.output;
      closeTask(s, i!, e.at);
      break;
    case 'complete':
      markCompleted(s, i!);
      // fromEntries keeps even a task id "__proto__" a plain data key.
      s.completion = d.output ?? Object.fromEntries([[ctx.graph.ids[i!]!, t.output]]);
      break;
    case 'handoff':
      closeTask(s, i!, e.at);
      rerun(s, [indexOf(d.to)], d.input, e.at);
      break;
    case 'rerun':
      rerun(s, [i!, ...d.also.map(indexOf)], d.input, e.at);
      break;
    case 'delegate':
      t.delegated = { count: d.subtasks.length, done: 0 };
      d.subtasks.forEach((sub, k) => {
        const u = newUnit(delegateKey(e.key, k), i!, -1);
        u.subtask = sub;
        s.units.set(u.key, u);
      });
      if (d.subtasks.length === 0) runAfterDelegation(s, i!, e.at);
      break;
    case 'fail':
      t.status = 'failed';
      t.error = { ...d.error, retryable: false, kind: 'error' };
      s.metrics.failed++;
      break;
  }
  return true;
}

/** A delegated subtask completed; after the last one, its task runs again with their results. */
export function finishSubtask(s: RunState, u: UnitState, at: number): void {
  u.status = 'completed';
  s.metrics.completed++;
  const t = s.tasks[u.task]!;
  if (++t.delegated!.done === t.delegated!.count) runAfterDelegation(s, u.task, at);
}

function runAfterDelegation(s: RunState, i: number, at: number): void {
  const t = s.tasks[i]!;
  const round = roundKey(contextOf(s).graph.ids[i]!, t.round);
  const results = Array.from({ length: t.delegated!.count }, (_, k) => {
    const u = s.units.get(delegateKey(round, k))!;
    return { key: u.key, agent: u.subtask!.agent, input: u.subtask!.input, output: u.output };
  });
  rerun(s, [i], { ...t.extra, results }, at);
}

/**
 * Runs `tasks` again, as a sub-graph: each starts its next round (or, never started, waits no longer
 * for a verdict) once its dependencies inside the set are done; a dependency outside the set counts as
 * it stands. Events that released a task in an earlier round still count. A task that had finished
 * opens again, so dependents outside the set that still wait for it wait for its new round.
 */
function rerun(s: RunState, tasks: readonly number[], input: Record<string, unknown>, at: number): void {
  const ctx = contextOf(s);
  const g = ctx.graph;
  const set = new Set(tasks);
  for (const j of set) {
    const t = s.tasks[j]!;
    if (t.status === 'completed' || t.status === 'skipped') reopen(s, j, set);
    if (!NOT_STARTED.has(t.status)) t.round++;
    Object.assign(t, {
      status: 'pending',
      fan: null,
      error: null,
      skipped: null,
      waitSince: null,
      judging: false,
      delegated: null,
      extra: input,
    } satisfies Partial<TaskState>);
    ctx.fanItems.delete(j);
  }
  for (const j of set) {
    const t = s.tasks[j]!;
    t.remaining = 0;
    t.depsCompleted = 0;
    for (let k = g.depStart[j]!; k < g.depStart[j + 1]!; k++) {
      const d = g.deps[k]!;
      const status = s.tasks[d]!.status;
      if (!set.has(d) && status === 'completed') t.depsCompleted++;
      else if (set.has(d) || status !== 'skipped') t.remaining++;
    }
    refreshGates(s, j, at);
  }
}

/** Undoes a finished task's count-down of the dependents outside `set` that still wait. */
function reopen(s: RunState, j: number, set: ReadonlySet<number>): void {
  s.openTasks++;
  const completed = s.tasks[j]!.status === 'completed';
  const g = contextOf(s).graph;
  for (let k = g.outStart[j]!; k < g.outStart[j + 1]!; k++) {
    const d = s.tasks[g.outs[k]!]!;
    if (set.has(g.outs[k]!) || d.status !== 'pending') continue;
    d.remaining++;
    if (completed) d.depsCompleted--;
  }
}
