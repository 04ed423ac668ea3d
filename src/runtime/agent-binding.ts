// Which adapter calls each agent of a run: a module endpoint in-process, else what the engine's
// `adapterFor` offers (registered handlers, remote workers); an agent nothing can run is refused with
// BATON_E_AGENT_UNBOUND. The run's gateway puts routing, quotas and breakers in front of them.

import type { AgentAdapter } from '../agents/adapter.js';
import { moduleAdapter } from '../agents/in-process.js';
import { AgentRoster } from '../agents/roster.js';
import { BatonError } from '../errors/registry.js';
import type { AgentSpec, ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import type { CircuitBreakers } from './breaker.js';
import { breakerKey } from './engine-policy.js';
import { AgentGateway } from './gateway.js';

export type AdapterFor = (agentId: string, spec: AgentSpec) => AgentAdapter | undefined;

/** The gateway one run dispatches through (its roster binds each agent on first use). */
export function runGateway(
  workflow: WorkflowSpec,
  constraints: ResourceConstraintsSpec | undefined,
  breakers: CircuitBreakers,
  adapterFor: AdapterFor | undefined,
): AgentGateway {
  const limits = { ...workflow.resource_constraints, ...constraints };
  const roster = new AgentRoster(workflow.agents, (id, spec) => bindAgent(id, spec, adapterFor), limits);
  return new AgentGateway(roster, breakers, workflow.agents, (id) => breakerKey(id, workflow.agents[id]));
}

function bindAgent(agentId: string, spec: AgentSpec, adapterFor: AdapterFor | undefined): AgentAdapter {
  if (spec.endpoint && 'module' in spec.endpoint) return moduleAdapter(spec.endpoint, '/');
  const adapter = adapterFor?.(agentId, spec);
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
