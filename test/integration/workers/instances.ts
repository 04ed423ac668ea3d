// Several Baton instances in one process, as `baton serve` composes one (embedded app, RemoteWorkers,
// gRPC API on loopback), over one data directory (each its own SQLite connection, as separate processes
// would have) and one Bus. The memory bus lives in a process, so instances in separate processes could
// not share it: this is the level at which work crossing instances is tested. The bus is a parameter:
// any adapter of the Bus interface (Redis Streams) drops in.

import type { Bus } from '../../../src/bus/bus.js';
import { openApp, type App } from '../../../src/app.js';
import { RemoteWorkers } from '../../../src/agents/workers.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

export interface Instance {
  readonly name: string;
  readonly app: App;
  readonly workers: RemoteWorkers;
  readonly api: BatonServer;
  readonly address: string;
  /** Like a kill -9 of the process: streams cut, nothing released, no timers left running. */
  kill(): Promise<void>;
  /** A clean stop (workers' streams ended, claims given up, run leases released). */
  close(): Promise<void>;
}

export async function startInstance(
  name: string,
  dataDir: string,
  bus: Bus,
  leaseMs: number,
  /** A store URL (PostgreSQL); default: SQLite in `dataDir`. */
  store?: string,
  /** How long a forwarded tool call waits for the owner without a task deadline (AttachOptions). */
  toolAnswerMs?: number,
): Promise<Instance> {
  const workers = new RemoteWorkers({ leaseMs });
  const feed = new RunFeed();
  const app = await openApp({
    dataDir,
    ...(store === undefined ? {} : { store }),
    bus,
    owner: `${name}-${Math.random().toString(36).slice(2, 8)}`,
    inboxPollMs: 20,
    leaseMs: 2 * leaseMs,
    onTurn: (actor, entries) => {
      feed.publish(actor);
      workers.onTurn(actor, entries);
    },
    adapterFor: workers.adapterFor(),
    takeResult: workers.takeResult,
    takeTool: workers.takeTool,
  });
  await workers.attach({
    bus,
    store: app.store,
    namespace: app.engine.namespace,
    instance: app.engine.owner,
    wake: () => void app.engine.pollInboxes(),
    deliver: (messages) => app.engine.deliverInbox(messages),
    deliverAhead: (runId, result) => app.engine.deliverResultAhead(runId, result),
    ...(toolAnswerMs === undefined ? {} : { toolAnswerMs }),
  });
  const api = createServer({ runs: { engine: app.engine, store: app.store, feed }, workers });
  const port = await listen(api.server, '127.0.0.1:0');
  let stopped = false;
  return {
    name,
    app,
    workers,
    api,
    address: `127.0.0.1:${port}`,
    async kill() {
      if (stopped) return;
      stopped = true;
      api.server.forceShutdown();
      // The process is gone: its workers' streams cut, nothing it holds given up.
      await workers.close({ giveUp: false });
      await app.engine.close().catch(() => undefined);
      await app.store.close();
    },
    async close() {
      if (stopped) return;
      stopped = true;
      api.server.forceShutdown();
      await workers.close();
      await app.close();
    },
  };
}

/** Polls `check` every 20 ms; throws naming `what` after 30 s. */
export async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
