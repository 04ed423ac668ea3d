// Waiting on a run another process (or instance) drives, through the store. A command's entry: in this
// process the actor says so once the entry is durable; elsewhere the journal is read until an entry
// carrying the command's id appears (bounded). A run's end (a parent waiting for a child another
// instance took over): woken by the store's watch(), polled as the backstop, until the caller aborts.

import type { InputFields } from '../core/index.js';
import type { Store } from '../store/store.js';
import { entryMatches, hasEnded } from './engine-policy.js';
import { toEntry } from './records.js';
import type { RunActor } from './run-actor.js';

/** How long a caller waits for another process (or a busy actor) to journal its command. */
export const JOURNAL_WAIT_MS = 10_000;
/** How often the journal is read while waiting for another process to journal a command. */
const JOURNAL_POLL_MS = 50;

/** Submits to a live actor; resolves once the entry is durable, or undefined if that takes too long. */
export function submitAndWait(
  actor: RunActor,
  entry: InputFields,
): Promise<{ changed: boolean; seq: number } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), JOURNAL_WAIT_MS);
    actor.submit(entry, (changed, seq) => {
      clearTimeout(timer);
      resolve({ changed, seq });
    });
  });
}

/**
 * Reads the run's journal after `afterSeq` until an entry carrying one of `ids` appears (its seq), or
 * JOURNAL_WAIT_MS of wall time pass (undefined). `stopped` ends the wait early (the engine closed).
 */
export async function awaitEntry(
  store: Store,
  ns: string,
  runId: string,
  afterSeq: number,
  ids: readonly string[],
  stopped: () => boolean,
): Promise<{ seq: number } | undefined> {
  const deadline = performance.now() + JOURNAL_WAIT_MS;
  let last = afterSeq;
  for (;;) {
    for (const r of await store.read(ns, runId, { afterSeq: last })) {
      if (ids.some((id) => entryMatches(toEntry(r) as InputFields, id))) return { seq: r.seq };
      last = r.seq;
    }
    if (performance.now() >= deadline || stopped()) return undefined;
    await new Promise((resolve) => setTimeout(resolve, JOURNAL_POLL_MS));
  }
}

/** How often a run's row is read while waiting for another instance to end it (watch() wakes sooner). */
const RUN_END_POLL_MS = 500;

/**
 * Resolves once the run's row says it ended (or the row is gone); rejects with the signal's reason when
 * `signal` aborts (the waiting run was cancelled or its engine stopped).
 */
export async function awaitRunEnd(
  store: Store,
  ns: string,
  runId: string,
  signal?: AbortSignal,
): Promise<void> {
  let wake: (() => void) | undefined;
  const unwatch = store.watch((c) => {
    if (c.kind === 'journal' && c.runId === runId && c.ns === ns) wake?.();
  });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const run = await store.getRun(ns, runId);
      if (run === undefined || hasEnded(run.status)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, RUN_END_POLL_MS);
        signal?.addEventListener('abort', done, { once: true });
        wake = done;
      });
    }
  } finally {
    unwatch();
  }
}
