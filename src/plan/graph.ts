// The task graph as index arrays (CSR): what planning, validation and the engine walk in linear time.
// Edges point from a dependency to its dependent. Unknown or duplicate ids are skipped here; the
// validator reports them.

import type { WorkflowSpec } from '../spec/schema.js';

export interface TaskGraph {
  /** Task id by index, in file order. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Position in spec.tasks of task i: its first occurrence when an id repeats. */
  readonly position: Int32Array;
  /** Index of the task at position p of spec.tasks (a repeated id maps to its first occurrence). */
  readonly indexAt: Int32Array;
  /** Dependencies of task i: deps[depStart[i] .. depStart[i + 1]). */
  readonly depStart: Int32Array;
  readonly deps: Int32Array;
  /** Dependents of task i: outs[outStart[i] .. outStart[i + 1]). */
  readonly outStart: Int32Array;
  readonly outs: Int32Array;
}

/** O(V + E), one map lookup per id and per dependency (the cost that dominates on large files). */
export function buildGraph(spec: Pick<WorkflowSpec, 'tasks'>): TaskGraph {
  const { tasks } = spec;
  const ids: string[] = [];
  const index = new Map<string, number>();
  const indexAt = new Int32Array(tasks.length);
  const positions: number[] = [];
  let declared = 0;
  for (let p = 0; p < tasks.length; p++) {
    const t = tasks[p]!;
    const known = index.get(t.id);
    if (known !== undefined) {
      indexAt[p] = known;
      continue;
    }
    indexAt[p] = ids.length;
    index.set(t.id, ids.length);
    ids.push(t.id);
    positions.push(p);
    declared += t.depends_on.length;
  }
  const n = ids.length;
  const position = Int32Array.from(positions);
  const depStart = new Int32Array(n + 1);
  const depBuffer = new Int32Array(declared);
  const outCount = new Int32Array(n);
  // lastSeenBy[j] === i + 1 when task i already lists j: duplicates are dropped without a Set.
  const lastSeenBy = new Int32Array(n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = edges;
    for (const d of tasks[position[i]!]!.depends_on) {
      const j = index.get(d);
      if (j === undefined || j === i || lastSeenBy[j] === i + 1) continue;
      lastSeenBy[j] = i + 1;
      depBuffer[edges++] = j;
      outCount[j]!++;
    }
  }
  depStart[n] = edges;
  const deps = depBuffer.slice(0, edges);
  const outStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) outStart[i + 1] = outStart[i]! + outCount[i]!;
  const outs = new Int32Array(edges);
  const fill = outStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let k = depStart[i]!; k < depStart[i + 1]!; k++) outs[fill[deps[k]!]!++] = i;
  }
  return { ids, index, position, indexAt, depStart, deps, outStart, outs };
}

/** Dependencies of task i as a fresh array (for callers off the hot path). */
export function depsOf(g: TaskGraph, i: number): number[] {
  return Array.from(g.deps.subarray(g.depStart[i], g.depStart[i + 1]));
}

/** Dependents of task i as a fresh array (for callers off the hot path). */
export function dependentsOf(g: TaskGraph, i: number): number[] {
  return Array.from(g.outs.subarray(g.outStart[i], g.outStart[i + 1]));
}

/**
 * Kahn's algorithm: a topological order of all tasks, or the tasks left over when there is a cycle.
 * O(V + E), no recursion.
 */
export function topoOrder(g: TaskGraph): { order: Int32Array; complete: boolean } {
  const n = g.ids.length;
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = g.depStart[i + 1]! - g.depStart[i]!;
  const order = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (indeg[i] === 0) order[tail++] = i;
  while (head < tail) {
    const u = order[head++]!;
    for (let k = g.outStart[u]!; k < g.outStart[u + 1]!; k++) {
      const v = g.outs[k]!;
      if (--indeg[v]! === 0) order[tail++] = v;
    }
  }
  return { order: order.subarray(0, tail), complete: tail === n };
}
