// Async hooks through the bus (hooks/hook-queue.ts): enqueued by one instance, run by any consumer of
// the group (memory bus, and Redis Streams with two instances sharing the work), each logged once in
// the store's hook_executions; http hooks retried with backoff; a hook left by a closing instance is
// run by another.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { StoreHookLog } from '../../../src/hooks/hook-log.js';
import {
  hookConfig,
  type HookConfig,
  type HookInvocation,
  type HookRunner,
} from '../../../src/hooks/hook-model.js';
import { BusHookQueue, HookQueueConsumer, inputDigest } from '../../../src/hooks/hook-queue.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../../src/store/store.js';
import { openTestBus, type RedisTestBus } from '../bus/redis-harness.js';

/** A webhook receiver: answers each POST with the status `answer` picks, and keeps the bodies. */
async function receiver(answer: (n: number) => number = () => 200, delayMs = 0) {
  const bodies: HookInvocation[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body) as HookInvocation);
      const status = answer(bodies.length);
      setTimeout(() => res.writeHead(status).end(status === 200 ? '{"verdict":"allow"}' : 'no'), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Posts the invocation to the hook's URL: a failed status is the hook's failure (the queue retries it). */
const webhookRunner: HookRunner = {
  kind: 'http',
  async run(hook, inv, signal) {
    try {
      const res = await fetch(hook.command, { method: 'POST', body: JSON.stringify(inv), signal });
      await res.text();
      return res.ok ? { verdict: 'allow' } : { verdict: 'warn', error: `HTTP ${res.status}` };
    } catch (e) {
      return { verdict: 'warn', error: (e as Error).message };
    }
  },
};

const hook = (url: string, name = 'notify'): HookConfig =>
  hookConfig({ name, trigger: 'notification', command: url, timeout_ms: 5000 }, 'global');

const inv = (runId: string, n = 0): HookInvocation => ({
  trigger: 'notification',
  namespace: 'acme',
  runId,
  workflow: 'wf',
  context: { event: 'task_completed', n },
  idempotencyKey: `${runId}/notification/t${n}/notify`,
});

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('async hooks over the bus', () => {
  const undo: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const u of undo.splice(0).reverse()) await u();
  });

  async function store(): Promise<Store> {
    const dir = await mkdtemp(join(tmpdir(), 'baton-hookq-'));
    const s = await openSqliteStore({ dataDir: dir });
    undo.push(
      () => rm(dir, { recursive: true, force: true }),
      () => s.close(),
    );
    return s;
  }

  function consumer(
    bus: Bus,
    s: Store,
    name: string,
    extra: Partial<ConstructorParameters<typeof HookQueueConsumer>[0]> = {},
  ) {
    const c = new HookQueueConsumer({
      bus,
      namespace: 'acme',
      consumer: name,
      runners: [webhookRunner],
      logs: new StoreHookLog(s),
      httpRetry: { attempts: 3, baseMs: 20, maxMs: 100 },
      ...extra,
    });
    undo.push(() => c.close());
    return c;
  }

  it('memory bus: runs each enqueued hook once and logs it with its digest, verdict and duration', async () => {
    const s = await store();
    const bus = openMemoryBus();
    undo.push(() => bus.close());
    const r = await receiver();
    undo.push(r.close);
    const c = consumer(bus, s, 'a');
    await c.start();
    const q = new BusHookQueue(bus);
    for (let n = 0; n < 3; n++) await q.enqueue(hook(r.url), inv('r1', n));
    await until(async () => (await s.listHookExecutions('acme')).executions.length === 3, 'three logged');
    expect(r.bodies.map((b) => b.context['n']).sort()).toEqual([0, 1, 2]);
    const logged = (await s.listHookExecutions('acme', { runId: 'r1' })).executions;
    expect(logged.every((e) => e.mode === 'async' && e.verdict === 'allow' && e.hook === 'notify')).toBe(
      true,
    );
    expect(logged.map((e) => e.inputDigest).sort()).toEqual(
      [0, 1, 2].map((n) => inputDigest(inv('r1', n))).sort(),
    );
    expect(logged.every((e) => e.durationMs > 0)).toBe(true);
  });

  it('retries a failing http hook with backoff, and logs the failure once the tries are spent', async () => {
    const s = await store();
    const bus = openMemoryBus();
    undo.push(() => bus.close());
    const flaky = await receiver((n) => (n <= 2 ? 503 : 200));
    const down = await receiver(() => 500);
    undo.push(flaky.close, down.close);
    await consumer(bus, s, 'a').start();
    const q = new BusHookQueue(bus);
    await q.enqueue(hook(flaky.url, 'flaky'), inv('r1'));
    await q.enqueue(hook(down.url, 'down'), inv('r2'));
    await until(async () => (await s.listHookExecutions('acme')).executions.length === 2, 'both logged');
    expect(flaky.bodies).toHaveLength(3);
    expect(down.bodies).toHaveLength(3);
    const [flakyLog] = (await s.listHookExecutions('acme', { hook: 'flaky' })).executions;
    expect(flakyLog).toMatchObject({ verdict: 'allow', error: null });
    const [downLog] = (await s.listHookExecutions('acme', { hook: 'down' })).executions;
    expect(downLog).toMatchObject({ verdict: 'error', error: 'HTTP 500 (after 3 tries)' });
    // The same idempotency key on every try: the receiver can tell a retry from a new call.
    expect(new Set(flaky.bodies.map((b) => b.idempotencyKey)).size).toBe(1);
  });

  describe('Redis Streams', () => {
    const buses: RedisTestBus[] = [];
    afterEach(async () => {
      for (const b of buses.splice(0)) await b.cleanup();
    });

    it('two instances share the work: every hook runs once, whichever instance enqueued it', async () => {
      const s = await store();
      const a = await openTestBus();
      const b = await openTestBus({ prefix: a.prefix });
      buses.push(a, b);
      const r = await receiver(() => 200, 5);
      undo.push(r.close);
      const ca = consumer(a.bus, s, 'instance-a', { concurrency: 2 });
      const cb = consumer(b.bus, s, 'instance-b', { concurrency: 2 });
      await Promise.all([ca.start(), cb.start()]);
      const qa = new BusHookQueue(a.bus);
      const qb = new BusHookQueue(b.bus);
      for (let n = 0; n < 40; n++) await (n % 2 === 0 ? qa : qb).enqueue(hook(r.url), inv('r1', n));
      await until(() => ca.ran + cb.ran === 40, 'forty run');
      expect(r.bodies).toHaveLength(40);
      expect(new Set(r.bodies.map((x) => x.context['n'])).size).toBe(40);
      expect(ca.ran).toBeGreaterThan(0);
      expect(cb.ran).toBeGreaterThan(0);
      const page = await s.listHookExecutions('acme', { limit: 100 });
      expect(page.executions).toHaveLength(40);
      expect(new Set(page.executions.map((e) => e.inputDigest)).size).toBe(40);
    });

    it('a hook an instance was running when it closed is run by another instance', async () => {
      const s = await store();
      const a = await openTestBus();
      const b = await openTestBus({ prefix: a.prefix });
      buses.push(a, b);
      // The first call hangs until the instance goes away; later ones answer at once.
      const slow = await receiver((n) => (n === 1 ? 500 : 200), 0);
      undo.push(slow.close);
      const ca = consumer(a.bus, s, 'instance-a', {
        visibilityTimeoutMs: 500,
        httpRetry: { attempts: 5, baseMs: 2000, maxMs: 2000 },
      });
      await ca.start();
      await new BusHookQueue(a.bus).enqueue(hook(slow.url), inv('r9'));
      await until(() => slow.bodies.length === 1, 'first try');
      await ca.close(); // mid-backoff: nothing logged, not acked
      expect((await s.listHookExecutions('acme')).executions).toEqual([]);
      const cb = consumer(b.bus, s, 'instance-b', { visibilityTimeoutMs: 500 });
      await cb.start();
      await until(async () => (await s.listHookExecutions('acme')).executions.length === 1, 'run by b');
      expect(cb.ran).toBe(1);
      expect(slow.bodies.map((x) => x.idempotencyKey)).toEqual([
        'r9/notification/t0/notify',
        'r9/notification/t0/notify',
      ]);
    });
  });
});
