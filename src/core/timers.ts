// The durable timers a run has pending, derived from its state alone, so a runtime that restarts
// re-arms exactly these (a timer that fires late or twice is ignored by apply()).

import { attemptKey, timerId } from './keys.js';
import { contextOf, isActive, runTimeoutMs, type RunState } from './state.js';

export interface PendingTimer {
  readonly timerId: string;
  readonly fireAt: number;
}

/** The run's deadline, retries due, attempts' deadlines and wait_for deadlines, in that order. */
export function pendingTimers(state: RunState): PendingTimer[] {
  if (!isActive(state)) return [];
  const ctx = contextOf(state);
  const timers: PendingTimer[] = [];
  const runTimeout = runTimeoutMs(state);
  if (runTimeout !== undefined)
    timers.push({ timerId: timerId({ kind: 'run' }), fireAt: state.startedAt + runTimeout });
  for (const u of state.units.values()) {
    const key = attemptKey(u.key, u.iteration);
    if (u.status === 'waiting_retry') {
      timers.push({ timerId: timerId({ kind: 'retry', key, attempt: u.attempts + 1 }), fireAt: u.retryAt! });
    }
    const timeout = ctx.specs[u.task]!.timeout;
    if (u.status === 'dispatched' && timeout !== undefined) {
      timers.push({
        timerId: timerId({ kind: 'timeout', key, attempt: u.attempts }),
        fireAt: u.dispatchedAt! + timeout,
      });
    }
  }
  state.tasks.forEach((t, i) => {
    if (t.status === 'waiting_event' && t.waitSince !== null) {
      const spec = ctx.specs[i]!;
      timers.push({
        timerId: timerId({ kind: 'wait', task: spec.id }),
        fireAt: t.waitSince + spec.wait_for!.timeout,
      });
    }
  });
  return timers;
}
