// Shared helpers for benchmarks: a seeded PRNG (runs are reproducible), generated workflow files,
// timing statistics over several runs, and the process's peak resident memory.

import { resourceUsage } from 'node:process';

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence. Returns [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Timing {
  readonly runs: number;
  readonly min_ms: number;
  readonly median_ms: number;
  readonly p90_ms: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Runs `fn` `warmup` times untimed (so the JIT has compiled the hot paths), then `runs` times timed.
 * Garbage is collected once before the warmup (with --expose-gc), not before every run: a forced
 * full collection shrinks the heap, and the next run would then pay to grow it again (measured:
 * 10,000 tasks took ~130 ms per run that way instead of ~50 ms).
 */
export function time(fn: () => void, runs: number, warmup = 1): Timing {
  globalThis.gc?.();
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return { runs, min_ms: round(ms[0]!), median_ms: round(at(0.5)), p90_ms: round(at(0.9)) };
}

/** Peak resident set size of this process so far, in MB (it only grows across a benchmark file). */
export const peakRssMb = (): number => round(resourceUsage().maxRSS / 1024);

export type Shape = 'layered' | 'random';

/**
 * Workflow YAML text with `n` tasks over three agents. `layered`: levels of min(100, sqrt(n)) tasks,
 * each depending on 1-3 tasks of the level above. `random`: each task depends on 0-3 earlier tasks
 * chosen uniformly. Every 50th task with a dependency also has a `when` reading that dependency's
 * output, and every 100th one reading a dependency of that dependency (a transitive upstream check).
 */
export function generateWorkflow(n: number, shape: Shape, seed = 42): { text: string; expressions: number } {
  const rand = prng(seed);
  const pick = (k: number) => Math.floor(rand() * k);
  const width = Math.max(1, Math.min(100, Math.round(Math.sqrt(n))));
  const deps: number[][] = [];
  const out = [
    'workflow:',
    `  name: bench-${shape}-${n}`,
    '  version: "1.0"',
    '  agents:',
    '    planner: { type: planner_agent, capabilities: [plan], max_instances: 4 }',
    '    worker: { type: worker_agent, capabilities: [work], max_instances: 64, resources: { cpu: 500m, memory: 256MB } }',
    '    checker: { type: checker_agent, capabilities: [check], max_instances: 16 }',
    '  resource_constraints: { max_agents: 48, max_cpu: 32 cores, max_memory: 32GB }',
    '  tasks:',
  ];
  const agents = ['planner', 'worker', 'worker', 'worker', 'checker'];
  let expressions = 0;
  for (let i = 0; i < n; i++) {
    const mine = new Set<number>();
    if (shape === 'layered') {
      const level = Math.floor(i / width);
      if (level > 0) {
        const above = (level - 1) * width;
        for (let k = 1 + pick(3); k > 0; k--) mine.add(above + pick(width));
      }
    } else if (i > 0) {
      for (let k = pick(4); k > 0; k--) mine.add(pick(i));
    }
    const list = [...mine];
    deps.push(list);
    out.push(`    - id: t${i}`, `      agent: ${agents[i % agents.length]}`);
    if (list.length > 0) out.push(`      depends_on: [${list.map((d) => `t${d}`).join(', ')}]`);
    const first = list[0];
    if (first !== undefined && i % 50 === 0) {
      const grand = i % 100 === 0 ? deps[first]![0] : undefined;
      out.push(`      when: tasks.t${grand ?? first}.output.ok`);
      expressions++;
    }
  }
  return { text: out.join('\n') + '\n', expressions };
}
