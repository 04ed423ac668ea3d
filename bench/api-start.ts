// StartRun throughput over gRPC: RUNS StartRun calls of a one-task workflow (its YAML source sent and
// checked each time) from CONCURRENCY callers on one channel, against a real `baton serve`. Prints one
// JSON line: runs/s and per-call latency p50/p99; then waits for every run to finish, and reports that.

import { createClient, RunStatus } from '../sdk/src/index.js';
import { chainWorkflow, quantile, startBenchServer } from './api-server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 50;

const server = await startBenchServer();
const client = createClient({ address: server.address, deadlineMs: 60_000 });
try {
  const source = chainWorkflow('start-throughput', 1, server.agentModule);
  const startMany = async (count: number, prefix: string) => {
    const latencies: number[] = [];
    const ids: string[] = [];
    let next = 0;
    const caller = async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const run = await client.runs.start({ workflowSource: source, requestId: `${prefix}-${i}` });
        latencies.push(performance.now() - t0);
        ids.push(run.runId);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, caller));
    return { ms: performance.now() - t0, latencies: latencies.sort((a, b) => a - b), ids };
  };
  await startMany(WARMUP, 'warmup'); // JIT, SQLite pages, the channel
  const { ms, latencies, ids } = await startMany(RUNS, 'run');
  // Every started run must really run: wait for the last ones to complete.
  let unfinished = ids;
  const settleStart = performance.now();
  while (unfinished.length > 0) {
    const runs = await Promise.all(unfinished.map((id) => client.runs.get(id)));
    const failed = runs.filter((r) => r.status === RunStatus.RUN_STATUS_FAILED);
    if (failed.length > 0) throw new Error(`run ${failed[0]!.runId} failed: ${failed[0]!.failureMessage}`);
    unfinished = runs.filter((r) => r.status !== RunStatus.RUN_STATUS_COMPLETED).map((r) => r.runId);
    if (unfinished.length > 0) await new Promise((r) => setTimeout(r, 50));
  }
  console.log(
    JSON.stringify({
      bench: 'api-start',
      runs: RUNS,
      concurrency: CONCURRENCY,
      runs_per_s: Math.round((RUNS / ms) * 1000 * 10) / 10,
      latency_p50_ms: quantile(latencies, 0.5),
      latency_p99_ms: quantile(latencies, 0.99),
      total_ms: Math.round(ms),
      all_completed_ms_after_last_start: Math.round(performance.now() - settleStart),
    }),
  );
} finally {
  client.close();
  await server.stop();
}
