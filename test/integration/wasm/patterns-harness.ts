// The one harness of the patterns-*.test.ts files (and the conformance and examples tests): builds the
// built-in pattern plugins of plugins/ with the project's own script (once per source version, into a
// temp folder named by the sources' hash), and opens the engine on real SQLite with in-process agents
// and those plugins in the sandbox pool, as `baton run` does.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import type { JournalEntry as Entry } from '../../../src/core/index.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { WorkerPool } from '../../../src/wasm/worker-pool.js';
import { afterAll, afterEach, beforeAll } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations.
import { buildPlugin } from '../../../scripts/build-plugins.js';

const ROOT = join(import.meta.dirname, '../../..');
export const PATTERNS = ['router', 'reflection', 'swarm', 'map-reduce'] as const;

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

/**
 * The folder holding `<name>/{plugin.wasm,manifest.json}` for the plugins/ folders `names`, built once
 * per source version (into a private folder, then renamed: test files may race to build it).
 */
export async function buildPatternPlugins(names: readonly string[]): Promise<string> {
  const out = join(tmpdir(), `baton-pattern-plugins-${sourcesHash(names)}`);
  if (existsSync(join(out, 'done'))) return out;
  const work = await mkdtemp(join(tmpdir(), 'baton-pattern-build-'));
  type Build = (dir: string, out: string) => Promise<string>;
  for (const n of names) await (buildPlugin as Build)(join(ROOT, 'plugins', n), work);
  writeFileSync(join(work, 'done'), '');
  try {
    await rename(work, out);
  } catch {
    // Another test file built it first: use theirs.
    await rm(work, { recursive: true, force: true });
  }
  return out;
}

/** The built router, reflection, swarm and map-reduce plugins. */
export const builtPatterns = (): Promise<string> => buildPatternPlugins(PATTERNS);

type Verdict = [key: string, op: string, reason: string | undefined];

/**
 * One test's engine, the one way the pattern tests open it: its own data dir (SQLite), the built
 * plugins run in `pool`, agents in-process (an agent without a handler throws).
 */
export class PatternEngine {
  private readonly dir = mkdtempSync(join(tmpdir(), 'baton-patterns-'));
  private opened: App | undefined;

  constructor(
    private readonly plugins: string,
    private readonly pool: WorkerPool,
  ) {}

  async open(handlers: Record<string, AgentHandler>): Promise<App> {
    this.opened = await openApp({
      dataDir: join(this.dir, 'data'),
      inboxPollMs: 20,
      adapterFor: (id) =>
        inProcessAdapter(
          handlers[id] ??
            (() => {
              throw new Error(`no handler for agent ${id}`);
            }),
        ),
      patternPlugins: new PatternPlugins([{ dir: this.plugins, runner: this.pool }]),
    });
    return this.opened;
  }

  get app(): App {
    return this.opened!;
  }

  /** Starts `wf` with `input` and waits for it to settle. */
  async run(wf: WorkflowSpec, input: unknown = {}) {
    const r = await this.app.engine.start(wf, input);
    return this.app.engine.settled(r.runId);
  }

  async journal(runId: string): Promise<Entry[]> {
    return (await this.app.store.read('default', runId)).map(toEntry);
  }

  /** The run's PatternDecided entries as [key, op, reason]. */
  async verdicts(runId: string): Promise<Verdict[]> {
    return (await this.journal(runId)).flatMap((e) =>
      e.type === 'PatternDecided' ? [[e.key, e.decision.op, e.decision.reason] as Verdict] : [],
    );
  }

  /** The keys of the tasks dispatched, in journal order. */
  async dispatched(runId: string): Promise<string[]> {
    return dispatched(await this.journal(runId));
  }

  async close(): Promise<void> {
    await this.opened?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An engine opened with the in-process `handlers` (see PatternEngine). */
export async function patternEngine(
  plugins: string,
  pool: WorkerPool,
  handlers: Record<string, AgentHandler>,
): Promise<PatternEngine> {
  const e = new PatternEngine(plugins, pool);
  await e.open(handlers);
  return e;
}

/**
 * For a test file about the plugins `names`: builds them and opens a sandbox pool once for the file,
 * closes the engines a test opened after it; returns the function a test opens an engine with.
 */
export function usePatternEngines(
  names: readonly string[],
): (handlers: Record<string, AgentHandler>) => Promise<PatternEngine> {
  let plugins: string;
  let pool: WorkerPool;
  const engines: PatternEngine[] = [];
  beforeAll(async () => {
    plugins = await buildPatternPlugins(names);
    pool = new WorkerPool({ size: 2 });
  }, 120_000);
  afterAll(() => pool.close());
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
  });
  return async (handlers) => {
    const e = await patternEngine(plugins, pool, handlers);
    engines.push(e);
    return e;
  };
}

/** A workflow under `pattern` with one agent per id in `agents` (the team pattern tests' shape). */
export function teamWorkflow(
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

/** A workflow spec as a user writes it (parsed by the language's schema, defaults and all). */
export const workflow = (spec: Record<string, unknown>): WorkflowSpec =>
  Workflow.parse({ name: 'wf', version: '1', ...spec });

/** Agents declared with one capability each (the names are what matters to the patterns). */
export const agents = (...ids: string[]): Record<string, { type: string; capabilities: string[] }> =>
  Object.fromEntries(ids.map((id) => [id, { type: id, capabilities: ['work'] }]));

/** Which tasks (round keys, subtask keys) had an attempt dispatched, in journal order. */
export const dispatched = (entries: readonly Entry[]): string[] =>
  entries.flatMap((e) => (e.type === 'TaskDispatched' ? [e.key] : []));

/** The journaled verdicts as `op` (or `op:to`). */
export const verdicts = (entries: readonly Entry[]): string[] =>
  entries.flatMap((e) =>
    e.type === 'PatternDecided'
      ? [e.decision.op === 'handoff' ? `handoff:${e.decision.to}` : e.decision.op]
      : [],
  );
