// Wakes WatchRun streams when their run journals something: the engine's onTurn hook (and the store's watch(),
// see run-watch.ts) fans out here by run. Listeners only learn that new entries exist; they read them from the store.

import type { RunActor } from '../runtime/run-actor.js';

export type FeedListener = () => void;

export class RunFeed {
  private readonly listeners = new Map<string, Set<FeedListener>>();

  /** Pass as the engine's `onTurn`: notifies the watchers of the run that committed the turn. */
  readonly publish = (actor: Pick<RunActor, 'runId'>): void => {
    for (const listener of this.listeners.get(actor.runId) ?? []) listener();
  };

  /** Calls `listener` after each committed turn of `runId`; returns the unsubscribe function. */
  subscribe(runId: string, listener: FeedListener): () => void {
    const set = this.listeners.get(runId) ?? new Set<FeedListener>();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }

  /** How many watchers are listening, over all runs (tests check that cancelled watches leave none). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
