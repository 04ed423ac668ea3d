// The SQLite store's schedules table (migration 3): its statements and row mapping. SqliteStore wraps
// each call (closed check, driver errors); the claim is one conditional UPDATE on the revision.

import type { Database } from 'better-sqlite3';
import {
  ScheduleExistsError,
  type NewSchedule,
  type SchedulePage,
  type ScheduleRecord,
  type ScheduleUpdate,
} from '../store.js';
import { batchLimit, decodeScheduleCursor, encodeScheduleCursor, toJson } from '../store-args.js';

interface ScheduleRow {
  namespace: string;
  schedule_id: string;
  spec: string;
  paused: number;
  note: string;
  next_fire_at: number | null;
  wake_at: number | null;
  state: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

const toRecord = (r: ScheduleRow): ScheduleRecord => ({
  ns: r.namespace,
  scheduleId: r.schedule_id,
  spec: JSON.parse(r.spec) as unknown,
  paused: r.paused === 1,
  note: r.note,
  nextFireAt: r.next_fire_at,
  wakeAt: r.wake_at,
  state: JSON.parse(r.state) as unknown,
  revision: r.revision,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type Ns = string;

export class SqliteSchedules {
  readonly #q;

  constructor(db: Database) {
    this.#q = {
      insert: db.prepare<
        [Ns, string, string, number, string, number | null, number | null, string, number, number]
      >(
        `INSERT INTO schedules (namespace, schedule_id, spec, paused, note, next_fire_at, wake_at, state,
                                revision, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      get: db.prepare<[Ns, string], ScheduleRow>(
        'SELECT * FROM schedules WHERE namespace = ? AND schedule_id = ?',
      ),
      list: db.prepare<[Ns, string, number], ScheduleRow>(
        'SELECT * FROM schedules WHERE namespace = ? AND schedule_id > ? ORDER BY schedule_id LIMIT ?',
      ),
      update: db.prepare<
        [string, number, string, number | null, number | null, string, number, Ns, string, number]
      >(
        `UPDATE schedules SET spec = ?, paused = ?, note = ?, next_fire_at = ?, wake_at = ?, state = ?,
           updated_at = ?, revision = revision + 1
         WHERE namespace = ? AND schedule_id = ? AND revision = ?`,
      ),
      delete: db.prepare<[Ns, string]>('DELETE FROM schedules WHERE namespace = ? AND schedule_id = ?'),
      due: db.prepare<[Ns, number, number], ScheduleRow>(
        `SELECT * FROM schedules WHERE namespace = ? AND paused = 0 AND wake_at <= ?
         ORDER BY wake_at, schedule_id LIMIT ?`,
      ),
    };
  }

  create(s: NewSchedule): void {
    const what = `schedule "${s.scheduleId}"`;
    const { changes } = this.#q.insert.run(
      s.ns,
      s.scheduleId,
      toJson(s.spec, `spec of ${what}`),
      s.paused ? 1 : 0,
      s.note,
      s.nextFireAt,
      s.wakeAt,
      toJson(s.state, `state of ${what}`),
      s.createdAt,
      s.createdAt,
    );
    if (changes === 0) throw new ScheduleExistsError(s.ns, s.scheduleId);
  }

  get(ns: string, id: string): ScheduleRecord | undefined {
    const row = this.#q.get.get(ns, id);
    return row && toRecord(row);
  }

  list(ns: string, options: { limit?: number; cursor?: string }): SchedulePage {
    const limit = batchLimit('listSchedules', options.limit);
    const after = options.cursor === undefined ? '' : decodeScheduleCursor(options.cursor);
    const rows = this.#q.list.all(ns, after, limit + 1);
    const schedules = rows.slice(0, limit).map(toRecord);
    const last = schedules.at(-1);
    return rows.length > limit && last
      ? { schedules, nextCursor: encodeScheduleCursor(last.scheduleId) }
      : { schedules };
  }

  update(ns: string, id: string, expectedRevision: number, u: ScheduleUpdate): boolean {
    const what = `schedule "${id}"`;
    return (
      this.#q.update.run(
        toJson(u.spec, `spec of ${what}`),
        u.paused ? 1 : 0,
        u.note,
        u.nextFireAt,
        u.wakeAt,
        toJson(u.state, `state of ${what}`),
        u.updatedAt,
        ns,
        id,
        expectedRevision,
      ).changes === 1
    );
  }

  delete(ns: string, id: string): boolean {
    return this.#q.delete.run(ns, id).changes === 1;
  }

  due(ns: string, upTo: number, limit: number): ScheduleRecord[] {
    return this.#q.due.all(ns, upTo, batchLimit('dueSchedules', limit)).map(toRecord);
  }
}
