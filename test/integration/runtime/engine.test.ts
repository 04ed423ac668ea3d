// The engine over the real embedded adapters (SQLite in a temp dir, in-process bus) with in-process agents.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { RetryableError, TerminalError, type AgentHandler } from '../../../src/agents/handler.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { RECENTLY_ENDED, type EngineOptions } from '../../../src/runtime/engine.js';
import { FROM_START } from '../../../src/bus/bus.js';
import { fold, snapshot } from '../../../src/core/index.js';
import { toEntry } from '../../../src/runtime/records.js';

let dir: string;
const apps: App[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-engine-'));
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function app(
  handlers: Record<string, AgentHandler>,
  extra: Partial<Omit<EngineOptions, 'store' | 'bus'>> = {},
): Promise<App> {
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    // Agent b idles unless a test gives it work: every declared agent must be runnable.
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
    ...extra,
  });
  apps.push(a);
  return a;
}

const wf = (tasks: unknown[], extra: Record<string, unknown> = {}): WorkflowSpec =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    agents: { a: { type: 't', capabilities: ['x'] }, b: { type: 't', capabilities: ['x'] } },
    tasks,
    ...extra,
  });

describe('engine (embedded)', () => {
  it('runs a graph to completion, passing outputs downstream, and journals every fact', async () => {
    const seen: unknown[] = [];
    const { engine, store } = await app({
      a: ({ input }) => {
        seen.push(input);
        return { n: ((input as { n?: number }).n ?? 0) + 1 };
      },
    });
    const run = await engine.start(
      wf([
        { id: 'one', agent: 'a' },
        { id: 'two', agent: 'a', depends_on: ['one'], input: { n: 'tasks.one.output.n' } },
      ]),
      { hello: 'world' },
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ two: { n: 2 } });
    expect(seen[1]).toEqual({ n: 1 });
    const types = (await store.read('default', run.runId)).map((r) => r.type);
    expect(types[0]).toBe('RunStarted');
    expect(types.filter((t) => t === 'TaskDispatched')).toHaveLength(2);
    expect(types.at(-1)).toBe('RunCompleted');
    expect((await store.getRun('default', run.runId))?.status).toBe('completed');
    const status = await engine.status(run.runId);
    expect(status).toMatchObject({ workflow_id: run.runId, status: 'completed' });
    expect(status.performance_metrics.tasks_completed).toBe(2);
    expect(status.performance_metrics.coordination_overhead).toBeGreaterThan(0);
  });

  it('retries a failing agent with backoff until it succeeds', async () => {
    let calls = 0;
    const { engine } = await app({
      a: () => {
        calls++;
        if (calls < 3) throw new RetryableError('flaky');
        return 'ok';
      },
    });
    const run = await engine.start(
      wf([{ id: 'one', agent: 'a', retry: { initial_interval: '5ms', max_attempts: 5, jitter: false } }]),
      {},
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(calls).toBe(3);
    expect(final.metrics.retries).toBe(2);
  });

  it('compensates completed tasks in reverse order when a task fails for good', async () => {
    const compensated: string[] = [];
    const { engine } = await app({
      a: ({ input }) => {
        const i = input as { undo?: string };
        if (i.undo) compensated.push(i.undo);
        return 'done';
      },
      b: () => {
        throw new TerminalError('card declined');
      },
    });
    const run = await engine.start(
      wf([
        { id: 'reserve', agent: 'a', compensate: { agent: 'a', input: { undo: '"reserve"' } } },
        {
          id: 'hold',
          agent: 'a',
          depends_on: ['reserve'],
          compensate: { agent: 'a', input: { undo: '"hold"' } },
        },
        { id: 'charge', agent: 'b', depends_on: ['hold'] },
      ]),
      {},
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'BATON_E_AGENT_REJECTED', key: 'charge' });
    expect(compensated).toEqual(['hold', 'reserve']);
    expect((await engine.status(run.runId)).baton.compensated).toEqual(['hold', 'reserve']);
  });

  it('routes around an agent whose circuit breaker is open to another capable agent', async () => {
    const served: string[] = [];
    const { engine } = await app(
      {
        a: () => {
          served.push('a');
          throw new RetryableError('down');
        },
        b: () => {
          served.push('b');
          return 'ok';
        },
      },
      { breakers: { failureThreshold: 2, openMs: 60_000, halfOpenProbes: 1 } },
    );
    const run = await engine.start(
      wf([
        {
          id: 'one',
          agent: 'a',
          requires: ['x'],
          retry: { initial_interval: '1ms', max_attempts: 4, jitter: false },
        },
      ]),
      {},
    );
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(served).toEqual(['a', 'a', 'b']);
    expect(engine.breakers.view()).toEqual([
      expect.objectContaining({ state: 'open', consecutiveFailures: 2 }),
    ]);
  });

  it('starts an event-triggered task when a signal arrives from another process', async () => {
    const { engine } = await app({ a: ({ input }) => input });
    const run = await engine.start(
      wf(
        [
          { id: 'prep', agent: 'a' },
          {
            id: 'ship',
            agent: 'a',
            depends_on: ['prep'],
            wait_for: { channel: 'approvals', event: 'approved', timeout: '1m' },
          },
        ],
        { coordination: { event_driven: ['approvals'] } },
      ),
      {},
    );
    // Another process (a second engine on the same data dir) posts the signal into the run's inbox.
    const other = await openApp({ dataDir: dir, owner: 'other-process' });
    apps.push(other);
    await new Promise((r) => setTimeout(r, 50));
    await other.engine.command(run.runId, {
      kind: 'signal',
      channel: 'approvals',
      name: 'approved',
      data: { by: 'ada' },
    });
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(JSON.stringify(final.output)).toContain('ada');
  });

  it('resumes a run another process abandoned: completed tasks are not run again, the in-flight one is re-issued with its idempotency key', async () => {
    const calls: Array<{ task: string; idem: string }> = [];
    let hang = true;
    const handler: AgentHandler = async ({ taskId, idempotencyKey, signal }) => {
      calls.push({ task: taskId, idem: idempotencyKey });
      if (taskId === 'two' && hang)
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      return taskId;
    };
    const first = await app({ a: handler });
    const run = await first.engine.start(
      wf([
        { id: 'one', agent: 'a' },
        { id: 'two', agent: 'a', depends_on: ['one'] },
        { id: 'three', agent: 'a', depends_on: ['two'] },
      ]),
      {},
    );
    while (!calls.some((c) => c.task === 'two')) await new Promise((r) => setTimeout(r, 5));
    await first.close(); // the process goes away with `two` in flight
    apps.splice(apps.indexOf(first), 1);

    hang = false;
    const second = await app({ a: handler }, { owner: 'second' });
    await second.engine.resume(run.runId);
    const final = await second.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(calls.map((c) => c.task)).toEqual(['one', 'two', 'two', 'three']);
    expect(calls[2]!.idem).toBe(calls[1]!.idem);
  });

  it('resumes from a snapshot plus the journal after it, ending as a replay of the whole journal would', async () => {
    let hang = true;
    const handler: AgentHandler = async ({ taskId, signal }) => {
      if (taskId === 't5' && hang)
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopped'))),
        );
      return taskId;
    };
    const chain = Array.from({ length: 8 }, (_, i) => ({
      id: `t${i}`,
      agent: 'a',
      depends_on: i ? [`t${i - 1}`] : [],
    }));
    const first = await app({ a: handler }, { snapshotEvery: 4 });
    const run = await first.engine.start(wf(chain), {});
    while (
      (await first.store.read('default', run.runId)).filter((r) => r.type === 'TaskDispatched').length < 6
    ) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const snap = await first.store.loadSnapshot('default', run.runId);
    expect(snap?.seq).toBeGreaterThanOrEqual(8); // taken while the run went on
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    hang = false;
    const second = await app({ a: handler }, { owner: 'second', snapshotEvery: 4 });
    await second.engine.resume(run.runId);
    const final = await second.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    const replayed = fold((await second.store.read('default', run.runId)).map(toEntry));
    expect(snapshot(final)).toEqual(snapshot(replayed));
  });

  it('refuses to resume a run that a live process drives, and a run that ended', async () => {
    const { engine } = await app({ a: () => new Promise(() => undefined) });
    const run = await engine.start(wf([{ id: 'one', agent: 'a' }]), {});
    const other = await openApp({ dataDir: dir, owner: 'intruder' });
    apps.push(other);
    await expect(other.engine.resume(run.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNED' });
    await other.engine.command(run.runId, { kind: 'cancel', by: 'test', reason: 'no longer needed' });
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('cancelled');
    await expect(other.engine.resume(run.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_ENDED' });
  });

  it('refuses a workflow whose agents nothing can run, before creating a run', async () => {
    const a = await openApp({ dataDir: dir });
    apps.push(a);
    const { engine, store } = a;
    await expect(engine.start(wf([{ id: 'one', agent: 'a' }]), {})).rejects.toMatchObject({
      code: 'BATON_E_AGENT_UNBOUND',
    });
    expect((await store.listRuns('default')).runs).toEqual([]);
  });
});

describe('engine: watching a run', () => {
  it("publishes the engine's status events and the agents' own progress on the run's stream", async () => {
    const { engine, bus } = await app({
      a: ({ report }) => {
        report(0.5, 'halfway');
        return 'ok';
      },
    });
    const run = await engine.start(
      wf([{ id: 'one', agent: 'a' }], { coordination: { event_driven: ['agent_status'] } }),
      {},
    );
    const seen: Array<{ channel: string; name: string | null; data: Record<string, unknown> }> = [];
    const sub = await bus.subscribe(run.stream, { fromId: FROM_START }, (m) => {
      seen.push(m.data as (typeof seen)[number]);
    });
    await engine.settled(run.runId);
    await new Promise((r) => setTimeout(r, 20));
    await sub.close();
    expect(seen.map((e) => `${e.channel}:${e.name}`)).toEqual([
      'agent_status:running',
      'agent_status:progress',
      'agent_status:completed',
    ]);
    expect(seen[1]!.data).toMatchObject({ agent_id: 'a', key: 'one', progress: 0.5, text: 'halfway' });
  });
});

describe('engine: runs that ended', () => {
  it('answers settled() after the end for its recent runs only, sharing one derived graph across them', async () => {
    const { engine } = await app({ a: ({ input }) => input });
    const spec = wf([
      { id: 'one', agent: 'a' },
      { id: 'two', agent: 'a', depends_on: ['one'] },
    ]);
    const runs = [];
    for (let i = 0; i < RECENTLY_ENDED + 2; i++) {
      const actor = await engine.start(spec, { i });
      await engine.settled(actor.runId);
      runs.push(actor);
    }
    // Runs of one workflow share what its task list derives; each has its own fan-out lists.
    expect(runs[0]!.state.ctx!.graph).toBe(runs[1]!.state.ctx!.graph);
    expect(runs[0]!.state.ctx!.fanItems).not.toBe(runs[1]!.state.ctx!.fanItems);
    const last = runs.at(-1)!;
    const final = await engine.settled(last.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({
      two: { input: { i: RECENTLY_ENDED + 1 }, one: { input: { i: RECENTLY_ENDED + 1 } } },
    });
    // The oldest final states are let go: the journal still has them.
    await expect(engine.settled(runs[0]!.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_NOT_FOUND' });
    expect((await engine.load(runs[0]!.runId)).status).toBe('completed');
  });
});

describe('engine: what it refuses before a run exists', () => {
  it('names an orchestration pattern it does not have, and a bad pattern_config', async () => {
    const { engine, store } = await app({});
    await expect(
      engine.start(wf([{ id: 'one', agent: 'a' }], { orchestration_pattern: 'acme/absent' }), {}),
    ).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_UNKNOWN',
      message: expect.stringContaining('"acme/absent"') as unknown,
    });
    await expect(
      engine.start(
        wf([{ id: 'one', agent: 'a' }], {
          orchestration_pattern: 'supervisor',
          pattern_config: { max_rounds: 'x' },
        }),
        {},
      ),
    ).rejects.toMatchObject({
      code: 'BATON_E_PATTERN_CONFIG',
      message: expect.stringContaining('max_rounds') as unknown,
    });
    expect((await store.listRuns('default')).runs).toEqual([]);
  });

  it('names a required input the run was not given', async () => {
    const { engine } = await app({});
    const spec = wf([{ id: 'one', agent: 'a' }], { inputs: { question: { required: true } } });
    await expect(engine.start(spec, {})).rejects.toMatchObject({ code: 'BATON_E_MISSING_INPUT' });
  });
});
