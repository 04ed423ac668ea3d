// Fenced run ownership between two engines, each with its own SQLite handle on one data directory (two
// instances of a deployment): a deposed owner writes nothing more and stops; a run whose owner stopped
// renewing moves to the instance that claims expired runs, which journals the takeover and re-issues only
// what was in flight; any instance steers any run; a parent waits for a child another instance took.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { Engine, type EngineOptions } from '../../../src/runtime/engine.js';
import type { RunLease } from '../../../src/store/store.js';

let dir: string;
const apps: App[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-ownership-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function instance(
  handlers: Record<string, AgentHandler>,
  extra: Partial<Omit<EngineOptions, 'store' | 'bus'>> = {},
): Promise<App> {
  const a = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (({ taskId }) => taskId)),
    ...extra,
  });
  apps.push(a);
  return a;
}

/** Waits (bounded, never asserting on time) until `ok` holds. */
async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

/** An agent that never answers until its call is aborted (the run is cancelled or stops here). */
const hang: AgentHandler = ({ signal }) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped'))));

const chain = (ids: string[]): WorkflowSpec =>
  Workflow.parse({
    name: 'chain',
    version: '1',
    agents: { a: { type: 't' } },
    tasks: ids.map((id, i) => ({ id, agent: 'a', ...(i ? { depends_on: [ids[i - 1]] } : {}) })),
  });

const types = async (app: App, runId: string) => (await app.store.read('default', runId)).map((r) => r.type);

describe('fenced run ownership', () => {
  it('a deposed owner writes nothing more, calls no agent after, stops, and releases nothing', async () => {
    const calls: string[] = [];
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const a = await instance(
      {
        a: async ({ taskId }) => {
          calls.push(taskId);
          if (taskId === 'one') await gate;
          return taskId;
        },
      },
      { leaseMs: 60_000 }, // no renewal during the test: the refused write is what stops it
    );
    const b = await instance({});
    const run = await a.engine.start(chain(['one', 'two']), {});
    await until(() => calls.includes('one'), 'task one called');
    const before = await a.store.read('default', run.runId);

    // Another instance takes the run, naming A as dead.
    const taken = await b.store.claimRun('default', run.runId, 'intruder', 60_000, a.engine.owner);
    expect(taken).toMatchObject({ previousOwner: a.engine.owner, previousEpoch: 1, epoch: 2 });
    finish(); // A's agent answers: A's turn is refused under its old fence
    await expect(a.engine.settled(run.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST' });
    expect(await a.store.read('default', run.runId)).toEqual(before);
    expect(calls).toEqual(['one']); // `two` was never dispatched by the deposed owner
    expect(a.engine.drivenRuns()).toEqual([]);
    expect(await b.store.getRun('default', run.runId)).toMatchObject({ owner: 'intruder', epoch: 2 });
  });

  it('stops a deposed owner at its next renewal, aborting what it had in flight', async () => {
    let aborted = false;
    const a = await instance(
      {
        a: ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('stopped'));
            }),
          ),
      },
      { leaseMs: 300 },
    );
    const b = await instance({});
    const run = await a.engine.start(chain(['one']), {});
    await until(async () => (await types(a, run.runId)).includes('TaskDispatched'), 'dispatched');
    const before = await a.store.read('default', run.runId);
    await b.store.claimRun('default', run.runId, 'intruder', 60_000, a.engine.owner);
    await expect(a.engine.settled(run.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST' });
    expect(aborted).toBe(true);
    expect(await a.store.read('default', run.runId)).toEqual(before);
    expect(await b.store.getRun('default', run.runId)).toMatchObject({ owner: 'intruder', epoch: 2 });
  });

  it('moves a run its stopped owner released to the claiming instance: takeover journaled, only the in-flight task re-issued', async () => {
    const calls: Array<{ task: string; idem: string; by: string }> = [];
    const agent =
      (by: string, hangOn?: string): AgentHandler =>
      (args) => {
        calls.push({ task: args.taskId, idem: args.idempotencyKey, by });
        return args.taskId === hangOn ? hang(args) : args.taskId;
      };
    const a = await instance({ a: agent('A', 'two') }, { leaseMs: 300 });
    const run = await a.engine.start(chain(['one', 'two', 'three']), {});
    await until(() => calls.some((c) => c.task === 'two'), 'task two called on A');
    await a.close(); // the stop of a healthy instance: its leases are released
    apps.splice(apps.indexOf(a), 1);
    const b = await instance({ a: agent('B') }, { leaseMs: 300, claimExpired: true });
    await until(
      async () => (await b.store.getRun('default', run.runId))?.status === 'completed',
      'run completed on B',
    );

    const journal = await b.store.read('default', run.runId);
    const takeover = journal.find((r) => r.type === 'RunTakenOver')!;
    // A released its lease when it closed: B took the run from nobody.
    expect(takeover.data).toEqual({ fromEpoch: 0, to: b.engine.owner, epoch: 2 });
    // The takeover is the first entry B wrote: before the re-issued dispatch's result.
    const afterTakeover = journal.filter((r) => r.seq > takeover.seq).map((r) => r.type);
    expect(afterTakeover[0]).toBe('TaskCompleted');
    expect(calls.filter((x) => x.task === 'one')).toHaveLength(1);
    const two = calls.filter((x) => x.task === 'two');
    expect(two.map((x) => x.by)).toEqual(['A', 'B']);
    expect(two[1]!.idem).toBe(two[0]!.idem);
    expect(calls.filter((x) => x.task === 'three').map((x) => x.by)).toEqual(['B']);
  });

  it('claims a run from an owner that crashed without releasing (both owners and epochs journaled)', async () => {
    const calls: Array<{ task: string; by: string }> = [];
    const agent =
      (by: string, hangOn?: string): AgentHandler =>
      (args) => {
        calls.push({ task: args.taskId, by });
        return args.taskId === hangOn ? hang(args) : args.taskId;
      };
    const a = await instance({ a: agent('A', 'two') }, { leaseMs: 300 });
    const run = await a.engine.start(chain(['one', 'two', 'three']), {});
    await until(() => calls.some((c) => c.task === 'two'), 'task two called on A');
    const ownerA = a.engine.owner;
    await a.engine.close({ release: false }); // as kill -9 would leave it
    const b = await instance({ a: agent('B') }, { leaseMs: 300, claimExpired: true });
    await until(
      async () => (await b.store.getRun('default', run.runId))?.status === 'completed',
      'run completed on B',
    );
    const takeover = (await b.store.read('default', run.runId)).find((r) => r.type === 'RunTakenOver');
    expect(takeover?.data).toEqual({ from: ownerA, fromEpoch: 1, to: b.engine.owner, epoch: 2 });
    expect(calls.filter((c) => c.task === 'one')).toHaveLength(1);
    expect(calls.filter((c) => c.task === 'three').map((c) => c.by)).toEqual(['B']);
  });

  it('takes a run from a fake owner row that never renews', async () => {
    const a = await instance({ a: hang }, { leaseMs: 300 });
    const run = await a.engine.start(chain(['one']), {});
    await until(async () => (await types(a, run.runId)).includes('TaskDispatched'), 'dispatched');
    // A ghost takes the run with a lease that lapses at once, and never renews it.
    const ghost: RunLease | undefined = await a.store.claimRun(
      'default',
      run.runId,
      'ghost',
      1,
      a.engine.owner,
    );
    expect(ghost?.epoch).toBe(2);
    const b = await instance({ a: ({ taskId }) => taskId }, { leaseMs: 300, claimExpired: true });
    await until(
      async () => (await b.store.getRun('default', run.runId))?.status === 'completed',
      'run completed on B',
    );
    const takeover = (await b.store.read('default', run.runId)).find((r) => r.type === 'RunTakenOver');
    expect(takeover?.data).toEqual({ from: 'ghost', fromEpoch: 2, to: b.engine.owner, epoch: 3 });
    await expect(a.engine.settled(run.runId)).rejects.toMatchObject({ code: 'BATON_E_RUN_OWNERSHIP_LOST' });
  });

  it("leaves another namespace's lapsed run to that namespace's instances: never claimed by others, taken by them", async () => {
    const a = await instance({ a: hang }, { leaseMs: 300, namespace: 'other' });
    const run = await a.engine.start(chain(['one', 'two']), {});
    await until(async () => (await a.store.read('other', run.runId)).length > 1, 'dispatched');
    await a.engine.close({ release: false }); // crashed: its lease lapses
    // An instance of the default namespace claims lapsed runs of its own namespace only.
    const stranger = await instance({}, { leaseMs: 300, claimExpired: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // its claim loop runs every 150 ms
    expect(await stranger.store.getRun('other', run.runId)).toMatchObject({
      owner: a.engine.owner,
      epoch: 1,
    });
    const b = await instance(
      { a: ({ taskId }) => taskId },
      { leaseMs: 300, namespace: 'other', claimExpired: true },
    );
    await until(
      async () => (await b.store.getRun('other', run.runId))?.status === 'completed',
      "run completed on the other namespace's instance",
    );
    const takeover = (await b.store.read('other', run.runId)).find((r) => r.type === 'RunTakenOver');
    expect(takeover?.data).toEqual({ from: a.engine.owner, fromEpoch: 1, to: b.engine.owner, epoch: 2 });
  });

  it('journals on the owner a signal and a cancel posted through another instance', async () => {
    const a = await instance({ a: hang });
    const b = await instance({});
    const spec = Workflow.parse({
      name: 'wait',
      version: '1',
      agents: { a: { type: 't' } },
      coordination: { event_driven: ['approvals'] },
      tasks: [
        { id: 'one', agent: 'a' },
        {
          id: 'ship',
          agent: 'a',
          depends_on: ['one'],
          wait_for: { channel: 'approvals', event: 'approved', timeout: '1m' },
        },
      ],
    });
    const run = await a.engine.start(spec, {});
    await until(async () => (await types(a, run.runId)).includes('TaskDispatched'), 'dispatched');
    const seq = await b.engine.command(
      run.runId,
      { kind: 'signal', channel: 'approvals', name: 'approved', data: { by: 'ada' }, eventId: 'e1' },
      true,
    );
    expect(seq).toBeGreaterThan(0);
    await b.engine.command(run.runId, { kind: 'cancel', by: 'ops', reason: 'not needed' });
    const final = await a.engine.settled(run.runId); // A drove it to its end: A journaled both
    expect(final.status).toBe('cancelled');
    const journal = await b.store.read('default', run.runId);
    expect(journal.find((r) => r.seq === seq)?.type).toBe('EventReceived');
    expect(journal.find((r) => r.type === 'RunCancelRequested')?.data).toMatchObject({ by: 'ops' });
    expect(b.engine.drivenRuns()).toEqual([]);
  });

  it("wakes the owner's inbox on the store's watch(): a post through a shared handle needs no poll", async () => {
    const a = await instance({ a: hang }, { inboxPollMs: 3_600_000 }); // the poll never comes in this test
    const b = new Engine({ store: a.store, bus: a.bus, inboxPollMs: 3_600_000 });
    const run = await a.engine.start(chain(['one']), {});
    await until(async () => (await types(a, run.runId)).includes('TaskDispatched'), 'dispatched');
    try {
      await b.command(run.runId, { kind: 'cancel', by: 'ops', reason: 'through B' });
      expect((await a.engine.settled(run.runId)).status).toBe('cancelled');
    } finally {
      await b.close();
    }
  });

  it('a parent waits in the store for a child another instance took over, and completes with its result', async () => {
    writeFileSync(
      join(dir, 'child.yaml'),
      `workflow:
  name: enrich
  version: "1"
  agents: { upper: { type: t } }
  tasks:
    - { id: shout, agent: upper, input: { text: '"x"' } }
`,
    );
    const a = await instance({ upper: hang }, { leaseMs: 300 });
    const b = await instance({ upper: ({ input }) => (input as { text: string }).text.toUpperCase() });
    const parent = Workflow.parse({
      name: 'parent',
      version: '1',
      agents: {},
      tasks: [{ id: 'enrich', workflow: './child.yaml' }],
    });
    const run = await a.engine.start(parent, {}, { baseDir: dir });
    const child = `${run.runId}.enrich.1`;
    await until(async () => (await types(a, child)).includes('TaskDispatched'), 'child dispatched on A');
    // B takes the child over (A is alive, so only by naming it) and drives it to its end.
    await b.store.claimRun('default', child, b.engine.owner, 60_000, a.engine.owner);
    await b.engine.resume(child);
    expect((await b.engine.settled(child)).status).toBe('completed');
    const final = await a.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(final.output).toEqual({ enrich: { shout: 'X' } });
    expect((await a.store.getRun('default', run.runId))?.owner).toBeUndefined(); // released at its end
  });
});
