// Engine benchmark: the comparison workloads with no-op agents, durable (SQLite journal on disk, WAL)
// and in memory (the same engine over an in-memory SQLite store). One JSON object per line.
// W2 a chain of 1,000 tasks; W3 1 -> 1,000 parallel -> 1 join; W4 1,000 concurrent runs of a 10-task
// chain; W5 a layered DAG of 1,000 tasks (width 10, each task depending on 2 of the previous layer).
// Env: BENCH_ONLY=W4 (workloads whose name starts so), BENCH_MODES=durable,memory, BENCH_RUNS=5.
// `-- --store postgres://USER@HOST:PORT/DB` adds mode `postgres` (each sample in a fresh schema, dropped
// after) and the floor of that server measured in the same run: 1,000 sequential single-row autocommit
// INSERTs on one connection (`floor_1000_inserts`, one before each W2 sample); W2's line then carries
// `vs_floor` (the median of W2 / floor over the pairs). `--bus redis://HOST:PORT` puts that mode's engine on
// a Redis bus (a key prefix per sample, its keys deleted after it) instead of the in-process one.
// BENCH_TELEMETRY=1 measures the cost of telemetry: each sample is taken twice, interleaved, with
// OpenTelemetry off and on (spans exported over OTLP/HTTP to a loopback sink, metrics recorded and
// collected once per sample, the export and the collection counted in the sample); each line carries
// `telemetry: off|on`, and a `telemetry_overhead` line the medians of the pairs' on/off ratios.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openApp } from '../src/app.js';
import { inProcessAdapter } from '../src/agents/in-process.js';
import type { WorkflowSpec } from '../src/spec/schema.js';
import { peakRssMb } from './lib.js';
import { dropBenchSchema, insertFloorMs, withSchema } from './pg-floor.js';
import { chain, fanOut, layered, wf } from './workloads.js';
import { telemetryBench, type TelemetryBench } from './telemetry-sink.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const WORKLOADS: Array<{ workload: string; spec: WorkflowSpec; runs: number }> = [
  { workload: 'W2_chain_1000', spec: wf('w2', chain(1000)), runs: 1 },
  { workload: 'W3_fanout_1000', spec: wf('w3', fanOut(1000)), runs: 1 },
  { workload: 'W4_1000_runs_x_chain_10', spec: wf('w4', chain(10)), runs: 1000 },
  { workload: 'W5_layered_1000_w10', spec: wf('w5', layered(1000, 10)), runs: 1 },
];

type Mode = 'durable' | 'memory' | 'postgres';

const storeAt = process.argv.indexOf('--store');
const pgUrl = storeAt >= 0 ? process.argv[storeAt + 1] : undefined;
if (storeAt >= 0 && !/^postgres(ql)?:\/\//.test(pgUrl ?? ''))
  throw new Error(`--store needs a postgres://USER@HOST:PORT/DB URL, got ${pgUrl ?? 'nothing'}`);
const busAt = process.argv.indexOf('--bus');
const redisUrl = busAt >= 0 ? process.argv[busAt + 1] : undefined;
if (busAt >= 0 && !/^redis:\/\//.test(redisUrl ?? ''))
  throw new Error(`--bus needs a redis://HOST:PORT URL, got ${redisUrl ?? 'nothing'}`);

const telemetry: TelemetryBench | undefined =
  process.env.BENCH_TELEMETRY === '1' ? await telemetryBench() : undefined;
const VARIANTS: Array<'off' | 'on' | undefined> = telemetry ? ['off', 'on'] : [undefined];

async function once(
  spec: WorkflowSpec,
  runs: number,
  mode: Mode,
  variant?: 'off' | 'on',
): Promise<{ ms: number; cpuMs: number; entries: number; commits: number }> {
  telemetry?.set(variant === 'on');
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  const pg = mode === 'postgres' ? withSchema(pgUrl!) : undefined;
  const app = await openApp({
    dataDir: mode === 'memory' ? ':memory:' : dir,
    ...(pg === undefined ? {} : { store: pg.url }),
    ...(pg === undefined || redisUrl === undefined
      ? {}
      : { bus: `${redisUrl}${redisUrl.includes('?') ? '&' : '?'}prefix=${pg.schema}` }),
    adapterFor: () => inProcessAdapter(() => null),
    snapshotEvery: 1_000_000,
  });
  try {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const actors = await Promise.all(Array.from({ length: runs }, () => app.engine.start(spec, {})));
    const finals = await Promise.all(actors.map((a) => app.engine.settled(a.runId)));
    if (variant === 'on') await telemetry!.settle();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (finals.some((s) => s.status !== 'completed')) throw new Error(`a ${spec.name} run did not complete`);
    return { ms, cpuMs, entries: finals.reduce((n, s) => n + s.lastSeq, 0), commits: app.engine.commits };
  } finally {
    await app.close();
    if (pg !== undefined) await dropBenchSchema(pgUrl!, pg.schema);
    if (pg !== undefined && redisUrl !== undefined) await dropRedisPrefix(redisUrl, pg.schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deletes the keys of one sample's bus (`<prefix>:*`). */
async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url.replace(/\?.*$/, ''));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

const only = process.env.BENCH_ONLY; // e.g. BENCH_ONLY=W4 to profile one workload
const modes = (process.env.BENCH_MODES ?? (pgUrl ? 'durable,postgres' : 'durable,memory')).split(
  ',',
) as Mode[];
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The server's floor, what W2 (one commit per task) is compared with: measured right before each W2
 * sample on PostgreSQL, so each pair shares the machine's weather; `vs_floor` is the median of the pairs'
 * ratios.
 */
const floorSamples: number[] = [];
const ratios: number[] = [];

for (const { workload, spec, runs } of WORKLOADS.filter((w) => !only || w.workload.startsWith(only))) {
  for (const mode of modes) {
    for (const v of VARIANTS) await once(spec, runs, mode, v); // warm-up: JIT and module loading
    const by = new Map(VARIANTS.map((v) => [v, { ms: [] as number[], cpu: [] as number[] }]));
    const pairs = { ms: [] as number[], cpu: [] as number[] };
    let last = { entries: 0, commits: 0 };
    const paired = mode === 'postgres' && workload.startsWith('W2');
    if (paired) await insertFloorMs(pgUrl!, 1000); // warm-up
    for (let i = 0; i < RUNS; i++) {
      const floor = paired ? await insertFloorMs(pgUrl!, 1000) : undefined;
      // Telemetry off and on alternate which goes first, so neither always follows the other's garbage.
      const order = i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const got = new Map<string | undefined, { ms: number; cpuMs: number }>();
      for (const v of order) {
        const r = await once(spec, runs, mode, v);
        got.set(v, r);
        by.get(v)!.ms.push(r.ms);
        by.get(v)!.cpu.push(r.cpuMs);
        last = r;
        if (floor !== undefined && v !== 'on') {
          floorSamples.push(floor);
          ratios.push(r.ms / floor);
        }
      }
      if (telemetry) {
        pairs.ms.push(got.get('on')!.ms / got.get('off')!.ms);
        pairs.cpu.push(got.get('on')!.cpuMs / got.get('off')!.cpuMs);
      }
    }
    for (const [variant, { ms: samples, cpu: cpuSamples }] of by) {
      samples.sort((a, b) => a - b);
      cpuSamples.sort((a, b) => a - b);
      const mid = <T>(xs: T[]) => xs[Math.floor(xs.length / 2)]!;
      let vsFloor = {};
      if (paired && variant !== 'on') {
        floorSamples.sort((a, b) => a - b);
        ratios.sort((a, b) => a - b);
        console.log(
          JSON.stringify({
            bench: 'engine',
            workload: 'floor_1000_inserts',
            mode: 'postgres',
            runs: RUNS,
            min_ms: round(floorSamples[0]!),
            median_ms: round(mid(floorSamples)),
          }),
        );
        vsFloor = {
          vs_floor: round(mid(ratios)),
          vs_floor_of_minimums: round(samples[0]! / floorSamples[0]!),
        };
      }
      console.log(
        JSON.stringify({
          bench: 'engine',
          workload,
          mode,
          tasks: spec.tasks.length * runs,
          runs: RUNS,
          min_ms: round(samples[0]!),
          median_ms: round(samples[Math.floor(samples.length / 2)]!),
          // CPU time of this process (all threads, user + system): steadier than wall time on a busy machine.
          cpu_min_ms: round(cpuSamples[0]!),
          cpu_median_ms: round(cpuSamples[Math.floor(cpuSamples.length / 2)]!),
          journal_entries: last.entries,
          commits: last.commits,
          peak_rss_mb: peakRssMb(),
          ...(variant === undefined ? {} : { telemetry: variant }),
          ...vsFloor,
        }),
      );
    }
    if (telemetry) {
      pairs.ms.sort((a, b) => a - b);
      pairs.cpu.sort((a, b) => a - b);
      const mid = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
      console.log(
        JSON.stringify({
          bench: 'engine',
          workload: 'telemetry_overhead',
          of: workload,
          mode,
          runs: RUNS,
          // on / off of each interleaved pair, median over the pairs
          wall_ratio_median: round(mid(pairs.ms)),
          cpu_ratio_median: round(mid(pairs.cpu)),
          otlp_requests: telemetry.received.requests,
          otlp_bytes: telemetry.received.bytes,
        }),
      );
    }
  }
}
await telemetry?.close();
