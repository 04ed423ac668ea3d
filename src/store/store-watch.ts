// The listeners of Store.watch(), shared by every adapter: a listener that throws is logged and counted,
// never allowed to break the store or the other listeners.

import type { StoreChange } from './store.js';

export type ChangeListener = (change: StoreChange) => void;

export class ChangeListeners {
  readonly #listeners = new Set<ChangeListener>();
  /** Listener calls that threw (logged each time). */
  failures = 0;

  constructor(private readonly component: string) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns its unsubscribe function (calling it twice is harmless). */
  add(listener: ChangeListener): () => void {
    // Wrapped so the same function subscribed twice is two subscriptions.
    const entry: ChangeListener = (c) => listener(c);
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  emit(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (e) {
        this.failures++;
        console.error(
          `[${this.component}] a watch listener threw on a ${change.kind} change of run ${change.runId}:`,
          e,
        );
      }
    }
  }
}
