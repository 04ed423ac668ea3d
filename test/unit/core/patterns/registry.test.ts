import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  fold,
  parsePatternConfig,
  patternFor,
  registerPattern,
  resumeCommands,
  type OrchestrationPattern,
} from '../../../../src/core/index.js';
import { Sim, echo, workflow } from '../sim.js';
import { verdicts } from './fixtures.js';

/** A user's pattern: the critic reviews `draft` and sends it back once with a critique. */
const critic: OrchestrationPattern<{ reviews: number }> = {
  name: 'acme-critic',
  init: (_spec, config) => {
    parsePatternConfig('acme-critic', z.strictObject({}), config);
    return { state: { reviews: 0 }, judges: ['draft'], holds: [], serial: false };
  },
  step: (state, t) => ({
    state: { reviews: state.reviews + 1 },
    decision:
      t.round === 1
        ? { op: 'rerun', also: [], input: { critique: `tighten ${String(t.output)}` } }
        : { op: 'continue' },
  }),
};

const wf = (pattern: string, extra: Record<string, unknown> = {}) =>
  workflow(
    [
      { id: 'draft', agent: 'a' },
      { id: 'publish', agent: 'b', depends_on: ['draft'] },
    ],
    { orchestration_pattern: pattern, ...extra },
  );

describe('the pattern registry', () => {
  it('selects the native graph modes by name; supervisor and handoff are plugins, not in core', () => {
    for (const name of ['graph', 'concurrent', 'sequential']) expect(patternFor(name)?.name).toBe(name);
    for (const name of ['supervisor', 'handoff', 'swarm']) expect(patternFor(name)).toBeUndefined();
  });

  it('runs a pattern a user registers, journaling its state with every verdict', () => {
    registerPattern(critic);
    const sim = new Sim().start(wf('acme-critic')).drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['draft', 'draft@2', 'publish']);
    expect(sim.dispatches[1]!.input).toEqual({ input: {}, critique: 'tighten [object Object]' });
    expect(verdicts(sim.journal)).toEqual([
      ['draft', 'rerun'],
      ['draft@2', 'continue'],
    ]);
    expect(sim.state.pattern).toEqual({ name: 'acme-critic', state: { reviews: 2 } });
    expect(sim.state.output).toEqual({ publish: { by: 'publish' } });
  });

  it('replays a run from its journal without asking the pattern again', () => {
    registerPattern(critic);
    const live = new Sim().start(wf('acme-critic')).drive(echo);
    registerPattern({
      ...critic,
      step: () => {
        throw new Error('asked again');
      },
    });
    try {
      expect(fold(live.journal).output).toEqual(live.state.output);
    } finally {
      registerPattern(critic);
    }
  });

  it('fails a run whose pattern is not registered, at its start and again on recovery', () => {
    const sim = new Sim().start(wf('swarm'));
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error?.code).toBe('BATON_E_PATTERN_UNKNOWN');
    expect(sim.state.error?.message).toMatch(
      /^orchestration_pattern "swarm" is not available \(registered: graph, concurrent, sequential, /,
    );
    expect(sim.dispatches).toEqual([]);
    expect(resumeCommands(fold(sim.journal.slice(0, 1)))).toEqual([
      { type: 'Append', entry: { type: 'RunFailed', error: sim.state.error, v: 1 } },
    ]);
  });

  it('fails the run when a verdict or a setup names a task that does not exist', () => {
    registerPattern({
      ...critic,
      name: 'acme-lost',
      step: (state) => ({ state, decision: { op: 'handoff', to: 'nope', input: {} } }),
    });
    const lost = new Sim().start(wf('acme-lost')).drive(echo);
    expect(lost.state.error).toEqual({
      code: 'BATON_E_UNKNOWN_TASK',
      message: 'draft: the handoff verdict names task "nope", which does not exist',
      key: 'draft',
    });
    registerPattern({
      ...critic,
      name: 'acme-blind',
      init: () => ({ state: null, judges: ['ghost'], holds: [], serial: false }),
    });
    const blind = new Sim().start(wf('acme-blind'));
    expect(blind.state.error).toEqual({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'acme-blind: no task "ghost"',
    });
  });

  it('lets a pattern end the run itself; the graph variants judge nothing', () => {
    registerPattern({
      ...critic,
      name: 'acme-quit',
      step: (state) => ({ state, decision: { op: 'complete' } }),
    });
    const sim = new Sim().start(wf('acme-quit')).drive(echo);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['draft']);
    expect(sim.state.output).toEqual({ draft: { by: 'draft' } });
    const graph = patternFor('graph')!;
    expect(graph.init(wf('graph'), {})).toEqual({ state: null, judges: [], holds: [], serial: false });
    const trigger = { kind: 'output' as const, task: 'draft', key: 'draft', round: 1, agent: 'a', output: 1 };
    expect(graph.step(null, trigger)).toEqual({ state: null, decision: { op: 'continue' } });
  });

  it('lets a pattern’s own bug surface instead of failing the run as a config problem', () => {
    registerPattern({
      ...critic,
      name: 'acme-buggy',
      init: () => {
        throw new TypeError('oops');
      },
    });
    expect(() => new Sim().start(wf('acme-buggy'))).toThrow(TypeError);
  });

  it('reports every config problem with its path under pattern_config', () => {
    const schema = z.strictObject({ limits: z.strictObject({ n: z.number() }) });
    expect(() => parsePatternConfig('p', schema, { limits: { n: 'x' }, extra: 1 })).toThrow(
      /^p: pattern_config\.limits\.n: .*; pattern_config: Unrecognized key: "extra"$/,
    );
  });
});
