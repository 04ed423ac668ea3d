// Which declared agents a workflow sends to remote workers: those with `endpoint: { queue: NAME }`
// (routed by the queue name) and those without an endpoint whose id a connected worker serves or
// AgentService registered (routed by the agent id). The Engine's `adapterFor` option takes this.

import type { AgentSpec } from '../spec/schema.js';
import type { AgentAdapter } from './adapter.js';
import type { WorkerHub } from './worker-hub.js';

export type AdapterFor = (agentId: string, spec: AgentSpec) => AgentAdapter | undefined;

/** Worker routing first, then `fallback` (e.g. handlers registered in process) for the rest. */
export function workerAdapterFor(hub: WorkerHub, fallback?: AdapterFor): AdapterFor {
  return (agentId, spec) => {
    const ep = spec.endpoint;
    if (ep && 'queue' in ep) return hub.adapter(ep.queue);
    if (!ep && hub.serves(agentId)) return hub.adapter(agentId);
    return fallback?.(agentId, spec);
  };
}
