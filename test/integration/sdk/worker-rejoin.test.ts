// A worker process that dies and comes back under its old worker_id, with the real SDK over loopback
// and a one-minute lease. The new process's hello says what it holds (nothing), so the server takes
// the dead process's leases back at once and gives their work to the new one: the run completes
// long before any lease could lapse (the test's own timeout is half a lease), every task on its first
// attempt, with the idempotency keys the dead process had been given.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Workflow } from '../../../src/spec/schema.js';
import { createWorker, type Worker, type WorkerEvent } from '../../../sdk/src/index.js';
import { bootServer, crash, dropProxy, until, type Instance } from './worker-server.js';

const LEASE_MS = 60_000;
let dir: string;
let s: Instance | undefined;
const workers: Worker[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
  if (s) await crash(s);
  s = undefined;
  rmSync(dir, { recursive: true, force: true });
});

it(
  "a worker restarted under its old worker_id gets the dead process's work at once, not after a lease",
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-sdk-worker-rejoin-'));
    s = await bootServer(join(dir, 'data'), 0, LEASE_MS);
    const proxy = await dropProxy(s.address);

    // The first process takes both tasks and never finishes them.
    const dead: WorkerEvent[] = [];
    const first = createWorker({
      address: proxy.address,
      workerId: 'rejoin-1',
      queues: ['q'],
      capacity: 2,
      drainGraceMs: 50,
      reconnect: { initialBackoffMs: 20, maxBackoffMs: 50 },
      onEvent: (e) => dead.push(e),
      handler: (task) =>
        new Promise((_, reject) => task.signal.addEventListener('abort', () => reject(new Error('stopped')))),
    });
    workers.push(first);
    await first.ready;
    const run = await s.app.engine.start(
      Workflow.parse({
        name: 'rejoin',
        version: '1',
        agents: { w: { type: 'tool', max_instances: 2, endpoint: { queue: 'q' } } },
        tasks: [
          { id: 'a', agent: 'w' },
          { id: 'b', agent: 'w' },
        ],
      }),
      {},
    );
    await until(() => dead.filter((e) => e.type === 'assignment').length === 2, 'both assignments');
    // The process is gone: its connection is cut and it can never reach the server again.
    proxy.close();

    const events: WorkerEvent[] = [];
    const ran: Array<{ taskId: string; key: string; attempt: number }> = [];
    const second = createWorker({
      address: s.address,
      workerId: 'rejoin-1',
      queues: ['q'],
      capacity: 2,
      onEvent: (e) => events.push(e),
      handler: (task) => {
        ran.push({ taskId: task.taskId, key: task.idempotencyKey, attempt: task.attempt });
        return { by: 'the new process' };
      },
    });
    workers.push(second);
    await second.ready;
    // Nothing of the old process's is resumed by the new one.
    expect(events.find((e) => e.type === 'connected')).toMatchObject({ resumedLeaseIds: [] });

    const state = await s.app.engine.settled(run.runId);
    expect(state.status).toBe('completed');
    expect(state.output).toEqual({ a: { by: 'the new process' }, b: { by: 'the new process' } });
    // The same attempts (first ones, same keys), not retries after a timeout.
    const given = dead.flatMap((e) => (e.type === 'assignment' ? [e.messageId] : []));
    expect(ran.map((r) => r.attempt)).toEqual([1, 1]);
    expect(ran.map((r) => r.key).sort()).toEqual([...given].sort());
    const records = await s.app.store.read(s.app.engine.namespace, run.runId);
    expect(records.filter((r) => r.type === 'TaskDispatched')).toHaveLength(2);
    expect(records.filter((r) => r.type === 'TaskFailed')).toHaveLength(0);
  },
  LEASE_MS / 2,
);
