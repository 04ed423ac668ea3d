// decide(): the scheduler as a pure function. Given the state right after apply(entry), it returns what
// that entry makes happen, touching only the tasks the entry affects (no scan of the whole run).

import { BatonError } from '../errors/registry.js';
import type { Command } from './commands.js';
import type { HookDecided, JournalEntry, RunError, TimerFired } from './entries.js';
import {
  askPostTask,
  askSessionEnd,
  askSessionRestore,
  deniedError,
  holdForSessionStart,
  preTaskUnit,
} from './hooks.js';
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
import { contextOf, isActive, runTimeoutMs, type RunState, type UnitState } from './state.js';

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
      if (u.awaitingHook === 'post_task') return askPostTask(out, u);
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
      advance(out, false);
      return askSessionRestore(out, 'resume');
    case 'RunTakenOver':
      return askSessionRestore(out, 'takeover');
    case 'HookDecided':
      return hookDecided(out, e);
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
    case 'RunCompleted':
    case 'RunFailed':
    case 'RunCancelled':
      return askSessionEnd(out);
    case 'RunPaused':
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
  if (holdForSessionStart(out)) return;
  for (let i = 0; i < s.tasks.length; i++) startTask(out, i);
}

/**
 * A hooks verdict, journaled: session_start lets the tasks start (or fails the run), pre_task dispatches
 * the attempt it held (or fails its task: dispatchUnit reads the verdict), post_task finishes the attempt
 * it held (or fails it, like an agent's non-retryable error), session_restore may fail the run. Tool
 * triggers' verdicts are only recorded: the agent that asked reads them.
 */
function hookDecided(out: Outbox, e: HookDecided): void {
  const s = out.state;
  switch (e.trigger) {
    case 'session_start':
    case 'session_restore':
      if (!isActive(s)) return;
      if (e.outcome === 'deny')
        return failRun(out, deniedError(e.trigger, s.hooks![`${e.trigger}:${e.subject}`]!), 'failed');
      if (e.trigger === 'session_start') for (let i = 0; i < s.tasks.length; i++) startTask(out, i);
      return;
    case 'pre_task': {
      const u = preTaskUnit(s, e.subject);
      if (u === null) return;
      if ('fanOut' in u) return fillFanOut(out, u.fanOut);
      dispatchUnit(out, u);
      return;
    }
    case 'post_task': {
      const u = unitOf(s, attemptKeyOf(e.subject));
      if (u.status === 'failed') return unitFailed(out, u);
      if (u.subtask !== null) return subtaskFinished(out, u);
      return u.status === 'evaluating' ? decideRepeat(out, u) : unitFinished(out, u);
    }
  }
}

const attemptKeyOf = (subject: string): string => subject.slice(0, subject.lastIndexOf('/'));

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
