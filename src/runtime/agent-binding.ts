// How a run's declared agents are bound to adapters: a module endpoint in process, anything else
// through the engine's `adapterFor` (registered handlers, remote workers), given the route the run
// journaled when it started, so a resumed run keeps its routing whatever is connected now.

import type { AgentAdapter } from '../agents/adapter.js';
import { moduleAdapter } from '../agents/in-process.js';
import { AgentRoster } from '../agents/roster.js';
import type { AdapterFor } from '../agents/worker-routing.js';
import { BatonError } from '../errors/registry.js';
import type { AgentSpec, ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import type { CircuitBreakers } from './breaker.js';
import { breakerKey } from './engine-policy.js';
import { AgentGateway } from './gateway.js';

export type { AdapterFor } from '../agents/worker-routing.js';
/** Journaled routes by agent id (RunOptions.routes). */
export type Routes = Readonly<Record<string, string>>;

/** The agent side of one run: every declared agent bound (or BATON_E_AGENT_UNBOUND), under its quotas. */
export function agentGateway(
  workflow: WorkflowSpec,
  constraints: ResourceConstraintsSpec | undefined,
  breakers: CircuitBreakers,
  adapterFor: AdapterFor | undefined,
  routes?: Routes,
): AgentGateway {
  const limits = { ...workflow.resource_constraints, ...constraints };
  const bind = (id: string, spec: AgentSpec) => bindAgent(id, spec, adapterFor, routes?.[id]);
  const roster = new AgentRoster(workflow.agents, bind, limits);
  return new AgentGateway(roster, breakers, workflow.agents, (id) => breakerKey(id, workflow.agents[id]));
}

function bindAgent(
  agentId: string,
  spec: AgentSpec,
  adapterFor: AdapterFor | undefined,
  route: string | undefined,
): AgentAdapter {
  if (spec.endpoint && 'module' in spec.endpoint) return moduleAdapter(spec.endpoint, '/');
  const adapter = adapterFor?.(agentId, spec, route);
  if (adapter) return adapter;
  if (spec.endpoint && 'queue' in spec.endpoint) {
    throw new BatonError(
      'BATON_E_AGENT_UNBOUND',
      `agent "${agentId}" takes tasks from worker queue "${spec.endpoint.queue}", which only a server (baton serve) has`,
    );
  }
  throw new BatonError(
    'BATON_E_AGENT_UNBOUND',
    `agent "${agentId}" (type ${spec.type}) has no endpoint, no registered adapter, and no worker serving it`,
  );
}
