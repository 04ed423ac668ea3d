// Journal rows written by multi-row INSERTs, ordered by run: a group commit of many runs writes
// thousands of rows, and one statement step per ROWS_PER_INSERT rows costs much less than one per row
// (each step is a call into SQLite with its own binding and bookkeeping). Rows wait here only within
// one transaction: the store flushes them before it reads the journal and before the commit.

import type { Database, Statement } from 'better-sqlite3';
import type { JournalRecord } from '../store.js';

/** Rows per full INSERT (7 parameters each, well under SQLite's 32,766-parameter limit). */
export const ROWS_PER_INSERT = 32;

const COLUMNS = 7;
const ROW = '(?, ?, ?, ?, ?, ?, ?)';

/** One append's records: consecutive rows of one run. */
interface Group {
  readonly ns: string;
  readonly runId: string;
  readonly records: readonly JournalRecord[];
}

const byRun = (a: Group, b: Group): number =>
  a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;

/** A record's data as stored (throws, naming the record, when it cannot be). */
export type RecordJson = (r: JournalRecord, ns: string, runId: string) => string;

export class JournalRows {
  readonly #db: Database;
  readonly #json: RecordJson;
  /** INSERT statements by row count (1..ROWS_PER_INSERT), prepared on first use. */
  readonly #inserts: Array<Statement<unknown[]> | undefined> = [];
  /** The parameters of one full INSERT, reused (a statement binds them before run() returns). */
  readonly #full = new Array<unknown>(ROWS_PER_INSERT * COLUMNS);
  /** Appends not written yet, in the order they were added. */
  #groups: Group[] = [];
  /** Run ids with rows not written yet (by id alone: a namespace mix-up only costs an early flush). */
  readonly #runs = new Set<string>();

  constructor(db: Database, json: RecordJson) {
    this.#db = db;
    this.#json = json;
  }

  add(ns: string, runId: string, records: readonly JournalRecord[]): void {
    if (records.length === 0) return;
    this.#groups.push({ ns, runId, records });
    this.#runs.add(runId);
  }

  /** Whether rows of this run wait here (a read of its journal must flush them first). */
  pending(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /**
   * Writes the rows added so far, by run (then in the order added, which is seq order): consecutive
   * rows then land next to each other in the journal's primary-key index, which SQLite inserts much
   * faster than rows spread across it (runs of one group commit interleave by id). A key conflict, or
   * data that cannot be stored, throws here, inside the caller's transaction.
   */
  flush(): void {
    const groups = this.#groups;
    if (groups.length === 0) return;
    this.#groups = [];
    this.#runs.clear();
    if (groups.length > 1) groups.sort(byRun); // stable: one run's appends keep their order
    const full = this.#full;
    let k = 0;
    for (const { ns, runId, records } of groups) {
      for (const r of records) {
        full[k++] = ns;
        full[k++] = runId;
        full[k++] = r.seq;
        full[k++] = r.type;
        full[k++] = r.v;
        full[k++] = r.at;
        full[k++] = this.#json(r, ns, runId);
        if (k === full.length) {
          this.#insert(ROWS_PER_INSERT).run(full);
          k = 0;
        }
      }
    }
    if (k > 0) this.#insert(k / COLUMNS).run(full.slice(0, k));
  }

  /** After a rollback: rows not written yet belong to it. */
  clear(): void {
    this.#groups = [];
    this.#runs.clear();
  }

  #insert(rows: number): Statement<unknown[]> {
    let stmt = this.#inserts[rows];
    if (stmt === undefined) {
      stmt = this.#db.prepare<unknown[]>(
        `INSERT INTO journal (namespace, run_id, seq, type, v, at, data) VALUES ${Array<string>(rows).fill(ROW).join(', ')}`,
      );
      this.#inserts[rows] = stmt;
    }
    return stmt;
  }
}
