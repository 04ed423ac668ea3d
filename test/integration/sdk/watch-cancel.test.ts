// WatchRun calls a client cancels as they start (grpc-js 1.14.7 runs such a handler with
// `call.cancelled === false`, no 'cancelled' event, and its HTTP/2 stream left open, so the server
// cannot tell it from an idle client) must never hold a server's shutdown: shutdown ends every watch.
// In process (to see the watches) and as `baton serve` (to see SIGTERM exit).

import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import { openApp, type App } from '../../../src/app.js';
import { WorkerHub } from '../../../src/agents/worker-hub.js';
import { workerAdapterFor } from '../../../src/agents/worker-routing.js';
import { RunServiceClient } from '../../../src/api/gen/baton/v1/run.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { watchCount } from '../../../src/api/run-watch.js';
import { createServer, listen, shutdown, type BatonServer } from '../../../src/api/server.js';
import { Workflow } from '../../../src/spec/schema.js';
import { createClient, UnavailableError, type BatonClient } from '../../../sdk/src/index.js';
import { startServer, type ServerHandle } from './server.js';

/** A run that waits for a worker nobody runs: it stays live, so its watches never end by themselves. */
const WAITING = `workflow:
  name: waiting
  version: "1"
  agents:
    a: { type: tool, endpoint: { queue: nobody } }
  tasks:
    - { id: x, agent: a }
`;

let dir: string | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function inProcess(): Promise<{ app: App; api: BatonServer; feed: RunFeed; address: string }> {
  dir = mkdtempSync(join(tmpdir(), 'baton-watch-cancel-'));
  const hub = new WorkerHub();
  const feed = new RunFeed();
  const app = await openApp({ dataDir: dir, onTurn: feed.publish, adapterFor: workerAdapterFor(hub) });
  const api = createServer({ runs: { engine: app.engine, store: app.store, feed }, workers: hub });
  const address = `127.0.0.1:${await listen(api.server, '127.0.0.1:0')}`;
  cleanups.push(async () => {
    hub.close();
    api.server.forceShutdown();
    await app.close();
  });
  return { app, api, feed, address };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

it('watches cancelled as they start stay live (the grpc-js race); shutdown ends them and completes', async () => {
  const { app, api, feed, address } = await inProcess();
  const run = await app.engine.start(Workflow.parse({ name: 'w', version: '1', ...yamlLess() }), {});
  const raw = new RunServiceClient(address, credentials.createInsecure());
  cleanups.push(() => raw.close());
  await new Promise<void>((resolve, reject) =>
    raw.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
  );
  for (let i = 0; i < 5; i++) {
    const call = raw.watchRun({ runId: run.runId, afterCursor: '' });
    call.on('error', () => undefined);
    call.cancel(); // right as it starts
  }
  // The reproduction: every handler ran and none of them heard of the cancel.
  await until(() => watchCount(feed) === 5, 'the five cancelled watches to start');
  await new Promise((r) => setTimeout(r, 300));
  expect(watchCount(feed)).toBe(5);

  // A grace period longer than this test's timeout: shutdown completes only if no watch holds it.
  await shutdown(api, 120_000);
  expect(watchCount(feed)).toBe(0);
}, 60_000);

it('a live watcher is told the server is shutting down (UNAVAILABLE, BATON_E_WATCH_SHUTDOWN) and can resume', async () => {
  const { app, api, address } = await inProcess();
  const run = await app.engine.start(Workflow.parse({ name: 'w', version: '1', ...yamlLess() }), {});
  const client: BatonClient = createClient({ address, retry: false });
  cleanups.push(() => client.close());
  const seen: string[] = [];
  const watching = (async () => {
    for await (const event of client.runs.watch(run.runId)) seen.push(event.cursor);
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  await until(() => seen.length >= 2, 'the first events');
  await shutdown(api, 120_000);
  const error = await watching;
  expect(error).toBeInstanceOf(UnavailableError);
  expect((error as UnavailableError).code).toBe('BATON_E_WATCH_SHUTDOWN');
  expect((error as UnavailableError).retryable).toBe(true);
}, 60_000);

it('baton serve exits on SIGTERM after watches were cancelled as they started', async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-watch-cancel-serve-'));
  const server: ServerHandle = await startServer({ dataDir: join(dir, 'data') });
  cleanups.push(() => server.stop('SIGKILL'));
  const client = createClient({ address: server.address, deadlineMs: 20_000 });
  cleanups.push(() => client.close());
  const run = await client.runs.start({ workflowSource: WAITING });
  const raw = new RunServiceClient(server.address, credentials.createInsecure());
  cleanups.push(() => raw.close());
  await new Promise<void>((resolve, reject) =>
    raw.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())),
  );
  for (let i = 0; i < 5; i++) {
    const call = raw.watchRun({ runId: run.runId, afterCursor: '' });
    call.on('error', () => undefined);
    call.cancel();
  }
  // A live watcher too, with retries off so it reports how its stream ended.
  const watcher = createClient({ address: server.address, retry: false });
  cleanups.push(() => watcher.close());
  let events = 0;
  const watching = (async () => {
    for await (const _ of watcher.runs.watch(run.runId)) events += 1;
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  await until(() => events >= 2, 'the live watcher to read the journal');
  const exit = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  expect(await exit).toEqual([0, null]);
  // The server ended the watch itself (instead of cutting every call off when its grace ran out,
  // which is what held shutdown before): the watcher was told to resume elsewhere.
  const error = await watching;
  expect(error).toBeInstanceOf(UnavailableError);
  expect((error as UnavailableError).code).toBe('BATON_E_WATCH_SHUTDOWN');
}, 50_000);

/** The WAITING workflow as the object the engine takes. */
function yamlLess() {
  return {
    agents: { a: { type: 'tool', endpoint: { queue: 'nobody' } } },
    tasks: [{ id: 'x', agent: 'a' }],
  };
}
