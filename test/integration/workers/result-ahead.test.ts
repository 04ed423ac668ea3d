// A worker's result on instance B for a run instance A owns is sent to A ahead of B's durable post to
// the run's inbox: A journals it (and the run goes on) without waiting for that commit and its
// notification. The post stays the record: held back here by taking the inbox's advisory lock on
// PostgreSQL, it blocks; the run still completes on the results sent ahead; once the lock goes, the
// posted copies arrive, are dropped as duplicates and deleted, and each attempt stays completed once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { LOCK_INBOX } from '../../../src/store/postgres/statements.js';
import { Workflow } from '../../../src/spec/schema.js';
import { createWorker, type Worker } from '../../../sdk/src/index.js';
import { dropSchema, PG_BASE, pgTestSchema } from '../store/pg-schema.js';
import { startInstance, until, type Instance } from './instances.js';

const LEASE_MS = 400;
let dir: string;
let bus: Bus;
let schema: string;
let url: string;
let instances: Instance[] = [];
let worker: Worker | undefined;
let blocker: pg.Client | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-result-ahead-'));
  bus = openMemoryBus();
  ({ schema, url } = pgTestSchema('ahead'));
});

afterEach(async () => {
  await blocker?.end().catch(() => undefined);
  blocker = undefined;
  await worker?.close();
  worker = undefined;
  for (const i of instances) await i.close();
  instances = [];
  await bus.close();
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

it('the owner journals a result sent ahead while the durable post is held back; the post, once in, changes nothing', async () => {
  const a = await startInstance('a', join(dir, 'a'), bus, LEASE_MS, url);
  const b = await startInstance('b', join(dir, 'b'), bus, LEASE_MS, url);
  instances.push(a, b);
  const ns = a.app.engine.namespace;
  const ran: string[] = [];
  worker = createWorker({
    address: b.address,
    workerId: 'on-b',
    queues: ['aq'],
    capacity: 1,
    drainGraceMs: 50,
    handler: (task) => {
      ran.push(task.taskId);
      return { by: 'on-b', task: task.taskId };
    },
  });
  await worker.ready;
  await until(async () => (await a.app.store.listWorkers(ns, 0)).length === 1, 'A to see the worker on B');

  // Every post to an inbox of this namespace waits for this transaction (POST_INBOX's advisory lock).
  blocker = new pg.Client({ connectionString: PG_BASE });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query(`SELECT pg_advisory_xact_lock($1, hashtext($2 || '.' || $3))`, [
    LOCK_INBOX,
    schema,
    ns,
  ]);

  const run = await a.app.engine.start(
    Workflow.parse({
      name: 'ahead',
      version: '1',
      agents: { x: { type: 'tool', endpoint: { queue: 'aq' } } },
      tasks: [
        { id: 'one', agent: 'x' },
        { id: 'two', agent: 'x', depends_on: ['one'] },
      ],
    }),
    {},
  );
  // Without the results sent ahead, the run would wait here for the posts the lock holds back.
  const final = await Promise.race([
    a.app.engine.settled(run.runId),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the run did not complete on the results sent ahead')), 10_000),
    ),
  ]);
  expect(final.status).toBe('completed');
  expect(final.output).toEqual({ two: { by: 'on-b', task: 'two' } });
  expect(ran).toEqual(['one', 'two']);
  // Completed on the results sent ahead: B's posts are still waiting for the lock.
  const inbox = async () =>
    (await blocker!.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.inbox`)).rows[0]!.n;
  expect(await inbox()).toBe(0);
  const claims = async () =>
    (await blocker!.query<{ idem: string; done: boolean }>(`SELECT idem, done FROM ${schema}.work_claims`))
      .rows;
  expect((await claims()).every((c) => !c.done)).toBe(true);

  await blocker.query('COMMIT');
  // The posts go in (marking the claims done) and the owner drops them as duplicates, deleting them.
  await until(async () => {
    const c = await claims();
    return c.length === 2 && c.every((x) => x.done);
  }, 'the claims done');
  await until(async () => (await inbox()) === 0, 'the posted copies to be dropped and deleted');
  const records = await a.app.store.read(ns, run.runId);
  const completed = records
    .filter((r) => r.type === 'TaskCompleted')
    .map((r) => (r.data as { key: string }).key);
  expect(completed).toEqual(['one', 'two']);
  expect(records.at(-1)?.type).toBe('RunCompleted');
});
