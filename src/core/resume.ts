// Recovery: what a run needs issued again after a crash (or after RunResumed), derived from the state
// alone with the same functions decide() uses, so a resumed run continues exactly as a live one.

import type { Command } from './commands.js';
import { matchEvent, publishEmits } from './events.js';
import { failRun, sagaStep, unitFailed } from './failure.js';
import type { RunError } from './entries.js';
import { outbox, type Outbox } from './outbox.js';
import { judge } from './patterns/judge.js';
import { hosted } from './patterns/registry.js';
import { completeRunIfDone, decideRepeat, dispatchUnit, fillFanOut, startTask } from './schedule.js';
import { contextOf, isActive, type RunState } from './state.js';
import { pendingTimers } from './timers.js';
import { askPostTask, askSessionEnd, holdForSessionStart } from './hooks.js';

/**
 * The commands to issue when a runtime takes over a run (after loading its snapshot and replaying the
 * tail): every attempt in flight is dispatched again with its journaled idem (agents deduplicate by
 * it); decisions whose entries were not journaled yet are made again (their Dispatches get fresh
 * idems: no agent saw them, since TaskDispatched precedes the call), a pattern's verdict too; the
 * saga's current compensation is re-issued; an event received last is matched again; `emits` of
 * completed tasks are re-published under their stable ids; pending timers are re-armed.
 */
export function resumeCommands(state: RunState): Command[] {
  if (state.ctx === null) return [];
  const out = outbox(state, state.lastSeq, state.lastAt, true);
  // An ended run owes nothing but its session_end hooks, if they were not recorded before a crash.
  askSessionEnd(out);
  advance(out, true);
  const armed = new Set(out.commands.flatMap((c) => (c.type === 'ArmTimer' ? [c.timerId] : [])));
  for (const t of pendingTimers(state)) {
    if (!armed.has(t.timerId)) out.commands.push({ type: 'ArmTimer', ...t });
  }
  return out.commands;
}

/**
 * Moves every task and instance forward from where the state says it is. With `recover` false (after
 * RunResumed) only what a pause held back is dispatched; with `recover` true (after a crash) the
 * decisions of entries whose commands may have been lost are made again too.
 */
export function advance(out: Outbox, recover: boolean): void {
  const s = out.state;
  if (recover && (s.status === 'failing' || s.status === 'cancelling')) {
    if (s.saga !== null) sagaStep(out);
    else failRun(out, null, 'cancelled');
    return;
  }
  if (!isActive(s)) return;
  const pattern = contextOf(s).pattern;
  if (recover && hosted(pattern) === null) return failRun(out, pattern as RunError, 'failed');
  if (recover && s.completion !== null) {
    // A verdict ended the run: nothing else starts; only its announcements and its end are redone.
    s.tasks.forEach((t, i) => t.status === 'completed' && publishEmits(out, i));
    return completeRunIfDone(out);
  }
  // session_start's verdict not journaled yet: nothing has started, the hooks are asked again.
  if (holdForSessionStart(out)) return;
  if (recover && s.eventToMatch !== null) matchEvent(out, s.eventToMatch);
  for (const u of s.units.values()) {
    if (u.status === 'ready') dispatchUnit(out, u);
    else if (recover && u.status === 'dispatched') dispatchUnit(out, u, true);
    else if (recover && u.status === 'failed') unitFailed(out, u);
    else if (recover && u.awaitingHook === 'post_task') askPostTask(out, u);
    else if (recover && u.status === 'evaluating') decideRepeat(out, u);
  }
  s.tasks.forEach((t, i) => {
    if (t.status === 'ready' || (recover && t.status === 'waiting_event')) startTask(out, i);
    else if (recover && t.judging) judge(out, i);
    else if (t.status === 'running') fillFanOut(out, i);
    else if (recover && t.status === 'completed') publishEmits(out, i);
    else if (recover && t.status === 'failed' && t.error !== null) {
      failRun(
        out,
        { code: t.error.code, message: t.error.message, key: contextOf(s).graph.ids[i]! },
        'failed',
      );
    }
  });
  if (recover) completeRunIfDone(out);
}
