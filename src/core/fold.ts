// apply(): the reducer that turns one journal entry into the run's next state; fold() runs it over a
// journal. apply never evaluates CEL, reads no clock and touches nothing but the state it is given.

import { BatonError } from '../errors/registry.js';
import { buildContext, fansOut } from './context.js';
import { ENTRY_VERSION, type JournalEntry, type RunError, type TaskError } from './entries.js';
import type * as E from './entries.js';
import { parseKey, parseTimerId } from './keys.js';
import { applyHookDecided, holdForPostTask } from './hooks.js';
import { applyModified } from './modify-apply.js';
import { applyVerdict, finishSubtask } from './patterns/rounds.js';
import { hosted } from './patterns/registry.js';
import {
  completeTask,
  finishUnit,
  newTask,
  newUnit,
  refreshGates,
  skipTask,
  stopInFlight,
} from './progress.js';
import { clearRemote, taskAttemptAttached, taskInputRequired } from './remote-tasks.js';
import { contextOf, initialState, isActive, type RunState, type UnitState } from './state.js';

/**
 * Applies one entry, mutating `state` in place (a fold over a 10,000-task run must not copy it per
 * entry). Deterministic: the same state and entry always give the same result. Entries that no longer
 * apply (a late result, a duplicate event, a stale timer) change nothing but set `lastChanged` false.
 * @throws BatonError BATON_E_JOURNAL_INVALID for an unknown version, a seq out of order, or any entry
 * before RunStarted.
 */
export function apply(state: RunState, entry: JournalEntry): void {
  if (entry.v !== ENTRY_VERSION) {
    throw new BatonError('BATON_E_JOURNAL_INVALID', `entry ${entry.seq} has version ${String(entry.v)}`);
  }
  if (state.ctx === null && entry.type !== 'RunStarted') {
    throw new BatonError(
      'BATON_E_JOURNAL_INVALID',
      `entry ${entry.seq} (${entry.type}) comes before RunStarted`,
    );
  }
  if (entry.seq <= state.lastSeq) {
    throw new BatonError('BATON_E_JOURNAL_INVALID', `entry seq ${entry.seq} follows seq ${state.lastSeq}`);
  }
  // A takeover changes nothing of the run: an event received just before it is still to be matched.
  if (entry.type !== 'RunTakenOver') state.eventToMatch = null;
  state.lastChanged = applyEntry(state, entry);
  state.lastSeq = entry.seq;
  state.lastAt = entry.at;
}

export function fold(entries: Iterable<JournalEntry>, from: RunState = initialState()): RunState {
  for (const e of entries) apply(from, e);
  return from;
}

function applyEntry(s: RunState, e: JournalEntry): boolean {
  switch (e.type) {
    case 'RunStarted':
      return runStarted(s, e);
    case 'TaskDispatched':
      return taskDispatched(s, e);
    case 'TaskCompleted':
      return taskCompleted(s, e);
    case 'TaskFailed':
      return taskFailed(s, e);
    case 'TimerFired':
      return timerFired(s, e);
    case 'EventReceived':
      return eventReceived(s, e);
    case 'EventMatched':
      return eventMatched(s, e);
    case 'RunCancelRequested':
      if (!isActive(s)) return false;
      s.status = 'cancelling';
      s.cancel = { by: e.by, reason: e.reason };
      return true;
    case 'RunPaused':
      return transition(s, 'executing', 'paused');
    case 'RunResumed':
      return transition(s, 'paused', 'executing');
    case 'TaskSkipped':
      return taskSkipped(s, e);
    case 'FanOutExpanded':
      return fanOutExpanded(s, e);
    case 'RetryScheduled':
      return retryScheduled(s, e);
    case 'RepeatDecided':
      return repeatDecided(s, e);
    case 'PatternDecided':
      return applyVerdict(s, e);
    case 'CompensationStarted':
      return compensationStarted(s, e);
    case 'CompensationDone':
      return compensationDone(s, e);
    case 'RunCompleted':
      if (!isActive(s)) return false;
      s.status = 'completed';
      s.output = e.output;
      return end(s, e.at, 'completed');
    case 'RunFailed':
      if (isEnded(s)) return false;
      s.status = 'failed';
      s.error = e.error;
      markFailed(s, e.error);
      return end(s, e.at, 'failed');
    case 'RunCancelled':
      if (isEnded(s)) return false;
      s.status = 'cancelled';
      return end(s, e.at, 'cancelled');
    case 'PatternStep':
      s.pattern = { name: e.pattern, state: e.state };
      return true;
    case 'RunModified':
      return applyModified(s, e);
    case 'RunTakenOver':
      return true; // who drives the run is the store's business: the state goes on as it was
    case 'TaskAttemptAttached':
      return taskAttemptAttached(s, e);
    case 'HookDecided':
      return applyHookDecided(s, e);
    case 'TaskInputRequired':
      return taskInputRequired(s, e);
  }
}

const isEnded = (s: RunState) =>
  s.status === 'completed' || s.status === 'failed' || s.status === 'cancelled';

function transition(s: RunState, from: RunState['status'], to: RunState['status']): boolean {
  if (s.status !== from) return false;
  s.status = to;
  return true;
}

function end(s: RunState, at: number, phase: string): boolean {
  stopInFlight(s);
  s.endedAt = at;
  s.phase = phase;
  return true;
}

function runStarted(s: RunState, e: E.RunStarted): boolean {
  if (s.ctx !== null) throw new BatonError('BATON_E_JOURNAL_INVALID', `a second RunStarted at seq ${e.seq}`);
  const ctx = buildContext(e.workflow, e.options.pattern);
  s.ctx = ctx;
  s.runId = e.runId;
  s.namespace = e.namespace;
  s.workflow = e.workflow;
  s.input = e.input;
  s.options = e.options;
  s.seed = e.seed;
  s.status = 'executing';
  s.phase = 'started';
  s.startedAt = e.at;
  const g = ctx.graph;
  const pattern = hosted(ctx.pattern);
  if (pattern !== null && pattern.initial !== null)
    s.pattern = { name: pattern.name, state: pattern.initial };
  // A task the pattern holds waits for one more thing than its dependencies: a verdict naming it.
  const held = (i: number) => (pattern?.held.has(i) === true ? 1 : 0);
  s.tasks = ctx.specs.map((_, i) => newTask(g.depStart[i + 1]! - g.depStart[i]! + held(i)));
  s.openTasks = s.tasks.length;
  for (let i = 0; i < s.tasks.length; i++) refreshGates(s, i, e.at);
  return true;
}

/** The instance an attempt key names, when that key's iteration is the instance's current one. */
function currentUnit(s: RunState, key: string): UnitState | null {
  const p = parseKey(key);
  const unit = p === null ? undefined : s.units.get(p.unit);
  return unit === undefined || unit.iteration !== p!.iteration ? null : unit;
}

const taskIndex = (s: RunState, id: string): number | undefined => contextOf(s).graph.index.get(id);

function taskDispatched(s: RunState, e: E.TaskDispatched): boolean {
  const p = parseKey(e.key);
  const i = p === null ? undefined : taskIndex(s, p.task);
  if (!isActive(s) || p === null || i === undefined) return false;
  const t = s.tasks[i]!;
  let u = s.units.get(p.unit);
  if (u === undefined) {
    // A first dispatch of the task's current round: the task itself once ready, or the next fan-out
    // position (they start in order). Delegated subtasks exist before they are dispatched.
    const first = t.fan === null ? p.index < 0 && t.status === 'ready' : p.index === t.fan.started;
    const current = (p.round ?? 1) === t.round && p.delegate === undefined;
    if (!first || !current || p.iteration !== 1 || e.attempt !== 1) return false;
    u = newUnit(p.unit, i, p.index);
    s.units.set(p.unit, u);
    if (t.fan === null) t.status = 'running';
    else t.fan.started++;
  }
  if (u.status !== 'ready' || u.iteration !== p.iteration || e.attempt !== u.attempts + 1) return false;
  u.status = 'dispatched';
  clearRemote(u);
  u.attempts = e.attempt;
  u.idem = e.idem;
  u.instance = e.instance;
  u.dispatchedAt = e.at;
  u.retryAt = null;
  s.inFlight.add(u.key);
  s.metrics.dispatched++;
  s.phase = e.task;
  return true;
}

/** The attempt `key`/`attempt` is the one in flight (otherwise its result is stale). */
function inFlightUnit(s: RunState, key: string, attempt: number): UnitState | null {
  const u = currentUnit(s, key);
  if (!isActive(s) || u === null || u.status !== 'dispatched' || u.attempts !== attempt) {
    s.metrics.staleResults++;
    return null;
  }
  s.inFlight.delete(u.key);
  return u;
}

function taskCompleted(s: RunState, e: E.TaskCompleted): boolean {
  const u = inFlightUnit(s, e.key, e.attempt);
  if (u === null) return false;
  u.output = e.output;
  u.error = null;
  if (holdForPostTask(s, u)) return true;
  if (u.subtask !== null) finishSubtask(s, u, e.at);
  else if (contextOf(s).specs[u.task]!.repeat !== undefined) u.status = 'evaluating';
  else finishUnit(s, u, e.at);
  return true;
}

function failUnit(s: RunState, u: UnitState, error: TaskError): void {
  u.status = 'failed';
  u.error = error;
  s.metrics.failed++;
}

function taskFailed(s: RunState, e: E.TaskFailed): boolean {
  if (e.attempt === 0) return failTask(s, e.key, e.error);
  const u = inFlightUnit(s, e.key, e.attempt);
  if (u === null) return false;
  failUnit(s, u, e.error);
  return true;
}

/** A failure of the task as a whole, before any attempt could run or while it waited for an event. */
function failTask(s: RunState, id: string, error: TaskError): boolean {
  const i = taskIndex(s, id);
  const t = i === undefined ? undefined : s.tasks[i];
  if (!isActive(s) || t === undefined || !['ready', 'waiting_event', 'running'].includes(t.status))
    return false;
  t.status = 'failed';
  t.error = error;
  s.metrics.failed++;
  return true;
}

function timerFired(s: RunState, e: E.TimerFired): boolean {
  const ref = parseTimerId(e.timerId);
  if (ref === null || !isActive(s)) return false;
  switch (ref.kind) {
    case 'run':
      return true;
    case 'wait': {
      const i = taskIndex(s, ref.task);
      const t = i === undefined ? undefined : s.tasks[i];
      if (t?.status !== 'waiting_event' || t.waitSince === null) return false;
      const timeout = contextOf(s).specs[i!]!.wait_for!.timeout;
      return failTask(s, ref.task, {
        code: 'BATON_E_WAIT_TIMEOUT',
        message: `task "${ref.task}" waited ${timeout} ms for its wait_for event`,
        retryable: false,
        kind: 'timeout',
      });
    }
    case 'retry': {
      const u = currentUnit(s, ref.key);
      if (u?.status !== 'waiting_retry' || u.attempts + 1 !== ref.attempt) return false;
      u.status = 'ready';
      u.retryAt = null;
      return true;
    }
    case 'timeout': {
      const u = inFlightUnit(s, ref.key, ref.attempt);
      if (u === null) return false;
      s.metrics.timeouts++;
      const timeout = contextOf(s).specs[u.task]!.timeout ?? 0;
      failUnit(s, u, {
        code: 'BATON_E_AGENT_TIMEOUT',
        message: `attempt ${ref.attempt} of "${ref.key}" did not finish within ${timeout} ms`,
        retryable: true,
        kind: 'timeout',
      });
      return true;
    }
  }
}

function eventReceived(s: RunState, e: E.EventReceived): boolean {
  if (s.events.has(e.eventId)) {
    s.metrics.duplicateEvents++;
    return false;
  }
  s.events.set(e.eventId, e.seq);
  s.metrics.events++;
  if (!isActive(s)) return false;
  s.eventToMatch = {
    eventId: e.eventId,
    channel: e.channel,
    name: e.name ?? null,
    data: e.data,
    source: e.source,
    ...(e.to === undefined ? {} : { to: e.to }),
  };
  return true;
}

function eventMatched(s: RunState, e: E.EventMatched): boolean {
  if (!isActive(s)) return false;
  const specs = contextOf(s).specs;
  let changed = false;
  for (const id of e.tasks) {
    const i = taskIndex(s, id);
    if (i === undefined) continue;
    const t = s.tasks[i]!;
    const spec = specs[i]!;
    if (
      spec.on !== undefined &&
      t.onEvent === null &&
      (t.status === 'pending' || t.status === 'waiting_event')
    ) {
      t.onEvent = e.event;
    } else if (t.status === 'waiting_event' && t.waitSince !== null && t.waitEvent === null) {
      t.waitEvent = e.event;
    } else {
      continue;
    }
    changed = true;
    refreshGates(s, i, e.at);
  }
  return changed;
}

function taskSkipped(s: RunState, e: E.TaskSkipped): boolean {
  const i = taskIndex(s, e.key);
  const t = i === undefined ? undefined : s.tasks[i];
  if (!isActive(s) || t === undefined || !['pending', 'waiting_event', 'ready'].includes(t.status))
    return false;
  skipTask(s, i!, e.reason, e.at);
  return true;
}

function fanOutExpanded(s: RunState, e: E.FanOutExpanded): boolean {
  const i = taskIndex(s, e.task);
  const t = i === undefined ? undefined : s.tasks[i];
  if (!isActive(s) || t?.status !== 'ready' || !fansOut(contextOf(s).specs[i!]!)) return false;
  t.status = 'running';
  t.fan = { count: e.count, started: 0, done: 0 };
  if (e.count === 0) completeTask(s, i!, [], e.at);
  return true;
}

function retryScheduled(s: RunState, e: E.RetryScheduled): boolean {
  const u = currentUnit(s, e.key);
  if (!isActive(s) || u?.status !== 'failed' || e.attempt !== u.attempts + 1) return false;
  u.status = 'waiting_retry';
  u.retryAt = e.fireAt;
  s.metrics.retries++;
  return true;
}

function repeatDecided(s: RunState, e: E.RepeatDecided): boolean {
  const u = s.units.get(e.key);
  if (!isActive(s) || u?.status !== 'evaluating' || u.iteration !== e.iteration) return false;
  if (e.again) {
    u.iteration++;
    u.attempts = 0;
    u.status = 'ready';
  } else {
    finishUnit(s, u, e.at);
  }
  return true;
}

/** The task whose failure failed the run is marked failed (its instance already is). */
function markFailed(s: RunState, error: RunError): void {
  const p = error.key === undefined ? null : parseKey(error.key);
  const i = p === null ? undefined : taskIndex(s, p.task);
  const t = i === undefined ? undefined : s.tasks[i];
  if (t !== undefined && t.status !== 'completed') t.status = 'failed';
}

function compensationStarted(s: RunState, e: E.CompensationStarted): boolean {
  if (!isActive(s) && !(s.status === 'cancelling' && s.saga === null)) return false;
  s.status = e.outcome === 'failed' ? 'failing' : 'cancelling';
  s.error = e.error;
  if (e.error !== null) markFailed(s, e.error);
  s.saga = { keys: e.keys, outcome: e.outcome, next: 0, compensated: [], failed: [] };
  stopInFlight(s);
  s.phase = 'compensation';
  return true;
}

function compensationDone(s: RunState, e: E.CompensationDone): boolean {
  const saga = s.saga;
  if (saga === null || saga.keys[saga.next] !== e.key || isEnded(s)) return false;
  saga.next++;
  if (e.ok) {
    saga.compensated.push(e.key);
    s.tasks[taskIndex(s, e.key)!]!.status = 'compensated';
  } else {
    saga.failed.push({ key: e.key, error: e.error ?? null });
  }
  return true;
}
