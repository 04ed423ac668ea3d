import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, snapshot } from '../../../../src/core/index.js';
import { Sim, echo, workflow } from '../sim.js';

const sequential = (tasks: unknown[]) => workflow(tasks, { orchestration_pattern: 'sequential' });

describe('sequential and concurrent', () => {
  it('sequential runs independent tasks one at a time, in file order', () => {
    const sim = new Sim().start(
      sequential([
        { id: 'x', agent: 'a' },
        { id: 'y', agent: 'b' },
        { id: 'z', agent: 'a' },
      ]),
    );
    expect([...sim.calls.keys()]).toEqual(['x']);
    sim.complete('x', 1);
    expect([...sim.calls.keys()]).toEqual(['y']);
    sim.drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x', 'y', 'z']);
    expect(sim.state.output).toEqual({ x: 1, y: { by: 'y' }, z: { by: 'z' } });
  });

  it('does not skip the rest after a `when: false` task, and follows depends_on that point forward', () => {
    const sim = new Sim()
      .start(
        sequential([
          { id: 'late', agent: 'a', depends_on: ['early'] },
          { id: 'off', agent: 'a', when: 'false' },
          { id: 'early', agent: 'a' },
        ]),
      )
      .drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['early', 'late']);
    expect(sim.entries('TaskSkipped').map((e) => e.key)).toEqual(['off']);
    expect(sim.state.status).toBe('completed');
  });

  it('orders tasks but lets a fan-out task run its instances by its own parallel limit', () => {
    const sim = new Sim()
      .start(
        sequential([
          { id: 'fan', agent: 'a', for_each: '[1, 2, 3]', parallel: 2 },
          { id: 'after', agent: 'a' },
        ]),
      )
      .drive(echo);
    expect(sim.peak.get('fan')).toBe(2);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['fan[0]', 'fan[1]', 'fan[2]', 'after']);
  });

  it('holds a ready task back while the run is paused, and resumes in order', () => {
    const sim = new Sim().start(
      sequential([
        { id: 'x', agent: 'a' },
        { id: 'y', agent: 'a' },
      ]),
    );
    sim.input({ type: 'RunPaused', by: 'ann' });
    sim.complete('x', 1);
    expect(sim.calls.size).toBe(0);
    sim.input({ type: 'RunResumed', by: 'ann' });
    expect([...sim.calls.keys()]).toEqual(['y']);
  });

  it('starts a task released by an event when its turn comes', () => {
    const sim = new Sim().start(
      workflow(
        [
          { id: 'x', agent: 'a' },
          { id: 'on', agent: 'a', on: 'go' },
        ],
        { orchestration_pattern: 'sequential', coordination: { event_driven: ['go'] } },
      ),
    );
    sim.event('e1', 'go');
    expect([...sim.calls.keys()]).toEqual(['x']);
    sim.drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x', 'on']);
  });

  it('over random DAGs: never two tasks at once, the earliest ready first, and fold(journal) is the live state', () => {
    // Task j may depend on any task earlier in a random order of all tasks: acyclic, yet its
    // depends_on may point forward in the file.
    const dag = fc.integer({ min: 1, max: 9 }).chain((n) => {
      const all = Array.from({ length: n }, (_, i) => i);
      return fc.tuple(
        fc.shuffledSubarray(all, { minLength: n, maxLength: n }),
        fc.tuple(...all.map(() => fc.subarray(all))),
      );
    });
    fc.assert(
      fc.property(dag, ([order, deps]) => {
        const rank = order.map((_, i) => order.indexOf(i));
        const edges = deps.map((ds, j) => ds.filter((i) => rank[i]! < rank[j]!));
        const wf = sequential(
          edges.map((ds, j) => ({ id: `t${j}`, agent: 'a', depends_on: ds.map((i) => `t${i}`) })),
        );
        const sim = new Sim().start(wf);
        let peak = 0;
        const expected: number[] = [];
        while (expected.length < edges.length) {
          const next = edges.findIndex(
            (ds, j) => !expected.includes(j) && ds.every((i) => expected.includes(i)),
          );
          expected.push(next);
        }
        sim.drive((d) => {
          peak = Math.max(peak, sim.calls.size);
          return echo(d);
        });
        expect(peak).toBe(1);
        expect(sim.dispatches.map((d) => d.key)).toEqual(expected.map((j) => `t${j}`));
        expect(snapshot(fold(sim.journal))).toEqual(snapshot(sim.state));
      }),
      { numRuns: 100 },
    );
  });

  it('concurrent is the graph: the same journal, every independent task at once', () => {
    const tasks = [
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'b' },
      { id: 'z', agent: 'a', depends_on: ['x', 'y'] },
    ];
    const graph = new Sim().start(workflow(tasks));
    const concurrent = new Sim().start(workflow(tasks, { orchestration_pattern: 'concurrent' }));
    expect([...concurrent.calls.keys()]).toEqual(['x', 'y']);
    graph.drive(echo);
    concurrent.drive(echo);
    const strip = (s: Sim) => s.journal.map(({ type, seq }) => [type, seq]);
    expect(strip(concurrent)).toEqual(strip(graph));
    expect(concurrent.state.output).toEqual(graph.state.output);
  });

  it('takes no pattern_config', () => {
    const sim = new Sim().start(
      workflow([{ id: 'x', agent: 'a' }], { orchestration_pattern: 'sequential', pattern_config: { n: 1 } }),
    );
    expect(sim.state.error).toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: /sequential: pattern_config/,
    });
  });
});
