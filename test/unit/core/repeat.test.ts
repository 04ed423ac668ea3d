import { describe, expect, it } from 'vitest';
import { Sim, workflow } from './sim.js';

describe('repeat', () => {
  const refine = (max: number) =>
    workflow([
      { id: 'refine', agent: 'a', repeat: { until: 'output.score >= 0.9', max_iterations: max } },
      { id: 'publish', agent: 'a', depends_on: ['refine'] },
    ]);

  it('re-dispatches under refine#n until `until` holds, then releases dependents', () => {
    const scores = [0.5, 0.8, 0.95];
    let n = 0;
    const sim = new Sim()
      .start(refine(5))
      .drive((d) => ({ output: d.task === 'refine' ? { score: scores[n++] } : 'ok' }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['refine', 'refine#2', 'refine#3', 'publish']);
    expect(sim.entries('RepeatDecided').map((e) => e.again)).toEqual([true, true, false]);
    expect(sim.dispatches.find((d) => d.task === 'publish')!.input).toEqual({
      input: {},
      refine: { score: 0.95 },
    });
  });

  it('passes the iteration and the previous output from the second iteration on', () => {
    const sim = new Sim()
      .start(refine(3))
      .drive((d) => ({ output: d.task === 'refine' ? { score: 0.1, key: d.key } : 'ok' }));
    expect(sim.dispatches[0]!.input).toEqual({ input: {} });
    expect(sim.dispatches[1]!.input).toEqual({
      input: {},
      iteration: 2,
      previous: { score: 0.1, key: 'refine' },
    });
  });

  it('stops after max_iterations and completes with the last output', () => {
    const sim = new Sim().start(refine(2)).drive((d) => ({ output: { score: 0, key: d.key } }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['refine', 'refine#2', 'publish']);
    expect(sim.state.tasks[0]!.output).toEqual({ score: 0, key: 'refine#2' });
    expect(sim.state.status).toBe('completed');
  });

  it('retries within an iteration and restarts the attempt count for the next one', () => {
    let failed = false;
    const sim = new Sim().start(refine(3)).drive((d) => {
      if (d.key === 'refine#2' && !failed) {
        failed = true;
        return { error: { code: 'BATON_E_AGENT_FAILED' } };
      }
      return { output: { score: d.key === 'refine#2' ? 1 : 0 } };
    });
    expect(sim.dispatches.map((d) => [d.key, d.attempt])).toEqual([
      ['refine', 1],
      ['refine#2', 1],
      ['refine#2', 2],
      ['publish', 1],
    ]);
  });

  it('fails the run when `until` cannot be evaluated', () => {
    const sim = new Sim().start(refine(3)).drive(() => ({ output: 'no score' }));
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_CEL_EVALUATION', key: 'refine' });
  });
});
