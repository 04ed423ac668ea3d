// The cost of an A2A hop: one task attempt on a remote A2A agent (an @a2a-js/sdk server in another
// process on loopback, answering at once) against the same attempt on an in-process agent. One JSON line
// per case: `call` is one adapter invoke (p50/p99/mean per task), non-streaming (SendMessage, then GetTask
// polling) and streaming (SendStreamingMessage); `chain` is a 200-task chain run through the durable
// engine (mean per task, engine and journal included). Two baseline lines time the bare @a2a-js/sdk client
// on the same agents (one blocking SendMessage; one SendStreamingMessage read to its end): the protocol's
// own cost on this machine, measured in the same window.
// Env: BENCH_CALLS=1000 (calls per case), BENCH_CHAIN=200 (tasks in the chain).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApp } from '../src/app.js';
import { ClientFactory } from '@a2a-js/sdk/client';
import { TaskInvocation, taskMessage } from '../src/agents/a2a-parts.js';
import type { AgentAdapter } from '../src/agents/adapter.js';
import { a2aAdapter, A2AConnections } from '../src/agents/a2a/index.js';
import { inProcessAdapter } from '../src/agents/in-process.js';
import { Workflow } from '../src/spec/schema.js';
import { peakRssMb } from './lib.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const CHAIN = Number(process.env.BENCH_CHAIN ?? 200);
const WARMUP = 100;
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

/** The A2A test agents in a child process: `stream` streams, `poll` does not; both answer at once. */
async function startAgents(): Promise<{ base: string; stop: () => void }> {
  const config = {
    agents: [
      { name: 'stream', mode: 'echo', steps: 0 },
      { name: 'poll', mode: 'echo', steps: 0, streaming: false },
    ],
  };
  const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/a2a/agent.js'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /A2A_READY (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`the A2A agents exited (${code})`)));
  });
  return { base, stop: () => child.kill() };
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (n: number) => Math.round(n * 1000) / 1000;

async function calls(adapter: AgentAdapter, n: number): Promise<number[]> {
  const ms: number[] = [];
  const signal = new AbortController().signal;
  for (let i = 0; i < n; i++) {
    const inv = new TaskInvocation(
      'bench',
      't',
      `t[${i}]`,
      1,
      `bench/${i}/${Math.random()}`,
      undefined,
      { i },
      undefined,
      undefined,
    );
    const start = performance.now();
    const outcome = await adapter.invoke(inv, signal);
    ms.push(performance.now() - start);
    if (!('output' in outcome)) throw new Error(`call ${i} did not complete: ${JSON.stringify(outcome)}`);
  }
  return ms;
}

/** The bare SDK client: `sdk-send` one blocking SendMessage, `sdk-stream` one stream read to its end. */
async function sdkCalls(base: string, kind: 'sdk-send' | 'sdk-stream', n: number): Promise<number[]> {
  const client = await new ClientFactory().createFromUrl(
    `${base}/${kind === 'sdk-send' ? 'poll' : 'stream'}/`,
  );
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const message = taskMessage({
      runId: 'bench',
      idempotencyKey: `sdk/${i}/${Math.random()}`,
      input: { i },
    });
    const request = { tenant: '', message, configuration: undefined, metadata: undefined };
    const start = performance.now();
    if (kind === 'sdk-send') await client.sendMessage(request);
    else for await (const _ of client.sendMessageStream(request)) void _;
    ms.push(performance.now() - start);
  }
  return ms;
}

const summary = (ms: number[]) => {
  const sorted = ms.sort((a, b) => a - b);
  return {
    call_p50_ms: round(percentile(sorted, 0.5)),
    call_p99_ms: round(percentile(sorted, 0.99)),
    call_mean_ms: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  };
};

async function chainPerTask(
  endpoint: Record<string, unknown>,
  limits: { pollMinMs: number },
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-a2a-'));
  const app = await openApp({
    dataDir: dir,
    adapterFor: () => inProcessAdapter(({ input }) => input),
    a2a: { limits },
    snapshotEvery: 1_000_000,
  });
  try {
    const tasks = Array.from({ length: CHAIN }, (_, i) => ({
      id: `t${i}`,
      agent: 'a',
      ...(i === 0 ? {} : { depends_on: [`t${i - 1}`] }),
    }));
    const spec = Workflow.parse({
      name: 'hop',
      version: '1',
      agents: { a: { type: 't', ...endpoint } },
      tasks,
    });
    const start = performance.now();
    const actor = await app.engine.start(spec, {});
    const final = await app.engine.settled(actor.runId);
    if (final.status !== 'completed')
      throw new Error(`the chain ${final.status}: ${JSON.stringify(final.error)}`);
    return (performance.now() - start) / CHAIN;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const agents = await startAgents();
try {
  const connections = new A2AConnections();
  const cases: Array<{ mode: string; adapter: AgentAdapter; endpoint: Record<string, unknown> }> = [
    { mode: 'in-process', adapter: inProcessAdapter(({ input }) => input), endpoint: {} },
    {
      mode: 'a2a-non-streaming',
      adapter: a2aAdapter('poll', { a2a: `${agents.base}/poll` }, connections),
      endpoint: { endpoint: { a2a: `${agents.base}/poll` } },
    },
    {
      mode: 'a2a-streaming',
      adapter: a2aAdapter('stream', { a2a: `${agents.base}/stream` }, connections),
      endpoint: { endpoint: { a2a: `${agents.base}/stream` } },
    },
  ];
  for (const kind of ['sdk-send', 'sdk-stream'] as const) {
    await sdkCalls(agents.base, kind, WARMUP);
    const ms = await sdkCalls(agents.base, kind, CALLS);
    console.log(JSON.stringify({ bench: 'a2a-hop', mode: `baseline-${kind}`, calls: CALLS, ...summary(ms) }));
  }
  for (const c of cases) {
    await calls(c.adapter, WARMUP);
    const ms = await calls(c.adapter, CALLS);
    await chainPerTask(c.endpoint, { pollMinMs: 10 }); // warm-up
    const perTask = await chainPerTask(c.endpoint, { pollMinMs: 10 });
    console.log(
      JSON.stringify({
        bench: 'a2a-hop',
        mode: c.mode,
        calls: CALLS,
        ...summary(ms),
        chain_tasks: CHAIN,
        chain_ms_per_task: round(perTask),
        peak_rss_mb: peakRssMb(),
      }),
    );
  }
} finally {
  agents.stop();
}
