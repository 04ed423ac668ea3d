// The task graph's index arrays and the cycle helpers, on small hand-made graphs.
import { describe, expect, it } from 'vitest';
import { buildGraph, dependentsOf, depsOf, topoOrder } from '../../../src/plan/graph.js';
import { cycleThrough, cyclicComponents } from '../../../src/plan/cycles.js';
import { workflow } from './helpers.js';

const graphOf = (tasks: Array<[string, string[]]>) =>
  buildGraph(workflow(tasks.map(([id, depends_on]) => ({ id, agent: 'a', depends_on }))));

describe('buildGraph', () => {
  it('keeps the first task of a repeated id and drops unknown, self and repeated dependencies', () => {
    const g = graphOf([
      ['a', []],
      ['b', ['a', 'a', 'b', 'zz']],
      ['a', ['b']],
      ['c', ['b', 'a']],
    ]);
    expect(g.ids).toEqual(['a', 'b', 'c']);
    expect(Array.from(g.indexAt)).toEqual([0, 1, 0, 2]);
    expect(Array.from(g.position)).toEqual([0, 1, 3]);
    expect(depsOf(g, 1)).toEqual([0]);
    expect(depsOf(g, 2)).toEqual([1, 0]);
    expect(dependentsOf(g, 0)).toEqual([1, 2]);
    expect(topoOrder(g)).toEqual({ order: Int32Array.from([0, 1, 2]), complete: true });
  });
});

describe('cycles', () => {
  it('finds components with more than one task, each with a shortest loop through its first task', () => {
    const g = graphOf([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'b']],
      ['d', ['c']],
    ]);
    expect(topoOrder(g).complete).toBe(false);
    const [component] = cyclicComponents(g);
    expect(component).toEqual([0, 1, 2]);
    expect(cycleThrough(g, component!)).toEqual([0, 1, 2]);
  });

  it('returns just the start when asked about tasks that form no loop', () => {
    const g = graphOf([
      ['a', []],
      ['b', ['a']],
    ]);
    expect(cyclicComponents(g)).toEqual([]);
    expect(cycleThrough(g, [0, 1])).toEqual([0]);
  });
});
