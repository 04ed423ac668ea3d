// WAL checkpoints off the commit path. SQLite's auto-checkpoint copies the WAL into the database file
// (and fsyncs both) inside whichever commit crosses the threshold; here the WAL is checkpointed once
// writes pause instead, and the auto-checkpoint stays on only as a backstop at a larger size, so a
// store that never pauses still keeps its WAL bounded. A checkpoint moves committed pages; it adds or
// removes no durability (a commit is in the WAL, on disk, before and after).

import type { Database } from 'better-sqlite3';

/** Pages (of 4 KiB) the WAL may reach before a commit checkpoints it anyway: ~40 MiB. */
export const BACKSTOP_PAGES = 10_000;

/** A pause this long without a commit counts as idle. */
const IDLE_MS = 200;

export class IdleCheckpointer {
  readonly #db: Database;
  readonly #timer: NodeJS.Timeout;
  /** Commits since the last checkpoint, and since the last tick of the timer. */
  #pending = 0;
  #sinceTick = 0;

  constructor(db: Database) {
    this.#db = db;
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    this.#timer = setInterval(() => this.#tick(), IDLE_MS);
    this.#timer.unref();
  }

  /** Call after each write transaction. */
  wrote(): void {
    this.#pending++;
    this.#sinceTick++;
  }

  #tick(): void {
    const busy = this.#sinceTick > 0;
    this.#sinceTick = 0;
    if (busy || this.#pending === 0) return;
    this.#pending = 0;
    try {
      // PASSIVE never waits on readers or writers of other processes; what it cannot copy now waits for
      // the next pause (or the backstop).
      this.#db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A busy or closing database: the backstop and close() still checkpoint.
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
