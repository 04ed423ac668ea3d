// A run's journal in the browser: RunEvents from WatchRun turned back into core journal entries and
// folded with src/core's own reducer, so the graph at any entry (time travel) is the state the engine
// had then, computed here without asking the server.

import {
  ENTRY_VERSION,
  fold,
  initialState,
  statusOf,
  type JournalEntry,
  type RunState,
  type WorkflowStatusView,
} from '../../../src/core/index.js';
import type { RunEvent } from '../types.ts';

export type { RunState, WorkflowStatusView };

/** The journal entry a RunEvent carries (its data is the entry's fields; the version is this build's). */
export function eventToEntry(e: RunEvent): JournalEntry {
  return Object.assign({}, e.data, {
    type: e.type,
    seq: Number(e.seq),
    at: Date.parse(e.at),
    v: ENTRY_VERSION,
  }) as unknown as JournalEntry;
}

/** The run folded over its first `count` entries. */
export function stateAt(entries: readonly JournalEntry[], count: number): RunState {
  return fold(entries.slice(0, count), initialState());
}

/** The status view (agents, progress, performance) of a folded state, as of its last entry. */
export function statusAt(state: RunState): WorkflowStatusView | undefined {
  if (state.ctx === null) return undefined;
  return statusOf(state, state.endedAt ?? state.lastAt, 0);
}
