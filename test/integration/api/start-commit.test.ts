// StartRun answers only once the run's RunStarted is committed: a run id a client holds always names a
// run, even if the server dies the moment the answer leaves. The store here is the real SQLite store
// with its commits held back (a slow disk), which would let a premature answer overtake the commit.
// Concurrent StartRuns with one request_id get one run. A large request waiting for its commit holds
// the server's budget of large requests: another is refused (BATON_E_SERVER_BUSY) until it is done.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inProcessAdapter } from '../../../src/agents/in-process.js';
import { RunServiceClient, StartRunRequest, type Run } from '../../../src/api/gen/baton/v1/run.js';
import { readErrorDetail } from '../../../src/api/errors.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';
import { openMemoryBus } from '../../../src/bus/memory/memory-bus.js';
import { AgentAdapters } from '../../../src/agents/adapter-registry.js';
import { Engine } from '../../../src/runtime/engine.js';
import { openSqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { AppendRequest, Store } from '../../../src/store/store.js';

const SOURCE = `workflow:
  name: held
  version: "1"
  agents: { w: { type: t } }
  tasks:
    - { id: only, agent: w }
`;

/** The server's budget of large requests (over 1 MiB) here: one 2 MiB request fits, two do not. */
const BUDGET = 3 * 1024 * 1024;

let dir: string;
let store: Store;
let engine: Engine;
let api: BatonServer;
let client: RunServiceClient;
/** What happened, in order: `committed RUN` when a run's first entries are durable, `answered RUN`. */
const order: string[] = [];
/** Commits wait for this; a test opens it. */
let hold: Promise<void> = Promise.resolve();
/** Told when a commit starts waiting. */
let onAppend: (() => void) | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-start-commit-'));
  const real = await openSqliteStore({ dataDir: dir });
  store = new Proxy(real, {
    get(target, key) {
      const real = Reflect.get(target, key) as unknown;
      // The store keeps private fields: its methods run on the store itself, not on the proxy.
      if (key !== 'appendMany')
        return typeof real === 'function' ? (real as () => unknown).bind(target) : real;
      return async (batch: readonly AppendRequest[]) => {
        onAppend?.();
        await hold;
        await target.appendMany(batch);
        for (const req of batch) if (req.create) order.push(`committed ${req.runId}`);
      };
    },
  });
  const feed = new RunFeed();
  engine = new Engine({
    store,
    bus: openMemoryBus(),
    onTurn: feed.publish,
    adapters: new AgentAdapters().register('none', () => inProcessAdapter(() => 'done')),
  });
  api = createServer({ runs: { engine, store, feed }, largeRequestBudgetBytes: BUDGET });
  client = new RunServiceClient(
    `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`,
    credentials.createInsecure(),
  );
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => api.server.tryShutdown(() => resolve()));
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (req: Partial<StartRunRequest>) =>
  new Promise<Run>((resolve, reject) =>
    client.startRun(StartRunRequest.fromPartial({ workflowSource: SOURCE, ...req }), (err, res) =>
      err ? reject(err) : resolve(res.run!),
    ),
  );

it('answers StartRun only after the run it names is committed', async () => {
  let open!: () => void;
  hold = new Promise((resolve) => (open = resolve));
  // The commit is held until the answer arrives (the bug) or, when the answer waits for it, a moment
  // later: either way the order of the two tells.
  const released = setTimeout(open, 300);
  const run = await start({}).then((r) => {
    order.push(`answered ${r.runId}`);
    open();
    return r;
  });
  clearTimeout(released);
  await engine.settled(run.runId);
  expect(order.filter((e) => e.endsWith(run.runId))).toEqual([
    `committed ${run.runId}`,
    `answered ${run.runId}`,
  ]);
  expect(await store.getRun(engine.namespace, run.runId)).toBeDefined();
});

it('gives concurrent StartRuns with one request_id the same run, started once', async () => {
  const runs = await Promise.all(Array.from({ length: 5 }, () => start({ requestId: 'same-key' })));
  const ids = new Set(runs.map((r) => r.runId));
  expect(ids.size).toBe(1);
  const [id] = ids;
  await engine.settled(id!);
  const started = (await store.read(engine.namespace, id!)).filter((r) => r.type === 'RunStarted');
  expect(started).toHaveLength(1);
});

it('refuses a large StartRun while another holds the budget, and takes it once that one is answered', async () => {
  const big = `# ${'x'.repeat(2 * 1024 * 1024)}\n${SOURCE}`;
  let open!: () => void;
  hold = new Promise((resolve) => (open = resolve));
  const waiting = new Promise<void>((resolve) => (onAppend = resolve));
  const first = start({ workflowSource: big });
  await waiting; // the first is admitted and waits for its commit, holding 2 MiB of the budget
  const refused = (await start({ workflowSource: big }).then(
    () => undefined,
    (e: unknown) => e,
  )) as ServiceError | undefined;
  expect(refused?.code).toBe(status.RESOURCE_EXHAUSTED);
  expect(readErrorDetail(refused!.metadata)).toMatchObject({ code: 'BATON_E_SERVER_BUSY', retryable: true });
  onAppend = undefined;
  open();
  const run = await first;
  await engine.settled(run.runId);
  // Answered: the budget is free again.
  const again = await start({ workflowSource: big });
  await engine.settled(again.runId);
});
