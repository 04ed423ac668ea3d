// decide()'s side of a journaled verdict: start what it released (the next round's tasks, delegated
// subtasks, the next agent's task), let the graph go on, or end the run.

import type { PatternDecided } from '../entries.js';
import { publishCompletion, publishEmits } from '../events.js';
import { failRun } from '../failure.js';
import { delegateKey, parseKey } from '../keys.js';
import type { Outbox } from '../outbox.js';
import { completeRunIfDone, dispatchUnit, startTask, taskFinished } from '../schedule.js';
import { contextOf, type UnitState } from '../state.js';

/** After apply() carried out verdict `e`: the commands it calls for. */
export function verdictApplied(out: Outbox, e: PatternDecided): void {
  const s = out.state;
  const index = contextOf(s).graph.index;
  const i = index.get(parseKey(e.key)!.task)!;
  const d = e.decision;
  switch (d.op) {
    case 'continue':
      return taskFinished(out, i);
    case 'complete':
      if (publishEmits(out, i)) completeRunIfDone(out);
      return;
    case 'handoff':
      taskFinished(out, i);
      return startTask(out, index.get(d.to)!);
    case 'rerun':
      for (const j of [i, ...d.also.map((id) => index.get(id)!)]) startTask(out, j);
      return;
    case 'delegate':
      d.subtasks.forEach((_, k) => dispatchUnit(out, s.units.get(delegateKey(e.key, k))!));
      // With nothing delegated, the task already runs again.
      return startTask(out, i);
    case 'fail':
      return failRun(out, { ...d.error, key: e.key }, 'failed');
  }
}

/** After a delegated subtask completed: announce it; after the last one its task runs again. */
export function subtaskFinished(out: Outbox, u: UnitState): void {
  publishCompletion(out, u);
  startTask(out, u.task);
}
