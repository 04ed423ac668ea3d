import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, resumeCommands, snapshot, type Dispatch } from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

/** A random DAG: task j depends on a random subset of tasks before it; some fan out, some are skipped. */
const dag = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: n }, (_, j) => fc.subarray(Array.from({ length: j }, (_, i) => i))),
    ),
    fan: fc.array(fc.constantFrom(0, 0, 1, 2), { minLength: n, maxLength: n }),
    skip: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  }),
);
type Dag = { deps: number[][]; fan: number[]; skip: boolean[] };

const toWorkflow = (g: Dag, features: boolean) =>
  workflow(
    g.deps.map((deps, j) => ({
      id: `t${j}`,
      agent: 'a',
      depends_on: deps.map((i) => `t${i}`),
      ...(features && g.fan[j]! > 0 ? { parallel: g.fan[j], for_each: '[1, 2, 3]' } : {}),
      ...(features && g.skip[j] ? { when: 'false' } : {}),
    })),
  );

/**
 * Answers calls in an order chosen by `picks`; every agent echoes its key, except that the first
 * attempt of each key in `flaky` fails with a retryable error.
 */
function play(sim: Sim, picks: number[], flaky: ReadonlySet<string> = new Set()): Sim {
  let step = 0;
  return sim.drive(
    (d: Dispatch) =>
      flaky.has(d.key) && d.attempt === 1 ? { error: { code: 'E_FLAKY' } } : { output: d.key },
    { pick: (live) => live[picks[step++ % picks.length]! % live.length]! },
  );
}

const picks = fc.array(fc.nat(), { minLength: 1, maxLength: 30 });

describe('engine properties over random DAGs and completion orders', () => {
  it('completes, dispatching every task exactly once after all its dependencies, and fold(journal) is the live state', () => {
    fc.assert(
      fc.property(dag, picks, (g, order) => {
        const sim = play(new Sim().start(toWorkflow(g, false)), order);
        expect(sim.state.status).toBe('completed');
        expect(sim.dispatches.map((d) => d.key).sort()).toEqual(g.deps.map((_, j) => `t${j}`).sort());
        expect(sim.dispatches.every((d) => d.attempt === 1)).toBe(true);
        const completedAt = new Map(sim.entries('TaskCompleted').map((e) => [e.key, e.seq]));
        for (const e of sim.entries('TaskDispatched')) {
          for (const dep of g.deps[Number(e.key.slice(1))]!)
            expect(completedAt.get(`t${dep}`)!).toBeLessThan(e.seq);
        }
        const sinks = g.deps.map((_, j) => j).filter((j) => !g.deps.some((d) => d.includes(j)));
        expect(Object.keys(sim.state.output!).sort()).toEqual(sinks.map((j) => `t${j}`).sort());
        expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
      }),
      { numRuns: 150 },
    );
  });

  it('with fan-outs and skips: each instance runs once, within its limit, and skips follow the rule', () => {
    fc.assert(
      fc.property(dag, picks, (g, order) => {
        const sim = play(new Sim().start(toWorkflow(g, true)), order);
        expect(sim.state.status).toBe('completed');
        // Expected skips: `when: false`, or every dependency skipped.
        const skipped = new Set<number>();
        g.deps.forEach((deps, j) => {
          if (g.skip[j] || (deps.length > 0 && deps.every((i) => skipped.has(i)))) skipped.add(j);
        });
        const expectedKeys = g.deps.flatMap((_, j) =>
          skipped.has(j) ? [] : g.fan[j]! > 0 ? [0, 1, 2].map((k) => `t${j}[${k}]`) : [`t${j}`],
        );
        expect(sim.dispatches.map((d) => d.key).sort()).toEqual(expectedKeys.sort());
        g.fan.forEach((limit, j) => {
          if (limit > 0 && !skipped.has(j)) expect(sim.peak.get(`t${j}`)).toBeLessThanOrEqual(limit);
        });
        expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
      }),
      { numRuns: 150 },
    );
  });

  it('after a crash at any prefix, re-issues exactly the in-flight attempts with their idem, and finishes the same', () => {
    fc.assert(
      fc.property(dag, picks, fc.nat(), fc.array(fc.nat({ max: 9 })), (g, order, cut, failing) => {
        const wf = toWorkflow(g, true);
        const flaky = new Set(failing.flatMap((j) => [`t${j}`, `t${j}[1]`]));
        const live = play(new Sim().start(wf), order, flaky);
        expect(live.state.status).toBe('completed');
        const journal = live.journal;
        for (let k = 1; k <= journal.length; k++) {
          const state = fold(journal.slice(0, k));
          const inFlight = [...state.units.values()]
            .filter((u) => u.status === 'dispatched')
            .map((u) => [u.key, u.idem]);
          const again = resumeCommands(state).flatMap((c) =>
            c.type === 'Dispatch' && c.redispatch ? [[c.key, c.idem]] : [],
          );
          expect(again).toEqual(inFlight);
        }
        const k = 1 + (cut % journal.length);
        const recovered = play(Sim.recover(journal.slice(0, k), journal[k - 1]!.at), order, flaky);
        expect(recovered.state.status).toBe('completed');
        expect(recovered.state.output).toEqual(live.state.output);
      }),
      { numRuns: 100 },
    );
  });
});
