// Remote A2A agents behind the adapter interface: `endpoint: { a2a: URL }` bound to an adapter whose
// attempts are A2A tasks (attempt.ts), over connections shared by the process (connections.ts), and the
// agent cards `baton validate --resolve-agents` checks a workflow against (resolveAgentCards).

import type { AgentCardCheck } from '../../plan/index.js';
import type { AgentSpec, WorkflowSpec } from '../../spec/schema.js';
import { BatonError } from '../../errors/registry.js';
import type { AgentAdapter } from '../adapter.js';
import type { EndpointAdapterFactory } from '../adapter-registry.js';
import { DEFAULT_LIMITS, RemoteAttempt, type A2ALimits } from './attempt.js';
import { cardUrl, type AgentCardCache } from './card.js';
import { offerOf } from './card-offer.js';
import type { A2AConnections } from './connections.js';

export { a2aCounters, DEFAULT_LIMITS, type A2ALimits } from './attempt.js';
export { AgentCardCache, cardUrl } from './card.js';
export { A2AConnections, type A2AConnectionOptions } from './connections.js';
export { A2ACredentials, envVarOf } from './credentials.js';
export { contextIdOf } from './message.js';

/** The adapter of one remote agent: each attempt is one A2A task. */
export function a2aAdapter(
  agentId: string,
  endpoint: { readonly a2a: string; readonly credential?: string },
  connections: A2AConnections,
  limits: A2ALimits = DEFAULT_LIMITS,
): AgentAdapter {
  const connect = () => connections.connect(agentId, endpoint.a2a, endpoint.credential);
  return {
    remote: true,
    invoke: (inv, signal) => new RemoteAttempt(agentId, connect, inv, signal, limits).run(),
  };
}

/** The registry's factory for `a2a` endpoints. */
export function a2aAdapters(
  connections: A2AConnections,
  limits: A2ALimits = DEFAULT_LIMITS,
): EndpointAdapterFactory {
  return (agentId: string, spec: AgentSpec) => {
    const ep = spec.endpoint;
    return ep !== undefined && 'a2a' in ep ? a2aAdapter(agentId, ep, connections, limits) : undefined;
  };
}

/** The card of every A2A agent of `spec`, fetched at once, as validation checks them. */
export async function resolveAgentCards(
  spec: WorkflowSpec,
  cards: AgentCardCache,
): Promise<Map<string, AgentCardCheck>> {
  const remote = Object.entries(spec.agents).flatMap(([id, a]) =>
    a.endpoint !== undefined && 'a2a' in a.endpoint ? [[id, a.endpoint.a2a] as const] : [],
  );
  const checks = await Promise.all(
    remote.map(async ([id, url]): Promise<[string, AgentCardCheck]> => {
      try {
        return [id, { ok: true, offer: offerOf(await cards.get(url), cardUrl(url)) }];
      } catch (e) {
        if (
          e instanceof BatonError &&
          (e.code === 'BATON_E_AGENT_CARD_UNREACHABLE' || e.code === 'BATON_E_AGENT_CARD_INVALID')
        )
          return [id, { ok: false, code: e.code, message: e.message }];
        throw e;
      }
    }),
  );
  return new Map(checks);
}
