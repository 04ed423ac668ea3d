// WorkflowService, health and reflection over a real loopback server, as a client sees them.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readErrorDetail } from '../../../src/api/errors.js';
import { Severity, type ResourceConstraints } from '../../../src/api/gen/baton/v1/common.js';
import {
  WorkflowServiceClient,
  type PlanWorkflowResponse,
  type ValidateWorkflowResponse,
} from '../../../src/api/gen/baton/v1/workflow.js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  type HealthCheckResponse,
} from '../../../src/api/gen/grpc/health/v1/health.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

const VALID = `workflow:
  name: review
  version: "1.0"
  agents:
    writer: { type: llm, capabilities: [write], max_instances: 4 }
  tasks:
    - { id: draft, agent: writer }
    - { id: edit, agent: writer, depends_on: [draft] }
    - { id: check, agent: writer, depends_on: [draft] }
`;

// `ghost` is on line 7, column 47: the diagnostic must point there.
const UNKNOWN_DEPENDENCY = `workflow:
  name: review
  version: "1.0"
  agents:
    writer: { type: llm, capabilities: [write] }
  tasks:
    - { id: edit, agent: writer, depends_on: [ghost] }
`;

let api: BatonServer;
let target: string;
let client: WorkflowServiceClient;
let health: HealthClient;

beforeAll(async () => {
  api = createServer();
  target = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  client = new WorkflowServiceClient(target, credentials.createInsecure());
  health = new HealthClient(target, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  health.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
});

const validate = (source: string) =>
  new Promise<ValidateWorkflowResponse>((resolve, reject) =>
    client.validateWorkflow({ source }, (err, res) => (err ? reject(err) : resolve(res))),
  );

const plan = (source: string, resourceConstraints?: ResourceConstraints) =>
  new Promise<PlanWorkflowResponse>((resolve, reject) =>
    client.planWorkflow({ source, resourceConstraints }, (err, res) => (err ? reject(err) : resolve(res))),
  );

async function failure(call: Promise<unknown>): Promise<ServiceError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  if (!err) throw new Error('the call succeeded');
  return err;
}

describe('WorkflowService.ValidateWorkflow', () => {
  it('accepts a valid workflow with no diagnostics', async () => {
    expect(await validate(VALID)).toEqual({ valid: true, diagnostics: [] });
  });

  it('reports an invalid workflow in the response, located by line and column', async () => {
    const res = await validate(UNKNOWN_DEPENDENCY);
    expect(res.valid).toBe(false);
    expect(res.diagnostics).toEqual([
      expect.objectContaining({
        code: 'BATON_E_UNKNOWN_DEPENDENCY',
        severity: Severity.SEVERITY_ERROR,
        line: 7,
        column: 47,
        fieldPath: 'workflow.tasks.0.depends_on.0',
      }),
    ]);
  });

  it('reports schema and reference problems of one source together, each at its place', async () => {
    const res = await validate(`workflow:
  name: review
  version: "1.0"
  agents:
    writer: { type: llm, capabilites: [write] }
  tasks:
    - { id: edit, agent: writter, depends_on: [ghost] }
    - { id: check, agent: [writer] }
`);
    expect(res.valid).toBe(false);
    expect(res.diagnostics.map((d) => [d.code, `${d.line}:${d.column}`, d.fieldPath])).toEqual([
      ['BATON_E_UNKNOWN_KEY', '5:26', 'workflow.agents.writer.capabilites'],
      ['BATON_E_UNKNOWN_AGENT', '7:26', 'workflow.tasks.0.agent'],
      ['BATON_E_UNKNOWN_DEPENDENCY', '7:48', 'workflow.tasks.0.depends_on.0'],
      ['BATON_E_WRONG_TYPE', '8:27', 'workflow.tasks.1.agent'],
    ]);
  });

  it('lists the first 1,000 of 60,000 problems and says how many more: the answer fits a default client', async () => {
    // 60,000 input values that are not CEL strings: one diagnostic each. Listed in full the answer was
    // 11 MB, past the 4 MiB a default gRPC client takes ("Received message larger than max").
    const values = Array.from({ length: 60_000 }, (_, i) => `        k${i}: ${i}`).join('\n');
    const source = `${VALID}      input:\n${values}\n`.replace(
      '    - { id: check, agent: writer, depends_on: [draft] }\n',
      '    - id: check\n      agent: writer\n',
    );
    const res = await validate(source);
    expect(res.valid).toBe(false);
    expect(res.diagnostics).toHaveLength(1_001);
    expect(res.diagnostics[0]).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      fieldPath: 'workflow.tasks.2.input.k0',
    });
    expect(res.diagnostics.at(-1)).toMatchObject({
      code: 'BATON_E_TOO_MANY_DIAGNOSTICS',
      severity: Severity.SEVERITY_WARNING,
      message: expect.stringContaining('59000 more diagnostics are not listed') as string,
    });
  });

  it('refuses a request without a source as INVALID_ARGUMENT naming the field', async () => {
    const err = await failure(validate('  '));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'source',
    });
  });
});

describe('WorkflowService.PlanWorkflow', () => {
  it('returns the levels and critical path of a valid workflow', async () => {
    const { plan: p } = await plan(VALID);
    expect(p).toMatchObject({
      taskCount: 3,
      levels: [{ taskIds: ['draft'] }, { taskIds: ['edit', 'check'] }],
      maxWidth: 2,
      criticalPath: ['draft', 'edit'],
    });
    expect(p?.agents).toEqual([
      expect.objectContaining({ agentId: 'writer', instances: 2, maxInstances: 4 }),
    ]);
  });

  it('throttles a level to the requested constraints', async () => {
    const { plan: p } = await plan(VALID, { maxAgents: 1 });
    expect(p?.throttled).toHaveLength(1);
    expect(p?.throttled[0]).toMatchObject({
      level: 1,
      demand: { agents: 2 },
      allotted: { agents: 1 },
      constrainedBy: ['max_agents'],
    });
  });

  it('fails an invalid workflow with its registry status and a located ErrorDetail', async () => {
    const err = await failure(plan(UNKNOWN_DEPENDENCY));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_UNKNOWN_DEPENDENCY',
      fieldPath: 'workflow.tasks.0.depends_on.0',
      line: 7,
      column: 47,
    });
  });

  it('refuses malformed constraints as INVALID_ARGUMENT naming the field', async () => {
    const err = await failure(plan(VALID, { maxCpu: 'lots' }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain('resource_constraints.max_cpu');
    expect(readErrorDetail(err.metadata)).toMatchObject({
      code: 'BATON_E_REQUEST_INVALID',
      fieldPath: 'resource_constraints.max_cpu',
    });
  });
});

describe('WorkflowService registry RPCs', () => {
  it('answers UNIMPLEMENTED until the workflow store serves them', async () => {
    const get = new Promise((resolve, reject) =>
      client.getWorkflow({ workflow: { name: 'review', version: '' } }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
    expect((await failure(get)).code).toBe(status.UNIMPLEMENTED);
  });
});

describe('the server around the services', () => {
  const check = (service: string) =>
    new Promise<HealthCheckResponse>((resolve, reject) =>
      health.check({ service }, new Metadata(), (err, res) => (err ? reject(err) : resolve(res))),
    );

  it('reports SERVING for the server and for WorkflowService', async () => {
    expect(await check('')).toEqual({ status: ServingStatus.SERVING });
    expect(await check('baton.v1.WorkflowService')).toEqual({ status: ServingStatus.SERVING });
    expect((await failure(check('no.Such'))).code).toBe(status.NOT_FOUND);
  });

  it('streams a status change to a watcher', async () => {
    const call = health.watch({ service: 'baton.v1.WorkflowService' });
    // Cancelling below ends the stream with CANCELLED, which is the point, not a failure.
    call.on('error', () => {});
    const seen: ServingStatus[] = [];
    const second = new Promise<void>((resolve) =>
      call.on('data', (r: HealthCheckResponse) => {
        seen.push(r.status);
        if (seen.length === 1) api.health.set(ServingStatus.NOT_SERVING, 'baton.v1.WorkflowService');
        else resolve();
      }),
    );
    await second;
    call.cancel();
    api.health.set(ServingStatus.SERVING);
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('lists its services by reflection, as buf curl sees them', async () => {
    const buf = join(import.meta.dirname, '../../../node_modules/.bin/buf');
    const { stdout } = await promisify(execFile)(buf, [
      'curl',
      '--protocol',
      'grpc',
      '--http2-prior-knowledge',
      '--list-methods',
      `http://${target}`,
    ]);
    const methods = stdout.trim().split('\n');
    expect(methods).toContain('baton.v1.WorkflowService/ValidateWorkflow');
    expect(methods).toContain('baton.v1.RunService/WatchRun');
    expect(methods).toContain('grpc.health.v1.Health/Check');
  });
});
