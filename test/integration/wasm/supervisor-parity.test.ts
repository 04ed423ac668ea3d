// The AssemblyScript supervisor plugin (plugins/supervisor) against the TypeScript reducer it ports
// (src/core/patterns/supervisor.ts), on the scenarios of test/unit/core/patterns/supervisor.test.ts:
// the same journal, the same end (harness: parity.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatch } from '../../../src/core/index.js';
import { delegationWorkflow, researchAgents, researchWorkflow } from '../../unit/core/patterns/fixtures.js';
import type { Answer } from '../../unit/core/sim.js';
import { parity, type Parity } from './parity.js';

let p: Parity;
beforeAll(async () => {
  p = await parity('supervisor');
}, 60_000);
afterAll(() => p.close());

/** Compares the native and plugin runs; for tests that need nothing more. */
const check = async (...args: Parameters<Parity['same']>): Promise<void> => {
  await p.same(...args);
};

const plan = (d: { key: string }): Answer =>
  d.key === 'plan'
    ? {
        output: {
          delegate: [
            { requires: ['sql', 'data'], input: { q: 'sales ü' } },
            { agent: 'web', input: { q: 'news' } },
          ],
        },
      }
    : { output: { by: d.key } };

describe('the supervisor plugin decides as the TypeScript reducer does', () => {
  it('in review rounds: revise once, then accept', async () => {
    const run = await p.same(researchWorkflow(), researchAgents([1]), { topic: 'tides' });
    expect(run.state.output).toEqual({ synthesize: { decision: 'accept', report: 'report of round 2' } });
  });

  it('when the rounds run out, by max_rounds and by default', async () => {
    await p.same(researchWorkflow({ max_rounds: 2 }), researchAgents([1, 2, 3]));
    await p.same(researchWorkflow(), researchAgents([1, 2, 3, 4]));
  });

  it('treating any decision but revise as accept', () =>
    check(researchWorkflow(), (d) =>
      d.task === 'synthesize' ? { output: { decision: 'maybe' } } : researchAgents([])(d),
    ));

  it('with the supervisor named in pattern_config', () =>
    check(researchWorkflow({ supervisor: 'analyzer' }), (d) =>
      d.key === 'analyze' ? { output: { decision: 'revise' } } : researchAgents([])(d),
    ));

  it('with tasks outside the round waiting on its members', () => {
    const wf = researchWorkflow();
    const extra = [
      { ...wf.tasks[2]!, id: 'brief', depends_on: ['research', 'synthesize'] },
      { ...wf.tasks[2]!, id: 'archive', depends_on: ['research'] },
    ];
    return p.same({ ...wf, tasks: [...wf.tasks, ...extra] }, researchAgents([1]));
  });

  it('delegating by name and by capability, then running the task again with the results', () =>
    check(delegationWorkflow(), plan, { topic: 'q3' }));

  it('retrying a failed subtask', () =>
    check(delegationWorkflow(), (d) =>
      d.key === 'plan/delegate[0]' && d.attempt === 1 ? { error: { code: 'E_FLAKY' } } : plan(d),
    ));

  it('delegating again in later rounds, bounded by max_rounds', () =>
    check(delegationWorkflow(undefined, { max_rounds: 2 }), (d) =>
      d.key.includes('delegate') ? { output: 1 } : { output: { delegate: [{ agent: 'web', input: d.key }] } },
    ));

  it.each([
    [{ agent: 'ghost' }],
    [{ requires: ['telepathy'] }],
    [{ agent: 'web', requires: ['sql'] }],
    [{ input: 1 }],
    ['x'],
    [{ agent: 3 }],
    [{ agent: null, input: 1 }],
  ])('failing the run on the subtask %j', (ask) =>
    check(delegationWorkflow(), () => ({ output: { delegate: [ask] } })),
  );

  it('failing the run when delegate is not a list, and ignoring an empty one', async () => {
    await p.same(delegationWorkflow(), () => ({ output: { delegate: 'web' } }));
    await p.same(delegationWorkflow(), () => ({ output: { delegate: [] } }));
  });

  it('routing by requires to the first declared agent that has them all', () =>
    check(delegationWorkflow(), (d: Dispatch) =>
      d.key === 'plan'
        ? {
            output: {
              delegate: [{ requires: ['bulk'] }, { requires: ['data'] }, { requires: [], agent: 'boss' }],
            },
          }
        : { output: 0 },
    ));

  it('compensating a task that ran in several rounds once', () =>
    check(
      delegationWorkflow([
        { id: 'plan', agent: 'boss', compensate: { agent: 'db' } },
        { id: 'report', agent: 'web', depends_on: ['plan'], retry: { max_attempts: 1 } },
      ]),
      (d) => {
        if (d.key === 'plan') return { output: { delegate: [{ agent: 'web' }] } };
        if (d.task === 'report') return { error: { code: 'E_FATAL', retryable: false } };
        return { output: d.key };
      },
    ));

  it.each([[{ supervisor: 'nobody' }], [{ supervisor: 'orphan' }]])(
    'refusing a setup that does not fit, at the start (%j)',
    (config) => check(researchWorkflow(config), researchAgents([])),
  );

  it('refusing an agentless first task and a bad pattern_config (in its own words)', async () => {
    await p.same(delegationWorkflow([{ id: 'sub', workflow: 'other@1' }]), researchAgents([]));
    const zero = await p.withPlugin(researchWorkflow({ max_rounds: 0 }), {}, researchAgents([]));
    expect(zero.state.error).toEqual({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'supervisor: pattern_config.max_rounds: expected an integer from 1 to 1000',
    });
    const unknown = await p.withPlugin(researchWorkflow({ rounds: 2 }), {}, researchAgents([]));
    expect(unknown.state.error?.message).toBe('supervisor: pattern_config: Unrecognized key: "rounds"');
  });
});
