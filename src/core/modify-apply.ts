// Live modification, folded: a RunModified swaps in the changed workflow for the rest of the run. Tasks
// keep their state by id (completed ones their outputs, running ones their attempts); added and replaced
// tasks start fresh, counting their dependencies against what already finished; decide() starts those
// that are ready at once. Task indices change with the graph, so instances are re-pointed by id.

import { buildContext } from './context.js';
import type { RunModified } from './entries.js';
import { stateRule } from './modify.js';
import type { Outbox } from './outbox.js';
import { hosted } from './patterns/registry.js';
import { newTask, refreshGates } from './progress.js';
import { completeRunIfDone, startTask } from './schedule.js';
import { contextOf, isActive, type RunState, type TaskState } from './state.js';

/** Ids of the tasks a modification gives a fresh state: the ones it adds or replaces. */
const freshIds = (e: RunModified): Set<string> =>
  new Set(e.changes.flatMap((m) => (m.op === 'add_task' || m.op === 'replace_task' ? [m.task.id] : [])));

/**
 * Applies a journaled modification, or changes nothing when the run has moved on so that a change no
 * longer fits (a task it removes started meanwhile, or another modification came first) or the new
 * workflow's pattern cannot be set up here.
 */
export function applyModified(s: RunState, e: RunModified): boolean {
  if (!isActive(s) || e.base !== s.modifications.length) return false;
  if (e.changes.some((m) => stateRule(s, m) !== null)) return false;
  const old = contextOf(s);
  const ctx = buildContext(e.workflow, old.binding);
  const pattern = hosted(ctx.pattern);
  if (pattern === null) return false;
  const fresh = freshIds(e);
  const g = ctx.graph;
  const tasks: TaskState[] = g.ids.map((id) => {
    const i = old.graph.index.get(id);
    return i === undefined || fresh.has(id) ? newTask(0) : s.tasks[i]!;
  });
  let removed = 0;
  for (const id of old.graph.ids) if (!g.index.has(id)) removed++;
  let added = 0;
  for (const id of g.ids) if (!old.graph.index.has(id)) added++;
  for (let j = 0; j < g.ids.length; j++) {
    if (!fresh.has(g.ids[j]!)) continue;
    const t = tasks[j]!;
    for (let k = g.depStart[j]!; k < g.depStart[j + 1]!; k++) {
      const dep = tasks[g.deps[k]!]!.status;
      if (dep === 'completed') t.depsCompleted++;
      else if (dep !== 'skipped') t.remaining++;
    }
    if (pattern.held.has(j)) t.remaining++;
  }
  s.units = new Map(
    [...s.units].map(([key, u]) => [key, { ...u, task: g.index.get(old.graph.ids[u.task]!)! }]),
  );
  s.tasks = tasks;
  s.ctx = ctx;
  s.workflow = e.workflow;
  s.openTasks += added - removed;
  // The pattern's view of the workflow (its tasks, agents, config) is set up again from the new one. A
  // plugin's state stays as its last verdict left it: its setup is the journaled pattern_init answer.
  const p = pattern.pattern;
  if (pattern.initial !== null && p !== null) {
    const state =
      p.rebase !== undefined && s.pattern !== null
        ? p.rebase(s.pattern.state, pattern.initial)
        : pattern.initial;
    s.pattern = { name: p.name, state };
  }
  for (let j = 0; j < g.ids.length; j++) if (fresh.has(g.ids[j]!)) refreshGates(s, j, e.at);
  s.modifications.push({ seq: e.seq, at: e.at, by: e.by, reason: e.reason, request: e.request });
  return true;
}

/** After a modification: start the added and replaced tasks that are ready; the run may be done now. */
export function modified(out: Outbox, e: RunModified): void {
  const g = contextOf(out.state).graph;
  for (const id of freshIds(e)) startTask(out, g.index.get(id)!);
  completeRunIfDone(out);
}
