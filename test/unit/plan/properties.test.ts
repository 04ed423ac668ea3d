// Property tests over random graphs: DAGs always plan, with levels that respect every edge and a
// critical path that is a real chain; injecting a back edge always yields BATON_E_CYCLE; upstream
// answers match a brute-force search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph, topoOrder } from '../../../src/plan/graph.js';
import { layer } from '../../../src/plan/levels.js';
import { planWorkflow } from '../../../src/plan/planner.js';
import { areUpstream } from '../../../src/plan/upstream.js';
import { validate, workflow } from './helpers.js';

/** A random DAG of up to `maxLength` tasks: task i depends on up to 3 earlier tasks. */
const dagOf = (maxLength: number) =>
  fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength }).map((rows) =>
    rows.map((picks, i) => ({
      id: `t${i}`,
      agent: 'a',
      depends_on: i === 0 ? [] : [...new Set(picks.map((p) => `t${p % i}`))],
    })),
  );
const dag = dagOf(60);

describe('random graphs', () => {
  it('plan every DAG with levels consistent with its edges', () => {
    fc.assert(
      fc.property(dag, (tasks) => {
        expect(validate(tasks)).toEqual([]);
        const plan = planWorkflow(workflow(tasks));
        const level = new Map(plan.levels.flatMap((ids, l) => ids.map((id) => [id, l] as const)));
        expect(level.size).toBe(tasks.length);
        for (const t of tasks) {
          const deps = t.depends_on.map((d) => level.get(d)!);
          for (const l of deps) expect(level.get(t.id)!).toBeGreaterThan(l);
          // Longest-path layering: exactly one below the deepest dependency.
          expect(level.get(t.id)).toBe(deps.length === 0 ? 0 : Math.max(...deps) + 1);
        }
        const path = plan.criticalPath;
        expect(path).toHaveLength(plan.levels.length);
        for (let k = 1; k < path.length; k++) {
          expect(tasks.find((t) => t.id === path[k])!.depends_on).toContain(path[k - 1]);
        }
      }),
    );
  });

  it('report BATON_E_CYCLE whenever a back edge closes a path', () => {
    fc.assert(
      fc.property(dag, fc.nat(), fc.nat(), (tasks, x, y) => {
        // Walk back from a random task along first dependencies, then make the start depend on the end.
        let end = tasks[x % tasks.length]!;
        const start = end;
        for (let steps = y % 5; steps > 0 && end.depends_on.length > 0; steps--) {
          end = tasks.find((t) => t.id === end.depends_on[0])!;
        }
        if (end === start) return; // a self dependency is its own rule
        end.depends_on = [...end.depends_on, start.id];
        const codes = validate(tasks).map((d) => d.code);
        expect(codes).toContain('BATON_E_CYCLE');
        expect(new Set(codes)).toEqual(new Set(['BATON_E_CYCLE']));
      }),
    );
  });

  it('answer upstream questions as a brute-force search does', () => {
    fc.assert(
      // Up to 400 pairs over up to 200 tasks: usually more than 32 candidates, so several bitset chunks.
      fc.property(dagOf(200), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 400 }), (tasks, pairs) => {
        const g = buildGraph({ tasks: workflow(tasks).tasks });
        const { order } = topoOrder(g);
        const n = tasks.length;
        const queries = pairs.map(([a, b]) => ({ task: a % n, candidate: b % n }));
        const brute = queries.map(({ task, candidate }) => {
          const seen = new Set<number>();
          const stack = [task];
          while (stack.length > 0) {
            const v = stack.pop()!;
            for (let e = g.depStart[v]!; e < g.depStart[v + 1]!; e++) {
              const d = g.deps[e]!;
              if (seen.has(d)) continue;
              seen.add(d);
              stack.push(d);
            }
          }
          return seen.has(candidate);
        });
        expect(areUpstream(g, layer(g, order), queries)).toEqual(brute);
      }),
    );
  });
});
