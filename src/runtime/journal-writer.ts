// Group commit: appends asked for in the same turn of the event loop, by any number of runs, go to the
// store in ONE transaction. A batch that fails (one run's stale seq fails the whole transaction) is
// retried run by run, so only the run at fault sees the error.

import type { AppendRequest, Store } from '../store/store.js';

interface Pending {
  readonly req: AppendRequest;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

export class JournalWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Transactions committed (for the engine's metrics and benchmarks). */
  commits = 0;

  constructor(private readonly store: Store) {}

  write(req: AppendRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      await this.store.appendMany(batch.map((p) => p.req));
      this.commits++;
      for (const p of batch) p.resolve();
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      for (const p of batch) {
        try {
          await this.store.appendMany([p.req]);
          this.commits++;
          p.resolve();
        } catch (err) {
          p.reject(err);
        }
      }
    }
  }
}
