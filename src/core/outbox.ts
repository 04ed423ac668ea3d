// The commands one decide() call builds, and the idempotency key each effect gets: the runId, the seq
// of the entry that caused it and the command's position (`r` marks commands re-derived on resume).

import type { Command } from './commands.js';
import { ENTRY_VERSION, type EntryFields } from './entries.js';
import type { RunState } from './state.js';

export interface Outbox {
  readonly state: RunState;
  /** The time decisions are made at: the entry's `at` (or the last one's, on resume). */
  readonly now: number;
  readonly prefix: string;
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
  prefix: `${state.runId}/${seq}/${resumed ? 'r' : ''}`,
  commands: [],
  started: new Set(),
});

/** The idem of the command about to be pushed. */
export const nextIdem = (out: Outbox): string => `${out.prefix}${out.commands.length}`;

export function append(out: Outbox, fields: EntryFields): void {
  out.commands.push({ type: 'Append', entry: { ...fields, v: ENTRY_VERSION } });
}
