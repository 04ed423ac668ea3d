// Getting rid of runs: deleting one ended run (DeleteRun, `baton runs rm`), and the retention sweep
// `baton serve` runs when `retention` is set: ended runs older than the setting are purged with their
// journals, snapshots and inboxes, in bounded batches, periodically. A run that has not ended is never
// deleted: the store checks the status inside the deleting transaction.

import { BatonError } from '../errors/registry.js';
import { RunNotFoundError, type Store } from '../store/store.js';

/** The statuses (the store's vocabulary) of a run that has ended. */
export const ENDED_RUN_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * Deletes an ended run with everything stored about it.
 * @throws RunNotFoundError when there is no such run; BatonError BATON_E_RUN_NOT_ENDED when it has not ended.
 */
export async function deleteEndedRun(store: Store, ns: string, runId: string): Promise<void> {
  const outcome = await store.deleteRun(ns, runId, ENDED_RUN_STATUSES);
  if (outcome.deleted) return;
  if (outcome.status === undefined) throw new RunNotFoundError(ns, runId);
  throw new BatonError(
    'BATON_E_RUN_NOT_ENDED',
    `run "${runId}" is ${outcome.status}, not ended: cancel it (or let it end) before deleting it`,
  );
}

export interface RetentionOptions {
  readonly store: Store;
  /** Runs of this namespace only (each server purges its own). */
  readonly namespace: string;
  /** Runs that ended longer ago than this are purged. */
  readonly olderThanMs: number;
  /** How often to sweep (default 10 minutes; the first sweep runs at start). */
  readonly everyMs?: number;
  /** Runs deleted per transaction (default 100). */
  readonly batch?: number;
  readonly now?: () => number;
  /** Told of each sweep that purged something, and of each failure (default: console). */
  readonly log?: (line: string) => void;
}

export interface SweepReport {
  readonly purged: number;
  readonly batches: number;
}

/** Purges ended runs older than the setting, now and then every `everyMs`, until stopped. */
export class RetentionSweeper {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #stopped = false;
  /** Sweeps that failed since the start (a store error); each is also logged. */
  failures = 0;
  /** Runs purged since the start. */
  purged = 0;

  constructor(private readonly o: RetentionOptions) {}

  start(): void {
    const every = this.o.everyMs ?? 600_000;
    const tick = () => {
      this.#sweeping = this.sweep().finally(() => {
        this.#sweeping = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, every).unref();
      });
    };
    tick();
  }

  /** Stops sweeping; waits for a sweep in progress (it ends after its current batch). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // The sweep reports its own failures (#fail): waiting for it to settle is all stop() needs.
    if (this.#sweeping) await Promise.allSettled([this.#sweeping]);
  }

  /** One sweep: batches until one comes back short (or the sweeper is stopped). Never rejects. */
  async sweep(): Promise<SweepReport> {
    const { store, namespace } = this.o;
    const batch = this.o.batch ?? 100;
    const log = this.o.log ?? ((line: string) => console.error(line));
    const updatedBefore = (this.o.now ?? Date.now)() - this.o.olderThanMs;
    let purged = 0;
    let batches = 0;
    try {
      for (;;) {
        const ids = await store.purgeRuns(namespace, {
          statuses: ENDED_RUN_STATUSES,
          updatedBefore,
          limit: batch,
        });
        batches += 1;
        purged += ids.length;
        if (ids.length < batch || this.#stopped) break;
        // Let other work (a run's group commit) in between two transactions.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      this.failures += 1;
      log(`baton: retention: purging ended runs failed (${this.failures} failure(s) so far): ${String(e)}`);
    }
    this.purged += purged;
    if (purged > 0)
      log(
        `baton: retention: purged ${purged} run(s) of namespace "${namespace}" that ended before ` +
          new Date(updatedBefore).toISOString(),
      );
    return { purged, batches };
  }
}
