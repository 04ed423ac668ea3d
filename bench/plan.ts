// Parse + validate + plan (checkWorkflowSource) of generated workflow files of 1,000 to 100,000
// tasks, in two shapes; prints one JSON object per size and shape. Targets: 10,000 tasks < 100 ms,
// 100,000 < 1.5 s (median). Run: npm run build && npm run bench:plan

import { checkWorkflowSource } from '../src/plan/index.js';
import { generateWorkflow, peakRssMb, time } from './lib.js';

const SIZES: Array<[number, number]> = [
  [1_000, 30],
  [10_000, 15],
  [100_000, 5],
];

for (const [n, runs] of SIZES) {
  for (const shape of ['layered', 'random'] as const) {
    const { text, expressions } = generateWorkflow(n, shape);
    const started = performance.now();
    const first = checkWorkflowSource(text);
    // The first call in this process for this file: what a one-shot `baton validate` pays.
    const first_ms = Math.round((performance.now() - started) * 100) / 100;
    if (!first.ok || !first.plan) {
      throw new Error(`generated workflow is invalid: ${JSON.stringify(first.diagnostics.slice(0, 3))}`);
    }
    const timing = time(() => checkWorkflowSource(text), runs);
    console.log(
      JSON.stringify({
        bench: 'plan',
        tasks: n,
        shape,
        bytes: Buffer.byteLength(text),
        expressions,
        first_ms,
        ...timing,
        peak_rss_mb: peakRssMb(),
        levels: first.plan.levels.length,
      }),
    );
  }
}
