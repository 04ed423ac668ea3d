// Shared by the debate, group-chat and hierarchical tests: their plugins are built by patterns-harness.ts
// (buildPatternPlugins, once per source version with the project's build script); this opens the
// engine on real SQLite in a temp data dir with in-process agents and the plugins in the sandbox pool,
// as `baton run` does.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../../../src/app.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import type { WorkerPool } from '../../../src/wasm/worker-pool.js';

export const PATTERN_PLUGINS = ['debate', 'group-chat', 'hierarchical'] as const;

export { buildPatternPlugins as builtPatterns } from './patterns-harness.js';

type Verdict = [key: string, op: string, reason: string | undefined];

export interface PatternEngine {
  app: App;
  /** Starts `wf` with `input` and waits for it to settle. */
  run(wf: WorkflowSpec, input?: unknown): Promise<Awaited<ReturnType<App['engine']['settled']>>>;
  /** The run's PatternDecided entries as [key, op, reason]. */
  verdicts(runId: string): Promise<Verdict[]>;
  /** The keys of the tasks dispatched, in journal order. */
  dispatched(runId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** An engine on SQLite in a fresh temp dir, its agents the in-process `handlers`. */
export async function patternEngine(
  pluginDir: string,
  pool: WorkerPool,
  handlers: Record<string, AgentHandler>,
): Promise<PatternEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-patterns-'));
  const app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    adapterFor: (id) =>
      inProcessAdapter(
        handlers[id] ??
          (() => {
            throw new Error(`no handler for agent ${id}`);
          }),
      ),
    patternPlugins: new PatternPlugins([{ dir: pluginDir, runner: pool }]),
  });
  const entries = async (runId: string) => (await app.store.read('default', runId)).map(toEntry);
  return {
    app,
    async run(wf, input = {}) {
      const r = await app.engine.start(wf, input);
      return app.engine.settled(r.runId);
    },
    async verdicts(runId) {
      return (await entries(runId)).flatMap((e) =>
        e.type === 'PatternDecided' ? [[e.key, e.decision.op, e.decision.reason] as Verdict] : [],
      );
    },
    async dispatched(runId) {
      return (await entries(runId)).flatMap((e) => (e.type === 'TaskDispatched' ? [e.key] : []));
    },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A workflow under `pattern` with one agent per id in `agents`. */
export function workflow(
  pattern: string,
  agents: readonly string[],
  tasks: unknown[],
  config?: Record<string, unknown>,
): WorkflowSpec {
  return Workflow.parse({
    name: 'wf',
    version: '1',
    orchestration_pattern: pattern,
    ...(config === undefined ? {} : { pattern_config: config }),
    agents: Object.fromEntries(agents.map((a) => [a, { type: a, capabilities: ['talk'] }])),
    tasks,
  });
}
