// `baton serve`: runs the gRPC API (WorkflowService, RunService over the embedded app in the data
// directory, AgentService with the hub remote workers connect to, health, reflection) until SIGTERM or
// SIGINT, then drains (see api/lifecycle.ts) and exits 0. On start it resumes every run of its data
// directory that had not ended (a drain's or a crash's). Settings come from flags, BATON_* variables and
// a config file (config/serve-config.ts).
// Runs started over the API execute in this process; their relative module endpoints resolve against
// the working directory `baton serve` was started in.

import { once } from 'node:events';
import { createServer, listen, shutdown } from '../../api/server.js';
import { ServingStatus } from '../../api/health.js';
import { drainRuns, resumeRuns } from '../../api/lifecycle.js';
import { RunFeed } from '../../api/run-feed.js';
import { openApp } from '../../app.js';
import { RemoteWorkers } from '../../agents/workers.js';
import { isDeadLocalOwner } from '../../runtime/engine-policy.js';
import { loadServeConfig, type ConfigSources } from '../../config/serve-config.js';
import type { Output } from '../io.js';
import { loadCheckInputs } from './context.js';

/** Watch streams and calls still open after the drain get this long before they are cut off. */
const CLOSE_GRACE_MS = 2_000;

export async function serveCommand(sources: ConfigSources, o: Output): Promise<number> {
  const config = await loadServeConfig(sources);
  const check = await loadCheckInputs(config.registry ? { registry: config.registry } : {}, o);
  if (!check) return 1;
  const feed = new RunFeed();
  // Agents with a queue endpoint, or served by a worker, run on remote workers: their attempts go
  // through the bus to whichever instance's workers serve them (agents/workers.ts).
  const workers = new RemoteWorkers({ leaseMs: config.workerLeaseMs });
  const app = await openApp({
    dataDir: config.dataDir,
    namespace: config.namespace,
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
    isDead: isDeadLocalOwner,
  });
  const admission = { draining: false };
  // Listening before the address is printed: a supervisor may send SIGTERM as soon as it reads it.
  const stop = Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
  try {
    const api = createServer({
      check,
      admission,
      runs: { engine: app.engine, store: app.store, feed },
      workers,
      plugins: {
        ...app.plugins,
        store: app.store,
        namespace: app.engine.namespace,
        onChange: () => app.plugins.patterns.refresh(),
      },
    });
    const port = await listen(api.server, config.listen);
    const resumed = await resumeRuns(app);
    if (resumed.resumed.length > 0)
      o.err(`baton: resumed ${resumed.resumed.length} run(s) from ${config.dataDir}`);
    for (const s of resumed.skipped) o.err(`baton: left run ${s.runId} alone: ${s.reason}`);
    // The bound port, not the asked one: with port 0 the caller learns which it got.
    o.out(`baton: serving gRPC on ${config.listen.replace(/:\d+$/, `:${port}`)}`);
    const signal = await stop;
    admission.draining = true;
    api.health.set(ServingStatus.NOT_SERVING); // load balancers stop sending new work at once
    o.err(
      `baton: ${String(signal[0] ?? 'signal')} received: draining (no new runs; in-flight work gets ` +
        `${config.drainGraceMs / 1000}s)`,
    );
    const drained = await drainRuns(app, config.drainGraceMs);
    o.err(
      `baton: drained ${drained.runs} run(s); ${drained.abandoned} attempt(s) abandoned in flight ` +
        '(re-issued on the next start)',
    );
    await workers.close(); // ends worker streams, which would otherwise hold the shutdown open
    await shutdown(api, CLOSE_GRACE_MS);
  } finally {
    await workers.close();
    await app.close();
  }
  return 0;
}
