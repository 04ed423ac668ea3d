// Waiting for a command's entry to be journaled, so a caller can be told where it sits (its cursor):
// in this process the actor says so once the entry is durable; for a run another process drives, the
// journal is read until an entry carrying the command's id appears. Both waits are bounded.

import type { InputFields } from '../core/index.js';
import type { Store } from '../store/store.js';
import { entryMatches } from './engine-policy.js';
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
