// The SQLite schema as numbered migrations, applied in order by migrate.ts. Kept as TypeScript strings so
// they travel with the compiled module (the build copies no .sql files). Never edit a released migration:
// add the next number.

import { HOOKS_DDL } from './hooks.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal, runs, snapshots, workflows, seen',
    sql: `
      -- A rowid table with a separate primary-key index: journal rows can be large, which WITHOUT ROWID
      -- tables handle badly. The key is what makes a second writer of the same seq fail.
      CREATE TABLE journal (
        namespace TEXT NOT NULL,
        run_id    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        type      TEXT NOT NULL,
        v         INTEGER NOT NULL,
        at        INTEGER NOT NULL,
        data      TEXT NOT NULL,
        PRIMARY KEY (namespace, run_id, seq)
      );

      CREATE TABLE runs (
        namespace        TEXT NOT NULL,
        run_id           TEXT NOT NULL,
        workflow_name    TEXT NOT NULL,
        workflow_version TEXT NOT NULL,
        status           TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        last_seq         INTEGER NOT NULL DEFAULT 0,
        input            TEXT NOT NULL,
        summary          TEXT,
        PRIMARY KEY (namespace, run_id)
      );
      -- One index per listRuns filter, each ending in the page order so a page is one index range scan.
      CREATE INDEX runs_by_created ON runs (namespace, created_at, run_id);
      CREATE INDEX runs_by_status ON runs (namespace, status, created_at, run_id);
      CREATE INDEX runs_by_workflow ON runs (namespace, workflow_name, created_at, run_id);

      CREATE TABLE snapshots (
        namespace TEXT NOT NULL,
        run_id    TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        state     TEXT NOT NULL,
        PRIMARY KEY (namespace, run_id)
      );

      -- id orders versions by when they were stored: "latest" is the highest id of a name.
      CREATE TABLE workflows (
        id        INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL,
        name      TEXT NOT NULL,
        version   TEXT NOT NULL,
        source    TEXT NOT NULL,
        spec      TEXT NOT NULL,
        UNIQUE (namespace, name, version)
      );
      CREATE INDEX workflows_by_name ON workflows (namespace, name, id);

      CREATE TABLE seen (
        namespace TEXT NOT NULL,
        scope     TEXT NOT NULL,
        id        TEXT NOT NULL,
        PRIMARY KEY (namespace, scope, id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'run ownership leases, run inbox',
    sql: `
      -- The process that drives a run holds a lease on it (renewed while it lives); another process may
      -- take the run over only once the lease has expired: one writer per run, even across processes.
      ALTER TABLE runs ADD COLUMN owner TEXT;
      ALTER TABLE runs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;

      -- Commands for a run from outside its owner (signal, cancel, pause, resume), taken in id order.
      -- AUTOINCREMENT: ids never repeat, even after the newest is deleted, so readers can keep a cursor.
      CREATE TABLE inbox (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        namespace TEXT NOT NULL,
        run_id    TEXT NOT NULL,
        kind      TEXT NOT NULL,
        payload   TEXT NOT NULL,
        at        INTEGER NOT NULL
      );
      CREATE INDEX inbox_by_run ON inbox (namespace, run_id, id);
    `,
  },
  {
    version: 3,
    name: 'run ownership epochs (fencing)',
    sql: `
      -- Increases each time a run changes hands; every write of an owner carries (owner, epoch) and is
      -- refused once another owner took the run (store.ts RunOwnershipLostError). 0: never claimed.
      ALTER TABLE runs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
      -- claimExpiredRuns: runs that have not ended, by when their lease lapses (ended runs, most of the
      -- table, stay out of it). The query repeats this WHERE term for term, which lets SQLite use it.
      -- Written with <> rather than NOT IN (...): SQLite evaluates an IN list through a temporary table
      -- each time a row is written, which tripled what the index costs a run's insert and last update.
      CREATE INDEX runs_by_lease ON runs (lease_until)
        WHERE status <> 'completed' AND status <> 'failed' AND status <> 'cancelled';
      -- renewLeases: the runs one owner holds.
      CREATE INDEX runs_by_owner ON runs (owner) WHERE owner IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'plugins by sha256',
    sql: `
      -- Plugin bytes kept in the store, so any instance can load the plugin a run is bound to (the plugin
      -- folder of a data directory is a cache of it). A name@version is immutable.
      CREATE TABLE plugins (
        namespace TEXT NOT NULL,
        name      TEXT NOT NULL,
        version   TEXT NOT NULL,
        sha256    TEXT NOT NULL,
        manifest  TEXT NOT NULL,
        wasm      BLOB NOT NULL,
        stored_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, name, version)
      );
      CREATE INDEX plugins_by_sha256 ON plugins (namespace, sha256);
    `,
  },
  {
    version: 5,
    name: 'start request ids',
    sql: `
      -- StartRun's request_id -> the run it created (idempotency): a retried start finds that run. The
      -- primary key makes a second run with the same request_id fail in the creating transaction.
      CREATE TABLE run_requests (
        namespace  TEXT NOT NULL,
        request_id TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        PRIMARY KEY (namespace, request_id)
      ) WITHOUT ROWID;
      -- A run deleted takes its request_id with it, so the id may start a new run.
      CREATE TRIGGER run_requests_forget AFTER DELETE ON runs BEGIN
        DELETE FROM run_requests WHERE namespace = old.namespace AND run_id = old.run_id;
      END;
    `,
  },
  {
    version: 6,
    name: 'schedules, retention index',
    sql: `
      -- A schedule's spec and state are JSON the runtime owns; paused, wake_at and revision are what the
      -- store queries. revision grows with every update: a claim is UPDATE ... WHERE revision = ?, so of
      -- several schedulers sharing the store exactly one wins each fire.
      CREATE TABLE schedules (
        namespace    TEXT NOT NULL,
        schedule_id  TEXT NOT NULL,
        spec         TEXT NOT NULL,
        paused       INTEGER NOT NULL DEFAULT 0,
        note         TEXT NOT NULL DEFAULT '',
        next_fire_at INTEGER,
        wake_at      INTEGER,
        state        TEXT NOT NULL,
        revision     INTEGER NOT NULL DEFAULT 1,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (namespace, schedule_id)
      );
      CREATE INDEX schedules_by_wake ON schedules (namespace, paused, wake_at);

      -- Retention finds ended runs by status and age (for an ended run, updated_at is when it ended).
      CREATE INDEX runs_by_status_updated ON runs (namespace, status, updated_at);
    `,
  },
  {
    version: 7,
    name: 'worker roster, work claims',
    sql: `
      -- Workers connected to each instance, vouched for by the instance's heartbeat; a row not renewed
      -- for a while is a worker (or instance) gone, and is ignored, then deleted.
      CREATE TABLE worker_roster (
        namespace    TEXT NOT NULL,
        instance     TEXT NOT NULL,
        worker_id    TEXT NOT NULL,
        routes       TEXT NOT NULL,
        capabilities TEXT NOT NULL,
        capacity     INTEGER NOT NULL,
        in_flight    INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, instance, worker_id)
      );
      CREATE INDEX worker_roster_by_heartbeat ON worker_roster (namespace, heartbeat_at);

      -- Which instance (and worker) holds an attempt sent to workers, keyed by its idempotency key;
      -- done once its result is recorded. Renewed by the holder: a claim nobody renews may be taken.
      CREATE TABLE work_claims (
        namespace  TEXT NOT NULL,
        idem       TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        route      TEXT NOT NULL,
        entry_id   TEXT NOT NULL,
        instance   TEXT NOT NULL,
        worker_id  TEXT NOT NULL,
        done       INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (namespace, idem)
      ) WITHOUT ROWID;
      CREATE INDEX work_claims_by_instance ON work_claims (namespace, instance, done);
      CREATE INDEX work_claims_by_update ON work_claims (namespace, updated_at);
    `,
  },
  {
    version: 8,
    name: 'workflow_hooks (the specification, section 4.1), hook execution log',
    sql: HOOKS_DDL,
  },
];
