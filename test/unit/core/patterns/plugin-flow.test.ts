// A run whose pattern is a plugin: decide() never calls it. RunStarted carries the binding (identity and
// pattern_init's setup); a judged output becomes an AskPattern command; the runtime's answer comes back
// as a PatternDecided input. Replay and resume need no plugin call except for a question still open.

import { describe, expect, it } from 'vitest';
import { fold, resumeCommands, type AskPattern, type PatternBinding } from '../../../../src/core/index.js';
import { Sim, echo, workflow } from '../sim.js';

const binding = (over: Partial<PatternBinding> = {}): PatternBinding => ({
  name: 'acme/reviewer',
  version: '1.0.0',
  sha256: 'c'.repeat(64),
  setup: { state: { reviews: 0 }, judges: ['draft'], holds: ['publish'], serial: false },
  ...over,
});

const wf = workflow(
  [
    { id: 'draft', agent: 'a' },
    { id: 'publish', agent: 'b' },
  ],
  { orchestration_pattern: 'acme/reviewer' },
);

const answer = (sim: Sim, ask: AskPattern, decision: object, state: unknown = { reviews: 1 }) =>
  sim.input({ type: 'PatternDecided', key: ask.key, pattern: ask.pattern, state, decision } as never);

describe('a plugin pattern', () => {
  it('is asked through AskPattern with its journaled state; its answer drives the run', () => {
    const sim = new Sim().start(wf, {}, { pattern: binding() }).drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['draft']);
    expect(sim.state.pattern).toEqual({ name: 'acme/reviewer', state: { reviews: 0 } });
    expect(sim.asks).toEqual([
      {
        type: 'AskPattern',
        key: 'draft',
        pattern: 'acme/reviewer',
        state: { reviews: 0 },
        trigger: {
          kind: 'output',
          task: 'draft',
          key: 'draft',
          round: 1,
          agent: 'a',
          output: { by: 'draft' },
        },
        step: 0,
        at: sim.now,
      },
    ]);
    answer(sim, sim.asks[0]!, { op: 'handoff', to: 'publish', input: { note: 'ok' } });
    sim.drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['draft', 'publish']);
    expect(sim.state.status).toBe('completed');
    expect(sim.state.pattern).toEqual({ name: 'acme/reviewer', state: { reviews: 1 } });
    // Replay folds the journal alone: the answer is in it.
    expect(fold(sim.journal).output).toEqual(sim.state.output);
  });

  it('starts a held task the handoff names once when it also depends on the task handing off', () => {
    for (const serial of [false, true]) {
      const chained = workflow(
        [
          { id: 'draft', agent: 'a' },
          { id: 'publish', agent: 'b', depends_on: ['draft'] },
        ],
        { orchestration_pattern: 'acme/reviewer' },
      );
      const setup = { state: { reviews: 0 }, judges: ['draft'], holds: ['publish'], serial };
      const sim = new Sim().start(chained, {}, { pattern: binding({ setup }) }).drive(echo);
      answer(sim, sim.asks[0]!, { op: 'handoff', to: 'publish', input: {} });
      sim.drive(echo);
      // The verdict releases publish twice (its dependency completed, and it was named): one dispatch.
      expect(sim.dispatches.map((d) => d.key)).toEqual(['draft', 'publish']);
      expect(sim.journal.filter((e) => e.type === 'TaskDispatched').map((e) => e.key)).toEqual([
        'draft',
        'publish',
      ]);
      expect(sim.state.status).toBe('completed');
    }
  });

  it('asks again after a crash while its verdict is not journaled, and only then', () => {
    const sim = new Sim().start(wf, {}, { pattern: binding() }).drive(echo);
    const again = resumeCommands(fold(sim.journal));
    expect(again.filter((c) => c.type === 'AskPattern')).toEqual([{ ...sim.asks[0]!, at: sim.now }]);
    answer(sim, sim.asks[0]!, { op: 'continue' });
    expect(resumeCommands(fold(sim.journal)).some((c) => c.type === 'AskPattern')).toBe(false);
  });

  it('ignores an answer for a round that no longer awaits one', () => {
    const sim = new Sim().start(wf, {}, { pattern: binding() }).drive(echo);
    answer(sim, sim.asks[0]!, { op: 'continue' });
    const before = sim.state.lastSeq;
    answer(sim, sim.asks[0]!, { op: 'fail', error: { code: 'X', message: 'late' } });
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.lastSeq).toBe(before + 1);
    expect(sim.state.error).toBeNull();
  });

  it('fails the run at its start with the error its pattern_init answered', () => {
    const error = {
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'acme/reviewer: pattern_config.rounds: expected a number',
    };
    const sim = new Sim().start(wf, {}, { pattern: binding({ setup: undefined, error }) });
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toEqual(error);
    expect(sim.dispatches).toEqual([]);
  });

  it('is bounded by max_pattern_steps without being asked', () => {
    const loop = workflow([{ id: 'draft', agent: 'a' }], { orchestration_pattern: 'acme/reviewer' });
    const b = binding({ setup: { state: null, judges: ['draft'], holds: [], serial: false } });
    const sim = new Sim().start(loop, {}, { pattern: b, maxPatternSteps: 2 }).drive(echo);
    for (let n = 0; n < 2; n++) {
      answer(sim, sim.asks[n]!, { op: 'rerun', also: [], input: {} }, null);
      sim.drive(echo);
    }
    expect(sim.asks).toHaveLength(2);
    expect(sim.state.error?.code).toBe('BATON_E_PATTERN_STEPS');
  });

  it('restores a snapshot with the binding (the setup is not asked for again)', async () => {
    const { restore, snapshot } = await import('../../../../src/core/index.js');
    const sim = new Sim().start(wf, {}, { pattern: binding() }).drive(echo);
    const back = restore(snapshot(sim.state));
    expect(resumeCommands(back).filter((c) => c.type === 'AskPattern')).toHaveLength(1);
  });
});
