// `baton serve`: runs the gRPC API (WorkflowService, RunService over the embedded app in the data
// directory, AgentService with the hub remote workers connect to, health, reflection) until SIGTERM or
// SIGINT, then drains (see runtime/run-lifecycle.ts) and exits 0. On start it resumes every run of its data
// directory that had not ended (a drain's or a crash's), goes on claiming runs whose owner stopped
// renewing its lease (another instance that died), fires the namespace's schedules (runtime/scheduler.ts)
// and, with `retention` set, purges old ended runs (runtime/retention.ts), and the hook execution log past
// `hook_log_retention` (hooks/hook-log.ts); its health is NOT_SERVING while
// the store does not answer (runtime/store-probe.ts). Settings come from flags,
// BATON_* variables and a config file (config/serve-config.ts).
// Runs started over the API execute in this process; their relative module endpoints resolve against
// the agents directory (`--agents-dir`, default: the directory `baton serve` was started in). Started
// by npm (`npx baton serve`), it also drains when npm goes away (cli/parent-watch.ts).

import { once } from 'node:events';
import { createServer, listen, shutdown } from '../../api/server.js';
import { ServingStatus } from '../../api/health.js';
import { drainRuns, resumeRuns } from '../../runtime/run-lifecycle.js';
import { RunFeed } from '../../api/run-feed.js';
import { openApp } from '../../app.js';
import { RemoteWorkers } from '../../agents/workers.js';
import { loadServeConfig, type ConfigSources } from '../../config/serve-config.js';
import type { Output } from '../io.js';
import { watchWrapper } from '../parent-watch.js';
import { loadCheckInputs } from './context.js';
import { storeLabel } from '../store-option.js';
import { fireStarter } from '../../api/schedule-start.js';
import { RetentionSweeper } from '../../runtime/retention.js';
import { Scheduler } from '../../runtime/scheduler.js';
import { Schedules } from '../../runtime/schedules.js';
import { StoreProbe } from '../../runtime/store-probe.js';
import { HttpListener } from '../../http/http-listener.js';
import { A2AEdge, A2AService, a2aGrpcService } from '../../a2a/index.js';
import { HookLogRetention, StoreHookLog } from '../../hooks/hook-log.js';
import { HookQueueConsumer } from '../../hooks/hook-queue.js';
import { startTelemetry } from '../../app-telemetry.js';
import { observe, primeMetrics } from '../../telemetry/metrics.js';
import { uiRouter } from '../../http/ui-static.js';
import { apiGateway } from '../../api/http-gateway.js';

/** Watch streams and calls still open after the drain get this long before they are cut off. */
const CLOSE_GRACE_MS = 2_000;

export async function serveCommand(sources: ConfigSources, o: Output): Promise<number> {
  const config = await loadServeConfig(sources);
  const check = await loadCheckInputs(config.registry ? { registry: config.registry } : {}, o);
  if (!check) return 1;
  // Metrics are collected when there is a /metrics to serve them on; traces go where OTEL_* say.
  const telemetry = await startTelemetry({ prometheus: config.http !== undefined });
  const feed = new RunFeed();
  // Agents with a queue endpoint, or served by a worker, run on remote workers: their attempts go
  // through the bus to whichever instance's workers serve them (agents/workers.ts).
  const workers = new RemoteWorkers({ leaseMs: config.workerLeaseMs });
  const app = await openApp({
    dataDir: config.dataDir,
    ...(config.store !== undefined && { store: config.store }),
    namespace: config.namespace,
    bus: config.bus,
    onTurn: (actor, entries) => {
      feed.publish(actor);
      workers.onTurn(actor, entries);
    },
    adapterFor: workers.adapterFor(),
    takeResult: workers.takeResult,
    takeTool: workers.takeTool,
    claimExpired: true,
    leaseMs: config.leaseMs,
    // Async hooks go through the bus: this instance and every other consume them (HookQueueConsumer).
    hooks: { queue: 'bus' },
    ...(config.a2aCredentials !== undefined && { a2a: { credentialsFile: config.a2aCredentials } }),
  });
  await workers.attach({
    bus: app.bus,
    store: app.store,
    namespace: app.engine.namespace,
    instance: app.engine.owner,
    wake: () => void app.engine.pollInboxes(),
    deliver: (messages) => app.engine.deliverInbox(messages),
    deliverAhead: (runId, result) => app.engine.deliverResultAhead(runId, result),
    isDead: (owner) => app.engine.isDeadOwner(owner),
  });
  primeMetrics(app.engine.namespace);
  observe({
    breakers: () => app.engine.breakers.view(),
    queues: () => workers.hub.queueGauges(),
    workers: () => workers.hub.workerGauge(),
  });
  const admission = { draining: false };
  const log = (line: string) => o.err(line);
  const ns = app.engine.namespace;
  const schedules = new Schedules({ store: app.store, namespace: ns, check });
  const scheduler = new Scheduler({
    store: app.store,
    namespace: ns,
    owner: app.engine.owner,
    isDeadOwner: (o) => app.engine.isDeadOwner(o),
    start: fireStarter({ engine: app.engine, store: app.store, check }),
    log,
  });
  const retention =
    config.retentionMs === undefined
      ? undefined
      : new RetentionSweeper({ store: app.store, namespace: ns, olderThanMs: config.retentionMs, log });
  // The hook execution log keeps `hook_log_retention` (7 days by default); every instance sweeps it.
  const hookLog = new HookLogRetention({ store: app.store, olderThanMs: config.hookLogRetentionMs, log });
  // Async hooks of the namespace (any instance's runs): this instance is one consumer of the group.
  const hookRunners = app.hookRunners;
  const hookQueue = new HookQueueConsumer({
    bus: app.bus,
    namespace: ns,
    consumer: app.engine.owner,
    runners: hookRunners,
    logs: new StoreHookLog(app.store),
  });
  // Listening before the address is printed: a supervisor may send SIGTERM as soon as it reads it.
  const wrapper = watchWrapper();
  const stop = Promise.race([
    once(process, 'SIGTERM').then(() => 'SIGTERM received'),
    once(process, 'SIGINT').then(() => 'SIGINT received'),
    wrapper.gone,
  ]);
  let probe: StoreProbe | undefined;
  // The HTTP listener (--http): the A2A edge, /metrics and the web UI mount on it, before it listens.
  const http = config.http === undefined ? undefined : new HttpListener();
  // Every registered workflow as an A2A agent: JSON-RPC and HTTP+JSON under /a2a, gRPC beside Baton's API.
  const a2a =
    http &&
    new A2AEdge({
      engine: app.engine,
      store: app.store,
      namespace: ns,
      feed,
      check,
      baseDir: config.agentsDir,
      admission,
    });
  if (a2a) http.mount('/a2a', a2a.router());
  // Prometheus scrapes /metrics (the text format); the web UI's `/` mounts after it.
  if (http && telemetry.metricsHandler) http.mount('/metrics', telemetry.metricsHandler);
  try {
    const api = createServer({
      check,
      admission,
      runs: { engine: app.engine, store: app.store, feed, baseDir: config.agentsDir },
      workers,
      schedules: { schedules, scheduler },
      hooks: { store: app.store, namespace: ns, runners: hookRunners },
      plugins: {
        ...app.plugins,
        store: app.store,
        namespace: app.engine.namespace,
        onChange: () => {
          app.plugins.patterns.refresh();
          app.plugins.hooks.refresh();
        },
      },
      ...(a2a && {
        services: [
          { name: 'lf.a2a.v1.A2AService', definition: A2AService, implementation: a2aGrpcService(a2a) },
        ],
      }),
    });
    // Health follows the store: NOT_SERVING while it does not answer (a drain's NOT_SERVING stays).
    probe = new StoreProbe(app.store, {
      onChange: (up) => {
        if (admission.draining) return;
        api.health.set(up ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        o.err(
          up
            ? 'baton: the store answers again: health SERVING'
            : 'baton: the store does not answer: health NOT_SERVING until it does',
        );
      },
    });
    probe.start();
    // The UI's API: the same handlers as gRPC (api/http-gateway.ts); the UI itself last, at "/".
    if (http !== undefined) {
      http.mount('/api', apiGateway(api.services, api.budget));
      http.mount('/', uiRouter());
    }
    const port = await listen(api.server, config.listen);
    const httpPort = http === undefined ? undefined : await http.listen(config.http!);
    a2a?.boundAt({
      http: config.http!.replace(/:\d+$/, `:${httpPort}`),
      grpc: config.listen.replace(/:\d+$/, `:${port}`),
    });
    const resumed = await resumeRuns(app);
    if (resumed.resumed.length > 0)
      o.err(`baton: resumed ${resumed.resumed.length} run(s) from ${storeLabel(config)}`);
    if (resumed.heldElsewhere > 0)
      o.err(`baton: ${resumed.heldElsewhere} run(s) are driven by other live instances: left to them`);
    for (const s of resumed.skipped) o.err(`baton: left run ${s.runId} alone: ${s.reason}`);
    // After the resume: a schedule's overlap policy asks whether the runs it started are still going.
    scheduler.start();
    retention?.start();
    hookLog.start();
    await hookQueue.start();
    // The bound port, not the asked one: with port 0 the caller learns which it got.
    o.out(`baton: serving gRPC on ${config.listen.replace(/:\d+$/, `:${port}`)}`);
    if (httpPort !== undefined)
      o.out(`baton: serving HTTP on ${config.http!.replace(/:\d+$/, `:${httpPort}`)}`);
    const why = await stop;
    wrapper.stop();
    admission.draining = true;
    probe.stop();
    api.health.set(ServingStatus.NOT_SERVING); // load balancers stop sending new work at once
    o.err(`baton: ${why}: draining (no new runs; in-flight work gets ` + `${config.drainGraceMs / 1000}s)`);
    await scheduler.stop(); // no new fires while draining: the next start catches up
    await hookQueue.close(); // hooks in flight finish; unfinished ones go to another instance
    await retention?.stop();
    await hookLog.stop();
    const drained = await drainRuns(app, config.drainGraceMs);
    o.err(
      `baton: drained ${drained.runs} run(s); ${drained.abandoned} attempt(s) abandoned in flight ` +
        '(re-issued on the next start)',
    );
    await workers.close(); // ends worker streams, which would otherwise hold the shutdown open
    await Promise.all([shutdown(api, CLOSE_GRACE_MS), http?.close(CLOSE_GRACE_MS)]);
  } finally {
    probe?.stop();
    await http?.close(0);
    await scheduler.stop();
    await retention?.stop();
    await hookLog.stop();
    await hookQueue.close();
    await workers.close();
    await app.close();
    await telemetry.shutdown();
  }
  return 0;
}
