// Where each run's journal ends, remembered by the connection that wrote it, so an append can skip the
// max(seq) lookup. The memory is only trusted while no other connection has committed: SQLite's
// data_version changes exactly when one has, and then everything remembered is dropped and re-read.

/** At most this many runs are remembered; past it the memory starts over (a lookup is only slower). */
const MAX_RUNS = 10_000;

export class JournalEnds {
  readonly #dataVersion: () => number;
  #version = -1;
  /** namespace -> run id -> the next seq of that run's journal. */
  #ends = new Map<string, Map<string, number>>();
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

  get(ns: string, runId: string): number | undefined {
    return this.#ends.get(ns)?.get(runId);
  }

  set(ns: string, runId: string, next: number): void {
    let runs = this.#ends.get(ns);
    if (!runs) this.#ends.set(ns, (runs = new Map<string, number>()));
    if (!runs.has(runId) && ++this.#size > MAX_RUNS) {
      this.forget();
      this.#ends.set(ns, (runs = new Map<string, number>()));
      this.#size = 1;
    }
    runs.set(runId, next);
  }

  /** A run that ended appends no more (a later append finds its end with a lookup). */
  drop(ns: string, runId: string): void {
    if (this.#ends.get(ns)?.delete(runId)) this.#size--;
  }

  /** After a rollback, or when another connection wrote: nothing remembered can be trusted. */
  forget(): void {
    this.#ends = new Map();
    this.#size = 0;
    this.#version = -1;
  }
}
