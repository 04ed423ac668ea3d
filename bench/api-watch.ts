// Watch fan-out over gRPC: SUBSCRIBERS clients (each its own channel) watch one run of a TASKS-task
// chain on a real `baton serve`. Prints one JSON line: per-event delivery latency (journal entry
// time -> received by a subscriber) p50/p99 over every subscriber, and the time from StartRun until
// every subscriber has seen the run's final event.

import { createClient, type BatonClient } from '../sdk/src/index.js';
import { chainWorkflow, quantile, startBenchServer } from './api-server.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100);
const TASKS = Number(process.env.BENCH_TASKS ?? 50);
/** Each task takes this long, so events arrive spread over time rather than as one backlog. */
const AGENT_MS = Number(process.env.BENCH_AGENT_MS ?? 10);
/** The first task waits this long: every subscriber is connected before the measured events. */
const GATE_MS = 1000;

const server = await startBenchServer({
  BENCH_AGENT_DELAY_MS: String(AGENT_MS),
  BENCH_DELAY_t0: String(GATE_MS),
});
const clients: BatonClient[] = Array.from({ length: SUBSCRIBERS }, () =>
  createClient({ address: server.address }),
);
try {
  const source = chainWorkflow('watch-fanout', TASKS, server.agentModule);
  const started = performance.now();
  const run = await clients[0]!.runs.start({ workflowSource: source });
  let connected = 0;
  let allConnectedAt = Infinity;
  const latencies: number[] = [];
  let backlog = 0;
  const watchers = clients.map(async (client) => {
    let first = true;
    let events = 0;
    for await (const event of client.runs.watch(run.runId)) {
      const now = Date.now();
      events++;
      if (first) {
        first = false;
        if (++connected === SUBSCRIBERS) allConnectedAt = now;
      }
      // Entries written before every subscriber was connected arrive as a backlog, not live.
      if (event.at && event.at.getTime() > allConnectedAt) latencies.push(now - event.at.getTime());
      else backlog++;
    }
    return events;
  });
  const counts = await Promise.all(watchers);
  const totalMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'api-watch',
      subscribers: SUBSCRIBERS,
      tasks: TASKS,
      agent_ms: AGENT_MS,
      events_per_subscriber: counts[0],
      all_saw_same_count: counts.every((c) => c === counts[0]),
      live_deliveries: latencies.length,
      backlog_deliveries: backlog,
      latency_p50_ms: quantile(latencies, 0.5),
      latency_p99_ms: quantile(latencies, 0.99),
      latency_max_ms: quantile(latencies, 1),
      total_ms_until_all_saw_end: Math.round(totalMs),
      gate_ms: GATE_MS,
    }),
  );
} finally {
  for (const c of clients) c.close();
  await server.stop();
}
