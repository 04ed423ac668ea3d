// The conformance suite every pattern plugin must pass (ABI v1): describe/manifest agreement,
// determinism (the same input gives the same bytes out), replay equivalence (a run's journal folds back
// into the state the engine reached, asking the plugin nothing), bounded termination (adversarial agents
// never take it past the bound it states) and agent-failure handling (a failing agent leads to the
// outcome it states, never a hang). Runs go through Baton's real engine (SQLite store, in-process
// agents) with the plugin in the sandbox, as a user's plugin runs. It reports; it never throws for a
// failed check, so a test runner or `baton plugin test` decides what to do with the report.
//
//   const report = await runConformance({ manifest, scripted, adversarial, failing });
//   expect(report.checks.filter((c) => !c.ok)).toEqual([]);

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadPlugin, readManifest } from '../wasm/loader.js';
import { WorkerPool } from '../wasm/worker-pool.js';
import { RecordingRunner } from './recording-runner.js';
import { runScenario, type ScenarioRun } from './run.js';
import type { CheckResult, ConformanceOptions, ConformanceReport, PatternUnderTest } from './types.js';

export type * from './types.js';
export { loadScenarios, findScenarios, SCENARIO_FILES } from './scenarios.js';

/** Runs every check over the plugin whose built manifest is `p.manifest`. */
export async function runConformance(
  p: PatternUnderTest,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const manifest = await readManifest(p.manifest);
  const plugin = `${manifest.name}@${manifest.version}`;
  const work = mkdtempSync(join(tmpdir(), 'baton-conformance-'));
  const plugins = join(work, 'plugins');
  cpSync(dirname(p.manifest), join(plugins, 'under-test'), { recursive: true });
  const runner = new RecordingRunner(new WorkerPool({ size: 1 }));
  const run = (name: string, s: Parameters<typeof runScenario>[1], maxPatternSteps?: number) =>
    runScenario(
      { dir: join(work, name), plugins, runner, pattern: plugin, timeoutMs: options.runTimeoutMs ?? 60_000 },
      s,
      maxPatternSteps,
    );
  const checks: CheckResult[] = [];
  try {
    checks.push(await describeCheck(p.manifest, runner));
    const scripted = await run('scripted', p.scripted);
    checks.push(await determinism(runner, scripted));
    checks.push(await replay(runner, scripted));
    // The engine's own bound far above the plugin's, so only the plugin's rule can end the run in time.
    const engineBound = p.adversarial.maxSteps * 10 + 100;
    const adversarial = await run('adversarial', p.adversarial, engineBound);
    checks.push(bounded(adversarial, p.adversarial.maxSteps, engineBound));
    checks.push(failing(await run('failing', p.failing), p.failing.expect));
  } finally {
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  }
  return { plugin, ok: checks.every((c) => c.ok), checks };
}

const pass = (check: CheckResult['check'], detail: string): CheckResult => ({ check, ok: true, detail });
const fail = (check: CheckResult['check'], detail: string): CheckResult => ({ check, ok: false, detail });

/** The loader's checklist and handshake pass, and the config schema is a JSON Schema for an object. */
async function describeCheck(manifest: string, runner: RecordingRunner): Promise<CheckResult> {
  const name = 'describe/manifest agreement';
  try {
    const loaded = await loadPlugin(manifest, { runner });
    const schema = loaded.describe.config_schema;
    if (Object.keys(schema).length > 0 && schema.type !== 'object') {
      return fail(name, `config_schema has type ${JSON.stringify(schema.type)}; pattern_config is an object`);
    }
    return pass(
      name,
      `${loaded.id}: manifest and baton_describe agree (kind ${loaded.describe.kind}, ABI ${loaded.describe.abi_version})`,
    );
  } catch (e) {
    return fail(name, (e as Error).message);
  }
}

/** Every call of the scripted run, made again with the same input, answers the same bytes. */
async function determinism(runner: RecordingRunner, run: ScenarioRun): Promise<CheckResult> {
  const name = 'determinism';
  if (run.problem !== undefined) return fail(name, run.problem);
  const calls = run.calls;
  if (!calls.some((c) => c.exp === 'pattern_step')) {
    return fail(name, 'the scripted run asked no pattern_step: give it a workflow the pattern judges');
  }
  for (const [k, c] of calls.entries()) {
    const again = await runner.again(c.exp, c.input).catch((e: Error) => `(failed: ${e.message})`);
    if (again !== c.output) {
      return fail(
        name,
        `call ${k + 1} (${c.exp}) answered differently the second time:\n${c.output}\n${again}`,
      );
    }
  }
  return pass(name, `${calls.length} calls, each answered the same bytes twice`);
}

/** The journal folds into the state the live run reached, and replaying it calls the plugin not once. */
async function replay(runner: RecordingRunner, run: ScenarioRun): Promise<CheckResult> {
  const name = 'replay equivalence';
  if (run.problem !== undefined) return fail(name, run.problem);
  const before = runner.calls.length;
  const same = await run.replay();
  if (runner.calls.length !== before) return fail(name, 'replaying the journal called the plugin');
  if (!same) return fail(name, 'the state replayed from the journal differs from the live run’s');
  return pass(
    name,
    `the run (${run.status}, ${run.entries} journal entries, ${run.verdicts} verdicts) replays into the live state`,
  );
}

function bounded(run: ScenarioRun, maxSteps: number, engineBound: number): CheckResult {
  const name = 'bounded termination';
  if (run.problem !== undefined) return fail(name, run.problem);
  if (run.error?.code === 'BATON_E_PATTERN_STEPS') {
    return fail(
      name,
      `the adversarial run did not end by the plugin's own rule: the engine stopped it after ${engineBound} verdicts (max_pattern_steps); the plugin states at most ${maxSteps}`,
    );
  }
  if (run.verdicts > maxSteps) {
    return fail(
      name,
      `the adversarial run took ${run.verdicts} verdicts; the plugin states at most ${maxSteps}`,
    );
  }
  return pass(
    name,
    `the adversarial run ended ${run.status} after ${run.verdicts} verdicts (bound ${maxSteps})`,
  );
}

function failing(run: ScenarioRun, expect: PatternUnderTest['failing']['expect']): CheckResult {
  const name = 'agent-failure handling';
  if (run.problem !== undefined) return fail(name, run.problem);
  const got = `${run.status}${run.error === undefined ? '' : ` (${run.error.code})`}`;
  const want = `${expect.status}${expect.code === undefined ? '' : ` (${expect.code})`}`;
  const ok = run.status === expect.status && (expect.code === undefined || run.error?.code === expect.code);
  return ok
    ? pass(name, `the run ended ${got}, as stated`)
    : fail(name, `the run ended ${got}; stated: ${want}`);
}
