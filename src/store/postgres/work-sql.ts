// The DDL of the worker roster and work claims (work.ts runs their statements; migrations.ts applies it).

/** Work claims and roster rows as migration 6 creates them. */
export const WORK_DDL = `
CREATE TABLE worker_roster (
  namespace    text COLLATE "C" NOT NULL,
  instance     text COLLATE "C" NOT NULL,
  worker_id    text COLLATE "C" NOT NULL,
  routes       text NOT NULL,
  capabilities text NOT NULL,
  capacity     integer NOT NULL,
  in_flight    integer NOT NULL,
  heartbeat_at bigint NOT NULL,
  PRIMARY KEY (namespace, instance, worker_id)
);
CREATE INDEX worker_roster_by_heartbeat ON worker_roster (namespace, heartbeat_at);
CREATE TABLE work_claims (
  namespace  text COLLATE "C" NOT NULL,
  idem       text COLLATE "C" NOT NULL,
  run_id     text NOT NULL,
  route      text NOT NULL,
  entry_id   text NOT NULL,
  instance   text COLLATE "C" NOT NULL,
  worker_id  text NOT NULL,
  done       boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL,
  PRIMARY KEY (namespace, idem)
);
CREATE INDEX work_claims_by_instance ON work_claims (namespace, instance, done);
CREATE INDEX work_claims_by_update ON work_claims (namespace, updated_at);
`;
