// Which declared agents a workflow sends to remote workers: those with `endpoint: { queue: NAME }`
// (routed by the queue name) and those without an endpoint whose id a worker serves (connected here,
// or anywhere with the shared roster) or AgentService registered, or that the run journaled as routed
// to workers when it started (so a resumed run keeps that routing with no worker connected yet). The
// Engine's `adapterFor` option takes this.

import type { AgentSpec } from '../spec/schema.js';
import type { AgentAdapter } from './adapter.js';

/** Binds a declared agent; `route` is what the run journaled for it when it started (RunOptions.routes). */
export type AdapterFor = (agentId: string, spec: AgentSpec, route?: string) => AgentAdapter | undefined;

/** Where worker routes go: a WorkerHub in this process, or the bus (agents/workers.ts RemoteWorkers). */
export interface WorkerRouting {
  /** Whether runs should send `route` (an agent id) to workers. */
  serves(route: string): boolean;
  /** The adapter for `route`; `journaled` is the route runs record (`queue:NAME` or `worker:ID`). */
  adapter(route: string, journaled: string): AgentAdapter;
}

/** Worker routing first, then `fallback` (e.g. handlers registered in process) for the rest. */
export function workerAdapterFor(workers: WorkerRouting, fallback?: AdapterFor): AdapterFor {
  return (agentId, spec, route) => {
    const ep = spec.endpoint;
    if (ep && 'queue' in ep) return workers.adapter(ep.queue, `queue:${ep.queue}`);
    if (!ep && (route === `worker:${agentId}` || workers.serves(agentId)))
      return workers.adapter(agentId, `worker:${agentId}`);
    return fallback?.(agentId, spec, route);
  };
}
