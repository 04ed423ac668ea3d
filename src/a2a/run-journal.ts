// A served run's journal as the A2A edge reads it: the run folded from the store (snapshot + tail, so the
// state and the seq it is at agree: what a stream starts from), and the records after a seq as they
// commit. Every batch is read from the store after the last seq handed out, so a stream misses nothing
// and repeats nothing; the engine's feed (runs this process drives), the store's watch() (commits of
// other instances, where the adapter sees them) and a slow poll (the backstop) only say when to read.

import { fold, initialState, restore, type RunSnapshot, type RunState } from '../core/index.js';
import { toEntry } from '../runtime/records.js';
import type { JournalRecord, Store } from '../store/store.js';
import type { RunFeed } from '../api/run-feed.js';
import { FINAL_ENTRIES } from './run-task.js';

export interface JournalDeps {
  readonly store: Store;
  readonly namespace: string;
  /** Woken by the engine's onTurn for runs this process drives. */
  readonly feed: RunFeed;
}

/** The run as of its last durable entry, or undefined when there is no such run. */
export async function loadRun(deps: JournalDeps, runId: string): Promise<RunState | undefined> {
  const { store, namespace: ns } = deps;
  const snap = await store.loadSnapshot(ns, runId);
  const base = snap ? restore(snap.state as RunSnapshot) : initialState();
  const records = await store.read(ns, runId, { afterSeq: snap?.seq ?? 0 });
  if (!snap && records.length === 0) return undefined;
  return fold(records.map(toEntry), base);
}

/** Longest wait without a read: the feed and watch() may miss commits another process made. */
const POLL_MS = 1000;
const BATCH = 500;

/** Runs whose journal changed, by the store's watch() (one listener per store, shared by every follower). */
const watchers = new WeakMap<Store, Map<string, Set<() => void>>>();

function onStoreCommit(store: Store, runId: string, poke: () => void): () => void {
  let byRun = watchers.get(store);
  if (byRun === undefined) {
    const map = new Map<string, Set<() => void>>();
    byRun = map;
    watchers.set(store, map);
    store.watch((c) => {
      if (c.kind === 'journal') for (const f of map.get(c.runId) ?? []) f();
    });
  }
  const set = byRun.get(runId) ?? new Set<() => void>();
  set.add(poke);
  byRun.set(runId, set);
  return () => {
    set.delete(poke);
    if (set.size === 0) byRun.delete(runId);
  };
}

/**
 * The run's records after `afterSeq`, batch by batch as they commit, until its final entry (included)
 * or `signal` aborts. The state a caller folds them into stays in step with what it was handed.
 */
export async function* followJournal(
  deps: JournalDeps,
  runId: string,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<readonly JournalRecord[], void, undefined> {
  const { store, namespace: ns, feed } = deps;
  let last = afterSeq;
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = feed.subscribe(runId, poke);
  const unwatch = onStoreCommit(store, runId, poke);
  signal.addEventListener('abort', poke);
  try {
    while (!signal.aborted) {
      if (!dirty) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, POLL_MS);
        });
        clearTimeout(timer);
      }
      wake = undefined;
      dirty = false;
      for (;;) {
        const batch = await store.read(ns, runId, { afterSeq: last, limit: BATCH });
        if (signal.aborted || batch.length === 0) break;
        last = batch.at(-1)!.seq;
        yield batch;
        if (batch.some((r) => FINAL_ENTRIES.has(r.type))) return;
        if (batch.length < BATCH) break;
      }
    }
  } finally {
    unsubscribe();
    unwatch();
    signal.removeEventListener('abort', poke);
  }
}

/** Folds `records` into `state` (in place, as fold does) and returns it. */
export const foldInto = (state: RunState, records: readonly JournalRecord[]): RunState =>
  fold(records.map(toEntry), state);
