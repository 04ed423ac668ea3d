// createWorker and leases, on a server with 300 ms worker leases: heartbeats keep a task that runs for
// many lease periods (it completes on its first attempt, its result accepted); a cancelled run revokes
// the lease and the handler's AbortSignal fires with a TaskAbortedError('revoked'); a deadline fires it
// with 'deadline'; a connection dropped mid-task (a TCP proxy cut) is reconnected under the same
// worker id and the welcome hands the lease back, so the task reports once on its first attempt.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Workflow } from '../../../src/spec/schema.js';
import { createWorker, TaskAbortedError, type Worker, type WorkerEvent } from '../../../sdk/src/index.js';
import { bootServer, crash, dropProxy, until, type Instance } from './worker-server.js';

let dir: string;
let s: Instance;
let worker: Worker | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-worker-leases-'));
  s = await bootServer(join(dir, 'data'), 0, 300);
});

afterEach(async () => {
  await worker?.close();
  worker = undefined;
  await crash(s);
  rmSync(dir, { recursive: true, force: true });
});

const spec = (task: Record<string, unknown> = {}) =>
  Workflow.parse({
    name: 'leases',
    version: '1',
    agents: { w: { type: 'tool', endpoint: { queue: 'q' } } },
    tasks: [{ id: 'slow', agent: 'w', ...task }],
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('heartbeats hold the lease of a task that runs for many lease periods', async () => {
  const events: WorkerEvent[] = [];
  worker = createWorker({
    address: s.address,
    workerId: 'slow-1',
    queues: ['q'],
    capacity: 1,
    onEvent: (e) => events.push(e),
    handler: async (task) => {
      await sleep(2000); // about seven lease periods
      return { attempt: task.attempt, aborted: task.signal.aborted };
    },
  });
  await worker.ready;
  const run = await s.app.engine.start(spec(), {});
  const state = await s.app.engine.settled(run.runId);
  expect(state.status).toBe('completed');
  expect(state.output).toEqual({ slow: { attempt: 1, aborted: false } });
  await until(() => events.some((e) => e.type === 'receipt'), 'the receipt');
  expect(events.filter((e) => e.type === 'assignment')).toHaveLength(1);
  expect(events.find((e) => e.type === 'receipt')).toMatchObject({ accepted: true });
  expect(events.find((e) => e.type === 'connected')).toMatchObject({ leaseDurationMs: 300 });
}, 30_000);

it('a cancelled run revokes the lease: the handler signal fires and nothing is reported for it', async () => {
  const events: WorkerEvent[] = [];
  let reason: unknown;
  worker = createWorker({
    address: s.address,
    workerId: 'cancel-1',
    queues: ['q'],
    capacity: 1,
    onEvent: (e) => events.push(e),
    handler: (task) =>
      new Promise((_, reject) =>
        task.signal.addEventListener('abort', () => {
          reason = task.signal.reason;
          reject(new Error('stopped'));
        }),
      ),
  });
  await worker.ready;
  const run = await s.app.engine.start(spec(), {});
  await until(() => worker!.inFlight === 1, 'the handler to start');
  await s.app.engine.command(run.runId, { kind: 'cancel', by: 'test', reason: 'no longer needed' });
  expect((await s.app.engine.settled(run.runId)).status).toBe('cancelled');
  await until(() => reason !== undefined, 'the abort');
  expect(reason).toBeInstanceOf(TaskAbortedError);
  expect((reason as TaskAbortedError).why).toBe('revoked');
  await until(() => worker!.inFlight === 0, 'the handler to return');
  const types = events.map((e) => e.type);
  expect(types).toContain('revoked');
  // The handler's rejection after the revocation is not reported as a failure.
  expect(types).not.toContain('failed');
}, 30_000);

it("an assignment's deadline fires the handler signal (the worker's own timer or the server's revocation at it)", async () => {
  let reason: unknown;
  worker = createWorker({
    address: s.address,
    workerId: 'deadline-1',
    queues: ['q'],
    capacity: 1,
    handler: (task) =>
      new Promise((_, reject) =>
        task.signal.addEventListener('abort', () => {
          reason = task.signal.reason;
          reject(new Error('gave up'));
        }),
      ),
  });
  await worker.ready;
  const run = await s.app.engine.start(spec({ timeout: '400ms' }), {});
  await until(() => reason !== undefined, 'the deadline');
  expect(['deadline', 'revoked']).toContain((reason as TaskAbortedError).why);
  expect((await s.app.engine.settled(run.runId)).status).toBe('failed');
}, 30_000);

it('after a dropped connection the worker reconnects with its id, keeps its resumed lease and reports once', async () => {
  await crash(s);
  s = await bootServer(join(dir, 'data2'), 0, 2000);
  const proxy = await dropProxy(s.address);
  const events: WorkerEvent[] = [];
  const calls: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  try {
    worker = createWorker({
      address: proxy.address,
      workerId: 'flaky-net-1',
      queues: ['q'],
      capacity: 1,
      reconnect: { initialBackoffMs: 20, maxBackoffMs: 100 },
      onEvent: (e) => events.push(e),
      handler: async (task) => {
        calls.push(task.attempt);
        await gate;
        return { lease: task.leaseId };
      },
    });
    await worker.ready;
    const run = await s.app.engine.start(spec(), {});
    await until(() => calls.length === 1, 'the assignment');
    const leaseId = events.find((e) => e.type === 'assignment')!.leaseId;

    proxy.cut();
    await until(() => events.filter((e) => e.type === 'connected').length === 2, 'the reconnect');
    const again = events.filter((e) => e.type === 'connected').at(-1);
    expect(again).toMatchObject({ workerId: 'flaky-net-1', resumedLeaseIds: [leaseId] });
    release();

    const state = await s.app.engine.settled(run.runId);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ slow: { lease: leaseId } });
    expect(calls).toEqual([1]);
    expect(events.map((e) => e.type)).not.toContain('lost');
    // The receipt follows the journaled result (the worker may forget it then).
    await until(() => events.some((e) => e.type === 'receipt'), 'the receipt');
    expect(events.find((e) => e.type === 'receipt')).toMatchObject({ leaseId, accepted: true });
  } finally {
    release();
    proxy.close();
  }
}, 30_000);
