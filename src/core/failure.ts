// decide()'s failure path: retry a failed attempt by policy, or fail the run; cancel what is in flight,
// then run the saga (compensations of completed tasks in reverse completion order, one at a time).

import { CEL_SCOPES } from '../spec/cel.js';
import type { RunError } from './entries.js';
import { evaluate } from './expressions.js';
import { attemptKey, timerId } from './keys.js';
import { append, type Outbox } from './outbox.js';
import { backoffMs, retryPolicy, shouldRetry } from './retry.js';
import { judge } from './patterns/judge.js';
import { hosted } from './patterns/registry.js';
import { contextOf, type UnitState } from './state.js';

/** After an attempt failed (or timed out): schedule the next attempt, ask the pattern, or fail the run. */
export function unitFailed(out: Outbox, u: UnitState): void {
  const s = out.state;
  const spec = contextOf(s).specs[u.task]!;
  const error = u.error!;
  const key = attemptKey(u.key, u.iteration);
  if (error.kind === 'timeout') out.commands.push({ type: 'CancelTask', key, reason: 'timeout' });
  const policy = retryPolicy(spec, s.workflow!);
  if (shouldRetry(policy, error, u.attempts)) {
    const delay = backoffMs(policy, s.seed, key, u.attempts, error);
    append(out, { type: 'RetryScheduled', key, attempt: u.attempts + 1, fireAt: out.now + delay });
  } else if (judgesFailure(out, u)) {
    judge(out, u.task, u);
  } else {
    failRun(out, { code: error.code, message: error.message, key }, 'failed');
  }
}

/**
 * ABI 1.1 judges_failures: a failure for good of a judged task (not a fan-out instance) or of a
 * delegated subtask is the pattern's to judge (trigger `failed`), not the run's end.
 */
function judgesFailure(out: Outbox, u: UnitState): boolean {
  const p = hosted(contextOf(out.state).pattern);
  return p !== null && p.judgesFailures && (u.subtask !== null || (u.index < 0 && p.judged.has(u.task)));
}

export function armRetry(out: Outbox, key: string, attempt: number, fireAt: number): void {
  out.commands.push({ type: 'ArmTimer', timerId: timerId({ kind: 'retry', key, attempt }), fireAt });
}

/**
 * Ends the run: cancels every attempt in flight, then starts the saga over the completed tasks that
 * declare `compensate` (latest first), or ends the run at once when there is none.
 */
export function failRun(out: Outbox, error: RunError | null, outcome: 'failed' | 'cancelled'): void {
  const s = out.state;
  const reason =
    outcome === 'failed' ? `run failed: ${error!.code}` : `run cancelled by ${s.cancel?.by ?? 'request'}`;
  for (const k of s.inFlight) {
    const u = s.units.get(k)!;
    out.commands.push({ type: 'CancelTask', key: attemptKey(u.key, u.iteration), reason });
  }
  const ctx = contextOf(s);
  const keys: string[] = [];
  for (let n = s.completionOrder.length - 1; n >= 0; n--) {
    const id = s.completionOrder[n]!;
    if (ctx.specs[ctx.graph.index.get(id)!]!.compensate !== undefined) keys.push(id);
  }
  if (keys.length > 0) append(out, { type: 'CompensationStarted', keys, outcome, error });
  else endRun(out, outcome, error);
}

function endRun(out: Outbox, outcome: 'failed' | 'cancelled', error: RunError | null): void {
  if (outcome === 'failed') append(out, { type: 'RunFailed', error: error! });
  else append(out, { type: 'RunCancelled' });
}

/**
 * Issues the saga's current compensation (idem `${runId}/compensate/${task}`, the same on every
 * re-issue), or ends the run once all have answered. Its input: the `compensate.input` mapping (with
 * `output`, the task's output), else `{ input, output }`. A failed compensation is recorded and the
 * saga goes on: the run still ends failed or cancelled.
 */
export function sagaStep(out: Outbox): void {
  const s = out.state;
  const saga = s.saga!;
  const key = saga.keys[saga.next];
  if (key === undefined) return endRun(out, saga.outcome, s.error);
  const ctx = contextOf(s);
  const i = ctx.graph.index.get(key)!;
  const comp = ctx.specs[i]!.compensate!;
  const output = s.tasks[i]!.output;
  let input: unknown = { input: s.input, output };
  if (comp.input !== undefined) {
    const mapped: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(comp.input)) {
      const r = evaluate(s, expr, CEL_SCOPES.completion, { output });
      if (!r.ok) return append(out, { type: 'CompensationDone', key, ok: false, error: r.error });
      mapped[name] = r.value;
    }
    input = mapped;
  }
  out.commands.push({
    type: 'Compensate',
    key,
    task: key,
    agent: comp.agent,
    input,
    idem: `${s.runId}/compensate/${key}`,
    timeoutMs: comp.timeout ?? null,
  });
}
