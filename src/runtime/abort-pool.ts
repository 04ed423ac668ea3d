// Abort controllers for one run's agent attempts, reused once an attempt has ended. A Node AbortSignal
// costs ~0.8 KB and a few microseconds to create (it is an EventTarget), which is a large share of a
// no-op task. Only a controller that was never aborted and whose signal nobody listens to any more
// (the adapter and the handler let go of it) is reused, so no attempt can see another one's abort.

import { getEventListeners } from 'node:events';

/** Enough for the attempts a run usually has in flight at once; beyond it controllers are new. */
const MAX_SPARE = 16;

export class AbortPool {
  private readonly spare: AbortController[] = [];

  take(): AbortController {
    return this.spare.pop() ?? new AbortController();
  }

  /** Call once the attempt has ended and the controller is no longer reachable from the run's in-flight map. */
  give(ac: AbortController): void {
    if (this.spare.length >= MAX_SPARE || ac.signal.aborted) return;
    if (getEventListeners(ac.signal, 'abort').length === 0) this.spare.push(ac);
  }
}
