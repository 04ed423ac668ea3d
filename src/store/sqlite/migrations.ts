// The SQLite schema as numbered migrations, applied in order by migrate.ts. Kept as TypeScript strings so
// they travel with the compiled module (the build copies no .sql files). Never edit a released migration:
// add the next number.

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
];
