// The composition of `baton serve` (embedded app, worker hub, gRPC API) built in the test process, for
// worker tests that need what a child process hides: short leases, the engine, the bus, a crash.

import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { openApp, type App } from '../../../src/app.js';
import type { WorkerHub } from '../../../src/agents/worker-hub.js';
import { RemoteWorkers } from '../../../src/agents/workers.js';
import { RunFeed } from '../../../src/api/run-feed.js';
import { createServer, listen, type BatonServer } from '../../../src/api/server.js';

export interface Instance {
  readonly app: App;
  readonly workers: RemoteWorkers;
  readonly hub: WorkerHub;
  readonly api: BatonServer;
  readonly port: number;
  readonly address: string;
}

/** Serves on 127.0.0.1:`port` (0 picks one) over `dataDir`, with worker leases of `leaseMs`. */
export async function bootServer(dataDir: string, port: number, leaseMs: number): Promise<Instance> {
  const workers = new RemoteWorkers({ leaseMs });
  const feed = new RunFeed();
  const app = await openApp({
    dataDir,
    inboxPollMs: 20,
    onTurn: (actor, entries) => {
      feed.publish(actor);
      workers.onTurn(actor, entries);
    },
    adapterFor: workers.adapterFor(),
  });
  await workers.attach({
    bus: app.bus,
    store: app.store,
    namespace: app.engine.namespace,
    instance: app.engine.owner,
    wake: () => void app.engine.pollInboxes(),
    isDead: (owner) => app.engine.isDeadOwner(owner),
  });
  const api = createServer({ runs: { engine: app.engine, store: app.store, feed }, workers });
  const bound = await listen(api.server, `127.0.0.1:${port}`);
  return { app, workers, hub: workers.hub, api, port: bound, address: `127.0.0.1:${bound}` };
}

/** Like a killed process: streams cut without a status, the engine stops driving (its leases released). */
export async function crash(s: Instance): Promise<void> {
  s.api.server.forceShutdown();
  await s.workers.close();
  await s.app.close();
}

/** Polls `check` every 50 ms; throws naming `what` if it is still false after 30 s. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

/** A TCP proxy in front of `target` whose connections can be cut, like a network drop. */
export async function dropProxy(target: string): Promise<{ address: string; cut(): void; close(): void }> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const proxy = createNetServer((client) => {
    const upstream = connect(port, host);
    track(client);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port: bound } = proxy.address() as AddressInfo;
  return {
    address: `127.0.0.1:${bound}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      proxy.close();
    },
  };
}
