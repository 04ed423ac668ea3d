// The listeners of Store.watch() for an adapter: called after the adapter's commits (one change per run a
// commit appended to, or posted to), each in its own try, so a listener that throws is logged and counted
// and never breaks the store or the listeners after it.

import { fault } from '../telemetry/faults.js';
import type { AppendRequest, StoreChange } from './store.js';

/** Listeners that threw, in this process (each was logged). */
let failures = 0;

export const watchFailureCount = (): number => failures;

export class StoreWatchers {
  readonly #listeners = new Set<(change: StoreChange) => void>();

  constructor(private readonly adapter: string) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns its unsubscribe function. */
  add(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** After a committed group commit: one change per run it appended to (successive appends told once). */
  appended(batch: readonly AppendRequest[]): void {
    let last: AppendRequest | undefined;
    for (const req of batch) {
      if (req.records.length === 0) continue;
      if (last === undefined || last.runId !== req.runId || last.ns !== req.ns)
        this.notify({ kind: 'journal', ns: req.ns, runId: req.runId });
      last = req;
    }
  }

  notify(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (e) {
        failures++;
        fault(`store.${this.adapter}`, `a watch listener (${change.kind} of run "${change.runId}")`, e);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
