// Tells other instances' watchers (notify.ts) which journals grew, off the commit path: a NOTIFY inside
// the append would make every commit take PostgreSQL's global notify lock and wake every listening
// backend of the database (measured: it cost more than the rest of a one-run append). Instead the run
// ids of committed appends are gathered and sent together, at most one statement every ANNOUNCE_MS.

import { logged, type Query } from './db.js';
import { ANNOUNCE_JOURNAL } from './statements.js';

/** How long a commit may wait before other instances hear of it (watchers also poll as a backstop). */
export const ANNOUNCE_MS = 5;

/** NOTIFY payloads stop at 8,000 bytes: run ids go in chunks of about half that. */
const CHUNK_BYTES = 4000;
/** A longer run id is not announced (its watchers keep polling) rather than risk the payload limit. */
const MAX_RUN_ID_BYTES = 1000;

export class JournalAnnouncer {
  /** Run ids committed since the last announcement, by namespace. */
  #pending = new Map<string, Set<string>>();
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly q: Query) {}

  /** Announces `runId`'s journal (committed) with the next batch. */
  add(ns: string, runId: string): void {
    if (Buffer.byteLength(runId) > MAX_RUN_ID_BYTES) return;
    let ids = this.#pending.get(ns);
    if (ids === undefined) this.#pending.set(ns, (ids = new Set()));
    ids.add(runId);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#sending !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sending = this.#send().finally(() => {
        this.#sending = undefined;
        if (this.#pending.size > 0) this.#schedule();
      });
    }, ANNOUNCE_MS);
    this.#timer.unref();
  }

  async #send(): Promise<void> {
    const payloads = this.#payloads();
    if (payloads.length === 0) return;
    await this.q(ANNOUNCE_JOURNAL, [payloads]).then(
      () => undefined,
      logged(`announcing ${payloads.length} journal notifications to other instances`),
    );
  }

  /** ["journal", ns, [run ids]] per namespace and chunk, taking what is pending. */
  #payloads(): string[] {
    const payloads: string[] = [];
    for (const [ns, ids] of this.#pending) {
      let chunk: string[] = [];
      let bytes = 0;
      for (const id of ids) {
        const size = Buffer.byteLength(id) + 3;
        if (bytes + size > CHUNK_BYTES && chunk.length > 0) {
          payloads.push(JSON.stringify(['journal', ns, chunk]));
          chunk = [];
          bytes = 0;
        }
        chunk.push(id);
        bytes += size;
      }
      if (chunk.length > 0) payloads.push(JSON.stringify(['journal', ns, chunk]));
    }
    this.#pending = new Map();
    return payloads;
  }

  /**
   * Stops announcing (the store is closing: its pool ends after this). What is pending is dropped, not
   * sent: a closing store may have lost its server, and watchers elsewhere poll as a backstop anyway.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sending;
  }
}
