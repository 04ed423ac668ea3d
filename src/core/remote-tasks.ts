// What the run knows of the remote task behind an attempt (A2A agents): its id, journaled as soon as the
// agent names it so a resumed run re-attaches instead of sending the message again, and whether the agent
// waits for input. Neither decides anything: an attempt still ends by TaskCompleted or TaskFailed.

import type { TaskAttemptAttached, TaskInputRequired } from './entries.js';
import { attemptKey, parseKey } from './keys.js';
import { isActive, type InputRequest, type RunState, type UnitState } from './state.js';

/** The unit whose attempt `attempt` of `key` is in flight now, or null (late, stale, or unknown). */
function attemptInFlight(s: RunState, key: string, attempt: number): UnitState | null {
  const p = parseKey(key);
  const u = p === null ? undefined : s.units.get(p.unit);
  if (!isActive(s) || u === undefined || u.iteration !== p!.iteration) return null;
  return u.status === 'dispatched' && u.attempts === attempt ? u : null;
}

export function taskAttemptAttached(s: RunState, e: TaskAttemptAttached): boolean {
  const u = attemptInFlight(s, e.key, e.attempt);
  if (u === null || u.remoteTaskId === e.remoteTaskId) return false;
  u.remoteTaskId = e.remoteTaskId;
  return true;
}

export function taskInputRequired(s: RunState, e: TaskInputRequired): boolean {
  const u = attemptInFlight(s, e.key, e.attempt);
  if (u === null) return false;
  const was = u.inputRequired;
  if (was !== undefined && was.question === e.question) return false;
  u.inputRequired = { question: e.question, data: e.data ?? null, since: e.at };
  return true;
}

/** A new attempt starts with no remote task and no question. */
export function clearRemote(u: UnitState): void {
  if (u.remoteTaskId !== undefined) delete u.remoteTaskId;
  if (u.inputRequired !== undefined) delete u.inputRequired;
}

/** An attempt in flight whose agent waits for input, as the status view lists it. */
export interface WaitingForInput extends InputRequest {
  /** The attempt's key: `research[2]`. */
  readonly key: string;
  readonly attempt: number;
  /** The concrete agent working on it. */
  readonly agent: string | null;
  readonly remote_task_id: string | null;
}

/** Every attempt in flight whose agent waits for input, in dispatch order. */
export function waitingForInput(s: RunState): WaitingForInput[] {
  const out: WaitingForInput[] = [];
  for (const u of s.units.values()) {
    if (u.status !== 'dispatched' || u.inputRequired === undefined) continue;
    out.push({
      key: attemptKey(u.key, u.iteration),
      attempt: u.attempts,
      agent: u.instance,
      remote_task_id: u.remoteTaskId ?? null,
      ...u.inputRequired,
    });
  }
  return out;
}
