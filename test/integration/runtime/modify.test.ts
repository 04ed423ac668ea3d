// Live modification through the engine over the real embedded adapters (SQLite in a temp dir): a change
// made while a task runs, from this process and from another one (through the run's inbox).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import type { AgentHandler } from '../../../src/agents/handler.js';
import { Task, Workflow, type WorkflowSpec } from '../../../src/spec/schema.js';
import { ModifyRejectedError, type EngineOptions } from '../../../src/runtime/engine.js';
import { fold, snapshot, type RunModified } from '../../../src/core/index.js';
import { toEntry } from '../../../src/runtime/records.js';

let dir: string;
const apps: App[] = [];
/** Calls by agent, in order: `<agent>:<task>`. */
let calls: string[];
/** Opens the gate the `gate` task waits at. */
let open: () => void;
let gate: Promise<void>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-modify-'));
  calls = [];
  gate = new Promise((resolve) => (open = resolve));
});
afterEach(async () => {
  open();
  for (const app of apps.splice(0)) await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const agent =
  (name: string): AgentHandler =>
  async ({ taskId, input }) => {
    calls.push(`${name}:${taskId}`);
    if (taskId === 'gate') await gate;
    return { by: name, task: taskId, input };
  };

async function app(extra: Partial<Omit<EngineOptions, 'store' | 'bus'>> = {}): Promise<App> {
  const a = await openApp({
    dataDir: dir,
    inboxPollMs: 20,
    adapterFor: (id) => inProcessAdapter(agent(id)),
    ...extra,
  });
  apps.push(a);
  return a;
}

/** one -> gate -> last, and `spare` after gate: agents a and b (b alone can do `gpu`). */
const wf = (): WorkflowSpec =>
  Workflow.parse({
    name: 'wf',
    version: '1',
    agents: { a: { type: 't' }, b: { type: 't', capabilities: ['gpu'] } },
    tasks: [
      { id: 'one', agent: 'a' },
      { id: 'gate', agent: 'a', depends_on: ['one'] },
      { id: 'last', agent: 'a', depends_on: ['gate'] },
      { id: 'spare', agent: 'a', depends_on: ['gate'] },
    ],
  });

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('engine: live modification', () => {
  it('adds a task after a completed one, swaps an agent, removes a pending task; the run completes with the change', async () => {
    const { engine, store } = await app();
    const run = await engine.start(wf(), {});
    await until(() => calls.includes('a:gate'));
    const { seq, state } = await engine.modify(run.runId, {
      kind: 'modify',
      by: 'alice',
      reason: 'needs a GPU summary',
      changes: [
        {
          op: 'add_task',
          task: Task.parse({ id: 'extra', agent: 'b', depends_on: ['one'], input: 'tasks.one.output.task' }),
        },
        { op: 'swap_agent', task: 'last', agent: 'b' },
        { op: 'remove_task', task: 'spare' },
      ],
    });
    expect(state.modifications).toEqual([expect.objectContaining({ seq, by: 'alice' })]);
    // The new task's dependency already completed: it runs at once, beside the gate.
    await until(() => calls.includes('b:extra'));
    open();
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(calls.sort()).toEqual(['a:gate', 'a:one', 'b:extra', 'b:last']);
    expect(final.output).toEqual({
      extra: { by: 'b', task: 'extra', input: 'one' },
      last: expect.objectContaining({ by: 'b', task: 'last' }) as unknown,
    });
    const records = await store.read('default', run.runId);
    const entry = toEntry(records.find((r) => r.seq === seq)!) as RunModified;
    expect(entry).toMatchObject({ type: 'RunModified', by: 'alice', reason: 'needs a GPU summary' });
    expect(entry.workflow.tasks.map((t) => t.id)).toEqual(['one', 'gate', 'last', 'extra']);
    // The journal replays to the state the engine reached.
    expect(snapshot(fold(records.map(toEntry)))).toEqual(snapshot(final));
  });

  it('rejects a change that would break the run, naming each change, and leaves the run untouched', async () => {
    const { engine, store } = await app();
    const run = await engine.start(wf(), {});
    await until(() => calls.includes('a:gate'));
    const err = await engine
      .modify(run.runId, {
        kind: 'modify',
        by: 'bob',
        reason: 'oops',
        changes: [
          { op: 'remove_task', task: 'gate' },
          { op: 'add_task', task: Task.parse({ id: 'z', agent: 'a', requires: ['gpu'] }) },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModifyRejectedError);
    const problems = (err as ModifyRejectedError).problems;
    expect(problems.map((p) => [p.index, p.target, p.code])).toEqual([
      [0, 'gate', 'BATON_E_MODIFY_CONFLICT'],
      [0, 'gate', 'BATON_E_UNKNOWN_DEPENDENCY'],
      [0, 'gate', 'BATON_E_UNKNOWN_DEPENDENCY'],
      [1, 'z', 'BATON_E_CAPABILITY_MISMATCH'],
    ]);
    expect((err as ModifyRejectedError).code).toBe('BATON_E_MODIFY_INVALID');
    open();
    expect((await engine.settled(run.runId)).status).toBe('completed');
    expect((await store.read('default', run.runId)).some((r) => r.type === 'RunModified')).toBe(false);
  });

  it('a change sent from another process goes through the inbox and is journaled with who asked', async () => {
    const { engine } = await app();
    const run = await engine.start(wf(), {});
    await until(() => calls.includes('a:gate'));
    const other = await openApp({ dataDir: dir, owner: 'other-process' });
    apps.push(other);
    const { seq, state } = await other.engine.modify(run.runId, {
      kind: 'modify',
      by: 'carol',
      reason: 'skip spare',
      changes: [{ op: 'remove_task', task: 'spare' }],
    });
    expect(state.modifications).toEqual([
      expect.objectContaining({ seq, by: 'carol', request: expect.stringMatching(/^inbox:/) as string }),
    ]);
    // A change the other process cannot make is refused there, before anything is posted.
    await expect(
      other.engine.modify(run.runId, {
        kind: 'modify',
        by: 'carol',
        reason: '',
        changes: [{ op: 'remove_task', task: 'one' }],
      }),
    ).rejects.toThrow(/modifications\[0\] \(remove_task "one"\): task "one" is completed/);
    open();
    const final = await engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(calls).not.toContain('a:spare');
  });

  it('journals who paused and resumed and why, and gives the seq of a journaled signal', async () => {
    const { engine, store } = await app();
    const run = await engine.start(
      Workflow.parse({
        name: 'wf',
        version: '1',
        agents: { a: { type: 't' } },
        coordination: { event_driven: ['go'] },
        tasks: [
          { id: 'gate', agent: 'a' },
          { id: 'after', agent: 'a', depends_on: ['gate'], on: 'go' },
        ],
      }),
      {},
    );
    await until(() => calls.includes('a:gate'));
    const paused = await engine.command(run.runId, { kind: 'pause', by: 'dan', reason: 'maintenance' }, true);
    await engine.command(run.runId, { kind: 'resume', by: 'dan', reason: 'done' }, true);
    const other = await openApp({ dataDir: dir, owner: 'other-process' });
    apps.push(other);
    const remote = await other.engine.command(
      run.runId,
      { kind: 'signal', channel: 'go', data: 1, eventId: 'e1' },
      true,
    );
    const again = await engine.command(
      run.runId,
      { kind: 'signal', channel: 'go', data: 1, eventId: 'e1' },
      true,
    );
    open();
    await engine.settled(run.runId);
    const records = await store.read('default', run.runId);
    const at = (seq: number | undefined) => records.find((r) => r.seq === seq);
    expect(at(paused)).toMatchObject({ type: 'RunPaused', data: { by: 'dan', reason: 'maintenance' } });
    expect(records.find((r) => r.type === 'RunResumed')).toMatchObject({
      data: { by: 'dan', reason: 'done' },
    });
    expect(at(remote)).toMatchObject({ type: 'EventReceived', data: { eventId: 'signal:e1' } });
    expect(again).toBe(remote); // the retried signal is the same entry
  });
});
