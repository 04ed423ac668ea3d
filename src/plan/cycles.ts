// Finds the dependency cycles of a task graph: Tarjan's strongly connected components, iterative (a
// 100,000-task chain must not overflow the stack), and one concrete cycle to show per component.

import type { TaskGraph } from './graph.js';

/**
 * The strongly connected components with more than one task (self-dependencies are not edges in
 * TaskGraph), each as its task indexes. O(V + E).
 */
export function cyclicComponents(g: TaskGraph): number[][] {
  const n = g.ids.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const sccStack = new Int32Array(n);
  let sccTop = 0;
  // The explicit call stack: a task and how far through its dependency list the walk has got.
  const callTask = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let depth = 0;
  let counter = 0;
  const components: number[][] = [];

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    callTask[0] = root;
    callEdge[0] = g.depStart[root]!;
    depth = 1;
    index[root] = low[root] = counter++;
    sccStack[sccTop++] = root;
    onStack[root] = 1;
    while (depth > 0) {
      const v = callTask[depth - 1]!;
      const e = callEdge[depth - 1]!;
      if (e < g.depStart[v + 1]!) {
        callEdge[depth - 1] = e + 1;
        const w = g.deps[e]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          sccStack[sccTop++] = w;
          onStack[w] = 1;
          callTask[depth] = w;
          callEdge[depth] = g.depStart[w]!;
          depth++;
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      // v is finished: close its component if it is a root, then return to the caller.
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = sccStack[--sccTop]!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component.sort((a, b) => a - b));
      }
      depth--;
      if (depth > 0) {
        const caller = callTask[depth - 1]!;
        low[caller] = Math.min(low[caller]!, low[v]!);
      }
    }
  }
  return components.sort((a, b) => a[0]! - b[0]!);
}

/**
 * A shortest cycle through the first task of `component`, following depends_on: [a, b, c] reads
 * "a depends on b, b on c, c on a". Breadth-first inside the component, O(its edges).
 */
export function cycleThrough(g: TaskGraph, component: readonly number[]): number[] {
  const start = component[0]!;
  const members = new Set(component);
  const parent = new Map<number, number>([[start, -1]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (let e = g.depStart[v]!; e < g.depStart[v + 1]!; e++) {
      const w = g.deps[e]!;
      if (w === start) return pathTo(parent, v);
      if (members.has(w) && !parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  // Unreachable for a strongly connected component; kept total for callers passing anything else.
  return [start];
}

function pathTo(parent: ReadonlyMap<number, number>, end: number): number[] {
  const path: number[] = [];
  for (let v = end; v !== -1; v = parent.get(v)!) path.push(v);
  return path.reverse();
}
