// decide(): the scheduler as a pure function. Given the state right after apply(entry), it returns what
// that entry makes happen, touching only the tasks the entry affects (no scan of the whole run).

import { BatonError } from '../errors/registry.js';
import type { Command } from './commands.js';
import type { JournalEntry, RunError, TimerFired } from './entries.js';
import { matchEvent } from './events.js';
import { armRetry, failRun, sagaStep, unitFailed } from './failure.js';
import { parseKey, parseTimerId, timerId } from './keys.js';
import { modified } from './modify-apply.js';
import { outbox, type Outbox } from './outbox.js';
import { hosted } from './patterns/registry.js';
import { subtaskFinished, verdictApplied } from './patterns/verdicts.js';
import { advance } from './resume.js';
import {
  decideRepeat,
  dispatched,
  dispatchUnit,
  fillFanOut,
  startTask,
  taskFinished,
  unitFinished,
} from './schedule.js';
import { contextOf, runTimeoutMs, type RunState, type UnitState } from './state.js';

/**
 * The commands `entry` calls for. Call it right after apply(state, entry), and execute the commands in
 * order before the next input entry is appended: Appends are applied and decided in turn, and a
 * Dispatch is journaled as TaskDispatched before its agent is called.
 * @throws BatonError BATON_E_JOURNAL_INVALID when `entry` is not the entry applied last.
 */
export function decide(state: RunState, entry: JournalEntry): Command[] {
  if (state.lastSeq !== entry.seq) {
    throw new BatonError(
      'BATON_E_JOURNAL_INVALID',
      `decide(seq ${entry.seq}) after apply(seq ${state.lastSeq})`,
    );
  }
  if (!state.lastChanged) return [];
  const out = outbox(state, entry.seq, entry.at);
  decideEntry(out, entry);
  return out.commands;
}

const unitOf = (s: RunState, key: string): UnitState => s.units.get(parseKey(key)!.unit)!;
const indexOf = (s: RunState, id: string): number => contextOf(s).graph.index.get(id)!;

function decideEntry(out: Outbox, e: JournalEntry): void {
  const s = out.state;
  switch (e.type) {
    case 'RunStarted':
      return runStarted(out);
    case 'TaskDispatched':
      return dispatched(out, unitOf(s, e.key));
    case 'TaskCompleted': {
      const u = unitOf(s, e.key);
      if (u.subtask !== null) return subtaskFinished(out, u);
      return u.status === 'evaluating' ? decideRepeat(out, u) : unitFinished(out, u);
    }
    case 'RepeatDecided': {
      const u = unitOf(s, e.key);
      if (e.again) dispatchUnit(out, u);
      else unitFinished(out, u);
      return;
    }
    case 'PatternDecided':
      return verdictApplied(out, e);
    case 'TaskFailed':
      if (e.attempt === 0)
        return failRun(out, { code: e.error.code, message: e.error.message, key: e.key }, 'failed');
      return unitFailed(out, unitOf(s, e.key));
    case 'TimerFired':
      return timerFired(out, e);
    case 'EventReceived':
      return matchEvent(out, s.eventToMatch!);
    case 'EventMatched':
      for (const id of e.tasks) startTask(out, indexOf(s, id));
      return;
    case 'RunCancelRequested':
      return failRun(out, null, 'cancelled');
    case 'RunResumed':
      return advance(out, false);
    case 'RunModified':
      return modified(out, e);
    case 'TaskSkipped':
      return taskFinished(out, indexOf(s, e.key));
    case 'FanOutExpanded':
      return e.count === 0 ? taskFinished(out, indexOf(s, e.task)) : fillFanOut(out, indexOf(s, e.task));
    case 'RetryScheduled':
      return armRetry(out, e.key, e.attempt, e.fireAt);
    case 'CompensationStarted':
    case 'CompensationDone':
      return sagaStep(out);
    case 'RunPaused':
    case 'RunTakenOver':
    case 'RunCompleted':
    case 'RunFailed':
    case 'RunCancelled':
    case 'PatternStep':
    case 'TaskAttemptAttached':
    case 'TaskInputRequired':
    case 'TaskInputProvided':
      return;
  }
}

/**
 * Arms the run's deadline and starts every task that has no dependencies, or fails the run when its
 * orchestration pattern is unknown or does not fit the workflow.
 */
function runStarted(out: Outbox): void {
  const s = out.state;
  const pattern = contextOf(s).pattern;
  if (hosted(pattern) === null) return failRun(out, pattern as RunError, 'failed');
  const timeout = runTimeoutMs(s);
  if (timeout !== undefined) {
    out.commands.push({ type: 'ArmTimer', timerId: timerId({ kind: 'run' }), fireAt: s.startedAt + timeout });
  }
  for (let i = 0; i < s.tasks.length; i++) startTask(out, i);
}

function timerFired(out: Outbox, e: TimerFired): void {
  const s = out.state;
  const ref = parseTimerId(e.timerId)!;
  switch (ref.kind) {
    case 'run': {
      const message = `the run did not finish within ${runTimeoutMs(s)} ms`;
      return failRun(out, { code: 'BATON_E_RUN_TIMEOUT', message }, 'failed');
    }
    case 'wait': {
      const error = s.tasks[indexOf(s, ref.task)]!.error!;
      return failRun(out, { code: error.code, message: error.message, key: ref.task }, 'failed');
    }
    case 'retry':
      dispatchUnit(out, unitOf(s, ref.key));
      return;
    case 'timeout':
      return unitFailed(out, unitOf(s, ref.key));
  }
}
