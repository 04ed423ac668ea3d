// The built-in patterns through the plugin door, as the app wires them: `orchestration_pattern:
// supervisor` binds the plugin from the package's dist/plugins (trusted, in-thread) and journals its
// name, version and sha256; a pattern_init refusal rejects the start before a run exists (for a block
// too); and a run under a plugin pattern can be modified live, except for its pattern_config.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import type { RunStarted } from '../../../src/core/index.js';
import { builtinPluginsDir, PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import { InThreadRunner } from '../../../src/wasm/in-thread.js';
import { toEntry } from '../../../src/runtime/records.js';
import { BUILTIN_PLUGIN_PATTERNS } from '../../../src/plan/index.js';
import { Task, Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';

let dir: string;
const apps: App[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-builtin-patterns-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function app(handlers: Record<string, AgentHandler>): Promise<App> {
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (({ input }) => input)),
  });
  apps.push(a);
  return a;
}

/** plan (the supervisor) -> work -> review (the supervisor's last task: the review). */
const supervised = (config: Record<string, unknown> = {}): WorkflowSpec =>
  Workflow.parse({
    name: 'sup',
    version: '1',
    orchestration_pattern: 'supervisor',
    pattern_config: config,
    agents: { boss: { type: 't' }, worker: { type: 't' } },
    tasks: [
      { id: 'plan', agent: 'boss' },
      { id: 'work', agent: 'worker', depends_on: ['plan'] },
      { id: 'review', agent: 'boss', depends_on: ['work'] },
    ],
  });

const builtinSha = (name: string): string =>
  (JSON.parse(readFileSync(join(builtinPluginsDir(), name, 'manifest.json'), 'utf8')) as { sha256: string })
    .sha256;

describe('the built-in patterns are plugins', () => {
  it('runs `supervisor` by its bare name on the built-in plugin, journaling its binding', async () => {
    let reviews = 0;
    const { engine, store } = await app({
      boss: ({ input }) =>
        (input as { work?: unknown }).work === undefined
          ? { plan: 'p' }
          : ++reviews === 1
            ? { decision: 'revise', reason: 'thin' }
            : { decision: 'accept' },
      worker: ({ input }) => ({ did: (input as { feedback?: unknown }).feedback ?? 'first' }),
    });
    const run = await engine.start(supervised(), {});
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ review: { decision: 'accept' } });
    const entries = (await store.read('default', run.runId)).map(toEntry);
    const binding = (entries[0] as RunStarted).options.pattern!;
    expect([binding.name, binding.version, binding.sha256]).toEqual([
      'supervisor',
      '1.0.0',
      builtinSha('supervisor'),
    ]);
    const verdicts = entries.flatMap((e) => (e.type === 'PatternDecided' ? [[e.key, e.decision.op]] : []));
    expect(verdicts).toEqual([
      ['plan', 'continue'],
      ['review', 'rerun'],
      ['review@2', 'continue'],
    ]);
    const work2 = entries.find((e) => e.type === 'TaskCompleted' && e.key === 'work@2');
    expect(work2).toMatchObject({ output: { did: { round: 2, revise: [], reason: 'thin' } } });
  });

  it('refuses a start whose pattern_config the plugin refuses: no run exists', async () => {
    const { engine, store } = await app({});
    await expect(engine.start(supervised({ max_rounds: 0 }), {}, { runId: 'r-bad' })).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: 'supervisor: pattern_config.max_rounds: expected an integer from 1 to 1000',
    });
    expect(await store.getRun('default', 'r-bad')).toBeUndefined();
    // A block's pattern is asked when its parent starts.
    const withBlock = Workflow.parse({
      name: 'desk',
      version: '1',
      agents: { triage: { type: 't' }, billing: { type: 't' } },
      tasks: [
        {
          id: 'desk',
          block: { pattern: 'handoff', agents: ['triage', 'billing'], config: { max_handoffs: 'x' } },
        },
      ],
    });
    await expect(engine.start(withBlock, {}, { runId: 'r-block' })).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: expect.stringContaining('max_handoffs') as unknown,
    });
    expect((await store.listRuns('default')).runs).toEqual([]);
  });

  it('modifies a live run under a plugin pattern; a change of its pattern_config is refused', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { engine } = await app({
      boss: ({ input }) => ((input as { work?: unknown }).work === undefined ? { plan: 'p' } : 'accept'),
      worker: async () => {
        await gate;
        return { done: true };
      },
    });
    const run = await engine.start(supervised(), {});
    await waitFor(() => run.state.tasks[1]?.status === 'running');
    await expect(
      engine.modify(run.runId, {
        kind: 'modify',
        by: 'alice',
        reason: 'more rounds',
        changes: [{ op: 'pattern_config', config: { max_rounds: 5 } }],
      }),
    ).rejects.toMatchObject({
      code: 'BATON_E_MODIFY_CONFLICT',
      message: expect.stringContaining('pattern_config of plugin pattern "supervisor"') as unknown,
    });
    // The plugin's setup judges `review`: a change removing it is refused, naming why.
    await expect(
      engine.modify(run.runId, {
        kind: 'modify',
        by: 'alice',
        reason: 'no review',
        changes: [{ op: 'remove_task', task: 'review' }],
      }),
    ).rejects.toMatchObject({
      code: 'BATON_E_MODIFY_INVALID',
      message: expect.stringContaining('supervisor: no task "review"') as unknown,
    });
    const added = Task.parse({ id: 'notify', agent: 'worker', depends_on: ['plan'] });
    await engine.modify(run.runId, {
      kind: 'modify',
      by: 'alice',
      reason: 'tell someone',
      changes: [{ op: 'add_task', task: added }],
    });
    release();
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.workflow?.tasks.map((t) => t.id)).toEqual(['plan', 'work', 'review', 'notify']);
    expect(final.output).toEqual({ review: 'accept', notify: { done: true } });
    expect(final.pattern).toMatchObject({ name: 'supervisor' });
  });

  it('names a built-in whose plugin was never built and says how to build it', async () => {
    // An engine whose built-in folder is empty, as in a checkout where build:plugins never ran.
    const empty = join(dir, 'no-dist-plugins');
    const runner = new InThreadRunner();
    const a = await openApp({
      dataDir: join(dir, 'data'),
      patternPlugins: new PatternPlugins([{ dir: empty, runner }]),
    });
    apps.push(a);
    try {
      await expect(a.engine.start(supervised(), {})).rejects.toMatchObject({
        code: 'BATON_E_PATTERN_NOT_BUILT',
        message:
          'orchestration pattern "supervisor" is built in, but its plugin is not built (dist/plugins has no ' +
          'such pattern): run `npm run build:plugins`',
      });
      expect((await a.store.listRuns('default')).runs).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it('knows which built-ins are plugins: exactly the patterns of plugins/', () => {
    const root = join(import.meta.dirname, '../../../plugins');
    const names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map(
        (d) =>
          JSON.parse(readFileSync(join(root, d.name, 'manifest.json'), 'utf8')) as {
            name: string;
            kind: string;
          },
      )
      .filter((m) => m.kind === 'pattern') // plugins/ also holds the built-in hook plugins
      .map((m) => m.name);
    expect([...BUILTIN_PLUGIN_PATTERNS].sort()).toEqual(names.sort());
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('timed out waiting');
}
