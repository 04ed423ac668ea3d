// Journal rows written by multi-row INSERTs: a group commit of many runs writes thousands of rows, and
// one statement step per ROWS_PER_INSERT rows costs much less than one per row (each step is a call
// into SQLite with its own binding and bookkeeping). Rows wait here only within one transaction: the
// store flushes them before it reads the journal and before the transaction commits.

import type { Database, Statement } from 'better-sqlite3';

/** Rows per full INSERT (7 parameters each, well under SQLite's 32,766-parameter limit). */
export const ROWS_PER_INSERT = 32;

const COLUMNS = 7;
const ROW = '(?, ?, ?, ?, ?, ?, ?)';

export class JournalRows {
  readonly #db: Database;
  /** INSERT statements by row count (1..ROWS_PER_INSERT), prepared on first use. */
  readonly #inserts: Array<Statement<unknown[]> | undefined> = [];
  /** Parameters of the rows not written yet, COLUMNS per row. */
  #params: unknown[] = [];

  constructor(db: Database) {
    this.#db = db;
  }

  add(ns: string, runId: string, seq: number, type: string, v: number, at: number, data: string): void {
    const p = this.#params;
    p.push(ns, runId, seq, type, v, at, data);
    if (p.length === ROWS_PER_INSERT * COLUMNS) this.flush();
  }

  /** Writes the rows added so far (a key conflict throws here, inside the caller's transaction). */
  flush(): void {
    const rows = this.#params.length / COLUMNS;
    if (rows === 0) return;
    const params = this.#params;
    this.#params = [];
    this.#insert(rows).run(params);
  }

  /** After a rollback: rows not written yet belong to it. */
  clear(): void {
    this.#params = [];
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
