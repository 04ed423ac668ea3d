// The AssemblyScript handoff plugin (plugins/handoff) against the TypeScript reducer it ports
// (src/core/patterns/handoff.ts): the same scenarios as test/unit/core/patterns/handoff.test.ts, run
// once natively and once with the plugin answering AskPattern through the host (in-thread, as a
// trusted built-in), must journal the same entries and end the same way (harness: parity.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatch } from '../../../src/core/index.js';
import { deskWorkflow } from '../../unit/core/patterns/fixtures.js';
import type { Answer } from '../../unit/core/sim.js';
import { parity, type Parity } from './parity.js';

let p: Parity;
beforeAll(async () => {
  p = await parity('handoff');
}, 60_000);
afterAll(() => p.close());

/** Compares the native and plugin runs; for tests that need nothing more. */
const check = async (...args: Parameters<Parity['same']>): Promise<void> => {
  await p.same(...args);
};

const same = (...args: Parameters<Parity['same']>) => p.same(...args);
const withPlugin = (...args: Parameters<Parity['withPlugin']>) => p.withPlugin(...args);

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

  it('when the first agent hands off to nobody', () =>
    check(deskWorkflow(), () => ({ output: 'done here' })));

  it('when the run comes back to an agent (a new round)', () =>
    check(deskWorkflow(), (d) =>
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
    check(deskWorkflow(), () => ({ output: { handoff } })),
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
    check(deskWorkflow(undefined, extra), chain),
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
