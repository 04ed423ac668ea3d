// PostgreSQL DDL and statements of the Store's hook methods (hooks.ts runs them). workflow_hooks is
// migration 3's table, verbatim from the specification (TIMESTAMP columns, JSONB args); migration 7 adds
// the namespace and Baton's run options beside it, and the hook_executions log. Parameters: $n in the
// order each comment gives.

/** Migration 7: the columns beside the specification's, a name unique per namespace, the execution log. */
export const HOOKS_DDL = `
ALTER TABLE workflow_hooks
  ADD COLUMN namespace TEXT COLLATE "C" NOT NULL DEFAULT 'default',
  ADD COLUMN kind      TEXT,
  ADD COLUMN mode      TEXT,
  ADD COLUMN fail      TEXT,
  ADD COLUMN matcher   JSONB;
CREATE UNIQUE INDEX workflow_hooks_by_name ON workflow_hooks (namespace, name);

CREATE TABLE hook_executions (
  id           BIGSERIAL PRIMARY KEY,
  namespace    TEXT COLLATE "C" NOT NULL,
  run_id       TEXT COLLATE "C" NOT NULL,
  hook         TEXT COLLATE "C" NOT NULL,
  trigger      TEXT NOT NULL,
  mode         TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  verdict      TEXT NOT NULL,
  message      TEXT,
  output       TEXT,
  duration_ms  DOUBLE PRECISION NOT NULL,
  error        TEXT,
  at           BIGINT NOT NULL
);
CREATE INDEX hook_executions_by_run ON hook_executions (namespace, run_id, id);
CREATE INDEX hook_executions_by_hook ON hook_executions (namespace, hook, id);
CREATE INDEX hook_executions_by_at ON hook_executions (at);
`;

/** The spec's TIMESTAMP columns hold UTC; the Store speaks ms since the epoch. */
const ms = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::bigint AS ${column}`;
const ts = (param: string) => `(to_timestamp(${param}::double precision / 1000) AT TIME ZONE 'UTC')`;

const COLUMNS = `namespace, hook_id::text AS hook_id, name, trigger, command, args::text AS args, always_run,
  timeout_ms, enabled, priority, kind, mode, fail, matcher::text AS matcher, ${ms('created_at')},
  ${ms('updated_at')}`;

export const HOOK_SQL = {
  /**
   * createHook: $1 ns, $2 hook_id, $3 name, $4 trigger, $5 command, $6 args (JSON), $7 always_run,
   * $8 timeout_ms, $9 enabled, $10 priority, $11 kind, $12 mode, $13 fail, $14 matcher (JSON), $15 created_at.
   * rowCount 0: the name is taken (HookExistsError).
   */
  insert: `INSERT INTO workflow_hooks (namespace, hook_id, name, trigger, command, args, always_run, timeout_ms,
             enabled, priority, kind, mode, fail, matcher, created_at, updated_at)
           VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14::jsonb,
             ${ts('$15')}, ${ts('$15')})
           ON CONFLICT (namespace, name) DO NOTHING`,
  /** getHook: $1 ns, $2 name. */
  get: `SELECT ${COLUMNS} FROM workflow_hooks WHERE namespace = $1 AND name = $2`,
  /** listHooks: $1 ns, $2 trigger or null for all. */
  list: `SELECT ${COLUMNS} FROM workflow_hooks WHERE namespace = $1 AND ($2::text IS NULL OR trigger = $2)
         ORDER BY priority, name`,
  /**
   * updateHook: $1 trigger, $2 command, $3 args, $4 always_run, $5 timeout_ms, $6 enabled, $7 priority,
   * $8 kind, $9 mode, $10 fail, $11 matcher, $12 updated_at, $13 ns, $14 name.
   */
  update: `UPDATE workflow_hooks SET trigger = $1, command = $2, args = $3::jsonb, always_run = $4,
             timeout_ms = $5, enabled = $6, priority = $7, kind = $8, mode = $9, fail = $10,
             matcher = $11::jsonb, updated_at = ${ts('$12')}
           WHERE namespace = $13 AND name = $14`,
  /** deleteHook: $1 ns, $2 name. */
  delete: `DELETE FROM workflow_hooks WHERE namespace = $1 AND name = $2`,
  /** appendHookExecutions: $1 a JSON array of rows (the columns' names), in one statement. */
  log: `INSERT INTO hook_executions (namespace, run_id, hook, trigger, mode, input_digest, verdict, message,
          output, duration_ms, error, at)
        SELECT namespace, run_id, hook, trigger, mode, input_digest, verdict, message, output, duration_ms,
          error, at
        FROM json_to_recordset($1::json) AS r(namespace text, run_id text, hook text, trigger text,
          mode text, input_digest text, verdict text, message text, output text,
          duration_ms double precision, error text, at bigint)`,
  /** listHookExecutions: $1 ns, $2 id below (the cursor), $3 run or null, $4 hook or null, $5 limit + 1. */
  page: `SELECT id, namespace, run_id, hook, trigger, mode, input_digest, verdict, message, output,
           duration_ms, error, at
         FROM hook_executions
         WHERE namespace = $1 AND id < $2 AND ($3::text IS NULL OR run_id = $3)
           AND ($4::text IS NULL OR hook = $4)
         ORDER BY id DESC LIMIT $5`,
  /** purgeHookExecutions: $1 before (ms), $2 limit. */
  purge: `DELETE FROM hook_executions WHERE id IN
            (SELECT id FROM hook_executions WHERE at < $1 ORDER BY at LIMIT $2)`,
} as const;
