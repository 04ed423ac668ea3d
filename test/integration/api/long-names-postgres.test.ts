// Workflow names and versions are keys the stores index: on PostgreSQL a btree index row holds at most
// 2,704 bytes, so a StartRun whose workflow_source declared a 3,000-character name was refused by the
// store at commit as UNAVAILABLE BATON_E_STORE_UNAVAILABLE (retryable: a client would retry it forever),
// and RegisterWorkflow refused the same name as too long. The workflow language now bounds names,
// versions and hook names at 256 characters, so every way in refuses them alike, located.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { openApp, type App } from '../../../src/app.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RunServiceClient, StartRunRequest, type Run } from '../../../src/api/gen/baton/v1/run.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';
import { dropSchema, pgTestSchema } from '../store/pg-schema.js';

const source = (name: string, version = '1', hook = 'audit') => `workflow:
  name: ${name}
  version: "${version}"
  agents: { w: { type: t } }
  tasks:
    - { id: only, agent: w }
  hooks:
    - { name: ${hook}, trigger: pre_task, command: "true", enabled: false }
`;

const { schema, url } = pgTestSchema('longnames');
let dir: string;
let app: App;
let api: BatonServer;
let client: RunServiceClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-long-names-'));
  app = await openApp({ dataDir: dir, store: url, adapterFor: () => inProcessAdapter(() => 'done') });
  api = createServer({ runs: { engine: app.engine, store: app.store, feed: new RunFeed() } });
  client = new RunServiceClient(
    `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`,
    credentials.createInsecure(),
  );
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => api?.server.tryShutdown(() => resolve()));
  await app?.close();
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

const start = (workflowSource: string): Promise<Run> =>
  new Promise((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource }), (err, res) =>
      err ? reject(err) : resolve(res.run!),
    ),
  );

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );

it.each([
  ['name', source(randomBytes(1500).toString('hex')), 'workflow.name'],
  ['version', source('v', randomBytes(1500).toString('hex')), 'workflow.version'],
  ['hook name', source('h', '1', `h${randomBytes(1500).toString('hex')}`), 'workflow.hooks.0.name'],
])('a 3,000-character workflow %s is INVALID_ARGUMENT naming it, and no run is made', async (_, src, at) => {
  const err = await refusal(start(src));
  expect(err?.code).toBe(status.INVALID_ARGUMENT);
  const detail = readErrorDetail(err!.metadata);
  expect(detail).toMatchObject({ code: 'BATON_E_INVALID_VALUE', retryable: false });
  expect(detail?.fieldPath).toContain(at);
  expect(detail?.message).toContain('at most 256 characters');
  expect(await app.store.listRuns(app.engine.namespace, {})).toMatchObject({ runs: [] });
});

it('a 256-character name runs and is listed under it', async () => {
  const name = `n${'x'.repeat(255)}`;
  const run = await start(source(name));
  expect((await app.engine.settled(run.runId)).status).toBe('completed');
  const row = await app.store.getRun(app.engine.namespace, run.runId);
  expect(row?.workflowName).toBe(name);
});
