// pattern_step latency of a WASM pattern plugin (test/fixtures/plugins/counter: parse state + trigger,
// answer state + decision) in-thread (trusted built-ins) and sandboxed (worker pool round trip), plus
// the same step through a native TypeScript reducer for scale. Prints one JSON line per mode.
// Run: npm run build && node dist/bench/pattern-step.js [calls]

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  InThreadRunner,
  loadPlugin,
  PatternPlugin,
  WorkerPool,
  type PatternStepInput,
  type PluginRunner,
} from '../src/wasm/index.js';

const CALLS = Number(process.argv[2] ?? 5_000);
const WARMUP = 500;

/** The repository root, from src or dist alike. */
function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const ROOT = root();
const { buildPlugin } = (await import(pathToFileURL(join(ROOT, 'scripts/build-plugins.js')).href)) as {
  buildPlugin: (dir: string, out: string) => Promise<string>;
};

const step = (n: number): PatternStepInput => ({
  state: { steps: n, last: 'draft' },
  trigger: {
    kind: 'output',
    task: 'draft',
    key: 'draft',
    round: 1,
    agent: 'writer',
    output: { text: 'x'.repeat(200), n },
  },
  now_ms: 1_700_000_000_000 + n,
  seed: 42,
  step: n,
});

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(mode: string, call: (n: number) => unknown): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await call(i);
  const us: number[] = [];
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await call(i);
    us.push((performance.now() - t0) * 1000);
  }
  const wall = performance.now() - started;
  us.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      bench: 'pattern-step',
      mode,
      calls: CALLS,
      p50_us: r(quantile(us, 0.5)),
      p99_us: r(quantile(us, 0.99)),
      max_us: r(us[us.length - 1]!),
      calls_per_s: Math.round((CALLS / wall) * 1000),
    }),
  );
}

const out = mkdtempSync(join(tmpdir(), 'baton-bench-plugins-'));
try {
  const manifest = await buildPlugin(join(ROOT, 'test/fixtures/plugins/counter'), out);
  const runners: Array<[string, PluginRunner]> = [
    ['in-thread', new InThreadRunner()],
    ['sandboxed', new WorkerPool({ size: 1 })],
  ];
  for (const [mode, runner] of runners) {
    const plugin = new PatternPlugin(await loadPlugin(manifest, { runner }));
    await measure(mode, (n) => plugin.step(step(n)));
    await runner.close();
  }
  // The same reducer natively (JSON in and out included, as the journal needs): the floor.
  await measure('native-ts', (n) => {
    const input = JSON.parse(JSON.stringify(step(n))) as PatternStepInput;
    const s = input.state as { steps: number };
    return JSON.stringify({
      state: { steps: s.steps + 1, last: input.trigger.task },
      decision: { op: 'continue' },
    });
  });
} finally {
  rmSync(out, { recursive: true, force: true });
}
