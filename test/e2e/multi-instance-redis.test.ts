// Redis is transport, never the record: two `baton serve` instances on one PostgreSQL schema and a
// redis-server of the test's own (no persistence); while runs are in flight Redis is killed and started
// again empty, then emptied again with FLUSHALL. Every run still completes, each task once, with a
// gap-free journal, and the servers say they lost and regained Redis.

import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { createClient, RunStatus, type BatonClient } from '../../sdk/src/index.js';
import { startOwnRedis, type OwnRedis } from '../integration/bus/redis-server.js';
import { dropSchema, pgQuery, pgTestSchema } from '../integration/store/pg-schema.js';
import { tempDir } from './cli-helpers.js';
import {
  awaitEnded,
  history,
  journalFacts,
  KEYS,
  startInstance,
  WORKFLOWS,
  type Instance,
  type Kind,
} from './cluster-harness.js';

const RUNS = 60;
const tmp = tempDir();
const { schema, url: store } = pgTestSchema('mir');
const instances: Instance[] = [];
let redis: OwnRedis | undefined;
let client: BatonClient | undefined;

afterAll(async () => {
  client?.close();
  await Promise.all(instances.map((i) => i.kill9()));
  await redis?.close();
  await dropSchema(schema);
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const KINDS: Kind[] = ['chain', 'fanout', 'handoff'];

it('runs in flight complete when Redis restarts empty and when it is flushed', async () => {
  redis = await startOwnRedis();
  const bus = `redis://127.0.0.1:${redis.port}?prefix=mir`;
  const effects = join(tmp.dir, 'effects.jsonl');
  for (const name of ['a', 'b'])
    instances.push(
      await startInstance({
        name,
        dataDir: join(tmp.dir, name),
        store,
        bus,
        leaseMs: 2_000,
        effects,
        agentDelayMs: 100,
      }),
    );
  const address = `ipv4:${instances.map((i) => i.address).join(',')}`;
  client = createClient({
    address,
    deadlineMs: 30_000,
    channelOptions: { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
  });
  const c = client;

  const kindOf = new Map<string, Kind>();
  const starting: Array<Promise<string>> = [];
  const startSome = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const kind = KINDS[i % 3]!;
      starting.push(
        c.runs.start({ workflowSource: WORKFLOWS[kind], requestId: `mir-${i}` }).then((r) => {
          kindOf.set(r.runId, kind);
          return r.runId;
        }),
      );
      await sleep(25);
    }
  };

  /** Runs that have not ended, by the store: the outages must find some. */
  const inFlight = async () =>
    Number(
      (
        await pgQuery<{ n: string }>(
          `SELECT count(*) AS n FROM ${schema}.runs WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
        )
      )[0]!.n,
    );
  const inFlightAt: number[] = [];

  await startSome(0, RUNS / 2);
  inFlightAt.push(await inFlight());
  // Redis dies with everything it held, and comes back empty on the same port.
  await redis.stop();
  await sleep(1_000);
  await redis.start();
  await startSome(RUNS / 2, RUNS);
  // And once more, without a restart: every stream and consumer group gone at once.
  const admin = new Redis({ host: '127.0.0.1', port: redis.port });
  inFlightAt.push(await inFlight());
  try {
    expect(await admin.flushall()).toBe('OK');
  } finally {
    admin.disconnect();
  }

  const runIds = await Promise.all(starting);
  expect(
    inFlightAt.every((n) => n > 0),
    `runs in flight at the outages: ${inFlightAt.join(', ')}`,
  ).toBe(true);
  const status = await awaitEnded(c, runIds, 60_000);
  expect(runIds.filter((id) => status.get(id) !== RunStatus.RUN_STATUS_COMPLETED)).toEqual([]);
  for (const id of runIds) {
    const facts = journalFacts(await history(c, id));
    expect(facts.gapFree, id).toBe(true);
    expect(facts.completedTwice, id).toEqual([]);
    expect([...facts.completedKeys].sort(), id).toEqual([...KEYS[kindOf.get(id)!]].sort());
  }
  if (process.env.BATON_TEST_DEBUG) for (const i of instances) console.error(`--- ${i.name}\n${i.stderr()}`);
  // The servers noticed: the loss is logged (once per outage), not swallowed.
  expect(instances.map((i) => i.stderr()).join('\n')).toMatch(/baton bus\.redis: /);
}, 90_000);
