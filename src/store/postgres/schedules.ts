// Schedules and run deletion (DeleteRun, retention) on PostgreSQL: plain functions over one Query each,
// with the statements of schedules-sql.ts. A schedule changes only by an UPDATE conditional on its
// revision, so of several instances claiming the same fire exactly one wins.

import {
  ScheduleExistsError,
  StoreInvalidArgumentError,
  type DeleteRunOutcome,
  type NewSchedule,
  type PurgeRunsOptions,
  type SchedulePage,
  type ScheduleRecord,
  type ScheduleUpdate,
} from '../store.js';
import { batchLimit, decodeScheduleCursor, encodeScheduleCursor, toJson } from '../store-args.js';
import type { Query } from './db.js';
import { RETENTION_SQL, SCHEDULE_SQL } from './schedules-sql.js';
import type { Named } from './statements.js';

const named = (name: string, text: string): Named => ({ name: `baton_${name}`, text });

const Q = {
  insert: named('schedule_insert', SCHEDULE_SQL.insert),
  get: named('schedule_get', SCHEDULE_SQL.get),
  list: named('schedule_list', SCHEDULE_SQL.list),
  update: named('schedule_update', SCHEDULE_SQL.update),
  delete: named('schedule_delete', SCHEDULE_SQL.delete),
  due: named('schedule_due', SCHEDULE_SQL.due),
  deleteRun: named('run_delete', RETENTION_SQL.deleteRun),
  purgeRuns: named('run_purge', RETENTION_SQL.purgeRuns),
};

interface ScheduleRow {
  namespace: string;
  schedule_id: string;
  spec: string;
  paused: boolean;
  note: string;
  next_fire_at: number | null;
  wake_at: number | null;
  state: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

/** spec and state are JSON text, kept verbatim as the rest of the schema keeps JSON. */
const toRecord = (r: ScheduleRow): ScheduleRecord => ({
  ns: r.namespace,
  scheduleId: r.schedule_id,
  spec: JSON.parse(r.spec) as unknown,
  paused: r.paused,
  note: r.note,
  nextFireAt: r.next_fire_at,
  wakeAt: r.wake_at,
  state: JSON.parse(r.state) as unknown,
  revision: r.revision,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function createSchedule(q: Query, s: NewSchedule): Promise<void> {
  const what = `schedule "${s.scheduleId}"`;
  const { rowCount } = await q(Q.insert, [
    s.ns,
    s.scheduleId,
    toJson(s.spec, `spec of ${what}`),
    s.paused,
    s.note,
    s.nextFireAt,
    s.wakeAt,
    toJson(s.state, `state of ${what}`),
    s.createdAt,
  ]);
  if (rowCount === 0) throw new ScheduleExistsError(s.ns, s.scheduleId);
}

export async function getSchedule(q: Query, ns: string, id: string): Promise<ScheduleRecord | undefined> {
  const row = (await q<ScheduleRow>(Q.get, [ns, id])).rows[0];
  return row && toRecord(row);
}

export async function listSchedules(
  q: Query,
  ns: string,
  options: { limit?: number; cursor?: string },
): Promise<SchedulePage> {
  const limit = batchLimit('listSchedules', options.limit);
  const after = options.cursor === undefined ? '' : decodeScheduleCursor(options.cursor);
  const { rows } = await q<ScheduleRow>(Q.list, [ns, after, limit + 1]);
  const schedules = rows.slice(0, limit).map(toRecord);
  const last = schedules.at(-1);
  return rows.length > limit && last
    ? { schedules, nextCursor: encodeScheduleCursor(last.scheduleId) }
    : { schedules };
}

export async function updateSchedule(
  q: Query,
  ns: string,
  id: string,
  expectedRevision: number,
  u: ScheduleUpdate,
): Promise<boolean> {
  const what = `schedule "${id}"`;
  const { rowCount } = await q(Q.update, [
    toJson(u.spec, `spec of ${what}`),
    u.paused,
    u.note,
    u.nextFireAt,
    u.wakeAt,
    toJson(u.state, `state of ${what}`),
    u.updatedAt,
    ns,
    id,
    expectedRevision,
  ]);
  return rowCount === 1;
}

export async function deleteSchedule(q: Query, ns: string, id: string): Promise<boolean> {
  return (await q(Q.delete, [ns, id])).rowCount === 1;
}

export async function dueSchedules(
  q: Query,
  ns: string,
  upTo: number,
  limit: number,
): Promise<ScheduleRecord[]> {
  const { rows } = await q<ScheduleRow>(Q.due, [ns, upTo, batchLimit('dueSchedules', limit)]);
  return rows.map(toRecord);
}

/** One statement: the row locked FOR UPDATE, its status checked, the run and its rows deleted. */
export async function deleteRun(
  q: Query,
  ns: string,
  runId: string,
  statuses: readonly string[],
): Promise<DeleteRunOutcome> {
  const row = (await q<{ status: string | null; deleted: number }>(Q.deleteRun, [ns, runId, [...statuses]]))
    .rows[0];
  if (row === undefined || row.status === null) return { deleted: false };
  return row.deleted === 1 ? { deleted: true } : { deleted: false, status: row.status };
}

export async function purgeRuns(q: Query, ns: string, o: PurgeRunsOptions): Promise<string[]> {
  batchLimit('purgeRuns', o.limit);
  if (!Number.isFinite(o.updatedBefore))
    throw new StoreInvalidArgumentError(
      `purgeRuns: updatedBefore must be a time in ms, got ${o.updatedBefore}`,
    );
  const { rows } = await q<{ run_id: string }>(Q.purgeRuns, [ns, [...o.statuses], o.updatedBefore, o.limit]);
  return rows.map((r) => r.run_id);
}
