// The comparison workloads' shapes (no-op agents), shared by the engine and pattern benchmarks.

import { Workflow, type WorkflowSpec } from '../src/spec/schema.js';

export const wf = (name: string, tasks: unknown[], extra: Record<string, unknown> = {}): WorkflowSpec =>
  Workflow.parse({
    name,
    version: '1',
    agents: { noop: { type: 'noop', max_instances: 100_000 } },
    tasks,
    ...extra,
  });

export const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `t${i}`, agent: 'noop', depends_on: i ? [`t${i - 1}`] : [] }));

export function fanOut(n: number) {
  return [
    { id: 'start', agent: 'noop' },
    ...Array.from({ length: n }, (_, i) => ({ id: `p${i}`, agent: 'noop', depends_on: ['start'] })),
    { id: 'join', agent: 'noop', depends_on: Array.from({ length: n }, (_, i) => `p${i}`) },
  ];
}

export function layered(n: number, width: number) {
  const tasks = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const pos = i % width;
    const deps =
      layer === 0 ? [] : [`t${(layer - 1) * width + pos}`, `t${(layer - 1) * width + ((pos + 1) % width)}`];
    tasks.push({ id: `t${i}`, agent: 'noop', depends_on: deps });
  }
  return tasks;
}
