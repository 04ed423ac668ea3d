// Worker round trip inside runs, three ways: a chain of tasks on a queue agent, each served by a gRPC
// worker that answers at once, timed from the journal (TaskDispatched.at to TaskCompleted.at, both
// stamped by the owning engine, so the figure includes the commit before the dispatch, the bus, the
// claim, the worker and the result's way back). `direct`: the hub in the owner's process, no bus
// (one process as before); `bus-local`: through the bus, worker on the owner's instance; `bus-remote`:
// worker on another instance (one data directory, one memory bus), results through the run's inbox
// and a wake-up. One JSON line per case. `npm run build && node dist/bench/work-chain.js`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { RemoteWorkers } from '../src/agents/workers.js';
import { AgentServiceClient, WorkRequest, type WorkResponse } from '../src/api/gen/baton/v1/agent.js';
import { createServer, listen } from '../src/api/server.js';
import { openApp, type App } from '../src/app.js';
import type { Bus } from '../src/bus/bus.js';
import { openMemoryBus } from '../src/bus/memory/memory-bus.js';
import { Workflow } from '../src/spec/schema.js';

const TASKS = Number(process.env.BENCH_CHAIN ?? 300);

interface Instance {
  readonly app: App;
  readonly workers: RemoteWorkers;
  readonly address: string;
  close(): Promise<void>;
}

async function instance(dataDir: string, bus: Bus | undefined, attach: boolean): Promise<Instance> {
  const workers = new RemoteWorkers({ leaseMs: 30_000 });
  const app = await openApp({
    dataDir,
    ...(bus ? { bus } : {}),
    onTurn: (actor, entries) => workers.onTurn(actor, entries),
    adapterFor: workers.adapterFor(),
    takeResult: workers.takeResult,
  });
  if (attach)
    await workers.attach({
      bus: app.bus,
      store: app.store,
      namespace: app.engine.namespace,
      instance: app.engine.owner,
      wake: () => void app.engine.pollInboxes(),
      deliver: (messages) => app.engine.deliverInbox(messages),
    });
  const api = createServer({ workers });
  const address = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  return {
    app,
    workers,
    address,
    async close() {
      api.server.forceShutdown();
      await workers.close();
      await app.close();
    },
  };
}

/** A raw worker that completes each assignment at once; resolves when welcomed. */
async function answering(address: string): Promise<() => void> {
  const client = new AgentServiceClient(address, credentials.createInsecure());
  const stream = client.work();
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (msg: WorkResponse) => {
      if (msg.welcome) resolve();
      const a = msg.assignment;
      if (a) stream.write(WorkRequest.fromPartial({ result: { leaseId: a.leaseId, outputs: { ok: true } } }));
    });
    stream.write(WorkRequest.fromPartial({ hello: { workerId: 'bench', agentIds: ['chain'], capacity: 1 } }));
  });
  return () => {
    stream.cancel();
    client.close();
  };
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function run(mode: 'direct' | 'bus-local' | 'bus-remote'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-chain-'));
  const bus = mode === 'bus-remote' ? openMemoryBus() : undefined;
  const owner = await instance(join(dir, 'data'), bus, mode !== 'direct');
  const other = mode === 'bus-remote' ? await instance(join(dir, 'data'), bus, true) : undefined;
  const stop = await answering((other ?? owner).address);
  await new Promise((r) => setTimeout(r, 200)); // the roster and the route subscription settle
  const spec = Workflow.parse({
    name: 'chain',
    version: '1',
    agents: { c: { type: 'tool', endpoint: { queue: 'chain' } } },
    tasks: Array.from({ length: TASKS }, (_, i) => ({
      id: `t${i}`,
      agent: 'c',
      ...(i === 0 ? {} : { depends_on: [`t${i - 1}`] }),
    })),
  });
  const started = performance.now();
  const run = await owner.app.engine.start(spec, {});
  await owner.app.engine.settled(run.runId);
  const wall = performance.now() - started;
  const records = await owner.app.store.read(owner.app.engine.namespace, run.runId);
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  for (const r of records) {
    const d = r.data as { key: string };
    if (r.type === 'TaskDispatched') sent.set(d.key, r.at);
    if (r.type === 'TaskCompleted') latencies.push(r.at - sent.get(d.key)!);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'work-chain',
      mode,
      tasks: TASKS,
      per_task_wall_ms: Math.round((wall / TASKS) * 1000) / 1000,
      dispatch_to_result_p50_ms: percentile(latencies, 0.5),
      dispatch_to_result_p99_ms: percentile(latencies, 0.99),
    }),
  );
  stop();
  await other?.close();
  await owner.close();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
}

await run('direct');
await run('bus-local');
await run('bus-remote');
