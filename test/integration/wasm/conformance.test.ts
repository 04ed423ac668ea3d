// The pattern conformance suite (sdk/pattern-kit/conformance) over the built-in plugins and the test
// counter plugin: each must pass every check (one test per plugin), and a plugin that breaks a rule is
// caught by the check for it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, type AgentHandler } from '../../../src/agents/handler.js';
import {
  runConformance,
  type ConformanceReport,
  type PatternUnderTest,
} from '../../../sdk/pattern-kit/conformance/index.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';

const ROOT = join(import.meta.dirname, '../../..');
let out: string;
let fixtures: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'baton-conformance-builtins-'));
  const build = buildPlugin as (dir: string, out: string) => Promise<string>;
  for (const name of ['supervisor', 'handoff', 'magentic', 'network'])
    await build(join(ROOT, 'plugins', name), out);
  fixtures = await builtFixtures();
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every check passed; on a failure the report's detail is what vitest shows. */
const passed = (r: ConformanceReport) => {
  expect(r.checks.filter((c) => !c.ok)).toEqual([]);
  expect(r.checks.map((c) => c.check)).toEqual([
    'describe/manifest agreement',
    'determinism',
    'replay equivalence',
    'bounded termination',
    'agent-failure handling',
  ]);
  expect(r.ok).toBe(true);
};

const fails: AgentHandler = () => {
  throw new TerminalError('the order system refused the request');
};

/** plan -> work -> review under supervisor; boss plans (delegating once), reviews (revising once). */
const supervised = {
  name: 'supervised',
  version: '1',
  agents: { boss: { type: 't' }, worker: { type: 't', capabilities: ['dig'] } },
  tasks: [
    { id: 'plan', agent: 'boss' },
    { id: 'work', agent: 'worker', depends_on: ['plan'] },
    { id: 'review', agent: 'boss', depends_on: ['work'] },
  ],
};
type BossInput = { work?: unknown; results?: unknown; feedback?: unknown };
const boss: AgentHandler = ({ input }) => {
  const i = input as BossInput;
  if (i.work === undefined)
    return i.results === undefined ? { delegate: [{ requires: ['dig'], input: 'q' }] } : 'plan';
  return i.feedback === undefined ? { decision: 'revise', reason: 'thin ü\n"more"' } : { decision: 'accept' };
};

const supervisor = (): PatternUnderTest => ({
  manifest: join(out, 'supervisor/manifest.json'),
  scripted: { workflow: supervised, input: { topic: 'tides' }, agents: { boss } },
  // Delegates and asks for a revision every time: each of its 2 judged tasks runs at most max_rounds (3).
  adversarial: {
    workflow: supervised,
    agents: { boss: () => ({ delegate: [{ agent: 'worker', input: 1 }], decision: 'revise' }) },
    maxSteps: 6,
  },
  // It judges outputs only: a task that fails for good fails the run, as in a graph.
  failing: { workflow: supervised, agents: { boss, worker: fails }, expect: { status: 'failed' } },
});

const desk = `workflow:
  name: desk
  version: "1"
  agents: { triage: { type: t }, billing: { type: t }, tech: { type: t } }
  tasks:
    - { id: triage, agent: triage }
    - { id: billing, agent: billing }
    - { id: tech, agent: tech }
`;
const handoff = (): PatternUnderTest => ({
  manifest: join(out, 'handoff/manifest.json'),
  scripted: {
    workflow: desk,
    agents: {
      triage: () => ({ handoff: 'billing', note: 'line 1\nline 2' }),
      billing: () => ({ handoff: { to: 'tech', reason: 'broken page', input: { ticket: 7 } } }),
      tech: () => ({ answer: 'cleared the cache' }),
    },
  },
  // Ping-pong forever: max_handoffs (default 8) handoffs, and the one after fails the run.
  adversarial: {
    workflow: desk,
    agents: { triage: () => ({ handoff: 'billing' }), billing: () => ({ handoff: 'triage' }) },
    maxSteps: 9,
  },
  failing: {
    workflow: desk,
    agents: { triage: () => ({ handoff: 'billing' }), billing: fails },
    expect: { status: 'failed' },
  },
});

const lab = `workflow:
  name: lab
  version: "1"
  agents: { planner: { type: t }, squarer: { type: t, capabilities: [math] }, adder: { type: t } }
  tasks:
    - { id: planner, agent: planner }
    - { id: squarer, agent: squarer }
    - { id: adder, agent: adder }
`;
type LabInput = {
  input: { numbers: number[] };
  task_ledger?: unknown;
  last?: { agent: string; output: { squares?: number[]; sum?: number } };
};
/** Plans "sum of squares": the squarer, then the adder, then the answer. */
const labPlanner: AgentHandler = ({ input }) => {
  const i = input as LabInput;
  const going = { satisfied: false, progress: true, in_loop: false };
  if (i.task_ledger === undefined)
    return {
      facts: ['numbers: ü\n"given"'],
      plan: ['square', 'add'],
      ...going,
      next: 'squarer',
      instruction: 'square them',
      args: { numbers: i.input.numbers },
    };
  if (i.last!.agent === 'squarer')
    return { ...going, next: 'adder', instruction: 'add them', args: { numbers: i.last!.output.squares } };
  return { satisfied: true, progress: true, in_loop: false, answer: i.last!.output.sum };
};
type Args = { args: { numbers: number[] } };
const magentic = (): PatternUnderTest => ({
  manifest: join(out, 'magentic/manifest.json'),
  scripted: {
    workflow: lab,
    input: { numbers: [3, 4] },
    agents: {
      planner: labPlanner,
      squarer: ({ input }) => ({ squares: (input as Args).args.numbers.map((n) => n * n) }),
      adder: ({ input }) => ({ sum: (input as Args).args.numbers.reduce((a, b) => a + b, 0) }),
    },
  },
  // Never satisfied, always "progress": max_rounds (default 20) planner turns and a specialist turn
  // between each two, so at most 2 x 20 - 1 verdicts, the last failing with BATON_E_MAGENTIC_ROUNDS.
  adversarial: {
    workflow: lab,
    agents: {
      planner: () => ({
        facts: [],
        plan: ['again'],
        satisfied: false,
        progress: true,
        in_loop: false,
        next: 'adder',
        instruction: 'go on',
      }),
    },
    maxSteps: 39,
  },
  // A specialist that throws fails the run after its retries (ABI 1.0 shows a pattern only outputs).
  failing: {
    workflow: lab,
    input: { numbers: [1] },
    agents: { planner: labPlanner, squarer: fails },
    expect: { status: 'failed', code: 'BATON_E_AGENT_REJECTED' },
  },
});

const twoSteps = {
  name: 'two',
  version: '1',
  agents: { a: { type: 't' }, b: { type: 't' } },
  tasks: [
    { id: 'one', agent: 'a' },
    { id: 'two', agent: 'b', depends_on: ['one'] },
  ],
};
const counter = (): PatternUnderTest => ({
  manifest: manifestOf(fixtures, 'counter'),
  scripted: { workflow: twoSteps, agents: {} },
  // It judges each task once and always lets the graph go on: one verdict per task.
  adversarial: {
    workflow: twoSteps,
    agents: { a: () => ({ handoff: 'b', decision: 'revise' }) },
    maxSteps: 2,
  },
  failing: {
    workflow: twoSteps,
    agents: { a: fails },
    expect: { status: 'failed', code: 'BATON_E_AGENT_REJECTED' },
  },
});

/** Two peers haggle over a price by messages (published on the offers channel) until a deal. */
const market = {
  name: 'market',
  version: '1',
  coordination: { event_driven: ['offers'] },
  pattern_config: { channel: 'offers', max_messages: 10 },
  agents: { buyer: { type: 't' }, seller: { type: 't' } },
  tasks: [
    { id: 'buyer', agent: 'buyer' },
    { id: 'seller', agent: 'seller' },
  ],
};
type Offer = { offer: number; yours?: number };
const haggler =
  (start: number, other: string): AgentHandler =>
  ({ input }) => {
    const last = ((input as { inbox?: Array<{ message: Offer }> }).inbox ?? []).at(-1)?.message;
    if (last === undefined) return { to: other, message: { offer: start } };
    if (last.yours === undefined) return { to: other, message: { offer: start, yours: last.offer } };
    if (Math.abs(last.offer - last.yours) <= 1)
      return { to: other, message: { deal: last.offer }, done: true };
    return { to: other, message: { offer: Math.round((last.offer + last.yours) / 2), yours: last.offer } };
  };
const network = (): PatternUnderTest => ({
  manifest: join(out, 'network/manifest.json'),
  scripted: { workflow: market, agents: { buyer: haggler(60, 'seller'), seller: haggler(100, 'buyer') } },
  // Both always write to everyone: max_messages (10) messages are delivered, and the verdict on the
  // message after that ends the network.
  adversarial: {
    workflow: market,
    agents: { buyer: () => ({ to: 'all', message: 'more' }), seller: () => ({ to: 'all', message: 'more' }) },
    maxSteps: 11,
  },
  // on_peer_failure defaults to fail: a peer failing for good fails the run, coded.
  failing: {
    workflow: market,
    agents: { buyer: haggler(60, 'seller'), seller: fails },
    expect: { status: 'failed', code: 'BATON_E_PEER_FAILED' },
  },
});

describe('pattern conformance', () => {
  it('network (ABI 1.1) passes every check', async () => passed(await runConformance(network())), 120_000);
  it('supervisor passes every check', async () => passed(await runConformance(supervisor())), 120_000);
  it('handoff passes every check', async () => passed(await runConformance(handoff())), 120_000);
  it('magentic passes every check', async () => passed(await runConformance(magentic())), 120_000);
  it('test/counter passes every check', async () => passed(await runConformance(counter())), 120_000);

  it('catches a plugin that loops past its stated bound, and an outcome it did not state', async () => {
    const r = await runConformance({
      ...handoff(),
      adversarial: { ...handoff().adversarial, maxSteps: 4 },
      failing: { ...handoff().failing, expect: { status: 'completed' } },
    });
    expect(r.ok).toBe(false);
    const byName = new Map(r.checks.map((c) => [c.check, c]));
    expect(byName.get('bounded termination')).toEqual({
      check: 'bounded termination',
      ok: false,
      detail: 'the adversarial run took 9 verdicts; the plugin states at most 4',
    });
    expect(byName.get('agent-failure handling')?.detail).toMatch(
      /^the run ended failed \(BATON_E_AGENT_\w+\); stated: completed$/,
    );
    expect(byName.get('determinism')?.ok).toBe(true);
  }, 120_000);

  it('catches a pattern that never ends its run (only the engine’s bound stops it)', async () => {
    const fine = () => ({ mode: 'fine' });
    const r = await runConformance({
      manifest: manifestOf(fixtures, 'hostile'),
      scripted: { workflow: twoSteps, agents: { a: fine, b: fine } },
      // The hostile fixture's `forever` mode runs the task again on every verdict.
      adversarial: { workflow: twoSteps, agents: { a: () => ({ mode: 'forever' }) }, maxSteps: 3 },
      failing: { workflow: twoSteps, agents: { a: fails }, expect: { status: 'failed' } },
    });
    const byName = new Map(r.checks.map((c) => [c.check, c]));
    expect(byName.get('bounded termination')).toEqual({
      check: 'bounded termination',
      ok: false,
      detail:
        "the adversarial run did not end by the plugin's own rule: the engine stopped it after 130 verdicts (max_pattern_steps); the plugin states at most 3",
    });
    expect(byName.get('determinism')?.ok).toBe(true);
    expect(r.ok).toBe(false);
  }, 120_000);
});
