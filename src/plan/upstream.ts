// Answers "is task c upstream of task t?" (a transitive dependency) for many pairs at once, for
// CEL expressions that read other tasks' outputs. Never quadratic in the usual cases: see below.

import type { TaskGraph } from './graph.js';
import { byLevel, type Layering } from './levels.js';

/** A question: is `candidate` a transitive dependency of `task`? */
export interface UpstreamQuery {
  readonly task: number;
  readonly candidate: number;
}

/**
 * One answer per query, in order. Three passes, cheapest first:
 * 1. a direct dependency is upstream: mark each asking task's dependencies once, O(E);
 * 2. a candidate on the same or a deeper level cannot be upstream (levels strictly increase
 *    along dependencies), O(1) each;
 * 3. the rest: ancestor bitsets for 32 candidates at a time, swept in level order over only the
 *    levels between a chunk's shallowest candidate and its deepest asking task. Candidates are
 *    sorted by level, so references to nearby tasks (the usual case) sweep a thin band; the worst
 *    case is O((V + E) * K / 32) for K distinct candidates left after 1 and 2.
 * Pairs involving a task outside the layering (in or after a cycle) count as upstream: the cycle is
 * already reported, and nothing about order can be said there.
 */
export function areUpstream(g: TaskGraph, layering: Layering, queries: readonly UpstreamQuery[]): boolean[] {
  const { level } = layering;
  const answers = queries.map((q) => level[q.task] === -1 || level[q.candidate] === -1);
  const byTask = new Map<number, number[]>();
  queries.forEach((q, i) => {
    if (!answers[i]) push(byTask, q.task, i);
  });

  const mark = new Int32Array(g.ids.length).fill(-1);
  const pending = new Map<number, number[]>();
  for (const [task, list] of byTask) {
    for (let e = g.depStart[task]!; e < g.depStart[task + 1]!; e++) mark[g.deps[e]!] = task;
    for (const i of list) {
      const c = queries[i]!.candidate;
      if (mark[c] === task) answers[i] = true;
      else if (level[c]! < level[task]!) push(pending, c, i);
    }
  }
  if (pending.size > 0) resolveByBitsets(g, layering, queries, pending, answers);
  return answers;
}

function push<K>(m: Map<K, number[]>, key: K, value: number): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

function resolveByBitsets(
  g: TaskGraph,
  layering: Layering,
  queries: readonly UpstreamQuery[],
  pending: ReadonlyMap<number, readonly number[]>,
  answers: boolean[],
): void {
  const { level } = layering;
  const { order, start } = byLevel(layering);
  const candidates = [...pending.keys()].sort((a, b) => level[a]! - level[b]!);
  const n = g.ids.length;
  const bitOf = new Int32Array(n).fill(-1);
  // ancestors[t] has bit b when candidate b of the current chunk is a transitive dependency of t;
  // it is valid only where sweptIn[t] is the current chunk (so nothing is cleared between chunks).
  const ancestors = new Int32Array(n);
  const sweptIn = new Int32Array(n).fill(-1);
  for (let chunk = 0; chunk * 32 < candidates.length; chunk++) {
    const inChunk = candidates.slice(chunk * 32, chunk * 32 + 32);
    let deepest = 0;
    inChunk.forEach((c, b) => {
      bitOf[c] = b;
      for (const i of pending.get(c)!) deepest = Math.max(deepest, level[queries[i]!.task]!);
    });
    for (let k = start[level[inChunk[0]!]! + 1]!; k < start[deepest + 1]!; k++) {
      const t = order[k]!;
      let bits = 0;
      for (let e = g.depStart[t]!; e < g.depStart[t + 1]!; e++) {
        const d = g.deps[e]!;
        if (sweptIn[d] === chunk) bits |= ancestors[d]!;
        if (bitOf[d]! >= 0) bits |= 1 << bitOf[d]!;
      }
      ancestors[t] = bits;
      sweptIn[t] = chunk;
    }
    inChunk.forEach((c, b) => {
      for (const i of pending.get(c)!) {
        const t = queries[i]!.task;
        answers[i] = sweptIn[t] === chunk && (ancestors[t]! & (1 << b)) !== 0;
      }
      bitOf[c] = -1;
    });
  }
}
