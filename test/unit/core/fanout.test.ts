import { describe, expect, it } from 'vitest';
import { Sim, workflow } from './sim.js';

describe('fan-out and join', () => {
  it('fans out over the single dependency output list and joins outputs in order', () => {
    const wf = workflow([
      { id: 'decompose', agent: 'a' },
      { id: 'research', agent: 'b', depends_on: ['decompose'], parallel: true },
      { id: 'analyze', agent: 'a', depends_on: ['research'] },
    ]);
    const sim = new Sim().start(wf).drive(
      (d) => ({
        output:
          d.task === 'decompose'
            ? ['q1', 'q2', 'q3']
            : d.task === 'research'
              ? `found ${String((d.input as { item: string }).item)}`
              : 'done',
      }),
      // Answer the instances out of order: the join still lists them by position.
      { pick: (live) => live[live.length - 1]! },
    );
    expect(sim.entries('FanOutExpanded')[0]).toMatchObject({ task: 'research', count: 3 });
    expect(sim.dispatches.filter((d) => d.task === 'research').map((d) => d.key)).toEqual([
      'research[0]',
      'research[1]',
      'research[2]',
    ]);
    expect(sim.dispatches[1]!.input).toEqual({
      input: {},
      decompose: ['q1', 'q2', 'q3'],
      item: 'q1',
      index: 0,
    });
    const analyze = sim.dispatches.find((d) => d.task === 'analyze')!;
    expect(analyze.input).toEqual({ input: {}, research: ['found q1', 'found q2', 'found q3'] });
    expect(sim.state.status).toBe('completed');
  });

  it('without for_each, fans out over the first list-valued field of an object output', () => {
    const wf = workflow([
      { id: 'decompose', agent: 'a' },
      { id: 'research', agent: 'b', depends_on: ['decompose'], parallel: true },
    ]);
    const sim = new Sim()
      .start(wf)
      .drive((d) => ({ output: d.task === 'decompose' ? { title: 't', sub_questions: ['a', 'b'] } : d.key }));
    expect(sim.state.output).toEqual({ research: ['research[0]', 'research[1]'] });
  });

  it('fans out over for_each with item and index in the input mapping', () => {
    const wf = workflow([
      { id: 'src', agent: 'a' },
      {
        id: 'each',
        agent: 'a',
        depends_on: ['src'],
        parallel: true,
        for_each: 'tasks.src.output.items.filter(x, x > 1)',
        input: { value: 'item * 2', at: 'index' },
      },
    ]);
    const sim = new Sim()
      .start(wf)
      .drive((d) => ({ output: d.task === 'src' ? { items: [1, 2, 3] } : d.input }));
    expect(sim.state.output).toEqual({
      each: [
        { value: 4, at: 0 },
        { value: 6, at: 1 },
      ],
    });
  });

  it('keeps at most N instances in flight with parallel: N', () => {
    const wf = workflow([
      { id: 'src', agent: 'a' },
      { id: 'each', agent: 'a', depends_on: ['src'], parallel: 2 },
    ]);
    const sim = new Sim().start(wf);
    sim.complete('src', [1, 2, 3, 4, 5]);
    expect([...sim.calls.keys()]).toEqual(['each[0]', 'each[1]']);
    sim.complete('each[1]', 'b');
    expect([...sim.calls.keys()]).toEqual(['each[0]', 'each[2]']);
    sim.drive((d) => ({ output: d.key }));
    expect(sim.peak.get('each')).toBe(2);
    expect(sim.state.output).toEqual({ each: ['each[0]', 'b', 'each[2]', 'each[3]', 'each[4]'] });
  });

  it('runs a for_each without parallel one instance at a time', () => {
    const wf = workflow([{ id: 'each', agent: 'a', for_each: '[1, 2, 3]' }]);
    const sim = new Sim().start(wf).drive((d) => ({ output: d.key }));
    expect(sim.peak.get('each')).toBe(1);
    expect(sim.state.output).toEqual({ each: ['each[0]', 'each[1]', 'each[2]'] });
  });

  it('completes a fan-out over an empty list with [] and runs its dependents', () => {
    const wf = workflow([
      { id: 'src', agent: 'a' },
      { id: 'each', agent: 'a', depends_on: ['src'], parallel: true },
      { id: 'after', agent: 'a', depends_on: ['each'] },
    ]);
    const sim = new Sim().start(wf).drive((d) => ({ output: d.task === 'src' ? [] : d.input }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['src', 'after']);
    expect(sim.state.output).toEqual({ after: { input: {}, each: [] } });
  });

  it('fails the run when the dependency output is not a list', () => {
    const wf = workflow([
      { id: 'src', agent: 'a' },
      { id: 'each', agent: 'a', depends_on: ['src'], parallel: true },
    ]);
    const sim = new Sim().start(wf).drive(() => ({ output: 'not a list' }));
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_FAN_OUT_NOT_LIST', key: 'each' });
  });

  it('fails the run when a fan-out has no list source at all', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a' },
      { id: 'each', agent: 'a', depends_on: ['x', 'y'], parallel: true },
    ]);
    const sim = new Sim().start(wf).drive(() => ({ output: [1] }));
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_FAN_OUT_SOURCE', key: 'each' });
  });

  it('fails the run when an instance input cannot be evaluated', () => {
    const wf = workflow([
      { id: 'each', agent: 'a', parallel: true, for_each: '[1, 0]', input: { v: '10 / item' } },
    ]);
    const sim = new Sim().start(wf).drive((d) => ({ output: d.input }));
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_CEL_EVALUATION', key: 'each' });
  });
});
