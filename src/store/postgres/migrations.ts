// The PostgreSQL schema as numbered migrations, applied in order by migrate.ts under an advisory lock.
// TypeScript strings so they travel with the compiled module. Never edit a released migration: add the
// next number. Times are bigint ms since the Unix epoch (as the Store interface speaks them); JSON is
// kept as text, verbatim; key columns use the "C" collation so text orders by code point (as in SQLite).

import { HOOKS_DDL } from './hooks-sql.js';
import { SCHEDULES_RETENTION_DDL } from './schedules-sql.js';
import { WORK_DDL } from './work-sql.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** A run in one of these statuses has ended: it is never claimed again (see leases.ts). */
export const ENDED = "('completed', 'failed', 'cancelled')";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal, runs with fenced leases, snapshots, workflows, inbox, seen',
    sql: `
      -- The primary key is what makes a second writer of the same seq fail (the backstop of the
      -- expected-next-seq check of append.ts).
      CREATE TABLE journal (
        namespace text COLLATE "C" NOT NULL,
        run_id    text COLLATE "C" NOT NULL,
        seq       bigint NOT NULL,
        type      text NOT NULL,
        v         integer NOT NULL,
        at        bigint NOT NULL,
        data      text NOT NULL,
        PRIMARY KEY (namespace, run_id, seq)
      );

      -- owner/epoch/lease_until: the run's driver, its fencing token and when its lease lapses by the
      -- server's clock. Every write on an owner's behalf is checked against (owner, epoch).
      CREATE TABLE runs (
        namespace        text COLLATE "C" NOT NULL,
        run_id           text COLLATE "C" NOT NULL,
        workflow_name    text COLLATE "C" NOT NULL,
        workflow_version text NOT NULL,
        status           text COLLATE "C" NOT NULL,
        created_at       bigint NOT NULL,
        updated_at       bigint NOT NULL,
        last_seq         bigint NOT NULL DEFAULT 0,
        input            text NOT NULL,
        summary          text,
        owner            text,
        epoch            bigint NOT NULL DEFAULT 0,
        lease_until      bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (namespace, run_id),
        -- A run without an owner has lapsed: claimExpiredRuns finds both by lease_until alone.
        CONSTRAINT runs_unowned_lapsed CHECK (owner IS NOT NULL OR lease_until = 0)
      );
      -- One index per listRuns filter, each ending in the page order so a page is one index range scan.
      CREATE INDEX runs_by_created ON runs (namespace, created_at, run_id);
      CREATE INDEX runs_by_status ON runs (namespace, status, created_at, run_id);
      CREATE INDEX runs_by_workflow ON runs (namespace, workflow_name, created_at, run_id);
      -- renewLeases: every run an owner holds, in one statement.
      CREATE INDEX runs_by_owner ON runs (owner) WHERE owner IS NOT NULL;
      -- claimExpiredRuns: the runs not ended whose lease lapsed first.
      CREATE INDEX runs_lapsing ON runs (lease_until) WHERE status NOT IN ${ENDED};

      CREATE TABLE snapshots (
        namespace text COLLATE "C" NOT NULL,
        run_id    text COLLATE "C" NOT NULL,
        seq       bigint NOT NULL,
        state     text NOT NULL,
        PRIMARY KEY (namespace, run_id)
      );

      -- id orders versions by when they were stored: "latest" is the highest id of a name.
      CREATE TABLE workflows (
        id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        namespace text COLLATE "C" NOT NULL,
        name      text COLLATE "C" NOT NULL,
        version   text COLLATE "C" NOT NULL,
        source    text NOT NULL,
        spec      text NOT NULL,
        UNIQUE (namespace, name, version)
      );
      CREATE INDEX workflows_by_name ON workflows (namespace, name, id);

      -- Commands for a run from outside its owner, taken in id order. Ids come from a sequence and are
      -- handed out under a per-namespace advisory lock held to commit, so they commit in id order and a
      -- reader's cursor never passes an id that is still to commit.
      CREATE TABLE inbox (
        id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        namespace text COLLATE "C" NOT NULL,
        run_id    text COLLATE "C" NOT NULL,
        kind      text NOT NULL,
        payload   text NOT NULL,
        at        bigint NOT NULL
      );
      CREATE INDEX inbox_by_run ON inbox (namespace, run_id, id);
      CREATE INDEX inbox_by_namespace ON inbox (namespace, id);

      CREATE TABLE seen (
        namespace text COLLATE "C" NOT NULL,
        scope     text COLLATE "C" NOT NULL,
        id        text COLLATE "C" NOT NULL,
        PRIMARY KEY (namespace, scope, id)
      );
    `,
  },
  {
    version: 2,
    name: 'plugins by sha256',
    sql: `
      -- Plugin bytes kept in the store, so any instance can load the plugin a run is bound to (each
      -- instance's plugin folder is a cache of it). A name@version is immutable.
      CREATE TABLE plugins (
        namespace text COLLATE "C" NOT NULL,
        name      text COLLATE "C" NOT NULL,
        version   text COLLATE "C" NOT NULL,
        sha256    text COLLATE "C" NOT NULL,
        manifest  text NOT NULL,
        wasm      bytea NOT NULL,
        stored_at bigint NOT NULL,
        PRIMARY KEY (namespace, name, version)
      );
      CREATE INDEX plugins_by_sha256 ON plugins (namespace, sha256);
    `,
  },
  {
    version: 3,
    name: 'workflow_hooks (the specification, section 4.1)',
    // Verbatim from the specification's "Storage" section; the hooks work fills it.
    sql: `
CREATE TABLE workflow_hooks (
    hook_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    trigger VARCHAR(50) NOT NULL,
    command TEXT NOT NULL,
    args JSONB DEFAULT '[]',
    always_run BOOLEAN DEFAULT FALSE,
    timeout_ms INTEGER DEFAULT 30000,
    enabled BOOLEAN DEFAULT TRUE,
    priority INTEGER DEFAULT 100,
    created_at TIMESTAMP NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMP NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_hooks_trigger ON workflow_hooks(trigger) WHERE enabled = TRUE;
CREATE INDEX idx_hooks_priority ON workflow_hooks(priority);
`,
  },
  {
    version: 4,
    name: 'start request ids',
    sql: `
      -- StartRun's request_id (its idempotency key): a retried start finds the run it created, and a second
      -- run with the same request_id fails in the creating statement. Deleting the run frees the id.
      ALTER TABLE runs ADD COLUMN request_id text COLLATE "C";
      CREATE UNIQUE INDEX runs_by_request ON runs (namespace, request_id) WHERE request_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'schedules, retention index',
    sql: SCHEDULES_RETENTION_DDL,
  },
  {
    version: 6,
    name: 'worker roster, work claims',
    sql: WORK_DDL,
  },
  {
    version: 7,
    name: 'workflow_hooks namespace and options, hook execution log',
    sql: HOOKS_DDL,
  },
];
