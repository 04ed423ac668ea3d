// Group commit: appends asked for in the same turn of the event loop, by any number of runs, go to the
// store in ONE transaction. A store that commits on a server (Store.pipelineBatch) gets them in batches
// of that size, each sent as soon as it is full: the server commits one while runs decide the next, so
// the two work at once instead of in turn. A batch that fails (one run's stale seq fails the whole
// transaction) is retried run by run, so only the run at fault sees the error. Writers are told by a
// callback object (a run actor is its own), not a promise: a turn costs no promise, closure or
// suspended async frame.

import type { AppendRequest, Store } from '../store/store.js';

/** Told once whether an append was committed. */
export interface CommitListener {
  committed(): void;
  failed(error: unknown): void;
}

interface Pending {
  readonly req: AppendRequest;
  readonly to: CommitListener;
}

export class JournalWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Transactions committed (for the engine's metrics and benchmarks). */
  commits = 0;

  private readonly batchLimit: number;

  constructor(private readonly store: Store) {
    this.batchLimit = store.pipelineBatch ?? Infinity;
  }

  /** Appends `req` with the next group commit, then tells `to` (never before the commit is durable). */
  append(req: AppendRequest, to: CommitListener): void {
    this.pending.push({ req, to });
    if (this.pending.length >= this.batchLimit) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    void this.flush();
  };

  /** append() as a promise. */
  write(req: AppendRequest): Promise<void> {
    return new Promise((committed, failed) => this.append(req, { committed, failed }));
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await this.store.appendMany(batch.map((p) => p.req));
    } catch (e) {
      if (batch.length === 1) return failed(batch[0]!.to, e);
      for (const p of batch) {
        try {
          await this.store.appendMany([p.req]);
        } catch (err) {
          failed(p.to, err);
          continue;
        }
        this.commits++;
        committed(p.to);
      }
      return;
    }
    this.commits++;
    for (const p of batch) committed(p.to);
  }
}

// A listener's error is rethrown on its own (unhandled, as a rejected continuation's would be), so the
// other writers of the batch are still told.

function committed(to: CommitListener): void {
  try {
    to.committed();
  } catch (e) {
    rethrow(e);
  }
}

function failed(to: CommitListener, error: unknown): void {
  try {
    to.failed(error);
  } catch (e) {
    rethrow(e);
  }
}

function rethrow(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}
