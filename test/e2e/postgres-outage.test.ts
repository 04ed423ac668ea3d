// The store goes away under a `baton serve`: a PostgreSQL cluster of the test's own is stopped
// (immediate: connections cut) while runs are in flight, then started again; once for less than the
// lease (the instance's renewal keeps its runs: it must drive again those whose actors stopped on a
// failed write), once for longer (every lease has lapsed by the database's clock when it is back).
// While it is down health says NOT_SERVING and nothing is acknowledged that was not committed (a
// StartRun fails UNAVAILABLE); once it is back health says SERVING again, every run in flight completes
// (each task once, gap-free journals) and new runs start and complete.

import { credentials } from '@grpc/grpc-js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HealthCheckResponse_ServingStatus as Serving,
  HealthClient,
} from '../../src/api/gen/grpc/health/v1/health.js';
import { createClient, RunStatus, UnavailableError, type BatonClient } from '../../sdk/src/index.js';
import { tempDir } from './cli-helpers.js';
import {
  awaitEnded,
  history,
  journalFacts,
  KEYS,
  startInstance,
  WORKFLOWS,
  type Instance,
} from './cluster-harness.js';
import { ownPostgresUnavailable, startOwnPostgres, type OwnPostgres } from './own-postgres.js';

const LEASE_MS = 4_000;
/** How long the database stays down once health has said so (detection takes up to ~1 s more). */
const OUTAGES = [
  { name: 'shorter than the lease', ms: 300 },
  { name: 'longer than the lease', ms: 5_000 },
];
const RUNS = 20;

const tmp = tempDir();
let db: OwnPostgres | undefined;
let instance: Instance | undefined;
let client: BatonClient | undefined;
let health: HealthClient | undefined;

afterAll(async () => {
  client?.close();
  health?.close();
  await instance?.kill9();
  await db?.close();
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function check(h: HealthClient): Promise<Serving> {
  return new Promise((resolve, reject) =>
    h.check({ service: '' }, (error, response) => (error ? reject(error) : resolve(response.status))),
  );
}

/** Polls health until it reports `want`; returns how many checks that took (it fails the test if never). */
async function until(h: HealthClient, want: Serving, timeoutMs: number): Promise<Serving> {
  const deadline = Date.now() + timeoutMs;
  let last = await check(h);
  while (last !== want && Date.now() < deadline) {
    await sleep(100);
    last = await check(h);
  }
  return last;
}

const skip = ownPostgresUnavailable();
if (skip) console.warn(`postgres-outage: skipped: ${skip}`);

describe.skipIf(skip !== undefined)('PostgreSQL outage', () => {
  it('health turns NOT_SERVING, nothing is acknowledged, and every run completes once the store is back', async () => {
    db = await startOwnPostgres();
    instance = await startInstance({
      name: 'a',
      dataDir: join(tmp.dir, 'a'),
      store: db.url('outage'),
      bus: 'memory',
      leaseMs: LEASE_MS,
      effects: join(tmp.dir, 'effects.jsonl'),
      agentDelayMs: 150,
    });
    client = createClient({ address: instance.address, deadlineMs: 20_000, retry: false });
    health = new HealthClient(instance.address, credentials.createInsecure());
    expect(await check(health)).toBe(Serving.SERVING);
    const c = client;
    const h = health;
    const pg = db;

    const runIds: string[] = [];
    for (const [n, outage] of OUTAGES.entries()) {
      for (let i = 0; i < RUNS; i++)
        runIds.push((await c.runs.start({ workflowSource: WORKFLOWS.chain, requestId: `r${n}-${i}` })).runId);
      await sleep(300); // the runs are under way: some tasks done, some in flight

      await pg.stop();
      expect(await until(h, Serving.NOT_SERVING, 15_000), outage.name).toBe(Serving.NOT_SERVING);
      // A start cannot be committed, so it is not acknowledged: UNAVAILABLE (retryable), never OK.
      const refused: unknown = await c.runs
        .start({ workflowSource: WORKFLOWS.chain, requestId: `during-${n}` })
        .catch((e: unknown) => e);
      expect(refused, outage.name).toBeInstanceOf(UnavailableError);
      expect((refused as UnavailableError).code).toBe('BATON_E_STORE_UNAVAILABLE');
      await sleep(outage.ms);

      const backAt = Date.now(); // nothing can have committed before this
      await pg.start();
      expect(await until(h, Serving.SERVING, 15_000), outage.name).toBe(Serving.SERVING);
      // The start refused during the outage created nothing: the same request id now starts a new run.
      const after = await c.runs.start({ workflowSource: WORKFLOWS.chain, requestId: `during-${n}` });
      const [started] = await history(c, after.runId);
      expect(started?.type).toBe('RunStarted');
      expect(started!.at!.getTime()).toBeGreaterThanOrEqual(backAt);
      runIds.push(after.runId);

      const status = await awaitEnded(c, runIds, 60_000);
      const open = runIds.filter((id) => status.get(id) !== RunStatus.RUN_STATUS_COMPLETED);
      expect(open, `runs not completed after the outage ${outage.name}`).toEqual([]);
    }
    for (const id of runIds) {
      const facts = journalFacts(await history(c, id));
      expect(facts.gapFree, id).toBe(true);
      expect(facts.completedTwice, id).toEqual([]);
      expect([...facts.completedKeys].sort(), id).toEqual([...KEYS.chain].sort());
    }
    if (process.env.BATON_TEST_DEBUG) console.error(instance.stderr());
  }, 120_000);
});
