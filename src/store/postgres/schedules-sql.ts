// PostgreSQL DDL and statements of the Store's schedule and run-deletion methods (schedules.ts runs them;
// migrations.ts applies the DDL). Parameters are $n in the order each comment gives.

/** Migration: the schedules table, its wake index, and the index retention scans. */
export const SCHEDULES_RETENTION_DDL = `
CREATE TABLE schedules (
  namespace    TEXT COLLATE "C" NOT NULL,
  schedule_id  TEXT COLLATE "C" NOT NULL,
  spec         TEXT    NOT NULL,
  paused       BOOLEAN NOT NULL DEFAULT FALSE,
  note         TEXT    NOT NULL DEFAULT '',
  next_fire_at BIGINT,
  wake_at      BIGINT,
  state        TEXT    NOT NULL,
  revision     BIGINT  NOT NULL DEFAULT 1,
  created_at   BIGINT  NOT NULL,
  updated_at   BIGINT  NOT NULL,
  PRIMARY KEY (namespace, schedule_id)
);
-- Only schedules that are not paused are ever due: a partial index keeps paused ones out of it.
CREATE INDEX schedules_due ON schedules (namespace, wake_at) WHERE NOT paused;
CREATE INDEX runs_by_status_updated ON runs (namespace, status, updated_at);
`;

/** The row columns in the order the SELECTs below return them (BIGINTs arrive as strings from pg). */
const COLUMNS = `namespace, schedule_id, spec, paused, note, next_fire_at, wake_at, state, revision,
  created_at, updated_at`;

export const SCHEDULE_SQL = {
  /** createSchedule: $1 ns, $2 id, $3 spec, $4 paused, $5 note, $6 next_fire_at, $7 wake_at, $8 state, $9 created_at. rowCount 0: ScheduleExistsError. */
  insert: `INSERT INTO schedules (namespace, schedule_id, spec, paused, note, next_fire_at, wake_at, state,
             revision, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) ON CONFLICT DO NOTHING`,
  /** getSchedule: $1 ns, $2 id. */
  get: `SELECT ${COLUMNS} FROM schedules WHERE namespace = $1 AND schedule_id = $2`,
  /** listSchedules: $1 ns, $2 the cursor's id ('' for the first page), $3 limit + 1. */
  list: `SELECT ${COLUMNS} FROM schedules WHERE namespace = $1 AND schedule_id > $2
         ORDER BY schedule_id LIMIT $3`,
  /**
   * updateSchedule, the claim: $1 spec, $2 paused, $3 note, $4 next_fire_at, $5 wake_at, $6 state,
   * $7 updated_at, $8 ns, $9 id, $10 expected revision. rowCount 1: this writer won; 0: another did
   * (READ COMMITTED re-checks the WHERE on the row another transaction just updated, so it fails).
   */
  update: `UPDATE schedules SET spec = $1, paused = $2, note = $3, next_fire_at = $4, wake_at = $5, state = $6,
             updated_at = $7, revision = revision + 1
           WHERE namespace = $8 AND schedule_id = $9 AND revision = $10`,
  /** deleteSchedule: $1 ns, $2 id. rowCount 1: it existed. */
  delete: `DELETE FROM schedules WHERE namespace = $1 AND schedule_id = $2`,
  /** dueSchedules: $1 ns, $2 up_to, $3 limit. */
  due: `SELECT ${COLUMNS} FROM schedules WHERE namespace = $1 AND NOT paused AND wake_at <= $2
        ORDER BY wake_at, schedule_id LIMIT $3`,
} as const;

export const RETENTION_SQL = {
  /**
   * deleteRun as one statement: $1 ns, $2 run id, $3 text[] of the statuses it may have. Returns one row:
   * status (null: no such run) and deleted (1 or 0). FOR UPDATE holds the row, so the run cannot change
   * status (e.g. be resumed) between the check and the delete.
   */
  deleteRun: `WITH target AS (
                SELECT run_id, status FROM runs WHERE namespace = $1 AND run_id = $2 FOR UPDATE
              ),
              ok AS (SELECT run_id FROM target WHERE status = ANY($3::text[])),
              j AS (DELETE FROM journal WHERE namespace = $1 AND run_id IN (SELECT run_id FROM ok)),
              s AS (DELETE FROM snapshots WHERE namespace = $1 AND run_id IN (SELECT run_id FROM ok)),
              i AS (DELETE FROM inbox WHERE namespace = $1 AND run_id IN (SELECT run_id FROM ok)),
              r AS (DELETE FROM runs WHERE namespace = $1 AND run_id IN (SELECT run_id FROM ok) RETURNING run_id)
              SELECT (SELECT status FROM target) AS status, (SELECT count(*) FROM r)::int AS deleted`,
  /**
   * purgeRuns as one statement: $1 ns, $2 text[] statuses, $3 updated_before, $4 limit. Returns the
   * deleted run ids. SKIP LOCKED: several instances purging at once take different runs.
   */
  purgeRuns: `WITH victims AS (
                SELECT run_id FROM runs
                WHERE namespace = $1 AND status = ANY($2::text[]) AND updated_at < $3
                ORDER BY updated_at, run_id LIMIT $4 FOR UPDATE SKIP LOCKED
              ),
              j AS (DELETE FROM journal WHERE namespace = $1 AND run_id IN (SELECT run_id FROM victims)),
              s AS (DELETE FROM snapshots WHERE namespace = $1 AND run_id IN (SELECT run_id FROM victims)),
              i AS (DELETE FROM inbox WHERE namespace = $1 AND run_id IN (SELECT run_id FROM victims))
              DELETE FROM runs WHERE namespace = $1 AND run_id IN (SELECT run_id FROM victims)
              RETURNING run_id`,
} as const;
