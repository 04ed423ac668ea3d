// A served workflow's A2A round trip: `baton serve --http` in a child process serves a registered 3-task
// chain (in-process module agents); callers send SendMessage (blocking: the answer is the completed
// task) with the @a2a-js/sdk client over JSON-RPC, at 1 and at 50 concurrent callers. The baseline, in
// the same window on the same server: the same workflow started through Baton's own gRPC API
// (RunService.StartRun by workflow id, then WatchRun to the run's end). One JSON line per case with
// p50/p99/mean per call and calls per second, and the ratio to the baseline at the same concurrency.
// Env: BENCH_CALLS=300 (calls per case at concurrency 1; 4x that at 50).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { Role, TaskState, type Task } from '@a2a-js/sdk';
import { ClientFactory, type Client } from '@a2a-js/sdk/client';
import { RunServiceClient } from '../src/api/gen/baton/v1/run.js';
import { WorkflowServiceClient } from '../src/api/gen/baton/v1/workflow.js';
import { peakRssMb } from './lib.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

const TRIO = `workflow:
  name: trio
  version: "1"
  inputs:
    topic: { type: string, required: true }
  agents:
    a: { type: t, endpoint: { module: ./step.mjs } }
  tasks:
    - { id: one, agent: a, input: { topic: "input.topic" } }
    - { id: two, agent: a, depends_on: [one], input: { prev: "tasks.one.output" } }
    - { id: three, agent: a, depends_on: [two], input: { prev: "tasks.two.output" } }
`;

async function startServer(dir: string): Promise<{ grpc: string; http: string; stop: () => Promise<void> }> {
  const agents = join(dir, 'agents');
  mkdirSync(agents);
  writeFileSync(
    join(agents, 'step.mjs'),
    'export default async ({ taskId, input }) => ({ task: taskId, got: input });\n',
  );
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/baton.js'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--data-dir',
      join(dir, 'data'),
      '--agents-dir',
      agents,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const addresses: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const a = /on (\S+:\d+)$/.exec(line)?.[1];
      if (a !== undefined) addresses.push(a);
      if (addresses.length === 2) resolve();
    });
    child.once('exit', (code) => reject(new Error(`baton serve exited (${code})`)));
  });
  return {
    grpc: addresses[0]!,
    http: `http://${addresses[1]!}`,
    stop: async () => {
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    },
  };
}

type Call = (i: number) => Promise<void>;

/** `calls` calls over `concurrency` callers; the latency of each, and the wall time of all. */
async function drive(
  call: Call,
  calls: number,
  concurrency: number,
): Promise<{ ms: number[]; wallMs: number }> {
  const ms: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const t = performance.now();
        await call(i);
        ms.push(performance.now() - t);
      }
    }),
  );
  return { ms, wallMs: performance.now() - start };
}

const round = (n: number) => Math.round(n * 100) / 100;
function summary({ ms, wallMs }: { ms: number[]; wallMs: number }) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    calls: ms.length,
    p50_ms: round(at(0.5)),
    p99_ms: round(at(0.99)),
    mean_ms: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    calls_per_s: round((ms.length / wallMs) * 1000),
  };
}

function a2aCall(client: Client): Call {
  return async (i) => {
    const result = await client.sendMessage({
      tenant: '',
      message: {
        messageId: randomUUID(),
        contextId: '',
        taskId: '',
        role: Role.ROLE_USER,
        parts: [
          {
            content: { $case: 'data', value: { topic: `t${i}` } },
            metadata: undefined,
            filename: '',
            mediaType: 'application/json',
          },
        ],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: undefined,
      metadata: undefined,
    });
    if ((result as Task).status?.state !== TaskState.TASK_STATE_COMPLETED)
      throw new Error(`call ${i} did not complete: ${JSON.stringify(result)}`);
  };
}

/** The baseline: StartRun by workflow id, then WatchRun until the run's final entry. */
function grpcCall(runs: RunServiceClient): Call {
  return async (i) => {
    const runId = await new Promise<string>((resolve, reject) =>
      runs.startRun(
        {
          workflowId: 'trio',
          workflowVersion: '',
          workflowSource: '',
          inputData: { topic: `t${i}` },
          executionOptions: undefined,
          requestId: '',
        },
        (err, res) => (err ? reject(err) : resolve(res.run!.runId)),
      ),
    );
    const watch = runs.watchRun({ runId, afterCursor: '' });
    let last = '';
    for await (const r of watch as AsyncIterable<{ event?: { type: string } }>) last = r.event?.type ?? last;
    if (last !== 'RunCompleted') throw new Error(`run ${runId} ended with ${last}`);
  };
}

const dir = mkdtempSync(join(tmpdir(), 'baton-bench-a2a-served-'));
const server = await startServer(dir);
try {
  const workflows = new WorkflowServiceClient(server.grpc, credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    workflows.registerWorkflow({ source: TRIO }, (err) => (err ? reject(err) : resolve())),
  );
  workflows.close();
  const client = await new ClientFactory().createFromUrl(
    `${server.http}/a2a/trio/.well-known/agent-card.json`,
    '',
  );
  const runs = new RunServiceClient(server.grpc, credentials.createInsecure());
  const a2a = a2aCall(client);
  const grpc = grpcCall(runs);
  await drive(a2a, 50, 5); // warm-up: JIT, the workflow's check, connections
  await drive(grpc, 50, 5);
  for (const concurrency of [1, 50]) {
    const calls = concurrency === 1 ? CALLS : CALLS * 4;
    const base = summary(await drive(grpc, calls, concurrency));
    const served = summary(await drive(a2a, calls, concurrency));
    console.log(
      JSON.stringify({ bench: 'a2a-served', mode: 'baseline-grpc-start-watch', concurrency, ...base }),
    );
    console.log(
      JSON.stringify({
        bench: 'a2a-served',
        mode: 'a2a-jsonrpc-send-message',
        concurrency,
        ...served,
        p50_vs_baseline: round(served.p50_ms / base.p50_ms),
        p99_vs_baseline: round(served.p99_ms / base.p99_ms),
        peak_rss_mb_bench: peakRssMb(),
      }),
    );
  }
  runs.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
