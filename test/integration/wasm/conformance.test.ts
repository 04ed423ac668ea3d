// The pattern conformance suite (src/conformance, re-exported by sdk/pattern-kit/conformance) over every
// built-in plugin, each with the scenarios of its plugins/<name>/conformance.yaml (as `baton plugin test`
// reads them), and the test counter plugin: each must pass every check (one test per plugin), and a
// plugin that breaks a rule is caught by the check for it.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, type AgentHandler } from '../../../src/agents/handler.js';
import {
  loadScenarios,
  runConformance,
  type ConformanceReport,
  type PatternUnderTest,
} from '../../../sdk/pattern-kit/conformance/index.js';
import { builtFixtures, manifestOf } from '../../fixtures/plugins/build.js';
import { buildPatternPlugins } from './patterns-harness.js';

const ROOT = join(import.meta.dirname, '../../..');
const manifestOfDir = (dir: string) =>
  JSON.parse(readFileSync(join(ROOT, 'plugins', dir, 'manifest.json'), 'utf8')) as {
    name: string;
    kind: string;
  };
/** The plugins/ folders of pattern plugins (hook plugins have no pattern scenarios), and the name each builds. */
const BUILTINS = readdirSync(join(ROOT, 'plugins'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && manifestOfDir(d.name).kind === 'pattern')
  .map((d) => d.name);
const nameOf = (dir: string) => manifestOfDir(dir).name;
let out: string;
let fixtures: string;
beforeAll(async () => {
  out = await buildPatternPlugins(BUILTINS);
  fixtures = await builtFixtures();
}, 300_000);

/** A built-in with the scenarios of its plugins/<dir>/conformance.yaml. */
const builtin = (dir: string): PatternUnderTest =>
  loadScenarios(join(ROOT, 'plugins', dir, 'conformance.yaml'), join(out, nameOf(dir), 'manifest.json'));

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

describe('pattern conformance', () => {
  it.each(BUILTINS)(
    'the built-in %s passes every check with its conformance.yaml',
    async (dir) => passed(await runConformance(builtin(dir))),
    120_000,
  );
  it('test/counter passes every check', async () => passed(await runConformance(counter())), 120_000);

  it('catches a plugin that loops past its stated bound, and an outcome it did not state', async () => {
    const handoff = builtin('handoff');
    const r = await runConformance({
      ...handoff,
      adversarial: { ...handoff.adversarial, maxSteps: 4 },
      failing: { ...handoff.failing, expect: { status: 'completed' } },
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
