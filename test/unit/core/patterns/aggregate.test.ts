// Verdicts that carry a value the pattern computed: `continue` with an output (a swarm's vote, a
// map-reduce's merge) replaces the judged task's output for everything downstream; `complete` with an
// output ends the run with exactly that object.

import { describe, expect, it } from 'vitest';
import { fold, registerPattern, type OrchestrationPattern } from '../../../../src/core/index.js';
import { Sim, workflow, type Answer } from '../sim.js';
import type { Dispatch } from '../../../../src/core/index.js';

/** Judges the fan-out `vote`: the most frequent answer wins, ties go to the first seen. */
const majority: OrchestrationPattern<null> = {
  name: 'test-majority',
  init: () => ({ state: null, judges: ['vote'], holds: [], serial: false }),
  step: (state, t) => {
    const counts = new Map<string, number>();
    for (const v of t.output as string[]) counts.set(v, (counts.get(v) ?? 0) + 1);
    const [winner] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return { state, decision: { op: 'continue', output: { winner, ballots: counts.size } } };
  },
};

/** Ends the run at `draft` with a summary it computes instead of the task's output. */
const summarize: OrchestrationPattern<null> = {
  name: 'test-summarize',
  init: () => ({ state: null, judges: ['draft'], holds: [], serial: false }),
  step: (state, t) => ({
    state,
    decision: { op: 'complete', output: { summary: `${t.task} said ${JSON.stringify(t.output)}` } },
  }),
};

const ballots = ['red', 'blue', 'red'];
const agents = (d: Dispatch): Answer =>
  d.task === 'vote' ? { output: ballots[Number(/\[(\d+)\]/.exec(d.key)![1])] } : { output: d.input };

describe('verdicts with a computed output', () => {
  it('continue with an output gives dependents the aggregate instead of the raw list', () => {
    registerPattern(majority);
    const wf = workflow(
      [
        { id: 'vote', agent: 'a', parallel: true, for_each: '[1, 2, 3]' },
        { id: 'announce', agent: 'b', depends_on: ['vote'] },
      ],
      { orchestration_pattern: 'test-majority' },
    );
    const sim = new Sim().start(wf).drive(agents);
    expect(sim.dispatches.find((d) => d.task === 'announce')!.input).toEqual({
      input: {},
      vote: { winner: 'red', ballots: 2 },
    });
    expect(sim.state.status).toBe('completed');
    expect(fold(sim.journal).output).toEqual(sim.state.output);
  });

  it('complete with an output ends the run with that object, and replay agrees', () => {
    registerPattern(summarize);
    const wf = workflow(
      [
        { id: 'draft', agent: 'a' },
        { id: 'never', agent: 'b', depends_on: ['draft'] },
      ],
      { orchestration_pattern: 'test-summarize' },
    );
    const sim = new Sim().start(wf).drive(() => ({ output: 'hi' }));
    expect(sim.dispatches.map((d) => d.task)).toEqual(['draft']);
    expect(sim.state.output).toEqual({ summary: 'draft said "hi"' });
    expect(fold(sim.journal).output).toEqual({ summary: 'draft said "hi"' });
  });
});

describe('the engine bound on pattern steps', () => {
  /** Sends `loop` back forever: a pattern that never ends the run. */
  const forever: OrchestrationPattern<{ n: number }> = {
    name: 'test-forever',
    init: () => ({ state: { n: 0 }, judges: ['loop'], holds: [], serial: false }),
    step: (state) => ({ state: { n: state.n + 1 }, decision: { op: 'rerun', also: [], input: {} } }),
  };
  const wf = workflow([{ id: 'loop', agent: 'a' }], { orchestration_pattern: 'test-forever' });

  it('fails the run with BATON_E_PATTERN_STEPS after max_pattern_steps verdicts', () => {
    registerPattern(forever);
    const sim = new Sim().start(wf, {}, { maxPatternSteps: 5 }).drive(() => ({ output: 1 }));
    expect(sim.dispatches).toHaveLength(6);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toEqual({
      code: 'BATON_E_PATTERN_STEPS',
      message: 'loop@6: the test-forever pattern took 5 steps without ending the run (max_pattern_steps)',
      key: 'loop@6',
    });
    expect(sim.state.pattern).toEqual({ name: 'test-forever', state: { n: 5 } });
    expect(fold(sim.journal).error).toEqual(sim.state.error);
  });

  it('bounds a run by 10,000 steps when the options name no bound', () => {
    registerPattern(forever);
    const sim = new Sim().start(wf).drive(() => ({ output: 1 }));
    expect(sim.state.error?.code).toBe('BATON_E_PATTERN_STEPS');
    expect(sim.state.metrics.patternSteps).toBe(10_001);
  });
});
