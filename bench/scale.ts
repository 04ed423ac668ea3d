// Many runs and many worker slots over several instances: BENCH_INSTANCES (3) `baton serve` children
// over one PostgreSQL schema and one Redis prefix (both made for the run and removed after),
// BENCH_WORKERS (100) SDK worker connections of capacity BENCH_CAPACITY (100) spread round-robin over
// the instances, then BENCH_RUNS (1,000) runs (chains of BENCH_TASKS tasks on one queue, each answered
// after BENCH_AGENT_DELAY_MS) started at once, round-robin over the instances. Reports whether all
// completed and how long it took, per-task TaskDispatched -> TaskCompleted p50/p99 from the journals,
// and each instance's VmRSS (/proc/<pid>/status) idle with the workers connected and at its peak
// (sampled every 250 ms), and the CPU time each instance and this process (workers, client) used
// from the first start until the last run ended. Stops by itself after BENCH_DEADLINE_MS (240 s) of waiting, reporting what
// completed. One JSON line. `npm run build && npm run bench:scale`.

import { createClient, createWorker, type BatonClient, type Worker } from '../sdk/src/index.js';
import {
  awaitEnded,
  chainYaml,
  cpuMs,
  dispatchLatencies,
  pool,
  rssMiB,
  sleep,
  startCluster,
  summary,
} from './cluster.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 1_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 100);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 100);
const TASKS = Number(process.env.BENCH_TASKS ?? 3);
const AGENT_DELAY_MS = Number(process.env.BENCH_AGENT_DELAY_MS ?? 50);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 240_000);

const cluster = await startCluster('scale', INSTANCES);
const { instances } = cluster;
const clients: BatonClient[] = instances.map((s) =>
  createClient({ address: s.address, deadlineMs: 120_000 }),
);
const workers: Worker[] = [];
const peak = instances.map(() => 0);
const sample = () => instances.forEach((s, i) => (peak[i] = Math.max(peak[i]!, rssMiB(s.child.pid!) || 0)));
const sampler = setInterval(sample, 250);

try {
  let handled = 0;
  for (let i = 0; i < WORKERS; i++)
    workers.push(
      createWorker({
        address: instances[i % instances.length]!.address,
        workerId: `scale-${i}`,
        queues: ['scale'],
        capacity: CAPACITY,
        handler: async () => {
          if (AGENT_DELAY_MS > 0) await sleep(AGENT_DELAY_MS);
          handled++;
          return { ok: true };
        },
        drainGraceMs: 2_000,
      }),
    );
  const connectStart = Date.now();
  await Promise.all(workers.map((w) => w.ready));
  const connectMs = Date.now() - connectStart;
  await sleep(1_000); // the roster and the route's consumer groups settle
  const idle = instances.map((s) => rssMiB(s.child.pid!));
  sample();

  const source = chainYaml('scale', 'scale', TASKS);
  const cpuBefore = instances.map((s) => cpuMs(s.child.pid!));
  const benchCpuBefore = process.cpuUsage();
  const started = Date.now();
  const runIds = await pool(Array.from({ length: RUNS }), 50, async (_, i) => {
    const client = clients[i % clients.length]!;
    return (await client.runs.start({ workflowSource: source, requestId: `scale-${i}` })).runId;
  });
  const startedAllMs = Date.now() - started;
  const ended = await awaitEnded(clients[0]!, 'scale', RUNS, started + DEADLINE_MS, 250);
  const completionMs = ended.at - started;
  clearInterval(sampler);
  sample();
  const cpu = instances.map((s, i) => Math.round(cpuMs(s.child.pid!) - cpuBefore[i]!));
  const benchCpu = process.cpuUsage(benchCpuBefore);

  const journals = await pool(runIds, 20, (id, i) => dispatchLatencies(clients[i % clients.length]!, id));
  const s = summary(journals.flatMap((j) => j.latencies));
  console.log(
    JSON.stringify({
      bench: 'scale',
      instances: INSTANCES,
      runs: RUNS,
      tasks_per_run: TASKS,
      agent_delay_ms: AGENT_DELAY_MS,
      worker_connections: WORKERS,
      capacity_each: CAPACITY,
      slots: WORKERS * CAPACITY,
      workers_connect_ms: connectMs,
      completed_runs: ended.completed,
      failed_runs: ended.failed,
      all_completed: ended.completed === RUNS,
      handler_calls: handled,
      start_all_ms: startedAllMs,
      completion_ms: completionMs,
      dispatch_to_result_p50_ms: s.p50,
      dispatch_to_result_p99_ms: s.p99,
      dispatch_to_result_max_ms: s.max,
      cpu_ms_per_instance: cpu,
      cpu_ms_workers_and_client: Math.round((benchCpu.user + benchCpu.system) / 1000),
      rss_idle_mib: idle,
      rss_peak_mib: peak,
    }),
  );
} finally {
  clearInterval(sampler);
  await Promise.all(workers.map((w) => w.close()));
  for (const c of clients) c.close();
  await cluster.close();
}
