// The commands one decide() call builds, and the idempotency key each effect gets: the runId, the seq
// of the entry that caused it and the command's position (`r` marks commands re-derived on resume).

import type { Command } from './commands.js';
import { ENTRY_VERSION, type EntryDraft, type EntryFields } from './entries.js';
import type { RunState } from './state.js';

export interface Outbox {
  readonly state: RunState;
  /** The time decisions are made at: the entry's `at` (or the last one's, on resume). */
  readonly now: number;
  /** The seq of the entry that caused the commands. */
  readonly seq: number;
  readonly resumed: boolean;
  readonly commands: Command[];
  /**
   * Tasks (by index) this decide() call started. A task's dispatch is journaled only after decide()
   * returns, so until then it still looks ready: one entry may release it twice (a handoff verdict to
   * a task that also depends on the task handing off), and it must start once.
   */
  readonly started: Set<number>;
}

export const outbox = (state: RunState, seq: number, now: number, resumed = false): Outbox => ({
  state,
  now,
  seq,
  resumed,
  commands: [],
  started: new Set(),
});

/** The idem of the command about to be pushed (built only for commands that need one). */
export const nextIdem = (out: Outbox): string =>
  `${out.state.runId}/${out.seq}/${out.resumed ? 'r' : ''}${out.commands.length}`;

export function append(out: Outbox, fields: EntryFields): void {
  // Object.assign onto a literal: V8 copies this mix of entry shapes much faster than by spread.
  const entry = Object.assign({ type: fields.type, v: ENTRY_VERSION }, fields) as EntryDraft;
  out.commands.push({ type: 'Append', entry });
}
