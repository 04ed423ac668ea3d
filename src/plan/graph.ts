// The task graph as index arrays (CSR): what planning, validation and the engine walk in linear time.
// Edges point from a dependency to its dependent. Unknown or duplicate ids are skipped here; the
// validator reports them.

import type { WorkflowSpec } from '../spec/schema.js';

export interface TaskGraph {
  /** Task id by index, in file order. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Dependencies of task i: deps[depStart[i] .. depStart[i + 1]). */
  readonly depStart: Int32Array;
  readonly deps: Int32Array;
  /** Dependents of task i: outs[outStart[i] .. outStart[i + 1]). */
  readonly outStart: Int32Array;
  readonly outs: Int32Array;
}

export function buildGraph(spec: Pick<WorkflowSpec, 'tasks'>): TaskGraph {
  const ids: string[] = [];
  const index = new Map<string, number>();
  for (const t of spec.tasks) {
    if (!index.has(t.id)) {
      index.set(t.id, ids.length);
      ids.push(t.id);
    }
  }
  const n = ids.length;
  const depStart = new Int32Array(n + 1);
  const depList: number[] = [];
  const outCount = new Int32Array(n);
  const seen = new Set<number>();
  const filled = new Uint8Array(n);
  // First occurrences come in index order, so depStart grows monotonically; a duplicate id: first wins.
  for (const t of spec.tasks) {
    const i = index.get(t.id)!;
    if (filled[i]) continue;
    filled[i] = 1;
    depStart[i] = depList.length;
    seen.clear();
    for (const d of t.depends_on) {
      const j = index.get(d);
      if (j === undefined || j === i || seen.has(j)) continue;
      seen.add(j);
      depList.push(j);
      outCount[j]!++;
    }
    depStart[i + 1] = depList.length;
  }
  const deps = Int32Array.from(depList);
  const outStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) outStart[i + 1] = outStart[i]! + outCount[i]!;
  const outs = new Int32Array(deps.length);
  const fill = outStart.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let k = depStart[i]!; k < depStart[i + 1]!; k++) outs[fill[deps[k]!]!++] = i;
  }
  return { ids, index, depStart, deps, outStart, outs };
}

/** Dependencies of task i as a fresh array (for callers off the hot path). */
export function depsOf(g: TaskGraph, i: number): number[] {
  return Array.from(g.deps.subarray(g.depStart[i]!, g.depStart[i + 1]!));
}

/** Dependents of task i as a fresh array (for callers off the hot path). */
export function dependentsOf(g: TaskGraph, i: number): number[] {
  return Array.from(g.outs.subarray(g.outStart[i]!, g.outStart[i + 1]!));
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
