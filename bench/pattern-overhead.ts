// Pattern plugin overhead: W2 (chain of 1,000) and W5 (layered DAG of 1,000) on the durable engine, run
// by the native graph and by a pattern plugin that judges every task and lets the graph go on
// (test/fixtures/plugins/counter: one pattern_step per task), in-thread (trusted) and sandboxed (worker
// pool). The difference is the price of a plugin's verdict per task. One JSON object per line.
// Env: BENCH_RUNS=5.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openApp } from '../src/app.js';
import { inProcessAdapter } from '../src/agents/in-process.js';
import { PatternPlugins } from '../src/runtime/pattern-plugins.js';
import type { WorkflowSpec } from '../src/spec/schema.js';
import { InThreadRunner, WorkerPool, type PluginRunner } from '../src/wasm/index.js';
import { peakRssMb } from './lib.js';
import { chain, layered, wf } from './workloads.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../..' : '..', import.meta.url));

/** Builds the counter fixture with the project's own plugin build script into `out`. */
async function buildCounter(out: string): Promise<void> {
  const script = pathToFileURL(join(ROOT, 'scripts/build-plugins.js')).href;
  const { buildPlugin } = (await import(script)) as {
    buildPlugin: (dir: string, outDir: string) => Promise<string>;
  };
  await buildPlugin(join(ROOT, 'test/fixtures/plugins/counter'), out);
}

async function once(spec: WorkflowSpec, plugins: string, runner: PluginRunner | null): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-pattern-'));
  const app = await openApp({
    dataDir: dir,
    adapterFor: () => inProcessAdapter(() => null),
    snapshotEvery: 1_000_000,
    ...(runner === null ? {} : { patternPlugins: new PatternPlugins([{ dir: plugins, runner }]) }),
  });
  try {
    const start = performance.now();
    const run = await app.engine.start(spec, {});
    const final = await app.engine.settled(run.runId);
    const ms = performance.now() - start;
    if (final.status !== 'completed') throw new Error(`${spec.name} ended ${final.status}`);
    return ms;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const plugins = mkdtempSync(join(tmpdir(), 'baton-bench-plugins-'));
await buildCounter(plugins);
const trusted = new InThreadRunner();
const pool = new WorkerPool({ size: 1 });
const counter = { orchestration_pattern: 'test/counter@1.0.0' };
try {
  for (const [workload, tasks] of [
    ['W2_chain_1000', chain(1000)],
    ['W5_layered_1000_w10', layered(1000, 10)],
  ] as const) {
    for (const [mode, runner, spec] of [
      ['graph', null, wf(workload, tasks)],
      ['plugin_in_thread', trusted, wf(workload, tasks, counter)],
      ['plugin_sandboxed', pool, wf(workload, tasks, counter)],
    ] as const) {
      await once(spec, plugins, runner); // warm-up: JIT, module loading, the plugin instance
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await once(spec, plugins, runner));
      samples.sort((a, b) => a - b);
      const round = (x: number) => Math.round(x * 100) / 100;
      const median = samples[Math.floor(samples.length / 2)]!;
      console.log(
        JSON.stringify({
          bench: 'pattern-overhead',
          workload,
          mode,
          durable: true,
          pattern_steps: mode === 'graph' ? 0 : tasks.length,
          runs: RUNS,
          min_ms: round(samples[0]!),
          median_ms: round(median),
          peak_rss_mb: peakRssMb(),
        }),
      );
    }
  }
} finally {
  await pool.close();
  await trusted.close();
  rmSync(plugins, { recursive: true, force: true });
}
