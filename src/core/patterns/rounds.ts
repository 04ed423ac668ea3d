// apply()'s side of a hosted pattern: carry out a journaled verdict, mechanically. A task run again gets
// its next round (instance keys carry `@round`); earlier rounds' instances stay, outputs and all.

import type { DelegatedTask, PatternDecided } from '../entries.js';
import { delegateKey, parseKey, roundKey } from '../keys.js';
import { closeTask, markCompleted, newUnit, refreshGates } from '../progress.js';
import { hosted, type SubtaskResult } from './registry.js';
import { contextOf, isActive, type RunState, type TaskState, type UnitState } from '../state.js';

/** Statuses of a task that has not started in its current round (a new round would reuse it). */
const NOT_STARTED = new Set(['pending', 'waiting_event', 'ready']);

/**
 * What a verdict for `key` would be about, or null when none is awaited there (an earlier verdict
 * reran or ended it, or the run ended): `output` / `delegated`, the round key of a task awaiting its
 * verdict; `failed`, the key of a judged task's unit or of a delegated subtask whose retries are spent
 * (ABI 1.1, under judges_failures).
 */
export function awaitedVerdict(s: RunState, key: string): { i: number; failed: UnitState | null } | null {
  const p = parseKey(key);
  if (!isActive(s) || p === null || p.unit !== key || p.index >= 0) return null;
  const i = contextOf(s).graph.index.get(p.task);
  const t = i === undefined ? undefined : s.tasks[i];
  if (t === undefined || (p.round ?? 1) !== t.round) return null;
  if (p.delegate === undefined && t.judging) return { i: i!, failed: null };
  const u = s.units.get(key);
  return u !== undefined && u.status === 'failed' ? { i: i!, failed: u } : null;
}

/** The failure a `failed` verdict's `continue` records as the result. */
export const failureResult = (u: UnitState): Record<string, unknown> => ({
  error: { code: u.error!.code, message: u.error!.message },
  attempts: u.attempts,
});

/**
 * Applies a verdict on what awaits it (awaitedVerdict); a verdict on anything else (another round, an
 * answered failure, after the run ended) changes nothing. Names of unknown tasks were turned into a
 * failure before journaling.
 */
export function applyVerdict(s: RunState, e: PatternDecided): boolean {
  const awaited = awaitedVerdict(s, e.key);
  if (awaited === null) return false;
  const { i, failed } = awaited;
  const t = s.tasks[i]!;
  s.pattern = { name: e.pattern, state: e.state };
  s.metrics.patternSteps = (s.metrics.patternSteps ?? 0) + 1;
  t.judging = false;
  const d = e.decision;
  if (failed !== null) {
    if (failed.subtask !== null && d.op === 'continue') {
      // Skipped: the failure (or the verdict's output) is the subtask's result.
      failed.output = d.output ?? failureResult(failed);
      finishSubtask(s, failed, e.at);
      return true;
    }
    // Answered otherwise: the failed unit is settled (resume does not ask again).
    failed.status = 'cancelled';
    if (failed.subtask !== null && d.op === 'delegate') {
      // Retried elsewhere: the failed subtask counts as done, its replacements join the delegation.
      t.delegated!.done++;
      redelegate(s, i, d.subtasks, e.at);
      return true;
    }
    // Any other verdict is about the task itself: a delegation's subtasks still running are dropped.
    if (failed.subtask !== null) dropSubtasks(s, i);
    else t.output = failureResult(failed);
  }
  const indexOf = (id: string) => contextOf(s).graph.index.get(id)!;
  switch (d.op) {
    case 'continue':
      if (d.output !== undefined) t.output = d.output;
      closeTask(s, i, e.at);
      break;
    case 'complete':
      markCompleted(s, i);
      // fromEntries keeps even a task id "__proto__" a plain data key.
      s.completion = d.output ?? Object.fromEntries([[contextOf(s).graph.ids[i]!, t.output]]);
      break;
    case 'handoff':
      closeTask(s, i, e.at);
      rerun(s, [d.to, ...(d.also ?? [])].map(indexOf), d.input, e.at, d.inputs);
      break;
    case 'rerun':
      rerun(s, [i, ...d.also.map(indexOf)], d.input, e.at, d.inputs);
      break;
    case 'delegate': {
      // A new delegation in the same round (after a `delegated` verdict) numbers on from the last one.
      const first = t.delegated?.count ?? 0;
      t.delegated = { count: first, done: first, ...(first > 0 ? { first } : {}) };
      redelegate(s, i, d.subtasks, e.at);
      break;
    }
    case 'fail':
      t.status = 'failed';
      t.error = { ...d.error, retryable: false, kind: 'error' };
      s.metrics.failed++;
      break;
  }
  return true;
}

/** The task's round key. */
const roundOf = (s: RunState, i: number): string => roundKey(contextOf(s).graph.ids[i]!, s.tasks[i]!.round);

/** Adds `subtasks` to the task's current delegation (replacing a failed one, or a new delegation). */
function redelegate(s: RunState, i: number, subtasks: readonly DelegatedTask[], at: number): void {
  const t = s.tasks[i]!;
  const d = (t.delegated ??= { count: 0, done: 0 });
  const round = roundOf(s, i);
  for (const sub of subtasks) {
    const u = newUnit(delegateKey(round, d.count++), i, -1);
    u.subtask = sub;
    s.units.set(u.key, u);
  }
  if (d.done === d.count) afterDelegation(s, i, at);
}

/** The subtasks of the delegation that are not done yet, and are now dropped (no longer awaited). */
export function pendingSubtasks(s: RunState, i: number): UnitState[] {
  const d = s.tasks[i]!.delegated;
  if (d === null) return [];
  const round = roundOf(s, i);
  const out: UnitState[] = [];
  for (let k = d.first ?? 0; k < d.count; k++) {
    const u = s.units.get(delegateKey(round, k))!;
    if (u.status !== 'completed' && u.status !== 'cancelled') out.push(u);
  }
  return out;
}

function dropSubtasks(s: RunState, i: number): void {
  for (const u of pendingSubtasks(s, i)) {
    u.status = 'cancelled';
    s.inFlight.delete(u.key);
  }
  s.tasks[i]!.delegated = null;
}

/** A delegated subtask completed; after the last one, its task runs again (or its pattern judges). */
export function finishSubtask(s: RunState, u: UnitState, at: number): void {
  u.status = 'completed';
  s.metrics.completed++;
  const t = s.tasks[u.task]!;
  if (++t.delegated!.done === t.delegated!.count) afterDelegation(s, u.task, at);
}

/** The delegation's results, one per subtask in order (a replaced one left out). */
export function delegationResults(s: RunState, i: number): SubtaskResult[] {
  const d = s.tasks[i]!.delegated!;
  const round = roundOf(s, i);
  const results: SubtaskResult[] = [];
  for (let k = d.first ?? 0; k < d.count; k++) {
    const u = s.units.get(delegateKey(round, k))!;
    if (u.status === 'cancelled') continue;
    results.push({ key: u.key, agent: u.subtask!.agent, input: u.subtask!.input, output: u.output });
  }
  return results;
}

/** All subtasks done: the pattern judges them (judges_delegations), else the task runs again with them. */
function afterDelegation(s: RunState, i: number, at: number): void {
  const t = s.tasks[i]!;
  if (hosted(contextOf(s).pattern)?.judgesDelegations === true) {
    t.judging = true;
    return;
  }
  rerun(s, [i], { ...t.extra, results: delegationResults(s, i) }, at);
}

/**
 * Runs `tasks` again, as a sub-graph: each starts its next round (or, never started, waits no longer
 * for a verdict) once its dependencies inside the set are done; a dependency outside the set counts as
 * it stands. Events that released a task in an earlier round still count. A task that had finished
 * opens again, so dependents outside the set that still wait for it wait for its new round.
 */
function rerun(
  s: RunState,
  tasks: readonly number[],
  input: Record<string, unknown>,
  at: number,
  inputs?: Readonly<Record<string, Record<string, unknown>>>,
): void {
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
      extra: { ...input, ...inputs?.[g.ids[j]!] },
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
