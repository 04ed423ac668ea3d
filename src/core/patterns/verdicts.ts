// decide()'s side of a journaled verdict: publish its events (ABI 1.1), start what it released (the
// next round's tasks, delegated subtasks, the next agent's task), let the graph go on, or end the run.

import type { PatternDecided } from '../entries.js';
import { publishCompletion, publishEmits } from '../events.js';
import { failRun } from '../failure.js';
import { attemptKey, delegateKey, parseKey, roundKey } from '../keys.js';
import { append, type Outbox } from '../outbox.js';
import { completeRunIfDone, dispatchUnit, startTask, taskFinished } from '../schedule.js';
import { contextOf, type UnitState } from '../state.js';
import { judge } from './judge.js';

/** After apply() carried out verdict `e`: the commands it calls for. */
export function verdictApplied(out: Outbox, e: PatternDecided): void {
  const s = out.state;
  const index = contextOf(s).graph.index;
  const p = parseKey(e.key)!;
  const i = index.get(p.task)!;
  const t = s.tasks[i]!;
  publishVerdictEvents(out, e);
  const d = e.decision;
  if (p.delegate !== undefined) {
    // A verdict on a failed subtask: it was skipped or replaced, or the task's delegation was dropped.
    if (d.op === 'continue' || d.op === 'delegate') return delegationGoesOn(out, i);
    for (let k = 0; s.units.has(delegateKey(roundKey(p.task, t.round), k)); k++) {
      const u = s.units.get(delegateKey(roundKey(p.task, t.round), k))!;
      if (u.status === 'cancelled' && u.key !== e.key)
        out.commands.push({ type: 'CancelTask', key: attemptKey(u.key, u.iteration), reason: 'dropped' });
    }
  }
  switch (d.op) {
    case 'continue':
      return taskFinished(out, i);
    case 'complete':
      if (publishEmits(out, i)) completeRunIfDone(out);
      return;
    case 'handoff':
      taskFinished(out, i);
      for (const id of [d.to, ...(d.also ?? [])]) startTask(out, index.get(id)!);
      return;
    case 'rerun':
      for (const j of [i, ...d.also.map((id) => index.get(id)!)]) startTask(out, j);
      return;
    case 'delegate':
      return delegationGoesOn(out, i);
    case 'fail':
      return failRun(out, { ...d.error, key: e.key }, 'failed');
  }
}

/** The delegation's subtasks not yet dispatched start; a delegation already done goes on at once. */
function delegationGoesOn(out: Outbox, i: number): void {
  const s = out.state;
  const t = s.tasks[i]!;
  if (t.delegated !== null) {
    const round = roundKey(contextOf(s).graph.ids[i]!, t.round);
    for (let k = t.delegated.first ?? 0; k < t.delegated.count; k++) {
      const u = s.units.get(delegateKey(round, k))!;
      if (u.status === 'ready') dispatchUnit(out, u);
    }
  }
  afterSubtask(out, i);
}

/** After a delegated subtask completed: announce it; after the last one its task runs again. */
export function subtaskFinished(out: Outbox, u: UnitState): void {
  publishCompletion(out, u);
  afterSubtask(out, u.task);
}

/** The delegation is done: its pattern judges it (judges_delegations), or the task runs again. */
function afterSubtask(out: Outbox, i: number): void {
  if (out.state.tasks[i]!.judging) judge(out, i);
  else startTask(out, i);
}

/**
 * The verdict's events (ABI 1.1), before what its op starts: each journaled as an EventReceived with
 * an id derived from the step (`${runId}/${key}/step${n}/event${j}`: replay and a re-decision after a
 * crash give the same id, so a copy is a duplicate) and matched like any outside signal; watchers see
 * it on the run's stream too.
 */
function publishVerdictEvents(out: Outbox, e: PatternDecided): void {
  const s = out.state;
  const step = s.metrics.patternSteps ?? 0;
  for (const [j, ev] of (e.decision.events ?? []).entries()) {
    const eventId = `${s.runId}/${e.key}/step${step}/event${j}`;
    const source = `pattern:${e.pattern}`;
    out.commands.push({
      type: 'Publish',
      channel: ev.channel,
      name: ev.type,
      data: ev.data,
      eventId,
      loopback: false,
    });
    append(out, {
      type: 'EventReceived',
      eventId,
      channel: ev.channel,
      name: ev.type,
      data: ev.data,
      source,
      ...(ev.to === undefined ? {} : { to: ev.to }),
    });
  }
}
