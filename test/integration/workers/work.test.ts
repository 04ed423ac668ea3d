// Remote workers over a real loopback gRPC server: workflows whose agents are served by worker
// clients on AgentService.Work run to completion, leases move work off a dropped worker, late
// results are refused, cancellation revokes, and bad Work messages get INVALID_ARGUMENT naming the field.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignmentState, MessageRole, type Assignment } from '../../../src/api/gen/baton/v1/agent.js';
import { failureOf, serve, sleep, status, TestWorker, until, workflow, type Served } from './harness.js';

const LEASE_MS = 300;
let s: Served;
const workers: TestWorker[] = [];

const worker = (init: ConstructorParameters<typeof TestWorker>[1]): TestWorker => {
  const w = new TestWorker(s.client, init);
  workers.push(w);
  return w;
};

beforeAll(async () => {
  s = await serve(LEASE_MS);
});

afterAll(async () => {
  for (const w of workers) w.drop();
  await s.close();
});

const inputOf = (a: Assignment): Record<string, unknown> =>
  a.message!.parts.find((p) => p.data !== undefined)!.data as Record<string, unknown>;

/** The journal's entries of one type for a run. */
async function entries(runId: string, type: string): Promise<Array<Record<string, unknown>>> {
  const records = await s.app.store.read(s.app.engine.namespace, runId);
  return records.filter((r) => r.type === type).map((r) => r.data as Record<string, unknown>);
}

describe('workers: a workflow served by remote workers', () => {
  it('completes with tasks spread over two workers, outputs flowing downstream', async () => {
    const handle = async (a: Assignment) => {
      await sleep(20);
      return { by: a.agentId, task: a.taskId, got: inputOf(a) };
    };
    const w1 = worker({ workerId: 'spread-1', agentIds: ['research-q'], capacity: 1, handle });
    const w2 = worker({ workerId: 'spread-2', agentIds: ['research-q', 'writer'], capacity: 1, handle });
    await Promise.all([w1.welcome, w2.welcome]);
    const run = await s.app.engine.start(
      workflow({
        agents: {
          researcher: {
            type: 'llm',
            capabilities: ['search'],
            max_instances: 4,
            endpoint: { queue: 'research-q' },
          },
          writer: { type: 'llm', capabilities: ['write'] },
        },
        tasks: [
          { id: 'r1', agent: 'researcher' },
          { id: 'r2', agent: 'researcher' },
          { id: 'r3', agent: 'researcher' },
          { id: 'r4', agent: 'researcher' },
          { id: 'report', agent: 'writer', depends_on: ['r1', 'r2', 'r3', 'r4'] },
        ],
      }),
      {},
    );
    const final = await s.app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    // Both workers took research tasks; only the one serving `writer` (by agent id) wrote the report.
    expect(w1.assignments.length).toBeGreaterThan(0);
    expect(w2.assignments.filter((a) => a.agentId === 'research-q').length).toBeGreaterThan(0);
    expect(w1.assignments.map((a) => a.agentId)).not.toContain('writer');
    const report = w2.assignments.find((a) => a.taskId === 'report')!;
    expect(report.runId).toBe(run.runId);
    // The report's input carries every research output, each from whichever worker did it.
    expect(inputOf(report)).toMatchObject({
      r1: { task: 'r1' },
      r2: { task: 'r2' },
      r3: { task: 'r3' },
      r4: { task: 'r4' },
    });
    expect(final.output).toMatchObject({ report: { by: 'writer', task: 'report' } });
    expect(w1.receipts.concat(w2.receipts).every((r) => r.accepted)).toBe(true);
    await Promise.all([w1.stop(), w2.stop()]);
  });

  it('never gives a worker more assignments at once than its capacity', async () => {
    const w = worker({
      workerId: 'cap-2',
      agentIds: ['cap-q'],
      capacity: 2,
      handle: async (a) => {
        await sleep(30);
        return { task: a.taskId };
      },
    });
    await w.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { a: { type: 't', capabilities: ['x'], max_instances: 6, endpoint: { queue: 'cap-q' } } },
        tasks: ['t1', 't2', 't3', 't4', 't5', 't6'].map((id) => ({ id, agent: 'a' })),
      }),
      {},
    );
    expect((await s.app.engine.settled(run.runId)).status).toBe('completed');
    expect(w.assignments).toHaveLength(6);
    expect(w.peak).toBe(2);
    await w.stop();
  });

  it('forwards progress and status events to the run as agent progress', async () => {
    const w = worker({ workerId: 'progress-1', agentIds: ['progress-q'] });
    await w.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { a: { type: 't', capabilities: ['x'], endpoint: { queue: 'progress-q' } } },
        tasks: [{ id: 'one', agent: 'a' }],
        coordination: { event_driven: ['agent_status'] },
      }),
      {},
    );
    const seen: Array<{ channel: string; name: string | null; data: Record<string, unknown> }> = [];
    const sub = await s.app.bus.subscribe(run.stream, { fromId: '0' }, (m) => {
      seen.push(m.data as (typeof seen)[number]);
    });
    await until(() => w.assignments.length === 1, 'the assignment');
    const leaseId = w.assignments[0]!.leaseId;
    w.send({ progress: { leaseId, fraction: 0.5, message: 'halfway' } });
    w.send({
      status: {
        leaseId,
        state: AssignmentState.ASSIGNMENT_STATE_WORKING,
        message: {
          messageId: 'm1',
          role: MessageRole.MESSAGE_ROLE_AGENT,
          parts: [{ text: 'reading sources' }],
        },
      },
    });
    await until(
      () => seen.filter((e) => e.name === 'progress').length === 2,
      'the progress and status events',
    );
    w.complete(leaseId, { done: true });
    expect((await s.app.engine.settled(run.runId)).status).toBe('completed');
    await sub.close();
    const progress = seen.filter((e) => e.name === 'progress').map((e) => e.data);
    expect(progress).toEqual([
      expect.objectContaining({ key: 'one', progress: 0.5, text: 'halfway' }),
      expect.objectContaining({ key: 'one', progress: null, text: 'reading sources' }),
    ]);
    await w.stop();
  });
});

describe('workers: leases', () => {
  it('moves the work of a worker that drops to another after the lease lapses; its late result is refused', async () => {
    const a = worker({ workerId: 'drop-a', agentIds: ['drop-q'] });
    await a.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { x: { type: 't', capabilities: ['x'], endpoint: { queue: 'drop-q' } } },
        tasks: [{ id: 'only', agent: 'x' }],
      }),
      {},
    );
    await until(() => a.assignments.length === 1, "a's assignment");
    const first = a.assignments[0]!;
    const b = worker({
      workerId: 'drop-b',
      agentIds: ['drop-q'],
      handle: (got) => ({ by: 'b', messageId: got.message!.messageId }),
    });
    await b.welcome;
    a.drop(); // mid-task: no result, no more heartbeats
    const final = await s.app.engine.settled(run.runId);
    expect(final.status).toBe('completed');
    expect(b.assignments).toHaveLength(1);
    const second = b.assignments[0]!;
    // The same attempt, under a new lease, with the same idempotency key.
    expect(second.leaseId).not.toBe(first.leaseId);
    expect(second.message!.messageId).toBe(first.message!.messageId);
    expect(second.attempt).toBe(first.attempt);
    expect(final.output).toMatchObject({ only: { by: 'b' } });

    // `a` comes back after its lease lapsed: nothing to resume, and its result no longer counts.
    const back = worker({ workerId: 'drop-a', agentIds: ['drop-q'] });
    expect((await back.welcome).resumedLeaseIds).toEqual([]);
    back.complete(first.leaseId, { by: 'a' });
    await until(() => back.receipts.length === 1, 'the receipt');
    expect(back.receipts[0]).toMatchObject({ leaseId: first.leaseId, accepted: false });
    expect(back.receipts[0]!.reason).toContain('lease expired');
    expect(await entries(run.runId, 'TaskCompleted')).toHaveLength(1);
    await Promise.all([back.stop(), b.stop()]);
  });

  it('a worker reconnecting within its lease keeps it and completes the task', async () => {
    const a = worker({ workerId: 'resume-a', agentIds: ['resume-q'] });
    await a.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { x: { type: 't', capabilities: ['x'], endpoint: { queue: 'resume-q' } } },
        tasks: [{ id: 'only', agent: 'x' }],
      }),
      {},
    );
    await until(() => a.assignments.length === 1, 'the assignment');
    const leaseId = a.assignments[0]!.leaseId;
    a.drop();
    const again = worker({ workerId: 'resume-a', agentIds: ['resume-q'] });
    expect((await again.welcome).resumedLeaseIds).toEqual([leaseId]);
    // Outlive the original lease: the reconnect's heartbeats keep it.
    await sleep(LEASE_MS * 2);
    again.complete(leaseId, { resumed: true });
    expect((await s.app.engine.settled(run.runId)).output).toMatchObject({ only: { resumed: true } });
    await until(() => again.receipts.length === 1, 'the receipt');
    expect(again.receipts).toEqual([{ leaseId, accepted: true, reason: '' }]);
    expect(again.assignments).toEqual([]);
    await again.stop();
  });

  it('a second stream with the same worker id replaces the first, which ends ABORTED', async () => {
    const first = worker({ workerId: 'twin', agentIds: ['twin-q'] });
    await first.welcome;
    const second = worker({ workerId: 'twin', agentIds: ['twin-q'] });
    await second.welcome;
    expect(failureOf(await first.ended)).toMatchObject({
      code: status.ABORTED,
      errorCode: 'BATON_E_WORKER_REPLACED',
    });
    expect(s.hub.connectedWorkers('twin-q')).toBe(1);
    await second.stop();
  });

  it('revokes the assignment when the run is cancelled', async () => {
    const w = worker({ workerId: 'cancel-1', agentIds: ['cancel-q'] });
    await w.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { x: { type: 't', capabilities: ['x'], endpoint: { queue: 'cancel-q' } } },
        tasks: [{ id: 'long', agent: 'x' }],
      }),
      {},
    );
    await until(() => w.assignments.length === 1, 'the assignment');
    await s.app.engine.command(run.runId, { kind: 'cancel', by: 'test', reason: 'not needed' });
    expect((await s.app.engine.settled(run.runId)).status).toBe('cancelled');
    await until(() => w.revocations.length === 1, 'the revocation');
    expect(w.revocations[0]!.leaseId).toBe(w.assignments[0]!.leaseId);
    // Reporting on a revoked lease is refused, not an error.
    w.complete(w.assignments[0]!.leaseId, { late: true });
    await until(() => w.receipts.length === 1, 'the receipt');
    expect(w.receipts[0]!.accepted).toBe(false);
    await w.stop();
  });

  it('a task with no worker waits, then times out at its deadline', async () => {
    const run = await s.app.engine.start(
      workflow({
        agents: { x: { type: 't', capabilities: ['x'], endpoint: { queue: 'nobody-q' } } },
        tasks: [{ id: 'lonely', agent: 'x', timeout: '200ms', retry: { max_attempts: 1 } }],
      }),
      {},
    );
    const final = await s.app.engine.settled(run.runId);
    expect(final.status).toBe('failed');
    expect(JSON.stringify(final.error)).toContain('BATON_E_AGENT_TIMEOUT');
    // Two clocks guard the deadline: the hub's (which knows no worker took it) and the engine's durable
    // attempt timer. They fire at the same instant; whichever is first fails the attempt.
    const [failedEntry] = await entries(run.runId, 'TaskFailed');
    const timers = (await entries(run.runId, 'TimerFired')).filter((t) =>
      JSON.stringify(t).includes('timeout'),
    );
    if (failedEntry === undefined) expect(timers).toHaveLength(1);
    else {
      expect(failedEntry).toMatchObject({ error: { code: 'BATON_E_AGENT_TIMEOUT' } });
      expect(JSON.stringify(failedEntry)).toContain('no worker took it');
    }
  });

  it("a worker's failure fails the attempt with the registry code its retry flag picks", async () => {
    const w = worker({ workerId: 'fail-1', agentIds: ['fail-q'] });
    await w.welcome;
    const run = await s.app.engine.start(
      workflow({
        agents: { x: { type: 't', capabilities: ['x'], endpoint: { queue: 'fail-q' } } },
        tasks: [{ id: 'bad', agent: 'x', retry: { max_attempts: 3 } }],
      }),
      {},
    );
    await until(() => w.assignments.length === 1, 'the assignment');
    w.send({
      result: {
        leaseId: w.assignments[0]!.leaseId,
        failure: { code: 'BAD_INPUT', message: 'no such document', retryable: false },
      },
    });
    expect((await s.app.engine.settled(run.runId)).status).toBe('failed');
    // Not retryable: one attempt only.
    expect(w.assignments).toHaveLength(1);
    expect((await entries(run.runId, 'TaskFailed'))[0]).toMatchObject({
      error: { code: 'BATON_E_AGENT_REJECTED', message: 'BAD_INPUT: no such document', retryable: false },
    });
    await w.stop();
  });
});

describe('workers: malformed Work messages', () => {
  const expectRefused = async (w: TestWorker, fieldPath: string, errorCode = 'BATON_E_REQUEST_INVALID') => {
    const failure = failureOf(await w.ended);
    expect(failure).toMatchObject({ code: status.INVALID_ARGUMENT, errorCode, fieldPath });
  };

  it('refuses a stream that does not open with a valid hello, or says hello twice', async () => {
    const silent = new TestWorker(s.client, { workerId: 'x', agentIds: ['q'], heartbeatMs: 0, hello: false });
    silent.send({ heartbeat: { leaseIds: [] } });
    await expectRefused(silent, 'hello');
    const w = new TestWorker(s.client, { workerId: '', agentIds: ['q'], heartbeatMs: 0 });
    await expectRefused(w, 'hello.worker_id');
    const none = new TestWorker(s.client, { workerId: 'none', agentIds: [], heartbeatMs: 0 });
    await expectRefused(none, 'hello.agent_ids');
    const raw = worker({ workerId: 'raw', agentIds: ['q'], heartbeatMs: 0 });
    await raw.welcome;
    raw.send({ hello: { workerId: 'raw', agentIds: ['q'], capacity: 1 } });
    await expectRefused(raw, 'hello');
  });

  it('names the field of each bad message, and the server keeps serving', async () => {
    const cases: Array<[string, (w: TestWorker) => void, string, string?]> = [
      ['capacity 0', () => undefined, 'hello.capacity'],
      ['empty message', (w) => w.send({}), 'kind'],
      ['unknown lease', (w) => w.complete('lease_nope', {}), 'result.lease_id', 'BATON_E_LEASE_UNKNOWN'],
      [
        'heartbeat for a lease never given',
        (w) => w.send({ heartbeat: { leaseIds: ['x'] } }),
        'heartbeat.lease_ids[0]',
        'BATON_E_LEASE_UNKNOWN',
      ],
      ['progress beyond 1', (w) => w.send({ progress: { leaseId: 'x', fraction: 2 } }), 'progress.fraction'],
      ['result without outcome', (w) => w.send({ result: { leaseId: 'x' } }), 'result.outcome'],
      ['status without state', (w) => w.send({ status: { leaseId: 'x' } }), 'status.state'],
    ];
    for (const [name, act, field, code] of cases) {
      const w = new TestWorker(s.client, {
        workerId: `bad-${name}`,
        agentIds: ['q'],
        capacity: name === 'capacity 0' ? 0 : 1,
        heartbeatMs: 0,
      });
      if (name !== 'capacity 0') {
        await w.welcome;
        act(w);
      }
      await expectRefused(w, field, code);
    }
    // Still serving: a good worker connects and is listed.
    const good = worker({ workerId: 'good', agentIds: ['after-bad'] });
    await good.welcome;
    const listed = await new Promise<unknown>((resolve, reject) =>
      s.client.listAgents({ capabilities: [], pageSize: 0, pageToken: '' }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    expect(listed).toMatchObject({
      agents: expect.arrayContaining([
        expect.objectContaining({ agentId: 'after-bad', connectedWorkers: 1 }),
      ]) as unknown,
    });
    await good.stop();
  });
});
