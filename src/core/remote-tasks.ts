// What the run knows of the remote task behind an attempt (A2A agents): its id, journaled as soon as the
// agent names it so a resumed run re-attaches instead of sending the message again, and whether the agent
// waits for input, and the answer someone gave it. None decides anything: an attempt still ends by
// TaskCompleted or TaskFailed.

import type { TaskAttemptAttached, TaskInputProvided, TaskInputRequired } from './entries.js';
import { attemptKey, parseKey } from './keys.js';
import { isActive, type InputAnswer, type InputRequest, type RunState, type UnitState } from './state.js';

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
  // The agent asks again: the answer before was delivered.
  if (u.inputProvided !== undefined) delete u.inputProvided;
  return true;
}

/** The answer goes to the attempt only while it waits; the question clears. */
export function taskInputProvided(s: RunState, e: TaskInputProvided): boolean {
  const u = attemptInFlight(s, e.key, e.attempt);
  if (u === null || u.inputRequired === undefined) return false;
  delete u.inputRequired;
  const answer: InputAnswer = { input: e.input, seq: e.seq, at: e.at };
  u.inputProvided = e.request_id === undefined ? answer : { ...answer, request_id: e.request_id };
  if (e.request_id !== undefined) u.inputRequests = { ...u.inputRequests, [e.request_id]: e.seq };
  return true;
}

/** A new attempt starts with no remote task, no question and no answer. */
export function clearRemote(u: UnitState): void {
  if (u.remoteTaskId !== undefined) delete u.remoteTaskId;
  if (u.inputRequired !== undefined) delete u.inputRequired;
  if (u.inputProvided !== undefined) delete u.inputProvided;
  if (u.inputRequests !== undefined) delete u.inputRequests;
}

/**
 * Where an answer for task `task` (an attempt key as status prints it, `research[2]`, or the bare
 * instance key for its current iteration) would go: the attempt waiting for it, or why there is none.
 * - waiting: `attempt` of `key` waits for input now.
 * - answered: it already took the answer with this request id (a retry of the same answer).
 * - unknown: the run has no such task instance; ended: the run ended; busy: the task does not wait
 *   for input (`doing` says what it does instead).
 */
export type InputTarget =
  | { readonly kind: 'waiting'; readonly key: string; readonly attempt: number; readonly question: string }
  | { readonly kind: 'answered'; readonly key: string; readonly attempt: number; readonly seq: number }
  | { readonly kind: 'unknown' | 'ended' }
  | { readonly kind: 'busy'; readonly key: string; readonly doing: string };

export function inputTarget(s: RunState, task: string, requestId?: string): InputTarget {
  if (s.status === 'completed' || s.status === 'failed' || s.status === 'cancelled') return { kind: 'ended' };
  const p = parseKey(task);
  const u = p === null ? undefined : s.units.get(p.unit);
  if (u === undefined && p !== null && s.ctx?.graph.index.has(p.task) === true)
    return { kind: 'busy', key: task, doing: 'it has not started' };
  if (u === undefined || (task !== p!.unit && u.iteration !== p!.iteration)) return { kind: 'unknown' };
  const key = attemptKey(u.key, u.iteration);
  const asked = u.inputRequests;
  // Own keys only: a request id such as "constructor" must not find Object's.
  const taken =
    requestId !== undefined && asked !== undefined && Object.hasOwn(asked, requestId)
      ? asked[requestId]
      : undefined;
  if (u.status === 'dispatched' && taken !== undefined)
    return { kind: 'answered', key, attempt: u.attempts, seq: taken };
  if (u.status === 'dispatched' && u.inputRequired !== undefined && isActive(s))
    return { kind: 'waiting', key, attempt: u.attempts, question: u.inputRequired.question };
  return { kind: 'busy', key, doing: doing(s, u) };
}

function doing(s: RunState, u: UnitState): string {
  if (!isActive(s)) return `the run is ${s.status}`;
  if (u.status !== 'dispatched') return `it is ${u.status}`;
  if (u.inputProvided !== undefined)
    return `its agent is working on the answer it got (attempt ${u.attempts})`;
  return `its agent is working on it (attempt ${u.attempts})`;
}

/** The answer journaled for `attempt` of `key` that its agent has not asked past yet, if any. */
export function pendingAnswer(s: RunState, key: string, attempt: number): InputAnswer | undefined {
  return attemptInFlight(s, key, attempt)?.inputProvided;
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
