// Global hooks (workflow_hooks) and the hook execution log on PostgreSQL: plain functions over one Query
// each, with the statements of hooks-sql.ts.

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
import type { Query } from './db.js';
import { HOOK_SQL } from './hooks-sql.js';
import type { Named } from './statements.js';

const named = (name: string, text: string): Named => ({ name: `baton_${name}`, text });

const Q = {
  insert: named('hook_insert', HOOK_SQL.insert),
  get: named('hook_get', HOOK_SQL.get),
  list: named('hook_list', HOOK_SQL.list),
  update: named('hook_update', HOOK_SQL.update),
  delete: named('hook_delete', HOOK_SQL.delete),
  log: named('hook_log', HOOK_SQL.log),
  page: named('hook_log_page', HOOK_SQL.page),
  purge: named('hook_log_purge', HOOK_SQL.purge),
};

export async function createHook(q: Query, h: NewHookRecord): Promise<void> {
  const { rowCount } = await q(Q.insert, [
    h.ns,
    h.hookId,
    h.name,
    h.trigger,
    h.command,
    toJson(h.args, `args of hook "${h.name}"`),
    h.alwaysRun,
    h.timeoutMs,
    h.enabled,
    h.priority,
    h.kind,
    h.mode,
    h.fail,
    h.matcher === null ? null : toJson(h.matcher, `matcher of hook "${h.name}"`),
    h.createdAt,
  ]);
  if (rowCount === 0) throw new HookExistsError(h.ns, h.name);
}

export async function getHook(q: Query, ns: string, name: string): Promise<HookRecord | undefined> {
  const row = (await q<HookRow>(Q.get, [ns, name])).rows[0];
  return row && hookFromRow(row);
}

export async function listHooks(q: Query, ns: string, trigger: string | undefined): Promise<HookRecord[]> {
  return (await q<HookRow>(Q.list, [ns, trigger ?? null])).rows.map(hookFromRow);
}

export async function updateHook(q: Query, ns: string, name: string, u: HookRecordUpdate): Promise<boolean> {
  const { rowCount } = await q(Q.update, [
    u.trigger,
    u.command,
    toJson(u.args, `args of hook "${name}"`),
    u.alwaysRun,
    u.timeoutMs,
    u.enabled,
    u.priority,
    u.kind,
    u.mode,
    u.fail,
    u.matcher === null ? null : toJson(u.matcher, `matcher of hook "${name}"`),
    u.updatedAt,
    ns,
    name,
  ]);
  return rowCount === 1;
}

export async function deleteHook(q: Query, ns: string, name: string): Promise<boolean> {
  return (await q(Q.delete, [ns, name])).rowCount === 1;
}

export async function appendHookExecutions(
  q: Query,
  records: readonly NewHookExecutionRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((e) => ({
    namespace: e.ns,
    run_id: e.runId,
    hook: e.hook,
    trigger: e.trigger,
    mode: e.mode,
    input_digest: e.inputDigest,
    verdict: e.verdict,
    message: e.message,
    output:
      e.output === null || e.output === undefined ? null : toJson(e.output, `output of hook "${e.hook}"`),
    duration_ms: e.durationMs,
    error: e.error,
    at: e.at,
  }));
  await q(Q.log, [JSON.stringify(rows)]);
}

export async function listHookExecutions(
  q: Query,
  ns: string,
  query: HookExecutionQuery,
): Promise<HookExecutionPage> {
  const limit = batchLimit('listHookExecutions', query.limit);
  const before =
    query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeHookExecutionCursor(query.cursor);
  const { rows } = await q<HookExecutionRow>(Q.page, [
    ns,
    before,
    query.runId ?? null,
    query.hook ?? null,
    limit + 1,
  ]);
  const executions = rows.slice(0, limit).map(executionFromRow);
  const last = executions.at(-1);
  return rows.length > limit && last
    ? { executions, nextCursor: encodeHookExecutionCursor(last.id) }
    : { executions };
}

export async function purgeHookExecutions(q: Query, before: number, limit: number): Promise<number> {
  return (await q(Q.purge, [before, batchLimit('purgeHookExecutions', limit)])).rowCount ?? 0;
}
