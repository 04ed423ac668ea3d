// Shared by the patterns-*.test.ts files: builds the built-in pattern plugins (plugins/debate,
// group-chat, hierarchical) once per source version with the project's build script, and opens the
// engine on real SQLite in a temp data dir with in-process agents and the plugins in the sandbox pool,
// as `baton run` does.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../../../src/app.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import type { WorkerPool } from '../../../src/wasm/worker-pool.js';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';

const ROOT = join(import.meta.dirname, '../../..');
export const PATTERN_PLUGINS = ['debate', 'group-chat', 'hierarchical'] as const;

function sourcesHash(names: readonly string[]): string {
  const h = createHash('sha256');
  const files = [
    join(ROOT, 'scripts/build-plugins.js'),
    join(ROOT, 'sdk/pattern-kit/assembly/index.ts'),
    ...names.flatMap((n) => [
      join(ROOT, 'plugins', n, 'manifest.json'),
      ...readdirSync(join(ROOT, 'plugins', n, 'assembly')).map((f) =>
        join(ROOT, 'plugins', n, 'assembly', f),
      ),
    ]),
  ];
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** The folder holding the built plugins `names` (built into a private folder, then renamed). */
export async function builtPatterns(names: readonly string[]): Promise<string> {
  const out = join(tmpdir(), `baton-pattern-plugins-${sourcesHash(names)}`);
  if (existsSync(join(out, 'done'))) return out;
  const work = await mkdtemp(join(tmpdir(), 'baton-pattern-build-'));
  for (const n of names) {
    await (buildPlugin as (dir: string, out: string) => Promise<string>)(join(ROOT, 'plugins', n), work);
  }
  writeFileSync(join(work, 'done'), '');
  try {
    await rename(work, out);
  } catch {
    await rm(work, { recursive: true, force: true });
  }
  return out;
}

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
