// RunService over a real loopback server and the embedded app (SQLite in a temp dir): runs started,
// watched, listed and steered as a client sees them.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  credentials,
  status,
  type ClientReadableStream,
  type handleUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { RetryableError, type AgentHandler } from '../../../src/agents/handler.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { checkWorkflowSource } from '../../../src/plan/index.js';
import { RetryPreset } from '../../../src/api/gen/baton/v1/common.js';
import {
  GetRunHistoryRequest,
  ListRunsRequest,
  RunServiceClient,
  type RunServiceServer,
  RunStatus,
  StartRunRequest,
  type DeepPartial,
  type Run,
  type RunEvent,
  type WatchRunResponse,
} from '../../../src/api/gen/baton/v1/run.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

const ROOT = join(import.meta.dirname, '../../..');

let dir: string;
let app: App;
let api: BatonServer;
let client: RunServiceClient;
const feed = new RunFeed();
/** A call of the `gate` agent waits until its task's opener is called (or the attempt is aborted). */
const gates = new Map<string, () => void>();

const handlers: Record<string, AgentHandler> = {
  work: ({ taskId, input }) => ({ task: taskId, input }),
  busy: () => {
    throw new RetryableError('busy');
  },
  gate: ({ taskId, signal }) =>
    new Promise((resolve, reject) => {
      gates.set(taskId, () => resolve('opened'));
      signal.addEventListener('abort', () => reject(new Error('aborted')));
    }),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-run-service-'));
  process.env.BATON_SIDE_EFFECTS = join(dir, 'side-effects.txt');
  app = await openApp({
    dataDir: join(dir, 'data'),
    inboxPollMs: 20,
    onTurn: feed.publish,
    adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
  });
  api = createServer({ runs: { engine: app.engine, store: app.store, feed, baseDir: ROOT } });
  client = new RunServiceClient(
    `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`,
    credentials.createInsecure(),
  );
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  delete process.env.BATON_SIDE_EFFECTS;
  rmSync(dir, { recursive: true, force: true });
});

const workflow = (name: string, tasks: string, extra = '') => `workflow:
  name: ${name}
  version: "2"
  agents:
    work: { type: t, capabilities: [x] }
    gate: { type: t, capabilities: [x] }
    busy: { type: t, capabilities: [x] }
  tasks:
${tasks}${extra}`;

const CHAIN = workflow(
  'chain',
  `    - { id: one, agent: work }
    - { id: two, agent: work, depends_on: [one] }
    - { id: three, agent: work, depends_on: [two] }
`,
);

/** A workflow with inputs, one of them defaulted: a request_id retry is compared with defaults applied. */
const KEYED = workflow(
  'keyed',
  `    - { id: one, agent: work }
`,
  `  inputs:
    topic: { description: what about }
    depth: { description: how deep, default: 2 }
`,
);

/** Request and response types of each unary RPC, by handler name. */
type Unary = {
  [
    K in keyof RunServiceServer as RunServiceServer[K] extends handleUnaryCall<never, unknown> ? K : never
  ]: RunServiceServer[K] extends handleUnaryCall<infer Req, infer Res> ? [Req, Res] : never;
};
type Callback<Res> = (err: ServiceError | null, res: Res) => void;

function call<K extends keyof Unary>(name: K, req: Unary[K][0]): Promise<Unary[K][1]> {
  const method = client[name] as unknown as (req: Unary[K][0], cb: Callback<Unary[K][1]>) => void;
  return new Promise((resolve, reject) =>
    method.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

/** fromPartial: ts-proto encodes a field left undefined as the string "undefined". */
const start = async (workflowSource: string, extra: DeepPartial<StartRunRequest> = {}): Promise<Run> =>
  (await call('startRun', StartRunRequest.fromPartial({ workflowSource, ...extra }))).run!;
const getRun = async (runId: string): Promise<Run> => (await call('getRun', { runId })).run!;
const history = (runId: string, extra: DeepPartial<GetRunHistoryRequest> = {}) =>
  call('getRunHistory', GetRunHistoryRequest.fromPartial({ runId, ...extra }));

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!err) throw new Error('the call succeeded');
  return err;
}

/**
 * Watches a run from `afterCursor`: resolves with the events once the stream ends, or once `stop` says
 * so (the call is then cancelled, as a client that goes away would).
 */
function watch(runId: string, afterCursor = '', stop?: (e: RunEvent) => boolean): Promise<RunEvent[]> {
  const stream: ClientReadableStream<WatchRunResponse> = client.watchRun({ runId, afterCursor });
  const events: RunEvent[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (r: WatchRunResponse) => {
      events.push(r.event!);
      if (stop?.(r.event!)) {
        stream.cancel();
        resolve(events);
      }
    });
    stream.on('end', () => resolve(events));
    stream.on('error', (e: ServiceError) => (e.code === status.CANCELLED ? resolve(events) : reject(e)));
  });
}

const isEntry = (type: string, taskId?: string) => (e: RunEvent) =>
  e.type === type && (taskId === undefined || e.taskId === taskId);

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('RunService: starting and following a run', () => {
  it('starts a workflow given as YAML (module endpoints from the server cwd) and streams it to the end', async () => {
    const source = `workflow:
  name: effects
  version: "1"
  agents:
    fx: { type: t, capabilities: [x], endpoint: { module: test/fixtures/agents/side-effect.js } }
  tasks:
    - { id: a, agent: fx }
    - { id: b, agent: fx, depends_on: [a] }
`;
    const run = await start(source, { inputData: { topic: 'x' } });
    expect(run.workflow).toMatchObject({ name: 'effects', version: '1' });
    const events = await watch(run.runId);
    expect(events[0]!.type).toBe('RunStarted');
    expect(events.at(-1)!.type).toBe('RunCompleted');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.cursor)).toEqual(events.map((e) => String(e.seq)));
    expect(events.filter(isEntry('TaskDispatched')).map((e) => e.taskId)).toEqual(['a', 'b']);
    // The agents really ran, in this process.
    expect(readFileSync(process.env.BATON_SIDE_EFFECTS!, 'utf8').trim().split('\n')).toHaveLength(2);
    expect((await history(run.runId)).events).toEqual(events);
  });

  it('reports a run in the SPEC status shape', async () => {
    const { runId } = await start(CHAIN);
    await watch(runId);
    const run = await getRun(runId);
    expect(run).toMatchObject({
      runId,
      workflow: { name: 'chain', version: '2' },
      status: RunStatus.RUN_STATUS_COMPLETED,
      performanceMetrics: { tasksCompleted: 3, agentsAllocated: expect.any(Number) as number },
      failureCode: '',
    });
    expect(run.outputs).toMatchObject({ three: { task: 'three' } });
    expect(run.agents.map((a) => a.agentId)).toContain('work');
    expect(run.endedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
  });

  it('a watcher that reconnects with its last cursor misses nothing and sees nothing twice', async () => {
    const { runId } = await start(CHAIN);
    const first = await watch(runId, '', (e) => e.seq === 3);
    // The cancelled stream's listener goes away (the server learns of the cancel asynchronously).
    await until(() => feed.size === 0);
    const rest = await watch(runId, first.at(-1)!.cursor);
    const all = (await history(runId)).events;
    expect([...first, ...rest]).toEqual(all);
    expect(all.at(-1)!.type).toBe('RunCompleted');
  });

  it('follows a run another process drives in the same data directory', async () => {
    const other = await openApp({
      dataDir: join(dir, 'data'),
      owner: 'other-process',
      adapterFor: (id) => inProcessAdapter(handlers[id] ?? (() => 'idle')),
    });
    try {
      const checked = checkWorkflowSource(CHAIN);
      if (!checked.ok) throw new Error('CHAIN is invalid');
      const { runId } = await other.engine.start(checked.spec, {});
      const events = await watch(runId);
      expect(events.at(-1)!.type).toBe('RunCompleted');
      expect(events).toEqual((await history(runId)).events);
    } finally {
      await other.close();
    }
  });

  it('pages the journal and folds the state as of an entry', async () => {
    const { runId } = await start(CHAIN);
    const all = await watch(runId);
    const page1 = await history(runId, { pageSize: 4 });
    expect(page1.events).toEqual(all.slice(0, 4));
    const page2 = await history(runId, { afterCursor: page1.nextCursor, pageSize: 1000 });
    expect(page2.events).toEqual(all.slice(4));
    expect(page2.nextCursor).toBe('');
    const early = await history(runId, { pageSize: 1, stateAtSeq: 1 });
    expect(early.state).toMatchObject({ runId, status: RunStatus.RUN_STATUS_EXECUTING, endedAt: undefined });
    const end = await history(runId, { pageSize: 1, stateAtSeq: all.length });
    expect(end.state!.status).toBe(RunStatus.RUN_STATUS_COMPLETED);
  });

  it('returns the first run again for a repeated request id', async () => {
    const first = await start(CHAIN, { requestId: 'retry-me' });
    const again = await start(CHAIN, { requestId: 'retry-me' });
    expect(again.runId).toBe(first.runId);
  });

  it('returns the first run again for a retry of a workflow with relative module endpoints (journaled absolute)', async () => {
    const source = `workflow:
  name: modules
  version: "1"
  agents:
    fx: { type: t, capabilities: [x], endpoint: { module: test/fixtures/agents/side-effect.js } }
  tasks:
    - { id: a, agent: fx }
`;
    const first = await start(source, { requestId: 'module-retry', inputData: { topic: 'x' } });
    const again = await start(source, { requestId: 'module-retry', inputData: { topic: 'x' } });
    expect(again.runId).toBe(first.runId);
    await watch(first.runId);
  });

  it('takes a retry with the same content (input keys in any order, defaults spelled out) as the same start', async () => {
    const first = await start(KEYED, { requestId: 'same-content', inputData: { topic: 'a', depth: 2 } });
    const reordered = await start(KEYED, {
      requestId: 'same-content',
      inputData: { depth: 2, topic: 'a' },
    });
    expect(reordered.runId).toBe(first.runId);
    const defaulted = await start(KEYED, { requestId: 'same-content', inputData: { topic: 'a' } });
    expect(defaulted.runId).toBe(first.runId);
  });

  it('refuses a request_id reused with another input, workflow, version or options, naming the run and what differs', async () => {
    const first = await start(KEYED, { requestId: 'reused', inputData: { topic: 'a' } });
    const refused = async (extra: DeepPartial<StartRunRequest>, source = KEYED) => {
      const err = await failure(start(source, { requestId: 'reused', ...extra }));
      expect(err.code).toBe(status.ALREADY_EXISTS);
      expect(readErrorDetail(err.metadata)).toMatchObject({
        code: 'BATON_E_REQUEST_ID_REUSED',
        fieldPath: 'request_id',
      });
      expect(err.details).toContain('"reused"');
      expect(err.details).toContain(first.runId);
      return err.details;
    };
    expect(await refused({ inputData: { topic: 'b' } })).toMatch(/: input differs/);
    expect(await refused({ inputData: { topic: 'a' } }, CHAIN)).toMatch(
      /workflow \(the run is of "keyed", the request asks for "chain"\)/,
    );
    expect(
      await refused({ inputData: { topic: 'a' } }, KEYED.replace('version: "2"', 'version: "3"')),
    ).toMatch(/version \(the run is of "2", the request asks for "3"\)/);
    // The same name and version with a task added: an edited source sent again under its old version.
    expect(
      await refused(
        { inputData: { topic: 'a' } },
        KEYED.replace(
          '- { id: one, agent: work }',
          '- { id: one, agent: work }\n    - { id: two, agent: work }',
        ),
      ),
    ).toMatch(/workflow definition \(the same name and version "2", other content\)/);
    expect(
      await refused({ inputData: { topic: 'a' }, executionOptions: { timeout: { seconds: 60 } } }),
    ).toMatch(/options \(timeout\)/);
    expect(
      await refused({
        inputData: { topic: 'a' },
        executionOptions: { retryPreset: RetryPreset.RETRY_PRESET_NONE },
      }),
    ).toMatch(/options \(retry policy\)/);
    // Refusals start nothing, and the first request's content still gets its run.
    const { runs } = await call(
      'listRuns',
      ListRunsRequest.fromPartial({ workflowName: 'keyed', pageSize: 500 }),
    );
    expect(runs.filter((r) => r.runId === first.runId)).toHaveLength(1);
    expect((await start(KEYED, { requestId: 'reused', inputData: { topic: 'a' } })).runId).toBe(first.runId);
  });

  it('gives API runs the run ids the CLI gives (run_<time>_<random>), whatever the request_id', async () => {
    const plain = await start(CHAIN);
    const keyed = await start(CHAIN, { requestId: 'format-check' });
    for (const id of [plain.runId, keyed.runId]) expect(id).toMatch(/^run_[0-9a-z]+_[0-9a-f]{10}$/);
    expect(keyed.runId).not.toContain('format-check');
  });

  it('starts one run for a request_id sent several times at once', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => start(CHAIN, { requestId: 'at-once' })));
    expect(new Set(ids.map((r) => r.runId)).size).toBe(1);
    const { runs } = await call(
      'listRuns',
      ListRunsRequest.fromPartial({ workflowName: 'chain', pageSize: 500 }),
    );
    expect(runs.filter((r) => r.runId === ids[0]!.runId)).toHaveLength(1);
  });
});

describe('RunService: execution options', () => {
  const BUSY = workflow('busy', '    - { id: try, agent: busy }\n');
  const attempts = (events: RunEvent[]) => events.filter(isEntry('TaskDispatched')).length;

  it('applies a retry preset as the default retry policy', async () => {
    const { runId } = await start(BUSY, { executionOptions: { retryPreset: RetryPreset.RETRY_PRESET_NONE } });
    const events = await watch(runId);
    expect(events.at(-1)!.type).toBe('RunFailed');
    expect(attempts(events)).toBe(1);
  });

  it('applies a retry policy of the request, and rejects an invalid one naming its field', async () => {
    const retryPolicy = { maxAttempts: 2, initialInterval: { nanos: 1_000_000 } };
    const { runId } = await start(BUSY, { executionOptions: { retryPolicy } });
    const events = await watch(runId);
    expect(events.at(-1)!.type).toBe('RunFailed');
    expect(attempts(events)).toBe(2);

    const err = await failure(start(BUSY, { executionOptions: { retryPolicy: { maxAttempts: 0 } } }));
    expect(readErrorDetail(err.metadata)?.fieldPath).toBe('execution_options.retry_policy.max_attempts');
  });
});

describe('RunService: listing', () => {
  it('pages through runs newest first, and filters by workflow name and status', async () => {
    const name = workflow('listed', '    - { id: only, agent: work }\n');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { runId } = await start(name);
      ids.push(runId);
      await watch(runId);
    }
    const req = ListRunsRequest.fromPartial({
      workflowName: 'listed',
      statuses: [RunStatus.RUN_STATUS_COMPLETED],
      pageSize: 2,
    });
    const p1 = await call('listRuns', req);
    expect(p1.runs).toHaveLength(2);
    expect(p1.nextPageToken).not.toBe('');
    const p2 = await call('listRuns', { ...req, pageToken: p1.nextPageToken });
    expect(p2.nextPageToken).toBe('');
    expect([...p1.runs, ...p2.runs].map((r) => r.runId).sort()).toEqual([...ids].sort());
    const none = await call('listRuns', { ...req, statuses: [RunStatus.RUN_STATUS_PAUSED] });
    expect(none.runs).toEqual([]);

    const changed = await failure(
      call('listRuns', { ...req, workflowName: 'other', pageToken: p1.nextPageToken }),
    );
    expect(changed.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(changed.metadata)?.fieldPath).toBe('page_token');
  });
});

describe('RunService: steering', () => {
  it('a signal releases a task waiting for it', async () => {
    const source = workflow(
      'approval',
      `    - { id: prep, agent: work }
    - id: ship
      agent: work
      depends_on: [prep]
      wait_for: { channel: approvals, event: approved, timeout: 1m }
`,
      '  coordination: { event_driven: [approvals] }\n',
    );
    const { runId } = await start(source);
    const before = await watch(runId, '', isEntry('TaskCompleted', 'prep'));
    await call('signalRun', {
      runId,
      channel: 'approvals',
      event: 'approved',
      data: { by: 'ada' },
      eventId: '',
    });
    const after = await watch(runId, before.at(-1)!.cursor);
    expect(after.find(isEntry('EventReceived'))?.data).toMatchObject({
      channel: 'approvals',
      data: { by: 'ada' },
    });
    expect(after.at(-1)!.type).toBe('RunCompleted');
    expect(JSON.stringify((await getRun(runId)).outputs)).toContain('ada');
  });

  it('a signal sent twice with the same event_id is journaled once', async () => {
    const source = workflow(
      'approval_once',
      `    - { id: prep, agent: work }
    - id: ship
      agent: work
      depends_on: [prep]
      wait_for: { channel: approvals, event: approved, timeout: 1m }
    - id: close
      agent: work
      depends_on: [ship]
      wait_for: { channel: approvals, event: closed, timeout: 1m }
`,
      '  coordination: { event_driven: [approvals] }\n',
    );
    const { runId } = await start(source);
    await watch(runId, '', isEntry('TaskCompleted', 'prep'));
    const approved = { runId, channel: 'approvals', event: 'approved', data: { n: 1 }, eventId: 'client-42' };
    await call('signalRun', approved);
    await watch(runId, '', isEntry('TaskCompleted', 'ship'));
    await call('signalRun', approved); // a client retry: same id
    await call('signalRun', { runId, channel: 'approvals', event: 'closed', data: {}, eventId: 'client-43' });
    const all = await watch(runId, '');
    const received = all.filter(isEntry('EventReceived')).map((e) => JSON.stringify(e));
    expect(received.filter((e) => e.includes('client-42'))).toHaveLength(1);
    expect(received.filter((e) => e.includes('client-43'))).toHaveLength(1);
    expect(all.at(-1)!.type).toBe('RunCompleted');
  });

  it('cancel stops the task in flight and compensates the completed ones', async () => {
    const source = workflow(
      'saga',
      `    - { id: reserve, agent: work, compensate: { agent: work, input: { undo: '"reserve"' } } }
    - { id: hold, agent: gate, depends_on: [reserve] }
`,
    );
    const { runId } = await start(source);
    const before = await watch(runId, '', isEntry('TaskDispatched', 'hold'));
    const { run } = await call('cancelRun', { runId, reason: 'customer left' });
    expect(run!.runId).toBe(runId);
    const after = await watch(runId, before.at(-1)!.cursor);
    expect(after.find(isEntry('RunCancelRequested'))).toMatchObject({
      actor: 'anonymous',
      data: { reason: 'customer left' },
    });
    expect(after.find(isEntry('CompensationDone'))?.taskId).toBe('reserve');
    expect(after.at(-1)!.type).toBe('RunCancelled');
    expect((await getRun(runId)).status).toBe(RunStatus.RUN_STATUS_CANCELLED);

    const ended = await failure(call('cancelRun', { runId, reason: '' }));
    expect(ended.code).toBe(status.FAILED_PRECONDITION);
    expect(readErrorDetail(ended.metadata)?.code).toBe('BATON_E_RUN_ENDED');
  });

  it('pause holds back new tasks until resume', async () => {
    const source = workflow(
      'pausable',
      `    - { id: one, agent: gate }
    - { id: two, agent: work, depends_on: [one] }
`,
    );
    const { runId } = await start(source);
    const seen = await watch(runId, '', isEntry('TaskDispatched', 'one'));
    await call('pauseRun', { runId, reason: '' });
    seen.push(...(await watch(runId, seen.at(-1)!.cursor, isEntry('RunPaused'))));
    await until(() => gates.has('one'));
    gates.get('one')!();
    seen.push(...(await watch(runId, seen.at(-1)!.cursor, isEntry('TaskCompleted', 'one'))));
    // `one` finished while paused: nothing new was dispatched.
    expect((await getRun(runId)).status).toBe(RunStatus.RUN_STATUS_PAUSED);
    expect((await history(runId)).events.filter(isEntry('TaskDispatched', 'two'))).toEqual([]);

    await call('resumeRun', { runId, reason: '' });
    const rest = await watch(runId, seen.at(-1)!.cursor);
    expect(rest.map((e) => e.type)).toEqual(
      expect.arrayContaining(['RunResumed', 'TaskDispatched', 'RunCompleted']),
    );
    expect((await getRun(runId)).status).toBe(RunStatus.RUN_STATUS_COMPLETED);
  });
});

describe('RunService: errors', () => {
  it('answers NOT_FOUND for a run that does not exist, on every call', async () => {
    for (const err of [
      await failure(getRun('no-such-run')),
      await failure(watch('no-such-run')),
      await failure(history('no-such-run')),
      await failure(call('pauseRun', { runId: 'no-such-run', reason: '' })),
    ]) {
      expect(err.code).toBe(status.NOT_FOUND);
      expect(readErrorDetail(err.metadata)?.code).toBe('BATON_E_RUN_NOT_FOUND');
    }
  });

  it('rejects a start with neither a workflow source nor a registered workflow id, naming the field', async () => {
    const err = await failure(start(''));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain('unless workflow_source is given');
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'workflow_id',
    });
  });

  it('rejects an invalid workflow with the place of its first error', async () => {
    // `ghost` is on line 9, column 42.
    const err = await failure(
      start(workflow('broken', '    - { id: a, agent: work, depends_on: [ghost] }\n')),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_UNKNOWN_DEPENDENCY',
      line: 9,
      column: 42,
      fieldPath: 'workflow.tasks.0.depends_on.0',
    });
  });

  it('rejects bad execution options and cursors, naming the field', async () => {
    const cases: Array<[() => Promise<unknown>, string]> = [
      [
        () =>
          start(CHAIN, {
            executionOptions: { timeout: { seconds: 0, nanos: 0 } },
          }),
        'execution_options.timeout',
      ],
      [
        () => start(CHAIN, { executionOptions: { resourceConstraints: { maxCpu: 'lots' } } }),
        'execution_options.resource_constraints.max_cpu',
      ],
      [() => start(CHAIN, { workflowId: 'other' }), 'workflow_id'],
      [() => history('x', { afterCursor: 'abc' }), 'after_cursor'],
    ];
    for (const [p, field] of cases) {
      const err = await failure(p());
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(readErrorDetail(err.metadata)?.fieldPath).toBe(field);
    }
  });
});
