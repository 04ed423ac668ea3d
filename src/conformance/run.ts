// One scenario of the conformance suite through Baton's engine: its own data directory, the plugin
// under test installed in a plugins folder the engine reads, in-process agents; the run's outcome, the
// plugin calls it made, and a replay of its journal by a second engine on the same data directory.

import { isDeepStrictEqual } from 'node:util';
import { inProcessAdapter } from '../agents/in-process.js';
import { openApp } from '../app.js';
import { snapshot, type RunState } from '../core/index.js';
import { PatternPlugins } from '../runtime/pattern-plugins.js';
import { formatDiagnostics } from '../spec/index.js';
import { parseWorkflow } from '../spec/load.js';
import { Workflow, type WorkflowSpec } from '../spec/schema.js';
import type { RecordedCall, RecordingRunner } from './recording-runner.js';
import type { Scenario } from './types.js';

export interface ScenarioEnv {
  /** The scenario's data directory. */
  readonly dir: string;
  /** The folder holding the plugin under test. */
  readonly plugins: string;
  readonly runner: RecordingRunner;
  /** `name@version` of the plugin: the scenario's orchestration_pattern. */
  readonly pattern: string;
  readonly timeoutMs: number;
}

export interface ScenarioRun {
  /** Why the scenario did not give a run to check (bad workflow, refused start, a hang). */
  readonly problem?: string;
  readonly status: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** The plugin calls the run made, in order. */
  readonly calls: readonly RecordedCall[];
  readonly entries: number;
  readonly verdicts: number;
  /** Replays the journal with a fresh engine: whether it folds into the live run's state. */
  replay(): Promise<boolean>;
}

function workflowOf(s: Scenario, pattern: string): WorkflowSpec {
  let raw: unknown = s.workflow;
  if (typeof raw === 'string') {
    const r = parseWorkflow(raw);
    if (!r.ok)
      throw new Error(
        `the scenario's workflow is not valid:\n${formatDiagnostics(r.diagnostics, '<scenario workflow>')}`,
      );
    raw = r.spec;
  }
  const parsed = Workflow.safeParse({ ...(raw as object), orchestration_pattern: pattern });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(workflow)'}: ${i.message}`);
    throw new Error(`the scenario's workflow is not valid: ${issues.join('; ')}`);
  }
  const spec = parsed.data;
  // The scenario's handlers play every agent: endpoints (modules, workers) are not called.
  const agents = Object.fromEntries(
    Object.entries(spec.agents).map(([id, { endpoint: _endpoint, ...agent }]) => [id, agent]),
  );
  return { ...spec, agents };
}

const failed = (problem: string): ScenarioRun => ({
  problem,
  status: 'none',
  calls: [],
  entries: 0,
  verdicts: 0,
  replay: () => Promise.resolve(false),
});

export async function runScenario(
  env: ScenarioEnv,
  s: Scenario,
  maxPatternSteps?: number,
): Promise<ScenarioRun> {
  const open = () =>
    openApp({
      dataDir: env.dir,
      inboxPollMs: 20,
      adapterFor: (id) => inProcessAdapter(s.agents[id] ?? (({ input }) => input)),
      patternPlugins: new PatternPlugins([{ dir: env.plugins, runner: env.runner }]),
      ...(maxPatternSteps === undefined ? {} : { maxPatternSteps }),
    });
  let workflow: WorkflowSpec;
  try {
    workflow = workflowOf(s, env.pattern);
  } catch (e) {
    return failed((e as Error).message);
  }
  const first = env.runner.calls.length;
  const app = await open();
  let state: RunState | 'hang';
  let runId: string;
  try {
    const actor = await app.engine.start(workflow, s.input ?? {});
    runId = actor.runId;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), env.timeoutMs)));
    state = await Promise.race([app.engine.settled(runId), hang]);
    clearTimeout(timer);
  } catch (e) {
    await app.close();
    return failed(`the run did not start: ${(e as Error).message}`);
  }
  const records = await app.store.read('default', runId);
  await app.close();
  if (state === 'hang') return failed(`the run did not end within ${env.timeoutMs} ms`);
  const live = JSON.parse(JSON.stringify(snapshot(state))) as unknown;
  return {
    status: state.status,
    ...(state.error ? { error: { code: state.error.code, message: state.error.message } } : {}),
    calls: env.runner.calls.slice(first),
    entries: records.length,
    verdicts: records.filter((r) => r.type === 'PatternDecided').length,
    async replay() {
      const again = await open();
      try {
        const replayed = JSON.parse(JSON.stringify(snapshot(await again.engine.load(runId)))) as unknown;
        return isDeepStrictEqual(replayed, live);
      } finally {
        await again.close();
      }
    },
  };
}
