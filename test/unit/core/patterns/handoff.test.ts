import { describe, expect, it } from 'vitest';
import { statusOf, type Dispatch } from '../../../../src/core/index.js';
import { Sim, type Answer } from '../sim.js';
import { deskWorkflow, verdicts } from './fixtures.js';

/** triage -> billing -> tech, which answers. */
const chain = (d: Dispatch): Answer => {
  switch (d.task) {
    case 'triage':
      return { output: { note: 'a billing question', handoff: 'billing' } };
    case 'billing':
      return { output: { handoff: { to: 'tech', reason: 'a broken invoice page', input: { ticket: 7 } } } };
    default:
      return { output: { answer: 'cleared the cache' } };
  }
};

describe('handoff', () => {
  it('hands a run through three agents, carrying every turn as context, and completes with the last output', () => {
    const sim = new Sim().start(deskWorkflow(), { question: 'why?' }).drive(chain);
    expect(sim.dispatches.map((d) => [d.key, d.agent])).toEqual([
      ['triage', 'triage'],
      ['billing', 'billing'],
      ['tech', 'tech'],
    ]);
    const turn1 = { agent: 'triage', output: { note: 'a billing question', handoff: 'billing' } };
    expect(sim.dispatches[0]!.input).toEqual({ input: { question: 'why?' } });
    expect(sim.dispatches[1]!.input).toEqual({
      input: { question: 'why?' },
      context: [turn1],
      handoff: { from: 'triage', to: 'billing', reason: null, input: null },
    });
    expect(sim.dispatches[2]!.input).toEqual({
      input: { question: 'why?' },
      context: [
        turn1,
        { agent: 'billing', output: (chain(sim.dispatches[1]!) as { output: unknown }).output },
      ],
      handoff: { from: 'billing', to: 'tech', reason: 'a broken invoice page', input: { ticket: 7 } },
    });
    expect(verdicts(sim.journal)).toEqual([
      ['triage', 'handoff'],
      ['billing', 'handoff'],
      ['tech', 'complete'],
    ]);
    expect(sim.state.status).toBe('completed');
    expect(sim.state.output).toEqual({ tech: { answer: 'cleared the cache' } });
    expect(sim.state.pattern).toMatchObject({ name: 'handoff', state: { handoffs: 2 } });
  });

  it('completes with the first agent’s output when it hands off to nobody; unnamed tasks never start', () => {
    const sim = new Sim().start(deskWorkflow()).drive(() => ({ output: 'done here' }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage']);
    expect(sim.state.output).toEqual({ triage: 'done here' });
    expect(statusOf(sim.state, sim.now).baton.tasks).toEqual({ completed: 1, pending: 2 });
  });

  it('runs an agent again in a new round when the run comes back to it', () => {
    const sim = new Sim().start(deskWorkflow()).drive((d) => {
      if (d.key === 'triage') return { output: { handoff: 'billing' } };
      if (d.key === 'billing') return { output: { handoff: 'triage' } };
      return { output: 'back at triage' };
    });
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage', 'billing', 'triage@2']);
    expect(sim.dispatches[2]!.input).toMatchObject({ handoff: { from: 'billing', to: 'triage' } });
    expect(sim.state.output).toEqual({ triage: 'back at triage' });
    expect(sim.state.completionOrder).toEqual(['billing', 'triage']);
  });

  it('fails the run with BATON_E_HANDOFF_LIMIT on the handoff after max_handoffs', () => {
    const pingPong = (d: Dispatch): Answer => ({
      output: { handoff: d.task === 'triage' ? 'billing' : 'triage' },
    });
    const sim = new Sim().start(deskWorkflow({ max_handoffs: 2 })).drive(pingPong);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage', 'billing', 'triage@2']);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toEqual({
      code: 'BATON_E_HANDOFF_LIMIT',
      message: 'triage@2: a handoff to "billing" would exceed pattern_config.max_handoffs (2)',
      key: 'triage@2',
    });
    const byDefault = new Sim().start(deskWorkflow()).drive(pingPong);
    expect(byDefault.dispatches).toHaveLength(9);
    expect(byDefault.state.error?.code).toBe('BATON_E_HANDOFF_LIMIT');
  });

  it('fails the run when a handoff names no agent with a task, or is malformed', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      ['sales', 'BATON_E_HANDOFF_TARGET', /handoff to "sales", which is not an agent with a task/],
      [{ reason: 'no target' }, 'BATON_E_PATTERN_OUTPUT', /handoff must be an agent id or/],
      [7, 'BATON_E_PATTERN_OUTPUT', /handoff must be/],
    ];
    for (const [handoff, code, message] of cases) {
      const sim = new Sim().start(deskWorkflow()).drive(() => ({ output: { handoff } }));
      expect(sim.state.status).toBe('failed');
      expect(sim.state.error).toMatchObject({ code, message, key: 'triage' });
    }
  });

  it('keeps retries and timeouts working for a turn', () => {
    let tries = 0;
    const sim = new Sim().start(deskWorkflow()).drive((d) => {
      if (d.task === 'billing' && tries++ === 0) return 'hang';
      return d.task === 'triage' ? { output: { handoff: 'billing' } } : { output: 'paid' };
    });
    expect(sim.dispatches.map((d) => [d.key, d.attempt])).toEqual([
      ['triage', 1],
      ['billing', 1],
      ['billing', 2],
    ]);
    expect(sim.state.metrics.timeouts).toBe(1);
    expect(sim.state.output).toEqual({ billing: 'paid' });
  });

  it('refuses at the start a workflow whose tasks do not fit handoff', () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[{ id: 'more', agent: 'tech', depends_on: ['tech'] }], /task "more" declares depends_on or when/],
      [[{ id: 'more', agent: 'tech' }], /task "more" is a second task of agent "tech"/],
      [[{ id: 'sub', workflow: 'other@1' }], /task "sub" has no agent/],
    ];
    for (const [extra, message] of cases) {
      const sim = new Sim().start(deskWorkflow(undefined, extra));
      expect(sim.state.error).toMatchObject({ code: 'BATON_E_PATTERN_CONFIG', message });
    }
    const negative = new Sim().start(deskWorkflow({ max_handoffs: -1 }));
    expect(negative.state.error).toMatchObject({ code: 'BATON_E_PATTERN_CONFIG' });
  });
});
