// Pattern plugins in the engine (SQLite store, in-process agents, the sandbox pool): pattern_init before
// the run (journaled), pattern_step asked by the runtime and journaled as PatternDecided, plugin failures
// failing the run with a typed, journaled error while other runs go on, and resumes bound to the bytes
// the run started with.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { fold, type RunStarted } from '../../../src/core/index.js';
import { PatternPlugins } from '../../../src/runtime/pattern-plugins.js';
import { toEntry } from '../../../src/runtime/records.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { sha256 } from '../../../src/wasm/loader.js';
import { WorkerPool } from '../../../src/wasm/worker-pool.js';
import { builtFixtures } from '../../fixtures/plugins/build.js';

let fixtures: string;
let pool: WorkerPool;
let dir: string;
let pluginDir: string;
const apps: App[] = [];

beforeAll(async () => {
  fixtures = await builtFixtures();
  pool = new WorkerPool({ size: 2 });
}, 60_000);
afterAll(() => pool.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-plugin-engine-'));
  // Each test gets its own copy of the plugins folder: some change or remove the bytes.
  pluginDir = join(dir, 'plugins');
  cpSync(fixtures, pluginDir, { recursive: true });
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function app(handlers: Record<string, AgentHandler>, maxPatternSteps?: number): Promise<App> {
  const a = await openApp({
    ...(maxPatternSteps === undefined ? {} : { maxPatternSteps }),
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
    patternPlugins: new PatternPlugins([{ dir: pluginDir, runner: pool }]),
  });
  apps.push(a);
  return a;
}

const wf = (pattern: string, tasks: unknown[]): WorkflowSpec =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    orchestration_pattern: pattern,
    agents: { a: { type: 't', capabilities: ['x'] }, b: { type: 't', capabilities: ['x'] } },
    tasks,
  });

const twoSteps = [
  { id: 'one', agent: 'a' },
  { id: 'two', agent: 'b', depends_on: ['one'] },
];

describe('pattern plugins in the engine', () => {
  it('binds the plugin at the start (journaled) and journals each of its verdicts; replay asks nothing', async () => {
    const { engine, store } = await app({ a: () => ({ n: 1 }), b: () => ({ n: 2 }) });
    const run = await engine.start(wf('test/counter@1.0.0', twoSteps), {});
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ two: { n: 2 } });
    const entries = (await store.read('default', run.runId)).map(toEntry);
    const started = entries[0] as RunStarted;
    const manifest = JSON.parse(readFileSync(join(pluginDir, 'test__counter/manifest.json'), 'utf8')) as {
      sha256: string;
    };
    expect(started.options.pattern).toEqual({
      name: 'test/counter',
      version: '1.0.0',
      sha256: manifest.sha256,
      setup: { state: { steps: 0 }, judges: ['one', 'two'], holds: [], serial: false },
    });
    const verdicts = entries.flatMap((e) =>
      e.type === 'PatternDecided' ? [[e.key, e.state, e.decision]] : [],
    );
    expect(verdicts).toEqual([
      ['one', { steps: 1, last: 'one' }, { op: 'continue' }],
      ['two', { steps: 2, last: 'two' }, { op: 'continue' }],
    ]);
    expect(fold(entries).output).toEqual({ two: { n: 2 } });
  });

  it('asks about outputs that arrive together one at a time, each from the state the last verdict left', async () => {
    // Four tasks with no dependencies finish in the same turn; their verdicts must chain (steps 1..4),
    // not all start from the initial state and overwrite each other (which would end at steps 1).
    const { engine, store } = await app({ a: () => ({ n: 1 }), b: () => ({ n: 2 }) });
    const tasks = ['p', 'q', 'r', 's'].map((id, k) => ({ id, agent: k % 2 === 0 ? 'a' : 'b' }));
    const run = await engine.start(wf('test/counter@1.0.0', tasks), {});
    expect((await engine.settled(run.runId)).status).toBe('completed');
    const entries = (await store.read('default', run.runId)).map(toEntry);
    const steps = entries.flatMap((e) =>
      e.type === 'PatternDecided' ? [(e.state as { steps: number }).steps] : [],
    );
    expect(steps).toEqual([1, 2, 3, 4]);
  });

  it('fails the run with a typed, journaled error when the plugin loops, while another run completes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { engine, store } = await app({
      a: ({ input }) => ((input as { mode?: string }).mode === undefined ? { mode: 'loop' } : { mode: 'x' }),
      b: async () => {
        await gate;
        return { done: true };
      },
    });
    const bad = await engine.start(wf('test/hostile@0.1.0', [{ id: 'one', agent: 'a' }]), {});
    const good = await engine.start(wf('test/counter@1.0.0', [{ id: 'slow', agent: 'b' }]), {});
    const failed = await engine.settled(bad.runId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({
      code: 'BATON_E_PLUGIN_TIMEOUT',
      message:
        'one: plugin test/hostile@0.1.0, export pattern_step: no answer within 500 ms; its worker was terminated and replaced',
      key: 'one',
    });
    const journaled = (await store.read('default', bad.runId)).map(toEntry);
    expect(journaled.some((e) => e.type === 'PatternDecided' && e.decision.op === 'fail')).toBe(true);
    release();
    expect((await engine.settled(good.runId)).output).toEqual({ slow: { done: true } });
  });

  it('fails the run with BATON_E_PLUGIN_OUTPUT when the plugin answers garbage', async () => {
    const { engine } = await app({ a: () => ({ mode: 'badjson' }) });
    const run = await engine.start(wf('test/hostile@0.1.0', [{ id: 'one', agent: 'a' }]), {});
    const final = await engine.settled(run.runId);
    expect(final.error?.code).toBe('BATON_E_PLUGIN_OUTPUT');
    expect(final.error?.message).toMatch(
      /^one: plugin test\/hostile@0\.1\.0, export pattern_step: the output is not JSON/,
    );
  });

  it('bounds a pattern that never ends its run by the engine’s max_pattern_steps, while another run completes', async () => {
    const { engine } = await app({ a: () => ({ mode: 'forever' }), b: () => ({ ok: true }) }, 5);
    const endless = await engine.start(wf('test/hostile@0.1.0', [{ id: 'one', agent: 'a' }]), {});
    const other = await engine.start(wf('test/counter@1.0.0', [{ id: 'two', agent: 'b' }]), {});
    const final = await engine.settled(endless.runId);
    expect(final.error).toEqual({
      code: 'BATON_E_PATTERN_STEPS',
      message:
        'one@6: the test/hostile@0.1.0 pattern took 5 steps without ending the run (max_pattern_steps)',
      key: 'one@6',
    });
    expect((await engine.settled(other.runId)).status).toBe('completed');
  });

  it('refuses to start a run whose plugin fails the loader; no run exists', async () => {
    const path = join(pluginDir, 'test__counter/manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...m, sha256: '0'.repeat(64) }));
    const { engine, store } = await app({});
    await expect(
      engine.start(wf('test/counter@1.0.0', twoSteps), {}, { runId: 'r-hash' }),
    ).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_HASH',
    });
    expect(await store.getRun('default', 'r-hash')).toBeUndefined();
  });

  it('resumes a run only with the bytes it started with', async () => {
    let answer = false;
    const handlers = {
      a: () => ({ n: 1 }),
      b: async () => (answer ? { n: 2 } : new Promise<never>(() => undefined)),
    };
    const first = await app(handlers);
    const run = await first.engine.start(wf('test/counter@1.0.0', twoSteps), {}, { runId: 'r-resume' });
    await waitFor(async () =>
      (await first.store.read('default', run.runId)).some(
        (r) => r.type === 'TaskDispatched' && JSON.stringify(r).includes('"two"'),
      ),
    );
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const wasm = join(pluginDir, 'test__counter/plugin.wasm');
    const manifestPath = join(pluginDir, 'test__counter/manifest.json');
    const original = readFileSync(wasm);
    const manifest = readFileSync(manifestPath, 'utf8');
    // A rebuild with other bytes: a valid custom section appended, the manifest pinning the new hash.
    const rebuilt = Buffer.concat([original, Buffer.from([0x00, 0x03, 0x02, 0x68, 0x69])]);
    writeFileSync(wasm, rebuilt);
    writeFileSync(manifestPath, manifest.replace(sha256(original), sha256(rebuilt)));
    answer = true;
    const second = await app(handlers);
    await expect(second.engine.resume('r-resume')).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_HASH',
      message: expect.stringMatching(
        /the run was started with bytes of sha256 [0-9a-f]{64}.*restore that build/,
      ) as string,
    });
    rmSync(join(pluginDir, 'test__counter'), { recursive: true });
    const third = await app(handlers);
    await expect(third.engine.resume('r-resume')).rejects.toMatchObject({
      code: 'BATON_E_PLUGIN_NOT_FOUND',
      message:
        'plugin test/counter@1.0.0, which the run was started with, is not installed: restore it to resume the run',
    });
    cpSync(join(fixtures, 'test__counter'), join(pluginDir, 'test__counter'), { recursive: true });
    const fourth = await app(handlers);
    await fourth.engine.resume('r-resume');
    const final = await fourth.engine.settled('r-resume');
    expect(final.output).toEqual({ two: { n: 2 } });
    expect(final.pattern).toEqual({ name: 'test/counter@1.0.0', state: { steps: 2, last: 'two' } });
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting');
}
