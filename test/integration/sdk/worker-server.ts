// The composition of `baton serve` (embedded app, worker hub, gRPC API) built in the test process, for
// worker tests that need what a child process hides: short leases, the engine, the bus, a crash.

import { openApp, type App } from '../../../src/app.js';
import { WorkerHub } from '../../../src/agents/worker-hub.js';
import { workerAdapterFor } from '../../../src/agents/worker-routing.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

export interface Instance {
  readonly app: App;
  readonly hub: WorkerHub;
  readonly api: BatonServer;
  readonly port: number;
  readonly address: string;
}

/** Serves on 127.0.0.1:`port` (0 picks one) over `dataDir`, with worker leases of `leaseMs`. */
export async function bootServer(dataDir: string, port: number, leaseMs: number): Promise<Instance> {
  const hub = new WorkerHub({ leaseMs });
  const feed = new RunFeed();
  const app = await openApp({
    dataDir,
    inboxPollMs: 20,
    onTurn: feed.publish,
    adapterFor: workerAdapterFor(hub),
  });
  const api = createServer({ runs: { engine: app.engine, store: app.store, feed }, workers: hub });
  const bound = await listen(api.server, `127.0.0.1:${port}`);
  return { app, hub, api, port: bound, address: `127.0.0.1:${bound}` };
}

/** Like a killed process: streams cut without a status, the engine stops driving (its leases released). */
export async function crash(s: Instance): Promise<void> {
  s.api.server.forceShutdown();
  await s.app.close();
  s.hub.close();
}

/** Polls `check` every 50 ms; throws naming `what` if it is still false after 30 s. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}
