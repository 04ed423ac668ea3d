// The worker hub without gRPC: links are recorders, so each rule of leases, deadlines, cancellation
// and result mapping is checked on its own.

import { TaskState } from '@a2a-js/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { taskMessage } from '../../../src/agents/a2a-parts.js';
import type { AgentInvocation, AgentOutcome } from '../../../src/agents/adapter.js';
import {
  outcomeOf,
  UnknownLeaseError,
  WorkerHub,
  type WorkAssignment,
  type WorkerLink,
} from '../../../src/agents/worker-hub.js';

const hubs: WorkerHub[] = [];
afterEach(() => {
  for (const h of hubs.splice(0)) h.close();
});
const hubOf = (leaseMs = 60_000) => {
  const h = new WorkerHub({ leaseMs });
  hubs.push(h);
  return h;
};

class Recorder implements WorkerLink {
  readonly assigned: WorkAssignment[] = [];
  readonly revoked: Array<{ leaseId: string; reason: string }> = [];
  closed: string | undefined;
  assign(work: WorkAssignment): void {
    this.assigned.push(work);
  }
  revoke(leaseId: string, reason: string): void {
    this.revoked.push({ leaseId, reason });
  }
  close(reason: string): void {
    this.closed = reason;
  }
}

const invocation = (over: Partial<AgentInvocation> = {}): AgentInvocation => ({
  runId: 'run_1',
  taskId: 't',
  instanceKey: 't',
  attempt: 1,
  idempotencyKey: 'run_1/t/1',
  deadline: undefined,
  message: taskMessage({ runId: 'run_1', idempotencyKey: 'run_1/t/1', input: { n: 1 } }),
  ...over,
});
const hello = (workerId: string, capacity = 1) => ({ workerId, routes: ['q'], capabilities: [], capacity });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the engine does once it has journaled an outcome (the hub then answers with the receipt). */
const journal = (outcome: AgentOutcome, applied = true) =>
  outcome.state === TaskState.TASK_STATE_CANCELED ? undefined : outcome.journaled?.(applied);
const tick = () => new Promise((r) => setImmediate(r));

describe('WorkerHub', () => {
  it('times out an attempt a worker holds at its deadline, revokes it, and refuses the late result', async () => {
    const hub = hubOf();
    const link = new Recorder();
    const session = hub.connect(hello('w'), link);
    const outcome = hub
      .adapter('q')
      .invoke(invocation({ deadline: Date.now() + 30 }), new AbortController().signal);
    await tick();
    const leaseId = link.assigned[0]!.leaseId;
    expect(await outcome).toMatchObject({
      state: TaskState.TASK_STATE_FAILED,
      error: { code: 'BATON_E_AGENT_TIMEOUT', retryable: true },
    });
    expect(link.revoked).toEqual([{ leaseId, reason: 'the task deadline passed' }]);
    expect(await session.result(leaseId, { outputs: {} })).toEqual({
      accepted: false,
      reason: 'the task deadline passed',
    });
  });

  it('withdraws a queued attempt when the engine aborts it: no worker gets it later', async () => {
    const hub = hubOf();
    const abort = new AbortController();
    const outcome = hub.adapter('q').invoke(invocation(), abort.signal);
    expect(hub.queued).toBe(1);
    abort.abort('run cancelled');
    expect(await outcome).toMatchObject({ state: TaskState.TASK_STATE_CANCELED, reason: 'run cancelled' });
    const link = new Recorder();
    hub.connect(hello('w'), link);
    await tick();
    expect(link.assigned).toEqual([]);
    expect(hub.queued).toBe(0);
  });

  it('keeps a lease a worker heartbeats past the lease duration, and re-queues one it stops renewing', async () => {
    // Lapse is judged by the hub's clock, so a test clock makes it exact; the sweep runs every 20 ms.
    let t = 1_000_000;
    const hub = new WorkerHub({ leaseMs: 80, now: () => t });
    hubs.push(hub);
    const a = new Recorder();
    const session = hub.connect(hello('a'), a);
    const outcome = hub.adapter('q').invoke(invocation(), new AbortController().signal);
    await tick();
    const leaseId = a.assigned[0]!.leaseId;
    for (let i = 0; i < 5; i += 1) {
      t += 60; // 300 ms in all, each step within the lease
      session.heartbeat([leaseId]);
      await sleep(25);
    }
    expect(a.revoked).toEqual([]);
    // Silence: the lease lapses, the worker is told, and the job waits for the next worker.
    t += 81;
    await until(() => a.revoked.length === 1);
    expect(a.revoked[0]!.reason).toContain('lease expired');
    const b = new Recorder();
    const other = hub.connect(hello('b'), b);
    await tick();
    expect(b.assigned[0]!.invocation.idempotencyKey).toBe('run_1/t/1');
    // The connection that went silent is not given the job again.
    expect(a.assigned).toHaveLength(1);
    const receipt = other.result(b.assigned[0]!.leaseId, { outputs: { ok: 1 } });
    const settled = await outcome;
    expect(settled).toMatchObject({ state: TaskState.TASK_STATE_COMPLETED, output: { ok: 1 } });
    // The receipt waits until the engine says the outcome is journaled.
    journal(settled);
    expect(await receipt).toEqual({ accepted: true });
  });

  it("treats another worker's lease id as unknown to this one", async () => {
    const hub = hubOf();
    const a = new Recorder();
    hub.connect(hello('a'), a);
    const b = hub.connect(hello('b'), new Recorder());
    void hub.adapter('q').invoke(invocation(), new AbortController().signal);
    await tick();
    const leaseId = a.assigned[0]!.leaseId;
    expect(() => b.result(leaseId, { outputs: {} })).toThrow(UnknownLeaseError);
    // With a message id the result is judged by its attempt: none is in flight under that id, so it
    // is refused rather than ending the stream.
    expect(await b.result('lease_none', { outputs: {} }, 'no-such-key')).toMatchObject({ accepted: false });
    expect(() => b.heartbeat(['lease_none'])).toThrow(UnknownLeaseError);
  });

  it('forwards progress while the attempt runs and drops it after the result', async () => {
    const hub = hubOf();
    const link = new Recorder();
    const session = hub.connect(hello('w'), link);
    const updates: unknown[] = [];
    const outcome = hub
      .adapter('q')
      .invoke(invocation({ onUpdate: (u) => updates.push(u.metadata) }), new AbortController().signal);
    await tick();
    const leaseId = link.assigned[0]!.leaseId;
    session.progress(leaseId, 0.25, 'reading');
    void session.result(leaseId, { outputs: {} });
    session.progress(leaseId, 0.5, 'too late');
    await outcome;
    expect(updates).toEqual([{ progress: 0.25 }]);
  });

  it('gives each job to the least-loaded worker and never beyond capacity', async () => {
    const hub = hubOf();
    const a = new Recorder();
    const b = new Recorder();
    hub.connect(hello('a', 2), a);
    hub.connect(hello('b', 1), b);
    for (let i = 0; i < 5; i += 1)
      void hub.adapter('q').invoke(invocation({ idempotencyKey: `k${i}` }), new AbortController().signal);
    await tick();
    expect(a.assigned).toHaveLength(2);
    expect(b.assigned).toHaveLength(1);
    expect(hub.queued).toBe(2);
  });
});

describe("WorkerHub: work a worker holds across restarts (its own or the server's)", () => {
  it('re-queues at once the leases a restarted worker does not list in its hello, and keeps those it does', async () => {
    const hub = hubOf(); // a one-minute lease: nothing here may wait for one
    const old = new Recorder();
    hub.connect(hello('w', 2), old);
    const first = hub.adapter('q').invoke(invocation({ idempotencyKey: 'k1' }), new AbortController().signal);
    void hub.adapter('q').invoke(invocation({ idempotencyKey: 'k2' }), new AbortController().signal);
    await tick();
    const [l1, l2] = old.assigned.map((a) => a.leaseId);
    // The process died; a new one with the same worker id still has k2 (say, from its result file).
    const fresh = new Recorder();
    const session = hub.connect(
      { ...hello('w', 2), held: [{ leaseId: l2!, messageId: 'k2', finished: false }] },
      fresh,
    );
    expect(session.resumedLeaseIds).toEqual([l2]);
    await tick();
    // k1 went back to the queue and, the worker having room, straight to the new process.
    expect(fresh.assigned.map((a) => a.invocation.idempotencyKey)).toEqual(['k1']);
    expect(fresh.assigned[0]!.leaseId).not.toBe(l1);
    void session.result(fresh.assigned[0]!.leaseId, { outputs: { n: 1 } });
    expect(await first).toMatchObject({ output: { n: 1 } });
  });

  it('keeps a re-issued attempt for the worker that claims it, past its capacity; others get it only after the grace', async () => {
    let t = 1_000_000;
    const hub = new WorkerHub({ leaseMs: 400, reclaimGraceMs: 5_000, now: () => t });
    hubs.push(hub);
    const idle = new Recorder();
    hub.connect(hello('idle', 4), idle);
    const busy = new Recorder();
    hub.connect(hello('busy', 1), busy);
    void hub.adapter('q').invoke(invocation({ idempotencyKey: 'fill' }), new AbortController().signal);
    await tick();
    // After a server restart both attempts are re-issued; nobody has claimed them yet.
    const held = hub
      .adapter('q')
      .invoke(invocation({ idempotencyKey: 'h', redelivered: true }), new AbortController().signal);
    void hub
      .adapter('q')
      .invoke(invocation({ idempotencyKey: 'orphan', redelivered: true }), new AbortController().signal);
    await tick();
    expect([...idle.assigned, ...busy.assigned].map((a) => a.invocation.idempotencyKey)).toEqual(['fill']);
    // The worker that ran `h` reconnects and says it finished it: it gets `h` back, full or not.
    const back = new Recorder();
    const session = hub.connect(
      { ...hello('holder', 1), held: [{ leaseId: 'lease_gone', messageId: 'h', finished: true }] },
      back,
    );
    await tick();
    expect(back.assigned.map((a) => a.invocation.idempotencyKey)).toEqual(['h']);
    void session.result(back.assigned[0]!.leaseId, { outputs: { done: 'before the crash' } });
    expect(await held).toMatchObject({ output: { done: 'before the crash' } });
    // Nobody claims `orphan`: once the grace is over it goes to whoever has room.
    expect(hub.queued).toBe(1);
    t += 5_000;
    await until(() => hub.queued === 0);
    expect(
      [...idle.assigned, ...busy.assigned, ...back.assigned].map((a) => a.invocation.idempotencyKey),
    ).toContain('orphan');
  });

  it('accepts a late result while its attempt is still in flight, re-queued or held by another worker', async () => {
    let t = 1_000_000;
    const hub = new WorkerHub({ leaseMs: 80, now: () => t });
    hubs.push(hub);
    const a = new Recorder();
    const sa = hub.connect(hello('a'), a);
    const first = hub.adapter('q').invoke(invocation({ idempotencyKey: 'x' }), new AbortController().signal);
    await tick();
    const lapsed = a.assigned[0]!.leaseId;
    t += 81; // a went quiet (say, cut off while the server was down): its lease lapses, x is re-queued
    await until(() => a.revoked.length === 1);
    expect(hub.queued).toBe(1);
    // ... and its result arrives after all: it settles x instead of x running again.
    const receipt = sa.result(lapsed, { outputs: { by: 'a' } });
    const done = await first;
    expect(done).toMatchObject({ output: { by: 'a' } });
    journal(done);
    expect(await receipt).toEqual({ accepted: true });
    expect(hub.queued).toBe(0);

    // Re-assigned to b already: the late result still wins, and b is told to stop.
    const second = hub.adapter('q').invoke(invocation({ idempotencyKey: 'y' }), new AbortController().signal);
    await tick();
    const lapsedY = a.assigned[1]!.leaseId;
    t += 81;
    await until(() => a.revoked.length === 2);
    const b = new Recorder();
    hub.connect(hello('b'), b);
    await tick();
    expect(b.assigned[0]!.invocation.idempotencyKey).toBe('y');
    void sa.result(lapsedY, { outputs: { by: 'a' } });
    expect(await second).toMatchObject({ output: { by: 'a' } });
    expect(b.revoked).toEqual([
      { leaseId: b.assigned[0]!.leaseId, reason: 'worker "a" reported its result first' },
    ]);
  });

  it('finds the attempt by message id for a lease it never gave out (a restarted server), and says when the entry was stale', async () => {
    const hub = hubOf();
    const w = new Recorder();
    const session = hub.connect(hello('w'), w);
    const other = new Recorder();
    hub.connect(hello('other'), other);
    const outcome = hub
      .adapter('q')
      .invoke(invocation({ idempotencyKey: 'z' }), new AbortController().signal);
    await tick();
    const receipt = session.result('lease_from_the_last_server', { outputs: { ok: true } }, 'z');
    const done = await outcome;
    expect(done).toMatchObject({ output: { ok: true } });
    journal(done, false); // the engine had ended the attempt meanwhile
    expect(await receipt).toEqual({ accepted: false, reason: 'the attempt had already ended' });
  });
});

describe('outcomeOf', () => {
  it('keeps an agent code with its registry retry flag, and maps others by the worker flag', () => {
    expect(
      outcomeOf({ failure: { code: 'BATON_E_AGENT_UNAVAILABLE', message: 'down', retryable: false } }),
    ).toMatchObject({
      state: TaskState.TASK_STATE_FAILED,
      error: { code: 'BATON_E_AGENT_UNAVAILABLE', retryable: true },
    });
    expect(
      outcomeOf({
        failure: { code: 'RATE_LIMITED', message: 'slow down', retryable: true, retryAfterMs: 500 },
      }),
    ).toMatchObject({
      error: {
        code: 'BATON_E_AGENT_FAILED',
        message: 'RATE_LIMITED: slow down',
        retryable: true,
        retryAfterMs: 500,
      },
    });
    expect(outcomeOf({ failure: { code: '', message: 'no', retryable: false } })).toMatchObject({
      state: TaskState.TASK_STATE_REJECTED,
      error: { code: 'BATON_E_AGENT_REJECTED', message: 'no' },
    });
  });
});

async function until(check: () => boolean): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > 10_000) throw new Error('timed out');
    await sleep(5);
  }
}
