// A createWorker worker across a server restart: the gRPC server dies mid-task (its streams cut),
// a new server comes up on the same port and data directory and takes the run over, the worker
// reconnects with its worker_id, learns its lease did not survive, gets the same work again (same
// message_id) and carries on without running the handler twice; the run completes.
// The server here is the same composition as `baton serve` (embedded app, worker hub, gRPC API) built
// in this process, because this branch's `baton serve` does not take over a dead server's runs on
// start; the restart resumes the run explicitly, as that start-up step will.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Workflow } from '../../../src/spec/schema.js';
import { createWorker, type Worker, type WorkerEvent } from '../../../sdk/src/index.js';
import { bootServer, crash, until, type Instance } from './worker-server.js';

let dir: string | undefined;
let instances: Instance[] = [];
let worker: Worker | undefined;

afterEach(async () => {
  await worker?.close();
  for (const s of instances) await crash(s);
  instances = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('reconnects after the server restarts mid-task, resumes the re-issued work without rerunning it, and the run completes', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-sdk-worker-restart-'));
  const dataDir = join(dir, 'data');
  const first = await bootServer(dataDir, 0, 2000);
  instances.push(first);

  const events: WorkerEvent[] = [];
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  worker = createWorker({
    address: `127.0.0.1:${first.port}`,
    workerId: 'restart-1',
    queues: ['q'],
    capacity: 2,
    reconnect: { initialBackoffMs: 50, maxBackoffMs: 200 },
    onEvent: (e) => events.push(e),
    handler: async (task) => {
      calls.push(task.taskId);
      if (task.taskId === 'fetch') await gate;
      task.progress(1, `${task.taskId} done`);
      task.status('working', `finishing ${task.taskId}`);
      return { from: task.taskId, n: Number(task.input['n'] ?? 0) + 1 };
    },
  });
  await worker.ready;

  const spec = Workflow.parse({
    name: 'restart',
    version: '1',
    agents: { w: { type: 'tool', endpoint: { queue: 'q' } } },
    tasks: [
      { id: 'fetch', agent: 'w', input: { n: 'input.n' } },
      { id: 'store', agent: 'w', depends_on: ['fetch'], input: { n: 'tasks.fetch.output.n' } },
    ],
  });
  const run = await first.app.engine.start(spec, { n: 40 });
  await until(() => calls.length === 1, 'the first assignment');

  // The server dies while the handler is working; a new one comes up on the same port and data dir.
  await crash(first);
  instances = [];
  const second = await bootServer(dataDir, first.port, 2000);
  instances.push(second);
  const progress: unknown[] = [];
  const sub = await second.app.bus.subscribe(run.stream, { fromId: '0' }, (m) => {
    const data = m.data as { name?: string; data?: unknown };
    if (data.name === 'progress') progress.push(data.data);
  });
  await second.app.engine.resume(run.runId);
  await until(() => events.some((e) => e.type === 'duplicate'), 'the re-delivered assignment');
  release();

  const state = await second.app.engine.settled(run.runId);
  await sub.close();
  expect(state.status).toBe('completed');
  expect(state.output).toEqual({ store: { from: 'store', n: 42 } });
  // The handler ran once per task: the re-issued "fetch" was joined to the running one.
  expect(calls).toEqual(['fetch', 'store']);
  const types = events.map((e) => e.type);
  expect(types.filter((t) => t === 'connected')).toHaveLength(2);
  expect(types).toContain('disconnected');
  expect(types.indexOf('lost')).toBeLessThan(types.indexOf('duplicate'));
  // Both results counted (the first under the lease of the restarted server); the last receipt may
  // arrive just after the run settles.
  await until(() => events.filter((e) => e.type === 'receipt').length === 2, 'both receipts');
  const receipts = events.filter((e) => e.type === 'receipt');
  expect(receipts.map((e) => e.type === 'receipt' && e.accepted)).toEqual([true, true]);
  // Progress and status reports reached the run's watchers on the new server.
  expect(progress).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ progress: 1, text: 'store done' }),
      expect.objectContaining({ progress: null, text: 'finishing store' }),
    ]),
  );
}, 60_000);
