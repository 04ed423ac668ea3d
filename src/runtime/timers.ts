// The in-memory side of durable timers: core derives which timers a run has (so they survive a crash);
// this arms them with setTimeout. Re-arming an id replaces it; clearAll stops every timer of a run.
// A run's timer fires as its TimerFired input (armRunTimer).

import type { ArmTimer, InputFields } from '../core/index.js';
import { endSpan, type Spanned } from '../telemetry/tracing.js';
import { timerSpan } from './run-trace.js';

/** setTimeout's ceiling (~24.8 days); longer timers re-arm in steps. */
const MAX_DELAY = 2 ** 31 - 1;

export class TimerSet {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly now: () => number) {}

  arm(id: string, fireAt: number, fire: () => void): void {
    this.clear(id);
    const delay = Math.max(0, fireAt - this.now());
    const t = setTimeout(
      () => {
        if (this.timers.get(id) !== t) return;
        if (fireAt - this.now() > 0) return this.arm(id, fireAt, fire);
        this.timers.delete(id);
        fire();
      },
      Math.min(delay, MAX_DELAY),
    );
    this.timers.set(id, t);
  }

  clear(id: string): void {
    const t = this.timers.get(id);
    if (t !== undefined) {
      clearTimeout(t);
      this.timers.delete(id);
    }
  }

  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}

/** A run's ArmTimer: TimerFired once it fires, in a span when it is a retry's backoff or a `wait`. */
export function armRunTimer(
  timers: TimerSet,
  run: { readonly runId: string; readonly trace: Spanned | undefined; submit(fields: InputFields): void },
  c: ArmTimer,
): void {
  const span = timerSpan(run.trace, run.runId, c.timerId);
  timers.arm(c.timerId, c.fireAt, () => {
    endSpan(span);
    run.submit({ type: 'TimerFired', timerId: c.timerId });
  });
}
