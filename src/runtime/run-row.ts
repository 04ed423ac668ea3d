// A run's row and snapshots as its actor keeps them: a new run's row is created by its first commit
// (whoever waits to hand out its id is told then), the row's status update rides with the commit of
// the turn that changed it, and a snapshot is saved every so many entries (it only shortens replay).

import { sessionEndDue, snapshot, type RunState } from '../core/index.js';
import type { NewRun, RunLease, RunPatch, Store } from '../store/store.js';

/** The part of a run actor its row sees. */
export interface RowRun {
  readonly ns: string;
  readonly runId: string;
  readonly state: RunState;
  readonly ended: boolean;
  /** This engine's lease on the run: every write carries it. */
  readonly fence: RunLease;
  /** Nothing queued, nothing in flight. */
  readonly idle: boolean;
  readonly engineMs: number;
  readonly wallStart: number;
}

export class RunRow {
  private lastReportedStatus: string;
  private lastSnapshotSeq: number;
  private createdWait?: { promise: Promise<void>; settle: (error?: unknown) => void };

  constructor(
    private readonly run: RowRun,
    /** The status the run's row has now: the row is updated, with the journal, when it changes. */
    reportedStatus: string,
    /** A new run's row, created by the first commit together with RunStarted; undefined once it is. */
    public pendingCreate: NewRun | undefined,
  ) {
    this.lastReportedStatus = reportedStatus;
    this.lastSnapshotSeq = run.state.lastSeq;
  }

  /**
   * Resolves once the run's first entries (RunStarted) are durable and its row exists, so its id may be
   * handed out; rejects with the commit's error (RunExistsError for a taken id) if they never will be.
   */
  whenCreated(): Promise<void> {
    if (this.pendingCreate === undefined) return Promise.resolve();
    if (!this.createdWait) {
      let settle!: (error?: unknown) => void;
      const promise = new Promise<void>((resolve, reject) => {
        settle = (error) =>
          error === undefined
            ? resolve()
            : reject(error instanceof Error ? error : new Error('the first commit failed', { cause: error }));
      });
      this.createdWait = { promise, settle };
    }
    return this.createdWait.promise;
  }

  /** A turn is durable: the first one created the row. */
  committed(): void {
    if (this.pendingCreate !== undefined) {
      this.pendingCreate = undefined;
      this.createdWait?.settle();
    }
  }

  /** A turn could not be committed: if it was the first, the row will never exist. */
  failed(error: unknown): void {
    if (this.pendingCreate !== undefined)
      this.createdWait?.settle(error ?? new Error('the first commit failed'));
  }

  /**
   * The run row's update that goes with this turn's entries, when the status changed (or the run ended).
   * The end releases the lease only when nothing is left in flight: a late result journaled after the
   * release would be refused by the fence; otherwise the engine releases the run when the actor settles.
   */
  patch(now: () => number): RunPatch | undefined {
    const run = this.run;
    const s = run.state;
    if (s.status === this.lastReportedStatus) return undefined;
    // The row shows the end once session_end's hooks are recorded: a crash before leaves the run (its
    // lease lapsing) to a takeover, which asks them again.
    if (run.ended && sessionEndDue(s)) return undefined;
    this.lastReportedStatus = s.status;
    return {
      status: s.status,
      updatedAt: now(),
      lastSeq: s.lastSeq,
      summary: { engine_ms: run.engineMs, wall_ms: performance.now() - run.wallStart },
      release: run.ended && run.idle,
    };
  }

  /** Enough entries since the last snapshot (`every`), and the run goes on. */
  snapshotDue(every: number): boolean {
    return this.run.state.lastSeq - this.lastSnapshotSeq >= every && !this.run.ended;
  }

  async saveSnapshot(store: Store): Promise<void> {
    const { ns, runId, state: s, fence } = this.run;
    this.lastSnapshotSeq = s.lastSeq;
    await store.saveSnapshot(ns, runId, s.lastSeq, snapshot(s), fence);
  }
}
