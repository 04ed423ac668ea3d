import { describe, expect, it } from 'vitest';
import { Sim, echo, workflow } from './sim.js';

const chain = workflow([
  { id: 'decompose', agent: 'a' },
  { id: 'research', agent: 'b', depends_on: ['decompose'] },
  { id: 'analyze', agent: 'a', depends_on: ['research'] },
]);

describe('graph execution', () => {
  it('runs a chain in order and completes with the sink outputs', () => {
    const sim = new Sim().start(chain, { q: 'why' }).drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['decompose', 'research', 'analyze']);
    expect(sim.state.status).toBe('completed');
    expect(sim.entries('RunCompleted')[0]!.output).toEqual({ analyze: { by: 'analyze' } });
  });

  it('gives a task its run input and the outputs of its direct dependencies by default', () => {
    const sim = new Sim().start(chain, { q: 'why' }).drive(echo);
    expect(sim.dispatches[0]!.input).toEqual({ input: { q: 'why' } });
    expect(sim.dispatches[2]!.input).toEqual({ input: { q: 'why' }, research: { by: 'research' } });
    expect(sim.dispatches[1]!.agent).toBe('b');
  });

  it('readies a dependent the moment its last dependency completes, while siblings still run', () => {
    const wf = workflow([
      { id: 'a1', agent: 'a' },
      { id: 'b1', agent: 'a' },
      { id: 'a2', agent: 'a', depends_on: ['a1'] },
    ]);
    const sim = new Sim().start(wf);
    expect([...sim.calls.keys()]).toEqual(['a1', 'b1']);
    sim.complete('a1', 1);
    expect([...sim.calls.keys()]).toEqual(['b1', 'a2']);
  });

  it('evaluates an input mapping (a map of CEL, or one expression)', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'], input: { n: 'tasks.x.output.n + 1', who: 'input.user' } },
      { id: 'z', agent: 'a', depends_on: ['y'], input: 'tasks.y.output.n * 10' },
    ]);
    const sim = new Sim()
      .start(wf, { user: 'ann' })
      .drive((d) => ({ output: d.task === 'x' ? { n: 1 } : { n: 5 } }));
    expect(sim.dispatches[1]!.input).toEqual({ n: 2, who: 'ann' });
    expect(sim.dispatches[2]!.input).toBe(50);
  });

  it('gives every dispatch a distinct idem of the form runId/seq/i', () => {
    const sim = new Sim().start(chain).drive(echo);
    const idems = sim.dispatches.map((d) => d.idem);
    expect(new Set(idems).size).toBe(idems.length);
    for (const idem of idems) expect(idem).toMatch(/^r1\/\d+\/\d+$/);
  });
});

describe('conditions and skipping', () => {
  const branches = workflow([
    { id: 'route', agent: 'a' },
    { id: 'left', agent: 'a', depends_on: ['route'], when: 'tasks.route.output.go == "left"' },
    { id: 'right', agent: 'a', depends_on: ['route'], when: 'tasks.route.output.go == "right"' },
    { id: 'after_right', agent: 'a', depends_on: ['right'] },
    { id: 'join', agent: 'a', depends_on: ['left', 'right'] },
  ]);

  it('skips a task whose `when` is false and its chain, and runs a join with one branch done', () => {
    const sim = new Sim()
      .start(branches)
      .drive((d) => ({ output: d.task === 'route' ? { go: 'left' } : d.key }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['route', 'left', 'join']);
    expect(sim.entries('TaskSkipped').map((e) => [e.key, e.reason])).toEqual([
      ['right', 'condition'],
      ['after_right', 'upstream_skipped'],
    ]);
    // A skipped dependency is absent from the default input.
    expect(sim.dispatches[2]!.input).toEqual({ input: {}, left: 'left' });
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ join: 'join' });
  });

  it('skips a join whose every branch was skipped, and completes the run', () => {
    const sim = new Sim()
      .start(branches)
      .drive((d) => ({ output: d.task === 'route' ? { go: 'none' } : d.key }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['route']);
    expect(
      sim
        .entries('TaskSkipped')
        .map((e) => e.key)
        .sort(),
    ).toEqual(['after_right', 'join', 'left', 'right']);
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({});
  });

  it('fails the run when a `when` cannot be evaluated', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'], when: 'tasks.x.output.missing > 1' },
    ]);
    const sim = new Sim().start(wf).drive((_d) => ({ output: {} }));
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_CEL_EVALUATION', key: 'y' });
    expect(sim.entries('TaskFailed')[0]).toMatchObject({ key: 'y', attempt: 0 });
  });

  it('fails the run when a `when` is not a bool', () => {
    const wf = workflow([{ id: 'x', agent: 'a', when: '"yes"' }]);
    const sim = new Sim().start(wf);
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_CEL_EVALUATION', key: 'x' });
  });
});
