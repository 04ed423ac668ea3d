// Longest-path layering of the task graph and its critical path: a task sits one level below its
// deepest dependency, so level k holds the tasks that can start once k rounds of work are done.

import type { TaskGraph } from './graph.js';

export interface Layering {
  /** Level of task i (0: no dependencies); -1 for tasks outside `order` (in or after a cycle). */
  readonly level: Int32Array;
  /** Number of levels. */
  readonly depth: number;
  /** The dependency that put task i on its level (its first deepest one), or -1. */
  readonly via: Int32Array;
}

/** O(V + E) over a topological order (from topoOrder); tasks missing from it stay at level -1. */
export function layer(g: TaskGraph, order: Int32Array): Layering {
  const n = g.ids.length;
  const level = new Int32Array(n).fill(-1);
  const via = new Int32Array(n).fill(-1);
  let depth = 0;
  for (let k = 0; k < order.length; k++) {
    const t = order[k]!;
    let best = 0;
    for (let e = g.depStart[t]!; e < g.depStart[t + 1]!; e++) {
      const d = g.deps[e]!;
      if (level[d]! + 1 > best) {
        best = level[d]! + 1;
        via[t] = d;
      }
    }
    level[t] = best;
    if (best + 1 > depth) depth = best + 1;
  }
  return { level, depth, via };
}

/** Every layered task sorted by level (file order within one), and where each level starts: O(V). */
export function byLevel(layering: Layering): { order: Int32Array; start: Int32Array } {
  const { level, depth } = layering;
  const start = new Int32Array(depth + 1);
  for (const l of level) if (l >= 0) start[l + 1]!++;
  for (let l = 0; l < depth; l++) start[l + 1]! += start[l]!;
  const fill = start.slice(0, depth);
  const order = new Int32Array(start[depth]!);
  for (let t = 0; t < level.length; t++) {
    const l = level[t]!;
    if (l >= 0) order[fill[l]!++] = t;
  }
  return { order, start };
}

/** Task indexes grouped by level, each group in file order (views into one array). */
export function groupByLevel(layering: Layering): Int32Array[] {
  const { order, start } = byLevel(layering);
  return Array.from({ length: layering.depth }, (_, l) => order.subarray(start[l], start[l + 1]));
}

/**
 * The longest chain of dependencies, every task weighing 1: its length is the number of levels,
 * the fewest sequential steps any schedule needs. Ends at the first task (in file order) on the
 * deepest level and follows `via` back to a root.
 */
export function criticalPath(layering: Layering): number[] {
  const { level, depth, via } = layering;
  let end = -1;
  for (let t = 0; t < level.length && end < 0; t++) if (level[t] === depth - 1) end = t;
  const path: number[] = [];
  for (let t = end; t >= 0; t = via[t]!) path.push(t);
  return path.reverse();
}
