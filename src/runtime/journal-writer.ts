// Group commit: appends asked for in the same turn of the event loop, by any number of runs, go to the
// store in ONE transaction. A store that commits on a server (Store.pipelineBatch) gets them in batches
// of that size, each sent as soon as it is full: the server commits one while runs decide the next, so
// the two work at once instead of in turn. A batch that fails (one run's stale seq fails the whole
// transaction) is retried run by run, so only the run at fault sees the error. Writers are told by a
// callback object (a run actor is its own), not a promise: a turn costs no promise, closure or
// suspended async frame.

import type { AppendRequest, Store } from '../store/store.js';
import { journalCommit, metricsOn } from '../telemetry/metrics.js';
import { endSpan, SpanKind, startSpan, tracingOn, type Spanned } from '../telemetry/tracing.js';
import { ROOT_CONTEXT } from '@opentelemetry/api';

/** One group commit in this many gets a span (`baton.journal_commit`): commits are many and alike. */
export const COMMIT_SPAN_EVERY = Math.max(1, Number(process.env['BATON_TRACE_COMMIT_EVERY'] ?? 64) || 64);

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

  private flushes = 0;

  private async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const observed = metricsOn() || tracingOn();
    const t0 = observed ? performance.now() : 0;
    const span = observed ? this.commitSpan(batch) : undefined;
    try {
      await this.store.appendMany(batch.map((p) => p.req));
    } catch (e) {
      endSpan(span, e);
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
    if (observed) {
      let entries = 0;
      for (const p of batch) entries += p.req.records.length;
      journalCommit((performance.now() - t0) / 1000, entries);
      endSpan(span);
    }
    for (const p of batch) committed(p.to);
  }

  /** A sampled commit's span: a root of its own (a commit serves many runs' traces at once). */
  private commitSpan(batch: readonly Pending[]): Spanned | undefined {
    if (!tracingOn() || this.flushes++ % COMMIT_SPAN_EVERY !== 0) return undefined;
    return startSpan(
      'baton.journal_commit',
      SpanKind.INTERNAL,
      { 'baton.commit.runs': batch.length },
      ROOT_CONTEXT,
    );
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
