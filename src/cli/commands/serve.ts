// `baton serve`: runs the gRPC API (WorkflowService, RunService over the embedded app in --data-dir,
// AgentService with the worker hub remote workers connect to, health, reflection) until SIGTERM or SIGINT, then drains the server and closes the app.
// Runs started over the API execute in this process; their relative module endpoints resolve against
// the working directory `baton serve` was started in.

import { once } from 'node:events';
import { createServer, listen, shutdown } from '../../api/server.js';
import { RunFeed } from '../../api/run-feed.js';
import { openApp } from '../../app.js';
import { WorkerHub } from '../../agents/worker-hub.js';
import { workerAdapterFor } from '../../agents/worker-routing.js';
import type { Output } from '../io.js';
import { loadCheckInputs } from './context.js';

export async function serveCommand(
  opts: { listen: string; registry?: string; dataDir: string },
  o: Output,
): Promise<number> {
  const check = await loadCheckInputs(opts, o);
  if (!check) return 1;
  const feed = new RunFeed();
  // Agents with a queue endpoint, or served by a connected worker, run on remote workers.
  const workers = new WorkerHub();
  const app = await openApp({
    dataDir: opts.dataDir,
    onTurn: feed.publish,
    adapterFor: workerAdapterFor(workers),
  });
  try {
    const api = createServer({ check, runs: { engine: app.engine, store: app.store, feed }, workers });
    const port = await listen(api.server, opts.listen);
    // The bound port, not the asked one: with port 0 the caller learns which it got.
    o.out(`baton: serving gRPC on ${opts.listen.replace(/:\d+$/, `:${port}`)}`);
    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    o.err(`baton: ${String(signal[0] ?? 'signal')} received, shutting down`);
    workers.close(); // ends worker streams, which would otherwise hold the drain open
    await shutdown(api);
  } finally {
    workers.close();
    await app.close();
  }
  return 0;
}
