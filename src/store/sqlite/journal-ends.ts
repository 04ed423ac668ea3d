// Where each run's journal ends, and which lease last passed its fence check, remembered by the connection
// that wrote it, so an append can skip the max(seq) lookup and the run-row read. The memory is only trusted
// while no other connection has committed (SQLite's data_version changes exactly when one has: then
// everything remembered is dropped and re-read) and while this connection changed no run's owner or epoch
// (its claims and releases call forget()).

import type { RunLease } from '../store.js';

/** At most this many runs are remembered; past it the memory starts over (a lookup is only slower). */
const MAX_RUNS = 10_000;

/** One run's end; updated in place, so a busy run's appends allocate nothing here. */
export interface JournalEnd {
  next: number;
  /** The lease found holding the run's row in a transaction of this connection (undefined: not checked). */
  fence: RunLease | undefined;
}

/** The same lease: the writer passes the same object each time, so identity usually answers. */
export const sameLease = (a: RunLease | undefined, b: RunLease): boolean =>
  a === b || (a !== undefined && a.owner === b.owner && a.epoch === b.epoch);

export class JournalEnds {
  readonly #dataVersion: () => number;
  #version = -1;
  /** namespace -> run id -> that run's journal end (and checked lease). */
  #ends = new Map<string, Map<string, JournalEnd>>();
  #size = 0;

  constructor(dataVersion: () => number) {
    this.#dataVersion = dataVersion;
  }

  /** Call first inside each write transaction (after the write lock is held). */
  begin(): void {
    const version = this.#dataVersion();
    if (version !== this.#version) {
      this.forget();
      this.#version = version;
    }
  }

  get(ns: string, runId: string): JournalEnd | undefined {
    return this.#ends.get(ns)?.get(runId);
  }

  set(ns: string, runId: string, next: number, fence: RunLease | undefined): void {
    let runs = this.#ends.get(ns);
    if (!runs) this.#ends.set(ns, (runs = new Map<string, JournalEnd>()));
    const end = runs.get(runId);
    if (end !== undefined) {
      end.next = next;
      end.fence = fence;
      return;
    }
    if (++this.#size > MAX_RUNS) {
      this.forget();
      this.#ends.set(ns, (runs = new Map<string, JournalEnd>()));
      this.#size = 1;
    }
    runs.set(runId, { next, fence });
  }

  /** A run that ended appends no more (a later append finds its end with a lookup). */
  drop(ns: string, runId: string): void {
    if (this.#ends.get(ns)?.delete(runId)) this.#size--;
  }

  /**
   * After a rollback, when another connection wrote, or when this one changed a run's owner or epoch:
   * nothing remembered can be trusted.
   */
  forget(): void {
    this.#ends = new Map();
    this.#size = 0;
    this.#version = -1;
  }
}
