// The gRPC server: Baton's services, grpc.health.v1 and server reflection on one grpc-js Server.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { WorkerHub } from '../agents/worker-hub.js';
import type { RemoteWorkers } from '../agents/workers.js';
import type { CheckOptions } from '../plan/index.js';
import { agentService } from './agent-service.js';
import { AgentServiceService } from './gen/baton/v1/agent.js';
import { PluginServiceService } from './gen/baton/v1/plugin.js';
import { WorkflowServiceService } from './gen/baton/v1/workflow.js';
import { HealthService } from './gen/grpc/health/v1/health.js';
import { HealthStatus, ServingStatus } from './health.js';
import { addReflection } from './reflection.js';
import { RunServiceService } from './gen/baton/v1/run.js';
import { pluginService, type PluginServiceDeps } from './plugin-service.js';
import type { RunFeed } from './run-feed.js';
import { runService, type RunServiceDeps } from './run-service.js';
import { endWatches } from './run-watch.js';
import { workflowService } from './workflow-service.js';
import { guardRunService, type Admission } from './request-guard.js';

/** What the services need from the rest of Baton. */
export interface ApiDeps {
  /** Agent registry and constraints workflows are checked against, as in `baton validate`. */
  readonly check?: CheckOptions;
  /** The embedded app RunService drives runs in; without it RunService is not served. */
  readonly runs?: Omit<RunServiceDeps, 'check'>;
  /**
   * What remote workers connect to: a hub alone (one process), or RemoteWorkers (work through the bus,
   * the roster shared through the store); without it AgentService is not served.
   */
  readonly workers?: WorkerHub | RemoteWorkers;
  /** The data directory's plugin folder; without it PluginService is not served. */
  readonly plugins?: PluginServiceDeps;
  /** Set draining to refuse new runs (SIGTERM); see request-guard.ts. */
  readonly admission?: Admission;
}

export interface BatonServer {
  readonly server: Server;
  readonly health: HealthStatus;
  /** The feed RunService's watches hang on, when RunService is served: shutdown ends them. */
  readonly feed?: RunFeed;
}

/** A workflow source may be 16 MiB (the loader's limit); grpc-js would refuse more than 4 MiB. */
const MAX_MESSAGE_BYTES = 17 * 1024 * 1024;

/** A server with every service added, not yet bound: call `listen`. */
export function createServer(deps: ApiDeps = {}): BatonServer {
  const server = new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  // The workflow registry lives in the store RunService runs from (one namespace for both).
  const registry = deps.runs && { store: deps.runs.store, namespace: deps.runs.engine.namespace };
  server.addService(WorkflowServiceService, workflowService(deps.check, registry));
  const services = ['baton.v1.WorkflowService'];
  if (deps.runs) {
    server.addService(
      RunServiceService,
      guardRunService(runService({ ...deps.runs, ...(deps.check && { check: deps.check }) }), deps.admission),
    );
    services.push('baton.v1.RunService');
  }
  if (deps.workers) {
    server.addService(AgentServiceService, agentService(deps.workers));
    services.push('baton.v1.AgentService');
  }
  if (deps.plugins) {
    server.addService(PluginServiceService, pluginService(deps.plugins));
    services.push('baton.v1.PluginService');
  }
  const health = new HealthStatus(services);
  server.addService(HealthService, health.handlers);
  addReflection(server);
  return { server, health, ...(deps.runs && { feed: deps.runs.feed }) };
}

/** Binds `address` (HOST:PORT; port 0 picks a free one) without TLS; resolves to the bound port. */
export function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}

/**
 * Stops serving: reports NOT_SERVING to health watchers and ends their streams, ends every WatchRun
 * stream (UNAVAILABLE: clients resume from their cursor elsewhere or after the restart), lets calls in
 * flight finish, and cuts off whatever still runs after `graceMs`.
 */
export async function shutdown({ server, health, feed }: BatonServer, graceMs = 10_000): Promise<void> {
  health.set(ServingStatus.NOT_SERVING);
  health.close();
  if (feed) endWatches(feed);
  const deadline = setTimeout(() => server.forceShutdown(), graceMs);
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  clearTimeout(deadline);
}
