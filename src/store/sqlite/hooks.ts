// The SQLite store's hooks tables (migration 8): workflow_hooks (the specification's columns, plus the
// namespace and Baton's run options) and the hook_executions log. SqliteStore wraps each call.

import type { Database } from 'better-sqlite3';
import {
  HookExistsError,
  type HookExecutionPage,
  type HookExecutionQuery,
  type HookRecord,
  type HookRecordUpdate,
  type NewHookExecutionRecord,
  type NewHookRecord,
  executionFromRow,
  hookFromRow,
  type HookExecutionRow,
  type HookRow,
} from '../hook-records.js';
import { batchLimit, decodeHookExecutionCursor, encodeHookExecutionCursor, toJson } from '../store-args.js';

/** Migration 8: the same columns as PostgreSQL's migration 3 (+ 7), in SQLite's types (times in ms). */
export const HOOKS_DDL = `
  CREATE TABLE workflow_hooks (
    hook_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    "trigger"  TEXT NOT NULL,
    command    TEXT NOT NULL,
    args       TEXT DEFAULT '[]',
    always_run INTEGER DEFAULT 0,
    timeout_ms INTEGER DEFAULT 30000,
    enabled    INTEGER DEFAULT 1,
    priority   INTEGER DEFAULT 100,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- Beside the specification's columns: Baton's namespaces and the options its hooks carry.
    namespace  TEXT NOT NULL DEFAULT 'default',
    kind       TEXT,
    mode       TEXT,
    fail       TEXT,
    matcher    TEXT
  );
  CREATE INDEX idx_hooks_trigger ON workflow_hooks("trigger") WHERE enabled = 1;
  CREATE INDEX idx_hooks_priority ON workflow_hooks(priority);
  CREATE UNIQUE INDEX workflow_hooks_by_name ON workflow_hooks(namespace, name);

  -- Every hook execution (blocking or async), kept for the hook_log_retention (7 days by default).
  CREATE TABLE hook_executions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace    TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    hook         TEXT NOT NULL,
    "trigger"    TEXT NOT NULL,
    mode         TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    message      TEXT,
    output       TEXT,
    duration_ms  REAL NOT NULL,
    error        TEXT,
    at           INTEGER NOT NULL
  );
  CREATE INDEX hook_executions_by_run ON hook_executions (namespace, run_id, id);
  CREATE INDEX hook_executions_by_hook ON hook_executions (namespace, hook, id);
  CREATE INDEX hook_executions_by_at ON hook_executions (at);
`;

const COLUMNS = `namespace, hook_id, name, "trigger" AS "trigger", command, args, always_run, timeout_ms,
  enabled, priority, kind, mode, fail, matcher, created_at, updated_at`;

type Ns = string;
type Opt = string | null;

export class SqliteHooks {
  readonly #db: Database;
  readonly #q;

  constructor(db: Database) {
    this.#db = db;
    this.#q = {
      insert: db.prepare<
        [
          Ns,
          string,
          string,
          string,
          string,
          string,
          number,
          number,
          number,
          number,
          Opt,
          Opt,
          Opt,
          Opt,
          number,
          number,
        ]
      >(
        `INSERT INTO workflow_hooks (namespace, hook_id, name, "trigger", command, args, always_run, timeout_ms,
           enabled, priority, kind, mode, fail, matcher, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      get: db.prepare<[Ns, string], HookRow>(
        `SELECT ${COLUMNS} FROM workflow_hooks WHERE namespace = ? AND name = ?`,
      ),
      list: db.prepare<[Ns], HookRow>(
        `SELECT ${COLUMNS} FROM workflow_hooks WHERE namespace = ? ORDER BY priority, name`,
      ),
      listTrigger: db.prepare<[Ns, string], HookRow>(
        `SELECT ${COLUMNS} FROM workflow_hooks WHERE namespace = ? AND "trigger" = ? ORDER BY priority, name`,
      ),
      update: db.prepare<
        [string, string, string, number, number, number, number, Opt, Opt, Opt, Opt, number, Ns, string]
      >(
        `UPDATE workflow_hooks SET "trigger" = ?, command = ?, args = ?, always_run = ?, timeout_ms = ?,
           enabled = ?, priority = ?, kind = ?, mode = ?, fail = ?, matcher = ?, updated_at = ?
         WHERE namespace = ? AND name = ?`,
      ),
      delete: db.prepare<[Ns, string]>('DELETE FROM workflow_hooks WHERE namespace = ? AND name = ?'),
      log: db.prepare<[Ns, string, string, string, string, string, string, Opt, Opt, number, Opt, number]>(
        `INSERT INTO hook_executions (namespace, run_id, hook, "trigger", mode, input_digest, verdict, message,
           output, duration_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // One statement for every filter: a null filter matches everything (the indexes serve run or hook).
      page: db.prepare<[Ns, number, Opt, Opt, Opt, Opt, number], HookExecutionRow>(
        `SELECT id, namespace, run_id, hook, "trigger" AS "trigger", mode, input_digest, verdict, message, output,
           duration_ms, error, at
         FROM hook_executions
         WHERE namespace = ? AND id < ? AND (? IS NULL OR run_id = ?) AND (? IS NULL OR hook = ?)
         ORDER BY id DESC LIMIT ?`,
      ),
      purge: db.prepare<[number, number]>(
        `DELETE FROM hook_executions WHERE id IN
           (SELECT id FROM hook_executions WHERE at < ? ORDER BY at LIMIT ?)`,
      ),
    };
  }

  create(h: NewHookRecord): void {
    const { changes } = this.#q.insert.run(
      h.ns,
      h.hookId,
      h.name,
      h.trigger,
      h.command,
      toJson(h.args, `args of hook "${h.name}"`),
      h.alwaysRun ? 1 : 0,
      h.timeoutMs,
      h.enabled ? 1 : 0,
      h.priority,
      h.kind,
      h.mode,
      h.fail,
      h.matcher === null ? null : toJson(h.matcher, `matcher of hook "${h.name}"`),
      h.createdAt,
      h.createdAt,
    );
    if (changes === 0) throw new HookExistsError(h.ns, h.name);
  }

  get(ns: string, name: string): HookRecord | undefined {
    const row = this.#q.get.get(ns, name);
    return row && hookFromRow(row);
  }

  list(ns: string, trigger: string | undefined): HookRecord[] {
    const rows = trigger === undefined ? this.#q.list.all(ns) : this.#q.listTrigger.all(ns, trigger);
    return rows.map(hookFromRow);
  }

  update(ns: string, name: string, u: HookRecordUpdate): boolean {
    return (
      this.#q.update.run(
        u.trigger,
        u.command,
        toJson(u.args, `args of hook "${name}"`),
        u.alwaysRun ? 1 : 0,
        u.timeoutMs,
        u.enabled ? 1 : 0,
        u.priority,
        u.kind,
        u.mode,
        u.fail,
        u.matcher === null ? null : toJson(u.matcher, `matcher of hook "${name}"`),
        u.updatedAt,
        ns,
        name,
      ).changes === 1
    );
  }

  delete(ns: string, name: string): boolean {
    return this.#q.delete.run(ns, name).changes === 1;
  }

  append(records: readonly NewHookExecutionRecord[]): void {
    const rows = records.map(
      (e) =>
        [
          e.ns,
          e.runId,
          e.hook,
          e.trigger,
          e.mode,
          e.inputDigest,
          e.verdict,
          e.message,
          e.output === null || e.output === undefined ? null : toJson(e.output, `output of hook "${e.hook}"`),
          e.durationMs,
          e.error,
          e.at,
        ] as const,
    );
    this.#db.transaction(() => {
      for (const r of rows) this.#q.log.run(...r);
    })();
  }

  page(ns: string, query: HookExecutionQuery): HookExecutionPage {
    const limit = batchLimit('listHookExecutions', query.limit);
    const before =
      query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeHookExecutionCursor(query.cursor);
    const run = query.runId ?? null;
    const hook = query.hook ?? null;
    const rows = this.#q.page.all(ns, before, run, run, hook, hook, limit + 1);
    const executions = rows.slice(0, limit).map(executionFromRow);
    const last = executions.at(-1);
    return rows.length > limit && last
      ? { executions, nextCursor: encodeHookExecutionCursor(last.id) }
      : { executions };
  }

  purge(before: number, limit: number): number {
    return this.#q.purge.run(before, batchLimit('purgeHookExecutions', limit)).changes;
  }
}
