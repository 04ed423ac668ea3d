// Journal rows written by multi-row INSERTs, ordered by run: a group commit of many runs writes
// thousands of rows, and one statement step per ROWS_PER_INSERT rows costs much less than one per row
// (each step is a call into SQLite with its own binding and bookkeeping). Rows wait here only within
// one transaction: the store flushes them before it reads the journal and before the commit.

import type { Database, Statement } from 'better-sqlite3';

/** Rows per full INSERT (7 parameters each, well under SQLite's 32,766-parameter limit). */
export const ROWS_PER_INSERT = 32;

const COLUMNS = 7;
const ROW = '(?, ?, ?, ?, ?, ?, ?)';

/** Consecutive rows of one run, as added: rows[from .. from + count). */
interface Group {
  readonly ns: string;
  readonly runId: string;
  readonly from: number;
  count: number;
}

const byRun = (a: Group, b: Group): number =>
  a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;

export class JournalRows {
  readonly #db: Database;
  /** INSERT statements by row count (1..ROWS_PER_INSERT), prepared on first use. */
  readonly #inserts: Array<Statement<unknown[]> | undefined> = [];
  /** Parameters of the rows not written yet, COLUMNS per row, in the order they were added. */
  #params: unknown[] = [];
  #groups: Group[] = [];
  /** Run ids with rows not written yet (by id alone: a namespace mix-up only costs an early flush). */
  #runs = new Set<string>();

  constructor(db: Database) {
    this.#db = db;
  }

  add(ns: string, runId: string, seq: number, type: string, v: number, at: number, data: string): void {
    const p = this.#params;
    const last = this.#groups[this.#groups.length - 1];
    if (last !== undefined && last.runId === runId && last.ns === ns) last.count++;
    else {
      this.#groups.push({ ns, runId, from: p.length / COLUMNS, count: 1 });
      this.#runs.add(runId);
    }
    p.push(ns, runId, seq, type, v, at, data);
  }

  /** Whether rows of this run wait here (a read of its journal must flush them first). */
  pending(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /**
   * Writes the rows added so far, by run (then in the order added, which is seq order): consecutive
   * rows then land next to each other in the journal's primary-key index, which SQLite inserts much
   * faster than rows spread across it (runs of one group commit interleave by id). A key conflict
   * throws here, inside the caller's transaction.
   */
  flush(): void {
    const groups = this.#groups;
    if (groups.length === 0) return;
    const params = this.#params;
    this.#params = [];
    this.#groups = [];
    this.#runs.clear();
    if (groups.length > 1) groups.sort(byRun); // stable: one run's groups keep their order
    let chunk: unknown[] = [];
    for (const g of groups) {
      const end = (g.from + g.count) * COLUMNS;
      for (let k = g.from * COLUMNS; k < end; k++) {
        chunk.push(params[k]);
        if (chunk.length === ROWS_PER_INSERT * COLUMNS) {
          this.#insert(ROWS_PER_INSERT).run(chunk);
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) this.#insert(chunk.length / COLUMNS).run(chunk);
  }

  /** After a rollback: rows not written yet belong to it. */
  clear(): void {
    this.#params = [];
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
