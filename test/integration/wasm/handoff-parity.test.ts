// The AssemblyScript handoff plugin (plugins/handoff) against the TypeScript reducer it ports
// (src/core/patterns/handoff.ts): the same scenarios as test/unit/core/patterns/handoff.test.ts, run
// once natively and once with the plugin answering AskPattern through the host (in-thread, as a
// trusted built-in), must journal the same entries and end the same way. This is the harness that lets
// the native reducer be removed once supervisor is ported too.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVerdict, type Dispatch, type RunOptions } from '../../../src/core/index.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import type { WorkflowSpec } from '../../../src/spec/schema.js';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';
import { deskWorkflow } from '../../unit/core/patterns/fixtures.js';
import { Sim, type Answer } from '../../unit/core/sim.js';

const ROOT = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'baton-handoff-plugin-'));
const runner = new InThreadRunner();
const plugins = new PatternPlugins([{ dir: out, runner }]);

beforeAll(async () => {
  await (buildPlugin as (dir: string, out: string) => Promise<string>)(join(ROOT, 'plugins/handoff'), out);
}, 60_000);
afterAll(async () => {
  await runner.close();
  rmSync(out, { recursive: true, force: true });
});

/** Stops the Sim's drive from firing timers while the pattern's answer is awaited (no time passes then). */
const AWAITING = new Error('a pattern question is open');
class PluginSim extends Sim {
  asked = 0;
  override fire(timerId: string) {
    if (this.asks.length > this.asked) throw AWAITING;
    return super.fire(timerId);
  }
}

/** The run with the plugin: drive the agents, answer each AskPattern through the host, repeat. */
async function withPlugin(
  wf: WorkflowSpec,
  input: unknown,
  answer: (d: Dispatch) => Answer,
  options: RunOptions = {},
) {
  const sim = new PluginSim();
  const binding = await plugins.bind('handoff', wf, 7, sim.now);
  sim.start(wf, input, { ...options, pattern: binding });
  for (;;) {
    try {
      sim.drive(answer);
    } catch (e) {
      if (e !== AWAITING) throw e;
    }
    const open = sim.asks.slice(sim.asked);
    if (open.length === 0) return sim;
    for (const ask of open) {
      sim.asked++;
      const v = await plugins.ask(binding, ask, sim.state.seed);
      const decision = checkVerdict(sim.state.ctx!, ask.key, v.decision);
      sim.input({ type: 'PatternDecided', key: ask.key, pattern: ask.pattern, state: v.state, decision });
    }
  }
}

/** Both runs, compared entry by entry after RunStarted (which carries the binding) and in their end. */
async function same(wf: WorkflowSpec, answer: (d: Dispatch) => Answer, input: unknown = {}) {
  const native = new Sim().start(wf, input).drive(answer);
  const plugin = await withPlugin(wf, input, answer);
  expect(plugin.journal.slice(1)).toEqual(native.journal.slice(1));
  for (const k of ['status', 'output', 'error', 'pattern'] as const)
    expect(plugin.state[k]).toEqual(native.state[k]);
  return plugin;
}

const chain = (d: Dispatch): Answer => {
  switch (d.task) {
    case 'triage':
      return { output: { note: 'a billing question ü', handoff: 'billing' } };
    case 'billing':
      return {
        output: { handoff: { to: 'tech', reason: 'a broken invoice page', input: { ticket: 7, ok: true } } },
      };
    default:
      return { output: { answer: 'cleared the cache', score: 0.5, tags: ['a', null] } };
  }
};

describe('the handoff plugin decides as the TypeScript reducer does', () => {
  it('through three agents, with context and the handoff message', async () => {
    const run = await same(deskWorkflow(), chain, { question: 'why?' });
    expect(run.state.output).toEqual({
      tech: { answer: 'cleared the cache', score: 0.5, tags: ['a', null] },
    });
  });

  it('when the first agent hands off to nobody', () => same(deskWorkflow(), () => ({ output: 'done here' })));

  it('when the run comes back to an agent (a new round)', () =>
    same(deskWorkflow(), (d) =>
      d.key === 'triage'
        ? { output: { handoff: 'billing' } }
        : d.key === 'billing'
          ? { output: { handoff: 'triage' } }
          : { output: 'back at triage' },
    ));

  it('at max_handoffs, given and by default', async () => {
    const pingPong = (d: Dispatch): Answer => ({
      output: { handoff: d.task === 'triage' ? 'billing' : 'triage' },
    });
    expect((await same(deskWorkflow({ max_handoffs: 2 }), pingPong)).state.error?.code).toBe(
      'BATON_E_HANDOFF_LIMIT',
    );
    expect((await same(deskWorkflow(), pingPong)).dispatches).toHaveLength(9);
  });

  it.each([['sales'], [{ reason: 'no target' }], [7]])('on a bad handoff %j', (handoff) =>
    same(deskWorkflow(), () => ({ output: { handoff } })),
  );

  it('with retries and timeouts of a turn', async () => {
    const script = (d: Dispatch): Answer => {
      if (d.task === 'billing' && d.attempt === 1) return 'hang';
      return d.task === 'triage' ? { output: { handoff: 'billing' } } : { output: 'paid' };
    };
    await same(deskWorkflow(), script);
  });

  it.each([
    [[{ id: 'more', agent: 'tech', depends_on: ['tech'] }]],
    [[{ id: 'more', agent: 'tech' }]],
    [[{ id: 'sub', workflow: 'other@1' }]],
  ])('refusing tasks that do not fit, at the start (%j)', (extra) =>
    same(deskWorkflow(undefined, extra), chain),
  );

  it('refusing a bad pattern_config at the start (its own words for the problem)', async () => {
    const plugin = await withPlugin(deskWorkflow({ max_handoffs: -1 }), {}, chain);
    expect(plugin.state.error).toEqual({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'handoff: pattern_config.max_handoffs: expected an integer from 0 to 10000',
    });
    const unknown = await withPlugin(deskWorkflow({ rounds: 2 }), {}, chain);
    expect(unknown.state.error?.message).toBe('handoff: pattern_config: Unrecognized key: "rounds"');
  });
});
