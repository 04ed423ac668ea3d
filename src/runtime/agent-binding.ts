// Which adapter calls each agent of a run: the composition root's registry of adapters by endpoint kind
// (module in-process, a2a remote, queue and none: workers or registered handlers) binds each agent; one
// nothing can run is refused with BATON_E_AGENT_UNBOUND. The route each agent's tasks took when the run
// started (RunOptions.routes) is passed on, so a resumed run keeps its routing whatever is connected now.
// The run's gateway puts routing, quotas and breakers in front of them.

import type { AgentAdapters } from '../agents/adapter-registry.js';
import { AgentRoster } from '../agents/roster.js';
import type { AgentSpec, ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import type { CircuitBreakers } from './breaker.js';
import { breakerKey } from './engine-policy.js';
import { AgentGateway } from './gateway.js';

/** Journaled routes by agent id (RunOptions.routes). */
export type Routes = Readonly<Record<string, string>>;

/** The gateway one run dispatches through (its roster binds each agent on first use). */
export function runGateway(
  workflow: WorkflowSpec,
  constraints: ResourceConstraintsSpec | undefined,
  breakers: CircuitBreakers,
  adapters: AgentAdapters,
  routes?: Routes,
): AgentGateway {
  const limits = { ...workflow.resource_constraints, ...constraints };
  const bind = (id: string, spec: AgentSpec) => adapters.bind(id, spec, routes?.[id]);
  const roster = new AgentRoster(workflow.agents, bind, limits);
  return new AgentGateway(roster, breakers, workflow.agents, (id) => breakerKey(id, workflow.agents[id]));
}
