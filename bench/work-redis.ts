// Worker round trip through the Redis task queue across instances: two `baton serve` children over one
// PostgreSQL schema and one Redis prefix (both made for the run and removed after), runs started on
// instance A, SDK workers (createWorker, capacity 1, answering at once) connected to B (`remote`:
// attempts cross the Redis stream, results come back through the run's inbox and a wake-up) or to A
// itself (`local`, the baseline: still through the bus, result applied in process). Two sizes: one
// worker serving one chain of BENCH_CHAIN tasks, and BENCH_WORKERS workers serving as many chains of
// BENCH_CHAIN_MANY tasks started at once. Per task, TaskDispatched.at to TaskCompleted.at from the
// journal (both stamped by A); per_task_wall_ms is the first to last task entry over all tasks.
// CPU time of each instance over the case (start to last run ended). One JSON line per case. `npm run build && npm run bench:work-redis`.

import { createClient, createWorker, type Worker } from '../sdk/src/index.js';
import {
  awaitEnded,
  chainYaml,
  cpuMs,
  dispatchLatencies,
  pool,
  sleep,
  startCluster,
  summary,
} from './cluster.js';
import { commitLatencies } from './pg-floor.js';

const CHAIN = Number(process.env.BENCH_CHAIN ?? 100);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 100);
const CHAIN_MANY = Number(process.env.BENCH_CHAIN_MANY ?? 10);

const cluster = await startCluster('work_redis', 2);
const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
const client = createClient({ address: a.address, deadlineMs: 60_000 });

async function run(placement: 'local' | 'remote', workers: number, runs: number, tasks: number) {
  // A queue of its own per case, so no instance still consumes the route of an earlier case.
  const queue = `wr-${placement}-${workers}`;
  const pool_: Worker[] = Array.from({ length: workers }, (_, i) =>
    createWorker({
      address: (placement === 'remote' ? b : a).address,
      workerId: `${queue}-${i}`,
      queues: [queue],
      capacity: 1,
      handler: () => ({ ok: true }),
      drainGraceMs: 1_000,
    }),
  );
  await Promise.all(pool_.map((w) => w.ready));
  await sleep(500); // the route's consumer group and the roster settle
  const source = chainYaml(queue, queue, tasks);
  const cpuBefore = [cpuMs(a.child.pid!), cpuMs(b.child.pid!)];
  const runIds = await pool(Array.from({ length: runs }), 20, async (_, i) => {
    return (await client.runs.start({ workflowSource: source, requestId: `${queue}-${i}` })).runId;
  });
  const ended = await awaitEnded(client, queue, runs, Date.now() + 120_000);
  const cpu = [cpuMs(a.child.pid!), cpuMs(b.child.pid!)].map((c, i) => Math.round(c - cpuBefore[i]!));
  const journals = await pool(runIds, 10, (id) => dispatchLatencies(client, id));
  const latencies = journals.flatMap((j) => j.latencies);
  const wall = Math.max(...journals.map((j) => j.last)) - Math.min(...journals.map((j) => j.first));
  const s = summary(latencies);
  console.log(
    JSON.stringify({
      bench: 'work-redis',
      placement,
      workers,
      runs,
      tasks: latencies.length,
      completed_runs: ended.completed,
      failed_runs: ended.failed,
      per_task_wall_ms: Math.round((wall / Math.max(1, latencies.length)) * 1000) / 1000,
      dispatch_to_result_p50_ms: s.p50,
      dispatch_to_result_p99_ms: s.p99,
      dispatch_to_result_max_ms: s.max,
      cpu_ms_owner_a: cpu[0],
      cpu_ms_other_b: cpu[1],
    }),
  );
  await Promise.all(pool_.map((w) => w.close()));
}

/**
 * The floor in the same window: a remote task's path waits for two durable commits at least (the owner's
 * turn journaling the dispatch, the other instance's recording of the result), so p50/p99 of one commit
 * alone, and of two in a row, on this PostgreSQL now.
 */
async function floor(when: string): Promise<void> {
  const ms = await commitLatencies(
    process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test',
    400,
  );
  const pairs = ms.slice(0, 200).map((m, i) => m + ms[200 + i]!);
  const one = summary(ms);
  const two = summary(pairs);
  const r = (n: number) => Math.round(n * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'work-redis.floor',
      when,
      commit_p50_ms: r(one.p50),
      commit_p99_ms: r(one.p99),
      two_commits_p50_ms: r(two.p50),
      two_commits_p99_ms: r(two.p99),
    }),
  );
}

try {
  await floor('before');
  for (const [workers, runs, tasks] of [
    [1, 1, CHAIN],
    [WORKERS, WORKERS, CHAIN_MANY],
  ] as const) {
    await run('local', workers, runs, tasks);
    await run('remote', workers, runs, tasks);
  }
  await floor('after');
} finally {
  client.close();
  await cluster.close();
}
