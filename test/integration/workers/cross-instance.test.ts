// Work crossing instances: two Baton instances (instances.ts: one data directory, one bus) with SDK
// workers over loopback gRPC. A worker connected to instance B takes the tasks of a run instance A
// owns, and A journals each result once; ListAgents on A shows B's workers; an agent without an
// endpoint served only by a worker on B routes to workers from A; a worker killed mid-task has its
// work re-claimed by the other instance's worker, same attempt and key; and a run resumed on a
// restarted instance with no worker connected waits for one instead of failing BATON_E_AGENT_UNBOUND;
// and when the instance holding work dies, its worker reconnects to the other one, gets that work back
// (same key) from the takeover and finishes it once.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { AgentServiceClient, type ListAgentsResponse } from '../../../src/api/gen/baton/v1/agent.js';
import { Workflow } from '../../../src/spec/schema.js';
import { createWorker, type Worker, type WorkerEvent } from '../../../sdk/src/index.js';
import { dropProxy } from '../sdk/worker-server.js';
import { startInstance, until, type Instance } from './instances.js';

const LEASE_MS = 400;
let dir: string;
let dataDir: string;
let bus: Bus;
let instances: Instance[] = [];
let workers: Worker[] = [];
const cleanups: Array<() => void> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-cross-instance-'));
  dataDir = join(dir, 'data');
  bus = openMemoryBus();
});

afterEach(async () => {
  for (const w of workers) await w.close();
  workers = [];
  for (const c of cleanups.splice(0)) c();
  for (const i of instances) await i.close();
  instances = [];
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

const instance = async (name: string): Promise<Instance> => {
  const i = await startInstance(name, dataDir, bus, LEASE_MS);
  instances.push(i);
  return i;
};

const worker = async (
  address: string,
  workerId: string,
  routes: { agents?: string[]; queues?: string[] },
  handler: Parameters<typeof createWorker>[0]['handler'],
  events: WorkerEvent[] = [],
): Promise<Worker> => {
  const w = createWorker({
    address,
    workerId,
    ...routes,
    capacity: 2,
    drainGraceMs: 50,
    reconnect: { initialBackoffMs: 20, maxBackoffMs: 100 },
    onEvent: (e) => events.push(e),
    handler,
  });
  workers.push(w);
  await w.ready;
  return w;
};

const spec = (agents: Record<string, unknown>, tasks: unknown[]) =>
  Workflow.parse({ name: 'cross', version: '1', agents, tasks });

async function journal(i: Instance, runId: string) {
  return (await i.app.store.read(i.app.engine.namespace, runId)).map((r) => ({
    type: r.type,
    data: r.data as Record<string, unknown>,
  }));
}

function listAgents(address: string): Promise<ListAgentsResponse> {
  const client = new AgentServiceClient(address, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.listAgents({ capabilities: [], pageSize: 0, pageToken: '' }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    }),
  );
}

it('a worker connected to B takes the tasks of a run A owns; A journals each result once; ListAgents on A shows it', async () => {
  const a = await instance('a');
  const b = await instance('b');
  const seen: Array<{ task: string; key: string }> = [];
  await worker(b.address, 'on-b', { queues: ['xq'] }, (task) => {
    seen.push({ task: task.taskId, key: task.idempotencyKey });
    return { by: 'on-b', n: Number(task.input['n'] ?? 0) + 1 };
  });
  await until(
    async () => (await listAgents(a.address)).agents.some((x) => x.agentId === 'xq'),
    'A to list it',
  );
  expect((await listAgents(a.address)).agents).toEqual([
    expect.objectContaining({ agentId: 'xq', connectedWorkers: 1 }),
  ]);

  const run = await a.app.engine.start(
    spec({ x: { type: 'tool', endpoint: { queue: 'xq' } } }, [
      { id: 'one', agent: 'x', input: { n: 'input.n' } },
      { id: 'two', agent: 'x', depends_on: ['one'], input: { n: 'tasks.one.output.n' } },
    ]),
    { n: 1 },
  );
  const final = await a.app.engine.settled(run.runId);
  expect(final.status).toBe('completed');
  expect(final.output).toEqual({ two: { by: 'on-b', n: 3 } });
  expect(seen.map((s) => s.task)).toEqual(['one', 'two']);
  const entries = await journal(a, run.runId);
  // The route is journaled at dispatch, and each attempt completed once, by its idempotency key.
  expect(entries.filter((e) => e.type === 'TaskDispatched').map((e) => e.data['route'])).toEqual([
    'queue:xq',
    'queue:xq',
  ]);
  expect(entries.filter((e) => e.type === 'TaskCompleted')).toHaveLength(2);
  const dispatched = entries.filter((e) => e.type === 'TaskDispatched').map((e) => e.data['idem']);
  expect(seen.map((s) => s.key)).toEqual(dispatched);
});

it("each attempt's claim names the worker on B that ran it, however many run at once", async () => {
  const a = await instance('a');
  const b = await instance('b');
  const ran = new Map<string, string>();
  for (const id of ['w1', 'w2', 'w3'])
    await worker(b.address, id, { queues: ['pq'] }, async (task) => {
      ran.set(task.idempotencyKey, id);
      await new Promise((r) => setTimeout(r, 30));
      return { by: id };
    });
  await until(
    async () => (await listAgents(a.address)).agents.some((x) => x.connectedWorkers === 3),
    'A to list the three workers',
  );
  const tasks = Array.from({ length: 9 }, (_, i) => ({ id: `t${i}`, agent: 'p' }));
  const run = await a.app.engine.start(spec({ p: { type: 'tool', endpoint: { queue: 'pq' } } }, tasks), {});
  expect((await a.app.engine.settled(run.runId)).status).toBe('completed');
  expect(ran.size).toBe(9);
  for (const [idem, id] of ran)
    expect(await b.app.store.getWork(b.app.engine.namespace, idem)).toMatchObject({
      workerId: id,
      done: true,
    });
});

it('an agent without an endpoint served only by a worker on B is routed to workers by a run on A', async () => {
  const a = await instance('a');
  const b = await instance('b');
  await worker(b.address, 'writer-on-b', { agents: ['writer'] }, () => ({ text: 'written on b' }));
  // A learns of it from the shared roster (refreshed every third of the lease).
  await until(() => a.workers.serves('writer'), "A to see B's writer");
  const run = await a.app.engine.start(spec({ writer: { type: 'llm' } }, [{ id: 'w', agent: 'writer' }]), {});
  expect((await a.app.engine.settled(run.runId)).output).toEqual({ w: { text: 'written on b' } });
  const started = (await journal(a, run.runId)).find((e) => e.type === 'RunStarted')!;
  expect((started.data['options'] as { routes?: unknown }).routes).toEqual({ writer: 'worker:writer' });
});

it('a worker killed mid-task has its work re-claimed by a worker on the other instance; the run completes', async () => {
  const a = await instance('a');
  const b = await instance('b');
  // The doomed worker reaches B through a proxy that dies with it.
  const proxy = await dropProxy(b.address);
  cleanups.push(() => proxy.close());
  const doomed: WorkerEvent[] = [];
  await worker(proxy.address, 'doomed', { queues: ['kq'] }, () => new Promise(() => {}), doomed);
  const run = await a.app.engine.start(
    spec({ k: { type: 'tool', endpoint: { queue: 'kq' } } }, [{ id: 'job', agent: 'k' }]),
    {},
  );
  await until(() => doomed.some((e) => e.type === 'assignment'), 'the doomed assignment');
  const first = doomed.find((e) => e.type === 'assignment')!;
  proxy.close(); // killed: no result, no heartbeat, never back

  const ran: Array<{ key: string; attempt: number }> = [];
  await worker(a.address, 'survivor', { queues: ['kq'] }, (task) => {
    ran.push({ key: task.idempotencyKey, attempt: task.attempt });
    return { by: 'survivor' };
  });
  const final = await a.app.engine.settled(run.runId);
  expect(final.output).toEqual({ job: { by: 'survivor' } });
  // The same attempt (its lease at B lapsed, B gave it up, A's worker took it off the bus), not a retry.
  expect(first.type === 'assignment' && first.messageId).toBe(ran[0]!.key);
  expect(ran).toEqual([{ key: ran[0]!.key, attempt: 1 }]);
  const entries = await journal(a, run.runId);
  expect(entries.filter((e) => e.type === 'TaskDispatched')).toHaveLength(1);
  expect(entries.filter((e) => e.type === 'TaskCompleted')).toHaveLength(1);
});

it('a run resumed on a restarted instance with no worker connected waits for one (no BATON_E_AGENT_UNBOUND)', async () => {
  const a = await instance('a');
  const events: WorkerEvent[] = [];
  await worker(a.address, 'writer-1', { agents: ['writer'] }, () => new Promise(() => {}), events);
  const run = await a.app.engine.start(spec({ writer: { type: 'llm' } }, [{ id: 'w', agent: 'writer' }]), {});
  await until(() => events.some((e) => e.type === 'assignment'), 'the assignment');
  await a.kill();
  instances = instances.filter((i) => i !== a);

  // A new instance on the same data: nothing serves `writer` here (once the dead instance's roster
  // rows have expired), and nobody registered it.
  const again = await instance('a2');
  await until(() => !again.workers.serves('writer'), "the dead instance's workers to expire");
  await until(async () => {
    try {
      await again.app.engine.resume(run.runId);
      return true;
    } catch (e) {
      // The old owner's run lease has not lapsed yet; anything else is the failure under test.
      if ((e as { code?: string }).code !== 'BATON_E_RUN_OWNED') throw e;
      return false;
    }
  }, 'the takeover');
  const late: Array<{ key: string }> = [];
  await worker(again.address, 'writer-2', { agents: ['writer'] }, (task) => {
    late.push({ key: task.idempotencyKey });
    return { text: 'after the restart' };
  });
  expect((await again.app.engine.settled(run.runId)).output).toEqual({ w: { text: 'after the restart' } });
  const dispatched = (await journal(again, run.runId)).filter((e) => e.type === 'TaskDispatched');
  expect(dispatched.map((e) => e.data['route'])).toEqual(['worker:writer']);
  expect(late).toEqual([{ key: dispatched[0]!.data['idem'] }]);
});

/** A TCP front whose target can change: a worker behind it reconnects to whichever instance it names. */
async function switchboard(target: () => string): Promise<{ address: string; cut(): void; close(): void }> {
  const sockets = new Set<Socket>();
  const track = (x: Socket) => {
    sockets.add(x);
    x.on('close', () => sockets.delete(x));
    x.on('error', () => x.destroy());
  };
  const server = createNetServer((client) => {
    const [host, port] = target().split(':');
    const upstream = connect(Number(port), host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const x of sockets) x.destroy();
  };
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    close: () => {
      cut();
      server.close();
    },
  };
}

it('the instance holding work dies mid-task: its worker reconnects to the other, gets the work back and finishes it once', async () => {
  const a = await instance('a');
  const b = await instance('b');
  let target = b.address;
  const front = await switchboard(() => target);
  cleanups.push(() => front.close());
  const events: WorkerEvent[] = [];
  const calls: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await worker(
    front.address,
    'mover',
    { queues: ['mq'] },
    async (task) => {
      calls.push(task.idempotencyKey);
      await gate; // still working when its instance dies
      return { by: 'mover' };
    },
    events,
  );
  const run = await a.app.engine.start(
    spec({ m: { type: 'tool', endpoint: { queue: 'mq' } } }, [{ id: 'job', agent: 'm' }]),
    {},
  );
  await until(() => calls.length === 1, 'the assignment on B');
  // B dies (claims not given up); the worker's next connection reaches A.
  target = a.address;
  await b.kill();
  instances = instances.filter((i) => i !== b);
  front.cut();
  await until(() => events.some((e) => e.type === 'duplicate'), 'the work given back on A');
  release();
  const final = await a.app.engine.settled(run.runId);
  expect(final.output).toEqual({ job: { by: 'mover' } });
  expect(calls).toHaveLength(1);
  const entries = await journal(a, run.runId);
  expect(entries.filter((e) => e.type === 'TaskDispatched')).toHaveLength(1);
  expect(entries.filter((e) => e.type === 'TaskCompleted')).toHaveLength(1);
});
