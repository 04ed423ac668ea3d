// The gRPC server: Baton's services, grpc.health.v1 and server reflection on one grpc-js Server.

import {
  Server,
  ServerCredentials,
  setLogger,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { BatonError } from '../errors/registry.js';
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
import { ScheduleServiceService } from './gen/baton/v1/schedule.js';
import { HookServiceService } from './gen/baton/v1/hook.js';
import { hookService, type HookServiceDeps } from './hook-service.js';
import { scheduleService, type ScheduleServiceDeps } from './schedule-service.js';
import { endWatches } from './run-watch.js';
import { workflowService } from './workflow-service.js';
import { guardRunService, type Admission } from './request-guard.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { edgeInterceptor, edgeService, RequestBudget, totalDecoders } from './request-edge.js';
import { rpcTracing } from './rpc-trace.js';

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
  /** Bytes of large requests handled at once (default limits.ts LARGE_REQUEST_BUDGET_BYTES). */
  readonly largeRequestBudgetBytes?: number;
  /** The namespace's schedules and the scheduler firing them; without them ScheduleService is not served. */
  readonly schedules?: ScheduleServiceDeps;
  /**
   * Services of other edges served on the same port (the A2A gRPC transport, src/a2a): they check their
   * own requests; the server's message size limit and large-request budget still apply.
   */
  readonly services?: readonly ExtraService[];
  /** The namespace's global hooks and hook log (and the runners TestHook uses); without them HookService is not served. */
  readonly hooks?: HookServiceDeps;
}

export interface ExtraService {
  /** The full service name health reports (e.g. "lf.a2a.v1.A2AService"). */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** One service as it is served: its edge-checked definition and its handlers (the HTTP gateway reuses both). */
export interface ServedService {
  /** Full name, e.g. "baton.v1.RunService". */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly handlers: UntypedServiceImplementation;
}

export interface BatonServer {
  readonly server: Server;
  /** Baton's services (not health or reflection), exactly as added to `server`. */
  readonly services: readonly ServedService[];
  readonly health: HealthStatus;
  /** The feed RunService's watches hang on, when RunService is served: shutdown ends them. */
  readonly feed?: RunFeed;
  /** The budget of large requests handled at once: the HTTP gateway's calls count against it too. */
  readonly budget: RequestBudget;
}

/**
 * A server with every service added, not yet bound: call `listen`. Every request crosses the edge
 * (request-edge.ts) first: checked against its type and limits.ts, refused with a coded status before
 * any handler runs. The message size limit is limits.ts MAX_MESSAGE_BYTES (grpc-js's default is 4 MiB;
 * a workflow source may be 16 MiB).
 */
export function createServer(deps: ApiDeps = {}): BatonServer {
  const budget = new RequestBudget(deps.largeRequestBudgetBytes);
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    interceptors: [rpcTracing(), edgeInterceptor(budget)],
  });
  // The workflow registry lives in the store RunService runs from (one namespace for both).
  const registry = deps.runs && { store: deps.runs.store, namespace: deps.runs.engine.namespace };
  const served: ServedService[] = [];
  const add = (name: string, definition: ServiceDefinition, handlers: object) => {
    const entry = {
      name,
      definition: edgeService(definition),
      handlers: handlers as UntypedServiceImplementation,
    };
    server.addService(entry.definition, entry.handlers);
    served.push(entry);
  };
  add('baton.v1.WorkflowService', WorkflowServiceService, workflowService(deps.check, registry));
  if (deps.runs) {
    add(
      'baton.v1.RunService',
      RunServiceService,
      guardRunService(runService({ ...deps.runs, ...(deps.check && { check: deps.check }) }), deps.admission),
    );
  }
  if (deps.workers) add('baton.v1.AgentService', AgentServiceService, agentService(deps.workers));
  if (deps.plugins) add('baton.v1.PluginService', PluginServiceService, pluginService(deps.plugins));
  if (deps.schedules)
    add('baton.v1.ScheduleService', ScheduleServiceService, scheduleService(deps.schedules));
  if (deps.hooks) add('baton.v1.HookService', HookServiceService, hookService(deps.hooks));
  const services = served.map((s) => s.name);
  // Other edges' services (the A2A gRPC transport) check their own requests: health lists them, the
  // HTTP gateway does not serve them. Bytes that do not decode are still refused at the edge.
  for (const extra of deps.services ?? []) {
    server.addService(totalDecoders(extra.definition), extra.implementation);
    services.push(extra.name);
  }
  const health = new HealthStatus(services);
  server.addService(edgeService(HealthService), health.handlers);
  // Reflection's services too go through totalDecoders (a garbage request is not INTERNAL).
  addReflection({
    addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) =>
      server.addService(totalDecoders(definition), implementation),
  } as unknown as Server);
  return { server, services: served, health, budget, ...(deps.runs && { feed: deps.runs.feed }) };
}

/**
 * Binds `address` (HOST:PORT; port 0 picks a free one) without TLS; resolves to the bound port.
 * @throws BatonError BATON_E_ADDRESS_IN_USE naming the address when another process holds it, else
 * BATON_E_LISTEN_FAILED with the system's reason.
 */
export function listen(server: Server, address: string): Promise<number> {
  quietBindFailures();
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(bindError(address, err)) : resolve(port),
    );
  });
}

function bindError(address: string, err: Error): BatonError {
  // grpc-js lists the system errors of every resolved address in its message.
  const why = /errors: \[(.*)\]/s.exec(err.message)?.[1] ?? err.message;
  if (/EADDRINUSE/.test(why))
    return new BatonError(
      'BATON_E_ADDRESS_IN_USE',
      `cannot listen on ${address}: the address is in use (another baton serve?); stop that process or choose another with --listen HOST:PORT`,
      { cause: err },
    );
  return new BatonError('BATON_E_LISTEN_FAILED', `cannot listen on ${address}: ${why}`, { cause: err });
}

let quieted = false;
/**
 * grpc-js logs a failed bind itself ("E No address added ...") before it reports it to the caller, which
 * turns it into one coded line: that log line is dropped; every other grpc-js log line is printed as before.
 */
function quietBindFailures(): void {
  if (quieted) return;
  quieted = true;
  const bindFailure = (args: unknown[]) =>
    typeof args[0] === 'string' && args[0].includes('No address added');
  // grpc-js's own default logger, format included, minus that one line.
  setLogger({
    error: (message: unknown, ...rest: unknown[]) => {
      if (!bindFailure([message])) console.error(`E ${String(message)}`, ...rest);
    },
    info: (message: unknown, ...rest: unknown[]) => console.error(`I ${String(message)}`, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => console.error(`D ${String(message)}`, ...rest),
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
