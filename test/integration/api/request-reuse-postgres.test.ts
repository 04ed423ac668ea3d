// A StartRun request_id over the PostgreSQL store: the first request's content is compared with the
// run's RunStarted as PostgreSQL gives it back (jsonb reorders keys), so a retry with every option set
// gets its run, and a reuse with other content is refused (ALREADY_EXISTS BATON_E_REQUEST_ID_REUSED).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RetryPreset } from '../../../src/api/gen/baton/v1/common.js';
import {
  RunServiceClient,
  StartRunRequest,
  type DeepPartial,
  type Run,
} from '../../../src/api/gen/baton/v1/run.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';
import { dropSchema, pgTestSchema } from '../store/pg-schema.js';

const SOURCE = `workflow:
  name: keyed
  version: "1"
  agents: { w: { type: t } }
  inputs:
    topic: { description: what about }
    depth: { description: how deep, default: 2 }
  tasks:
    - { id: one, agent: w }
`;

const { schema, url } = pgTestSchema('reqreuse');
let dir: string;
let app: App;
let api: BatonServer;
let client: RunServiceClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-request-reuse-'));
  app = await openApp({
    dataDir: dir,
    store: url,
    adapterFor: () => inProcessAdapter(() => 'done'),
  });
  const feed = new RunFeed();
  api = createServer({ runs: { engine: app.engine, store: app.store, feed } });
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

const start = (extra: DeepPartial<StartRunRequest>): Promise<Run> =>
  new Promise((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource: SOURCE, ...extra }), (err, res) =>
      err ? reject(err) : resolve(res.run!),
    ),
  );

const FULL: DeepPartial<StartRunRequest> = {
  requestId: 'pg-key',
  executionOptions: {
    timeout: { seconds: 90 },
    retryPreset: RetryPreset.RETRY_PRESET_FIXED,
    resourceConstraints: { maxAgents: 4, maxMemory: '1Gi' },
  },
};

it('a retry with the same content gets the run; other content under the key is refused', async () => {
  const first = await start({ ...FULL, inputData: { topic: 'a', depth: 3 } });
  const again = await start({ ...FULL, inputData: { depth: 3, topic: 'a' } });
  expect(again.runId).toBe(first.runId);
  const err = await start({ ...FULL, inputData: { topic: 'a', depth: 4 } }).then(
    () => undefined,
    (e: unknown) => e as ServiceError,
  );
  expect(err?.code).toBe(status.ALREADY_EXISTS);
  expect(readErrorDetail(err!.metadata)?.code).toBe('BATON_E_REQUEST_ID_REUSED');
  expect(err?.details).toContain(first.runId);
  expect(err?.details).toMatch(/: input differs/);
});
