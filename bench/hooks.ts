// What a hook costs: the time one allow-all hook of each kind adds where it runs (a blocking pre_task
// hook is asked once per task attempt), p50/p99 over many calls, against a floor measured in the same
// run (an in-process runner that allows at once: what the hook machinery costs with no hook work); and
// async hook throughput through the bus (Redis Streams consumer group, two consumers, each execution
// logged in a SQLite store), beside the memory bus. Prints JSON lines.
//   npm run build && npm run bench:hooks      (BENCH_CALLS, BENCH_ASYNC; needs dist/plugins: build:plugins)
// Redis: a redis-server of its own (default), or BATON_BENCH_REDIS=redis://HOST:PORT.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Bus } from '../src/bus/bus.js';
import { parseBusUrl } from '../src/bus/bus-url.js';
import { openMemoryBus } from '../src/bus/memory/memory-bus.js';
import { openRedisBus } from '../src/bus/redis/redis-bus.js';
import { ExecHookRunner } from '../src/hooks/hook-exec.js';
import { HttpHookRunner } from '../src/hooks/hook-http.js';
import { StoreHookLog } from '../src/hooks/hook-log.js';
import {
  hookConfig,
  type HookConfig,
  type HookInvocation,
  type HookRunner,
} from '../src/hooks/hook-model.js';
import { BusHookQueue, HookQueueConsumer, runWithTimeout } from '../src/hooks/hook-queue.js';
import { WasmHookRunner } from '../src/hooks/hook-wasm.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { InThreadRunner, loadPlugin } from '../src/wasm/index.js';
import { startBenchRedis } from './redis-server.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const ASYNC = Number(process.env.BENCH_ASYNC ?? 2000);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const round = (n: number) => Math.round(n * 1000) / 1000;
const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

function pct(ms: number[]): { p50: number; p99: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

const inv = (n: number): HookInvocation => ({
  trigger: 'post_task',
  namespace: 'bench',
  runId: 'bench-run',
  workflow: 'bench',
  task: `t${n}`,
  agent: 'a',
  attempt: 1,
  context: { task: `t${n}`, output: { ok: true } },
  idempotencyKey: `bench-run/post_task/t${n}@1/h`,
});

/** Allows at once, in process: the floor every kind is compared with. */
const floorRunner: HookRunner = { kind: 'exec', run: () => Promise.resolve({ verdict: 'allow' }) };

async function time(runner: HookRunner, hook: HookConfig, calls: number): Promise<number[]> {
  const signal = new AbortController().signal;
  for (let i = 0; i < Math.min(20, calls); i++) await runWithTimeout(runner, hook, inv(i), signal); // warm-up
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const r = await runWithTimeout(runner, hook, inv(i), signal);
    out.push(performance.now() - t0);
    if (r.verdict !== 'allow' || r.error !== undefined) throw new Error(`${hook.name}: ${JSON.stringify(r)}`);
  }
  return out;
}

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const hook = (name: string, command: string, args: string[] = []) =>
  hookConfig({ name, trigger: 'post_task', command, args, timeout_ms: 10_000 }, 'global');

// ── Blocking hooks: latency per call ─────────────────────────────────────────────────────────────
const floor = pct(await time(floorRunner, hook('floor', 'none'), CALLS));
print({ bench: 'hook-call', kind: 'floor (in-process allow)', calls: CALLS, ...floor });
const assign = join(ROOT, 'dist/plugins/assign/manifest.json');
const plugin = await loadPlugin(assign, { runner: new InThreadRunner() });
const kinds: [string, HookRunner, HookConfig, number][] = [
  [
    'wasm (assign@1.0.0 off pre_task: continue)',
    new WasmHookRunner(() => Promise.resolve(plugin)),
    hook('wasm', 'assign@1.0.0'),
    CALLS,
  ],
  ['http (204 from a loopback server)', new HttpHookRunner(), hook('http', url), CALLS],
  // A process per call: fewer calls keep the run short.
  ['exec (/bin/true)', new ExecHookRunner(), hook('exec', '/bin/true'), Math.max(20, Math.floor(CALLS / 5))],
];
for (const [kind, runner, h, calls] of kinds) {
  const p = pct(await time(runner, h, calls));
  print({
    bench: 'hook-call',
    kind,
    calls,
    ...p,
    p50OverFloorMs: round(p.p50 - floor.p50),
    p99OverFloorMs: round(p.p99 - floor.p99),
  });
}

// ── Async hooks: throughput through the bus ──────────────────────────────────────────────────────
const own = process.env.BATON_BENCH_REDIS === undefined ? await startBenchRedis() : undefined;
const target = parseBusUrl(process.env.BATON_BENCH_REDIS ?? `redis://127.0.0.1:${own!.port}`);
if (target.kind !== 'redis') throw new Error('BATON_BENCH_REDIS must be a redis:// URL');
const prefix = `baton-bench-hooks-${randomUUID()}`;

async function throughput(name: string, open: () => Promise<Bus>, shared: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-hooks-'));
  const store = await openSqliteStore({ dataDir: dir });
  const a = await open();
  const b = shared ? await open() : a;
  const runners = [new HttpHookRunner()];
  const logs = new StoreHookLog(store);
  const consumers = [
    new HookQueueConsumer({ bus: a, namespace: 'bench', consumer: 'a', runners, logs }),
    ...(shared ? [new HookQueueConsumer({ bus: b, namespace: 'bench', consumer: 'b', runners, logs })] : []),
  ];
  await Promise.all(consumers.map((c) => c.start()));
  const queue = new BusHookQueue(a);
  const h = hookConfig({ name: 'notify', trigger: 'notification', command: url }, 'global');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ASYNC; i++) await queue.enqueue(h, { ...inv(i), trigger: 'notification' });
  const enqueued = performance.now() - t0;
  while (consumers.reduce((n, c) => n + c.ran, 0) < ASYNC) await new Promise((r) => setTimeout(r, 5));
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  print({
    bench: 'async-hooks',
    bus: name,
    consumers: consumers.length,
    hooks: ASYNC,
    enqueuePerSec: Math.round(ASYNC / (enqueued / 1000)),
    runAndLoggedPerSec: Math.round(ASYNC / (total / 1000)),
    clientCpuUsPerHook: round((cpu.user + cpu.system) / ASYNC),
    split: consumers.map((c) => c.ran),
  });
  await Promise.all(consumers.map((c) => c.close()));
  await a.close();
  if (shared) await b.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}

await throughput('memory', () => Promise.resolve(openMemoryBus()), false);
await throughput('redis', () => openRedisBus({ ...target, prefix }), true);
await own?.stop();
server.close();
