// The handoff pattern as it ships: the built-in plugin (plugins/handoff) answering the engine core's
// questions through the host (harness: plugin-sim.ts). One agent is active at a time; its output may
// hand the run to another agent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOf, type Dispatch } from '../../../src/core/index.js';
import type { Answer } from '../../unit/core/sim.js';
import { deskWorkflow, verdicts } from '../../unit/core/patterns/fixtures.js';
import { builtinHarness, type PluginHarness } from './plugin-sim.js';

let h: PluginHarness;
beforeAll(async () => {
  h = await builtinHarness('handoff');
}, 60_000);
afterAll(() => h.close());

/** triage -> billing -> tech, which answers. */
const chain = (d: Dispatch): Answer => {
  switch (d.task) {
    case 'triage':
      return { output: { note: 'a billing question ü', handoff: 'billing' } };
    case 'billing':
      return { output: { handoff: { to: 'tech', reason: 'a broken invoice page', input: { ticket: 7 } } } };
    default:
      return { output: { answer: 'cleared the cache', note: 'line 1\nline 2\t\u0001 "quoted" \\ back' } };
  }
};

describe('handoff', () => {
  it('hands a run through three agents, carrying every turn as context, and completes with the last output', async () => {
    const sim = await h.drive(await h.start(deskWorkflow(), { question: 'why?' }), chain);
    expect(sim.dispatches.map((d) => [d.key, d.agent])).toEqual([
      ['triage', 'triage'],
      ['billing', 'billing'],
      ['tech', 'tech'],
    ]);
    const turn1 = { agent: 'triage', output: { note: 'a billing question ü', handoff: 'billing' } };
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
    // Strings with newlines, control characters, quotes and backslashes go through the plugin's state intact.
    expect(sim.state.output).toEqual({
      tech: { answer: 'cleared the cache', note: 'line 1\nline 2\t\u0001 "quoted" \\ back' },
    });
    expect(sim.state.pattern?.state).toMatchObject({
      context: [turn1, expect.anything(), { agent: 'tech', output: sim.state.output!.tech }],
    });
    expect(sim.state.pattern).toMatchObject({ name: 'handoff', state: { handoffs: 2 } });
  });

  it('completes with the first agent’s output when it hands off to nobody; unnamed tasks never start', async () => {
    const sim = await h.drive(await h.start(deskWorkflow()), () => ({ output: 'done here' }));
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage']);
    expect(sim.state.output).toEqual({ triage: 'done here' });
    expect(statusOf(sim.state, sim.now).baton.tasks).toEqual({ completed: 1, pending: 2 });
  });

  it('runs an agent again in a new round when the run comes back to it', async () => {
    const sim = await h.drive(await h.start(deskWorkflow()), (d) => {
      if (d.key === 'triage') return { output: { handoff: 'billing' } };
      if (d.key === 'billing') return { output: { handoff: 'triage' } };
      return { output: 'back at triage' };
    });
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage', 'billing', 'triage@2']);
    expect(sim.dispatches[2]!.input).toMatchObject({ handoff: { from: 'billing', to: 'triage' } });
    expect(sim.state.output).toEqual({ triage: 'back at triage' });
    expect(sim.state.completionOrder).toEqual(['billing', 'triage']);
  });

  it('fails the run with BATON_E_HANDOFF_LIMIT on the handoff after max_handoffs', async () => {
    const pingPong = (d: Dispatch): Answer => ({
      output: { handoff: d.task === 'triage' ? 'billing' : 'triage' },
    });
    const sim = await h.drive(await h.start(deskWorkflow({ max_handoffs: 2 })), pingPong);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['triage', 'billing', 'triage@2']);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toEqual({
      code: 'BATON_E_HANDOFF_LIMIT',
      message: 'triage@2: a handoff to "billing" would exceed pattern_config.max_handoffs (2)',
      key: 'triage@2',
    });
    const byDefault = await h.drive(await h.start(deskWorkflow()), pingPong);
    expect(byDefault.dispatches).toHaveLength(9);
    expect(byDefault.state.error?.code).toBe('BATON_E_HANDOFF_LIMIT');
  });

  it('fails the run when a handoff names no agent with a task, or is malformed', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      ['sales', 'BATON_E_HANDOFF_TARGET', /handoff to "sales", which is not an agent with a task/],
      [{ reason: 'no target' }, 'BATON_E_PATTERN_OUTPUT', /handoff must be an agent id or/],
      [7, 'BATON_E_PATTERN_OUTPUT', /handoff must be/],
    ];
    for (const [handoff, code, message] of cases) {
      const sim = await h.drive(await h.start(deskWorkflow()), () => ({ output: { handoff } }));
      expect(sim.state.status).toBe('failed');
      expect(sim.state.error).toMatchObject({ code, message, key: 'triage' });
    }
  });

  it('keeps retries and timeouts working for a turn', async () => {
    let tries = 0;
    const sim = await h.drive(await h.start(deskWorkflow()), (d) => {
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

  it('refuses at the start a workflow whose tasks do not fit handoff', async () => {
    const cases: Array<[unknown[], RegExp]> = [
      [[{ id: 'more', agent: 'tech', depends_on: ['tech'] }], /task "more" declares depends_on or when/],
      [[{ id: 'more', agent: 'tech' }], /task "more" is a second task of agent "tech"/],
      [[{ id: 'sub', workflow: 'other@1' }], /task "sub" has no agent/],
    ];
    for (const [extra, message] of cases) {
      const sim = await h.start(deskWorkflow(undefined, extra));
      expect(sim.state.error).toMatchObject({ code: 'BATON_E_PATTERN_CONFIG', message });
    }
    const negative = await h.start(deskWorkflow({ max_handoffs: -1 }));
    expect(negative.state.error).toEqual({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'handoff: pattern_config.max_handoffs: expected an integer from 0 to 10000',
    });
    expect(negative.dispatches).toEqual([]);
    const unknown = await h.start(deskWorkflow({ rounds: 2 }));
    expect(unknown.state.error?.message).toBe('handoff: pattern_config: Unrecognized key: "rounds"');
  });
});
