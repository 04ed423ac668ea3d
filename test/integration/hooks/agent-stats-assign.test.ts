// Agent statistics as a projection of past runs' journals (hooks/agent-stats.ts), from real runs of the
// engine on SQLite, and the built-in `assign` hook plugin (plugins/hook-assign, built into
// dist/plugins by `npm run build:plugins`) picking the capable agent with the best record from them.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { StoreAgentStats } from '../../../src/hooks/agent-stats.js';
import { GlobalHookAdmin } from '../../../src/hooks/global-hooks.js';
import { hookConfig, type HookInvocation } from '../../../src/hooks/hook-model.js';
import { WasmHookRunner } from '../../../src/hooks/hook-wasm.js';
import { Workflow } from '../../../src/spec/schema.js';
import { InThreadRunner, loadPlugin } from '../../../src/wasm/index.js';

const ROOT = join(import.meta.dirname, '../../..');
const ASSIGN = join(ROOT, 'dist/plugins/assign/manifest.json');
const dir = mkdtempSync(join(tmpdir(), 'baton-agent-stats-'));
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handlers: Record<string, AgentHandler> = {
  steady: async () => {
    await sleep(20);
    return { ok: true };
  },
  cheap: () => {
    throw new Error('cheap agent gave up');
  },
  quick: () => ({ ok: true }),
};

const workflow = Workflow.parse({
  name: 'research',
  version: '1',
  agents: {
    steady: { type: 'researcher', capabilities: ['research'], config: { cost: 3 } },
    cheap: { type: 'researcher', capabilities: ['research'], config: { cost: 1 } },
    quick: { type: 'researcher', capabilities: ['research'] },
  },
  tasks: [
    { id: 'a', agent: 'steady', retry: { max_attempts: 1 } },
    { id: 'b', agent: 'cheap', depends_on: ['a'], retry: { max_attempts: 1 } },
  ],
});

describe('agent statistics and the assign hook', () => {
  it('projects success, latency and declared cost per agent from ended runs, folding new runs on refresh', async () => {
    const app = await openApp({
      dataDir: join(dir, 'data'),
      adapterFor: (id) => inProcessAdapter(handlers[id]!),
    });
    apps.push(app);
    let now = 0;
    const stats = new StoreAgentStats(app.store, { refreshMs: 1000, now: () => now });
    expect(await stats.forAgents('default', ['steady'])).toEqual({
      steady: { attempts: 0, successes: 0, failures: 0, successRate: 0, meanLatencyMs: 0, p50LatencyMs: 0 },
    });
    for (let i = 0; i < 3; i++) {
      const run = await app.engine.start(workflow, {});
      expect((await app.engine.settled(run.runId)).status).toBe('failed');
    }
    // Within refreshMs: the projection is not read again.
    expect((await stats.forAgents('default', ['steady'])).steady!.attempts).toBe(0);
    now = 1000;
    const s = await stats.forAgents('default', ['steady', 'cheap', 'quick']);
    expect(s.steady).toMatchObject({ attempts: 3, successes: 3, failures: 0, successRate: 1, cost: 3 });
    expect(s.steady!.meanLatencyMs).toBeGreaterThanOrEqual(15);
    expect(s.steady!.p50LatencyMs).toBeGreaterThanOrEqual(15);
    expect(s.cheap).toMatchObject({ attempts: 3, successes: 0, failures: 3, successRate: 0, cost: 1 });
    expect(s.quick).toMatchObject({ attempts: 0 });
    expect(s.quick!.cost).toBeUndefined();

    const run = await app.engine.start(workflow, {});
    await app.engine.settled(run.runId);
    now = 2000;
    expect((await stats.forAgents('default', ['steady'])).steady!.attempts).toBe(4);
  });

  it.skipIf(!existsSync(ASSIGN))(
    'assign picks the best record among the candidates (skipped: run npm run build:plugins)',
    async () => {
      const runner = new InThreadRunner();
      const plugin = await loadPlugin(ASSIGN, { runner });
      const wasm = new WasmHookRunner(() => Promise.resolve(plugin));
      const hook = hookConfig({ name: 'assign', trigger: 'pre_task', command: 'assign@1.0.0' }, 'global');
      expect(hook.kind).toBe('wasm');
      const ask = (agent: string, candidates: string[], stats: Record<string, unknown>) => {
        const inv: HookInvocation = {
          trigger: 'pre_task',
          namespace: 'default',
          runId: 'r1',
          workflow: 'research',
          task: 'a',
          agent,
          attempt: 1,
          context: { task: 'a', key: 'a', attempt: 1, agent, candidates, input: {}, stats },
          idempotencyKey: 'r1/pre_task/a@1/assign',
        };
        return wasm.run(hook, inv, new AbortController().signal);
      };
      const rec = (attempts: number, successes: number, meanLatencyMs: number, cost?: number) => ({
        attempts,
        successes,
        failures: attempts - successes,
        successRate: attempts === 0 ? 0 : successes / attempts,
        meanLatencyMs,
        p50LatencyMs: meanLatencyMs,
        ...(cost !== undefined && { cost }),
      });
      // The declared agent failed every time: the steady one gets the task.
      const moved = await ask('cheap', ['cheap', 'steady', 'quick'], {
        cheap: rec(3, 0, 5, 1),
        steady: rec(3, 3, 20, 3),
        quick: rec(0, 0, 0),
      });
      expect(moved).toMatchObject({ verdict: 'transform', patch: { agent: 'steady' } });
      expect(moved.message).toMatch(/^assigned steady: best record of 3 capable agent\(s\)/);
      // Equal records: the lower declared cost, then the lower latency.
      expect(
        await ask('steady', ['steady', 'cheap'], { steady: rec(4, 4, 10, 3), cheap: rec(4, 4, 10, 1) }),
      ).toMatchObject({
        patch: { agent: 'cheap' },
      });
      expect(
        await ask('steady', ['steady', 'quick'], { steady: rec(4, 4, 30), quick: rec(4, 4, 10) }),
      ).toMatchObject({
        patch: { agent: 'quick' },
      });
      // The declared agent is the best: the task goes as it is.
      expect(
        await ask('steady', ['steady', 'cheap'], { steady: rec(5, 5, 10), cheap: rec(5, 1, 10) }),
      ).toEqual({
        verdict: 'allow',
      });
      // No statistics (a source was not wired): the declared agent runs, with a word why.
      const none = await wasm.run(
        hook,
        {
          trigger: 'pre_task',
          namespace: 'default',
          runId: 'r1',
          workflow: 'w',
          context: { candidates: ['x'] },
          idempotencyKey: 'k',
        },
        new AbortController().signal,
      );
      expect(none).toMatchObject({
        verdict: 'allow',
        message: expect.stringContaining('no candidates or statistics') as unknown,
      });
    },
  );
});

describe('automated assignment in real runs', () => {
  it.skipIf(!existsSync(ASSIGN))(
    'a global assign hook moves a task from its failing declared agent to the capable one with the best record',
    async () => {
      const app = await openApp({
        dataDir: join(dir, 'assign'),
        adapterFor: (id) => inProcessAdapter(handlers[id]!),
      });
      apps.push(app);
      for (let i = 0; i < 2; i++) {
        const run = await app.engine.start(workflow, {});
        expect((await app.engine.settled(run.runId)).status).toBe('failed');
      }
      // From now on: the namespace's runs carry the built-in assign hook.
      await new GlobalHookAdmin(app.store).create('default', {
        name: 'assign',
        trigger: 'pre_task',
        command: 'assign@1.0.0',
      });
      const run = await app.engine.start(workflow, {});
      expect((await app.engine.settled(run.runId)).status).toBe('completed');
      const journal = await app.store.read('default', run.runId);
      const b = journal.find((r) => r.type === 'TaskDispatched' && (r.data as { key: string }).key === 'b');
      const d = b!.data as { agent: string | null; instance: string | null };
      expect(d.instance ?? d.agent).not.toBe('cheap');
      const logged = (await app.store.listHookExecutions('default', { runId: run.runId, hook: 'assign' }))
        .executions;
      expect(logged.map((e) => e.verdict)).toContain('transform');
      expect(logged.find((e) => e.verdict === 'transform')!.message).toMatch(
        /^assigned (steady|quick): best record/,
      );
    },
  );
});
