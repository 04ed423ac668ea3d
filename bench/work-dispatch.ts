// Task dispatch round trip through AgentService.Work over loopback gRPC: from the engine's invoke()
// on the worker hub, through the assignment on the stream, to the worker's result settling the
// attempt. Workers are real gRPC clients in this process that answer at once. One JSON line per case:
// 1 worker (one attempt at a time) and 100 workers (100 attempts in flight, one per worker).

import { credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { taskMessage } from '../src/agents/a2a-parts.js';
import { WorkerHub } from '../src/agents/worker-hub.js';
import { AgentServiceClient, WorkRequest, type WorkResponse } from '../src/api/gen/baton/v1/agent.js';
import { createServer, listen, shutdown } from '../src/api/server.js';
import { peakRssMb } from './lib.js';

const ROUND_TRIPS = Number(process.env.BENCH_DISPATCHES ?? 5000);
const WARMUP = 500;

interface Worker {
  readonly stream: ClientDuplexStream<WorkRequest, WorkResponse>;
  readonly client: AgentServiceClient;
}

/** A worker that completes each assignment as soon as it arrives, echoing the input. */
async function connectWorker(address: string, id: string): Promise<Worker> {
  const client = new AgentServiceClient(address, credentials.createInsecure());
  const stream = client.work();
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (msg: WorkResponse) => {
      if (msg.welcome) resolve();
      if (msg.assignment) {
        const data = msg.assignment.message?.parts[0]?.data ?? {};
        stream.write(WorkRequest.fromPartial({ result: { leaseId: msg.assignment.leaseId, outputs: data } }));
      }
    });
    stream.write(WorkRequest.fromPartial({ hello: { workerId: id, agentIds: ['bench'], capacity: 1 } }));
  });
  return { stream, client };
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (n: number) => Math.round(n * 1000) / 1000;

async function measure(hub: WorkerHub, inFlight: number, total: number): Promise<number[]> {
  const adapter = hub.adapter('bench');
  const latencies: number[] = [];
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const key = `bench/${i}`;
      const started = performance.now();
      const outcome = await adapter.invoke(
        {
          runId: 'bench',
          taskId: 't',
          instanceKey: `t[${i}]`,
          attempt: 1,
          idempotencyKey: key,
          deadline: undefined,
          message: taskMessage({ runId: 'bench', idempotencyKey: key, input: { i } }),
        },
        new AbortController().signal, // one per attempt, as the engine gives
      );
      latencies.push(performance.now() - started);
      if (!('output' in outcome))
        throw new Error(`dispatch ${i} did not complete: ${JSON.stringify(outcome)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, one));
  return latencies;
}

async function run(workers: number): Promise<void> {
  const hub = new WorkerHub({ leaseMs: 30_000 });
  const api = createServer({ workers: hub });
  const address = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  const connected = await Promise.all(
    Array.from({ length: workers }, (_, i) => connectWorker(address, `w${i}`)),
  );
  await measure(hub, workers, WARMUP);
  const started = performance.now();
  const latencies = await measure(hub, workers, ROUND_TRIPS);
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'work-dispatch',
      workers,
      in_flight: workers,
      dispatches: ROUND_TRIPS,
      mean_ms: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      p50_ms: round(percentile(latencies, 0.5)),
      p90_ms: round(percentile(latencies, 0.9)),
      p99_ms: round(percentile(latencies, 0.99)),
      max_ms: round(latencies.at(-1)!),
      per_second: Math.round(ROUND_TRIPS / (elapsed / 1000)),
      peak_rss_mb: peakRssMb(),
    }),
  );
  hub.close();
  for (const w of connected) w.client.close();
  await shutdown(api, 1000);
}

await run(1);
await run(100);
