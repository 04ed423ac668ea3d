// The bad-request matrix: every WorkflowService and RunService RPC, and health, over loopback against a
// real server on the embedded app, with missing fields, unknown runs and workflows, malformed ids,
// oversized payloads, inputs the workflow cannot take and expired deadlines. Each gets the right status
// and a message (and ErrorDetail field) naming the problem, never UNKNOWN; after each, the server still
// answers a good request. ModifyRun's own matrix (invalid modifications) lives with ModifyRun.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RunServiceClient, StartRunRequest, type DeepPartial } from '../../../src/api/gen/baton/v1/run.js';
import { WorkflowServiceClient } from '../../../src/api/gen/baton/v1/workflow.js';
import { HealthClient } from '../../../src/api/gen/grpc/health/v1/health.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

let dir: string;
let app: App;
let api: BatonServer;
let clients: { workflows: WorkflowServiceClient; runs: RunServiceClient; health: HealthClient };

const GOOD = `workflow:
  name: good
  version: "1"
  agents: { w: { type: t } }
  tasks:
    - { id: only, agent: w }
`;
const NEEDS_INPUT = `workflow:
  name: needs-input
  version: "1"
  inputs: { topic: { type: string, required: true, description: what to research } }
  agents: { w: { type: t } }
  tasks:
    - { id: only, agent: w }
`;
/** Over the 16 MiB a workflow source may have, under the 17 MiB the server's transport accepts. */
const SOURCE_TOO_LARGE = `# ${'x'.repeat(16 * 1024 * 1024 + 10)}\n${GOOD}`;
/** Over the transport's limit: refused before any handler runs. */
const MESSAGE_TOO_LARGE = `# ${'x'.repeat(18 * 1024 * 1024)}\n${GOOD}`;
let endedRun: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-bad-requests-'));
  const feed = new RunFeed();
  app = await openApp({
    dataDir: join(dir, 'data'),
    onTurn: feed.publish,
    adapterFor: () => inProcessAdapter(() => 'done'),
  });
  api = createServer({ runs: { engine: app.engine, store: app.store, feed } });
  const target = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  const opts = { 'grpc.max_send_message_length': 32 * 1024 * 1024 };
  clients = {
    workflows: new WorkflowServiceClient(target, credentials.createInsecure(), opts),
    runs: new RunServiceClient(target, credentials.createInsecure(), opts),
    health: new HealthClient(target, credentials.createInsecure()),
  };
  const started = await app.engine.start(
    (await import('../../../src/plan/index.js')).checkWorkflowSource(GOOD).spec!,
    {},
  );
  await app.engine.settled(started.runId);
  endedRun = started.runId;
});

afterAll(async () => {
  for (const c of Object.values(clients)) c.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

type ServiceName = keyof typeof clients;

interface Case {
  readonly name: string;
  readonly service: ServiceName;
  readonly method: string;
  readonly request: object | (() => object);
  readonly code: status;
  /** The ErrorDetail's field_path (omitted: the error carries no field). */
  readonly field?: string;
  readonly errorCode?: string;
  readonly message: RegExp;
  /** A deadline already passed when the call is made. */
  readonly expired?: boolean;
}

const runId = (id: string) => ({ runId: id });
const ref = (name: string, version = '') => ({ workflow: { name, version } });
const start = (p: DeepPartial<StartRunRequest>) => StartRunRequest.fromPartial(p);

const CASES: Case[] = [
  // WorkflowService: missing fields
  {
    name: 'ValidateWorkflow without a source',
    service: 'workflows',
    method: 'validateWorkflow',
    request: { source: '' },
    code: status.INVALID_ARGUMENT,
    field: 'source',
    message: /source: is required/,
  },
  {
    name: 'PlanWorkflow without a source',
    service: 'workflows',
    method: 'planWorkflow',
    request: { source: ' ' },
    code: status.INVALID_ARGUMENT,
    field: 'source',
    message: /source: is required/,
  },
  {
    name: 'RegisterWorkflow without a source',
    service: 'workflows',
    method: 'registerWorkflow',
    request: { source: '' },
    code: status.INVALID_ARGUMENT,
    field: 'source',
    message: /is required/,
  },
  {
    name: 'GetWorkflow without a name',
    service: 'workflows',
    method: 'getWorkflow',
    request: {},
    code: status.INVALID_ARGUMENT,
    field: 'workflow.name',
    message: /workflow\.name: is required/,
  },
  {
    name: 'DeleteWorkflow without a name',
    service: 'workflows',
    method: 'deleteWorkflow',
    request: ref(''),
    code: status.INVALID_ARGUMENT,
    field: 'workflow.name',
    message: /is required/,
  },
  // WorkflowService: unknown workflows, malformed names and tokens
  {
    name: 'GetWorkflow of an unknown workflow',
    service: 'workflows',
    method: 'getWorkflow',
    request: ref('ghost'),
    code: status.NOT_FOUND,
    errorCode: 'BATON_E_WORKFLOW_NOT_FOUND',
    message: /workflow "ghost" is not registered/,
  },
  {
    name: 'GetWorkflow of an unknown version',
    service: 'workflows',
    method: 'getWorkflow',
    request: ref('good', '9'),
    code: status.NOT_FOUND,
    field: 'workflow.version',
    message: /good@9 is not registered/,
  },
  {
    name: 'DeleteWorkflow of an unknown workflow',
    service: 'workflows',
    method: 'deleteWorkflow',
    request: ref('ghost', '1'),
    code: status.NOT_FOUND,
    message: /ghost@1 is not registered/,
  },
  {
    name: 'GetWorkflow with a control character in the name',
    service: 'workflows',
    method: 'getWorkflow',
    request: ref('a\u0007b'),
    code: status.INVALID_ARGUMENT,
    field: 'workflow.name',
    message: /control character/,
  },
  {
    name: 'ListWorkflows with an over-long name',
    service: 'workflows',
    method: 'listWorkflows',
    request: { name: 'n'.repeat(300), pageSize: 0, pageToken: '' },
    code: status.INVALID_ARGUMENT,
    field: 'name',
    message: /longer than 256/,
  },
  {
    name: 'ListWorkflows with a forged page token',
    service: 'workflows',
    method: 'listWorkflows',
    request: { name: '', pageSize: 0, pageToken: 'bm9wZQ' },
    code: status.INVALID_ARGUMENT,
    field: 'page_token',
    message: /not a token this server issued/,
  },
  {
    name: 'RegisterWorkflow of an invalid source',
    service: 'workflows',
    method: 'registerWorkflow',
    request: { source: 'workflow: [' },
    code: status.INVALID_ARGUMENT,
    errorCode: 'BATON_E_YAML_SYNTAX',
    message: /./,
  },
  // Oversized payloads
  {
    name: 'ValidateWorkflow with a source over 16 MiB',
    service: 'workflows',
    method: 'validateWorkflow',
    request: { source: SOURCE_TOO_LARGE },
    code: status.OK,
    message: /BATON_E_FILE_TOO_LARGE/,
  },
  {
    name: 'RegisterWorkflow with a source over 16 MiB',
    service: 'workflows',
    method: 'registerWorkflow',
    request: { source: SOURCE_TOO_LARGE },
    code: status.INVALID_ARGUMENT,
    errorCode: 'BATON_E_FILE_TOO_LARGE',
    message: /bytes; the limit is 16777216 bytes/,
  },
  {
    name: 'StartRun with a message over the transport limit',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowSource: MESSAGE_TOO_LARGE }),
    code: status.RESOURCE_EXHAUSTED,
    message: /larger than max/,
  },
  // RunService: missing fields
  {
    name: 'StartRun with neither workflow_id nor workflow_source',
    service: 'runs',
    method: 'startRun',
    request: () => start({}),
    code: status.INVALID_ARGUMENT,
    field: 'workflow_id',
    message: /workflow_id: is required/,
  },
  {
    name: 'GetRun without a run_id',
    service: 'runs',
    method: 'getRun',
    request: runId(''),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /run_id: is required/,
  },
  {
    name: 'PauseRun without a run_id',
    service: 'runs',
    method: 'pauseRun',
    request: runId(''),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  {
    name: 'ResumeRun without a run_id',
    service: 'runs',
    method: 'resumeRun',
    request: runId(''),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  {
    name: 'CancelRun without a run_id',
    service: 'runs',
    method: 'cancelRun',
    request: runId(''),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  {
    name: 'SignalRun without a channel',
    service: 'runs',
    method: 'signalRun',
    request: () => ({ runId: endedRun, channel: '', event: '', eventId: '' }),
    code: status.INVALID_ARGUMENT,
    field: 'channel',
    message: /channel: is required/,
  },
  {
    name: 'DeleteRun without a run_id',
    service: 'runs',
    method: 'deleteRun',
    request: runId(''),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  {
    name: 'DeleteRun of an unknown run',
    service: 'runs',
    method: 'deleteRun',
    request: runId('run_nope'),
    code: status.NOT_FOUND,
    errorCode: 'BATON_E_RUN_NOT_FOUND',
    message: /run "run_nope" does not exist/,
  },
  {
    name: 'GetRunHistory without a run_id',
    service: 'runs',
    method: 'getRunHistory',
    request: { runId: '', afterCursor: '', pageSize: 0 },
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  {
    name: 'WatchRun without a run_id',
    service: 'runs',
    method: 'watchRun',
    request: { runId: '', afterCursor: '' },
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /is required/,
  },
  // RunService: unknown runs and workflows
  {
    name: 'GetRun of an unknown run',
    service: 'runs',
    method: 'getRun',
    request: runId('run_ghost'),
    code: status.NOT_FOUND,
    errorCode: 'BATON_E_RUN_NOT_FOUND',
    message: /run "run_ghost" does not exist/,
  },
  {
    name: 'PauseRun of an unknown run',
    service: 'runs',
    method: 'pauseRun',
    request: runId('run_ghost'),
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'CancelRun of an unknown run',
    service: 'runs',
    method: 'cancelRun',
    request: runId('run_ghost'),
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'ProvideInput without a task_id',
    service: 'runs',
    method: 'provideInput',
    request: () => ({ runId: endedRun, taskId: '', input: 1, requestId: '' }),
    code: status.INVALID_ARGUMENT,
    field: 'task_id',
    message: /task_id: is required/,
  },
  {
    name: 'ProvideInput of an unknown run',
    service: 'runs',
    method: 'provideInput',
    request: { runId: 'run_ghost', taskId: 'a', input: 1, requestId: '' },
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'ProvideInput to a run that ended',
    service: 'runs',
    method: 'provideInput',
    request: () => ({ runId: endedRun, taskId: 'a', input: 1, requestId: '' }),
    code: status.FAILED_PRECONDITION,
    errorCode: 'BATON_E_RUN_ENDED',
    message: /already/,
  },
  {
    name: 'SignalRun of an unknown run',
    service: 'runs',
    method: 'signalRun',
    request: { runId: 'run_ghost', channel: 'c', event: '', eventId: '' },
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'GetRunHistory of an unknown run',
    service: 'runs',
    method: 'getRunHistory',
    request: { runId: 'run_ghost', afterCursor: '', pageSize: 0 },
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'WatchRun of an unknown run',
    service: 'runs',
    method: 'watchRun',
    request: { runId: 'run_ghost', afterCursor: '' },
    code: status.NOT_FOUND,
    message: /run_ghost/,
  },
  {
    name: 'StartRun of an unregistered workflow',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowId: 'ghost@2' }),
    code: status.NOT_FOUND,
    errorCode: 'BATON_E_WORKFLOW_NOT_FOUND',
    message: /ghost@2 is not registered/,
  },
  {
    name: 'ResumeRun of a run that ended',
    service: 'runs',
    method: 'resumeRun',
    request: () => runId(endedRun),
    code: status.FAILED_PRECONDITION,
    errorCode: 'BATON_E_RUN_ENDED',
    message: /already completed/,
  },
  // RunService: malformed ids and cursors
  {
    name: 'GetRun with whitespace in the run_id',
    service: 'runs',
    method: 'getRun',
    request: runId('run 1'),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /whitespace, control or non-ASCII/,
  },
  {
    name: 'CancelRun with an over-long run_id',
    service: 'runs',
    method: 'cancelRun',
    request: runId('r'.repeat(300)),
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /longer than 256/,
  },
  {
    name: 'WatchRun with a non-ASCII run_id',
    service: 'runs',
    method: 'watchRun',
    request: { runId: 'run_é', afterCursor: '' },
    code: status.INVALID_ARGUMENT,
    field: 'run_id',
    message: /non-ASCII/,
  },
  {
    name: 'StartRun with no version after "@"',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowId: 'good@' }),
    code: status.INVALID_ARGUMENT,
    field: 'workflow_id',
    message: /no version after "@"/,
  },
  {
    name: 'GetRunHistory with a forged cursor',
    service: 'runs',
    method: 'getRunHistory',
    request: () => ({ runId: endedRun, afterCursor: 'abc', pageSize: 0 }),
    code: status.INVALID_ARGUMENT,
    field: 'after_cursor',
    message: /not a cursor/,
  },
  {
    name: 'ListRuns with a forged page token',
    service: 'runs',
    method: 'listRuns',
    request: { workflowName: '', statuses: [], pageSize: 0, pageToken: '%%' },
    code: status.INVALID_ARGUMENT,
    field: 'page_token',
    message: /not a token/,
  },
  // Inputs the workflow cannot take
  {
    name: 'StartRun without a required input',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowSource: NEEDS_INPUT, inputData: {} }),
    code: status.INVALID_ARGUMENT,
    errorCode: 'BATON_E_MISSING_INPUT',
    message: /needs input "topic" \(what to research\)/,
  },
  {
    name: 'StartRun with a misspelled input',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowSource: NEEDS_INPUT, inputData: { tpoic: 'storage' } }),
    code: status.INVALID_ARGUMENT,
    errorCode: 'BATON_E_UNKNOWN_INPUT',
    message: /has no input "tpoic": did you mean "topic"\?/,
  },
  {
    name: 'StartRun with an input of the wrong type',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowSource: NEEDS_INPUT, inputData: { topic: 42 } }),
    code: status.INVALID_ARGUMENT,
    errorCode: 'BATON_E_WRONG_TYPE',
    message: /input "topic" of workflow needs-input must be a string, not integer 42/,
  },
  {
    name: 'StartRun with a negative timeout',
    service: 'runs',
    method: 'startRun',
    request: () => start({ workflowSource: GOOD, executionOptions: { timeout: { seconds: -5, nanos: 0 } } }),
    code: status.INVALID_ARGUMENT,
    field: 'execution_options.timeout',
    message: /must be positive/,
  },
  {
    name: 'StartRun with an out-of-range retry policy',
    service: 'runs',
    method: 'startRun',
    request: () =>
      start({
        workflowSource: GOOD,
        executionOptions: { retryPolicy: { maxAttempts: 0, nonRetryableErrors: [] } },
      }),
    code: status.INVALID_ARGUMENT,
    field: 'execution_options.retry_policy.max_attempts',
    message: /./,
  },
  {
    name: 'StartRun with unparseable resource constraints',
    service: 'runs',
    method: 'startRun',
    request: () =>
      start({ workflowSource: GOOD, executionOptions: { resourceConstraints: { maxCpu: 'lots' } } }),
    code: status.INVALID_ARGUMENT,
    field: 'execution_options.resource_constraints.max_cpu',
    message: /./,
  },
  // Expired deadlines
  {
    name: 'GetRun with an expired deadline',
    service: 'runs',
    method: 'getRun',
    request: () => runId(endedRun),
    code: status.DEADLINE_EXCEEDED,
    message: /Deadline exceeded/,
    expired: true,
  },
  {
    name: 'RegisterWorkflow with an expired deadline',
    service: 'workflows',
    method: 'registerWorkflow',
    request: { source: GOOD },
    code: status.DEADLINE_EXCEEDED,
    message: /Deadline exceeded/,
    expired: true,
  },
  // Health
  {
    name: 'Health check of an unknown service',
    service: 'health',
    method: 'check',
    request: { service: 'baton.v1.Nope' },
    code: status.NOT_FOUND,
    message: /unknown service "baton.v1.Nope"/,
  },
];

type Outcome = { err?: ServiceError; res?: unknown };

/** Calls `method` (unary or server-streaming) and settles with its error or its (first) response. */
function invoke(c: Case): Promise<Outcome> {
  type Unary = (r: object, m: Metadata, o: object, cb: (e: ServiceError | null, r: unknown) => void) => void;
  type Streaming = (r: object, m: Metadata, o: object) => NodeJS.EventEmitter;
  const client = clients[c.service] as unknown as Client & Record<string, Unary>;
  const req = typeof c.request === 'function' ? (c.request as () => object)() : c.request;
  const deadline = c.expired ? Date.now() - 1000 : Date.now() + 30_000;
  return new Promise((resolve) => {
    if (c.method === 'watchRun') {
      const watch = client.watchRun as unknown as Streaming;
      const stream = watch.call(client, req, new Metadata(), { deadline });
      stream.on('data', (res: unknown) => resolve({ res }));
      stream.on('error', (err: ServiceError) => resolve({ err }));
      stream.on('end', () => resolve({}));
      return;
    }
    client[c.method]!.call(
      client,
      req,
      new Metadata(),
      { deadline },
      (err: ServiceError | null, res: unknown) => resolve(err ? { err } : { res }),
    );
  });
}

const stillServing = () =>
  new Promise<boolean>((resolve, reject) =>
    clients.workflows.validateWorkflow({ source: GOOD }, (err, res) =>
      err ? reject(err) : resolve(res.valid),
    ),
  );

describe('bad requests', () => {
  it('covers every RPC of WorkflowService and RunService (ModifyRun aside)', () => {
    const covered = new Set(CASES.map((c) => c.method));
    const rpcs = (client: object) =>
      Object.keys(Object.getPrototypeOf(client) as object).filter((k) => k !== 'constructor');
    for (const m of [...rpcs(clients.workflows), ...rpcs(clients.runs)].filter((m) => m !== 'modifyRun'))
      expect(covered, m).toContain(m);
  });

  it.each(CASES)('$name', async (c) => {
    const { err, res } = await invoke(c);
    if (c.code === status.OK) {
      // ValidateWorkflow reports problems as diagnostics, not as a status.
      expect(err).toBeUndefined();
      expect(JSON.stringify(res)).toMatch(c.message);
    } else {
      expect(err, 'the call succeeded').toBeDefined();
      expect(err!.code, err!.details).toBe(c.code);
      expect(err!.code).not.toBe(status.UNKNOWN);
      expect(err!.details).toMatch(c.message);
      const detail = readErrorDetail(err!.metadata);
      if (c.field !== undefined) expect(detail?.fieldPath).toBe(c.field);
      if (c.errorCode !== undefined) expect(detail?.code).toBe(c.errorCode);
    }
    expect(await stillServing()).toBe(true);
  });
});
