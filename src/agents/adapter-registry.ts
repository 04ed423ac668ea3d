// The extension point by which declared agents are reached: adapter factories registered by endpoint kind
// (grpc-js `registerResolver` style). The composition root (app.ts) fills a registry; the engine asks it
// for each declared agent and knows no kind by name.

import { BatonError } from '../errors/registry.js';
import type { AgentSpec } from '../spec/schema.js';
import type { AgentAdapter } from './adapter.js';

/** How a declared agent is reached: its `endpoint` key, or `none` for an agent without an endpoint. */
export type EndpointKind = 'module' | 'a2a' | 'queue' | 'none';

export function endpointKind(spec: AgentSpec): EndpointKind {
  const ep = spec.endpoint;
  if (ep === undefined) return 'none';
  if ('module' in ep) return 'module';
  if ('a2a' in ep) return 'a2a';
  return 'queue';
}

/**
 * Makes the adapter of one declared agent of its kind, or answers undefined when it cannot reach that
 * agent (the next factory registered for the kind is asked). Called when a run starts or resumes.
 */
export type EndpointAdapterFactory = (
  agentId: string,
  spec: AgentSpec,
  /** Where the run journaled this agent's tasks go when it started (RunOptions.routes), if it did. */
  route?: string,
) => AgentAdapter | undefined;

/** Why no factory bound an agent of a kind: the message of its BATON_E_AGENT_UNBOUND. */
export type UnboundReason = (agentId: string, spec: AgentSpec) => string;

const DEFAULT_REASON: UnboundReason = (id, spec) =>
  `agent "${id}" (type ${spec.type}, ${endpointKind(spec)} endpoint) has no adapter in this process`;

export class AgentAdapters {
  private readonly factories = new Map<EndpointKind, EndpointAdapterFactory[]>();
  private readonly reasons = new Map<EndpointKind, UnboundReason>();

  /** Adds a factory for `kind`; factories of one kind are asked in the order they were registered. */
  register(kind: EndpointKind, factory: EndpointAdapterFactory): this {
    const list = this.factories.get(kind) ?? [];
    list.push(factory);
    this.factories.set(kind, list);
    return this;
  }

  /** Says why an agent of `kind` could not be bound when no factory answered (e.g. "only a server has queues"). */
  explain(kind: EndpointKind, reason: UnboundReason): this {
    this.reasons.set(kind, reason);
    return this;
  }

  /** The kinds some factory is registered for. */
  kinds(): EndpointKind[] {
    return [...this.factories.keys()];
  }

  /**
   * The adapter of a declared agent.
   * @throws BatonError BATON_E_AGENT_UNBOUND when no factory of its kind can reach it.
   */
  bind(agentId: string, spec: AgentSpec, route?: string): AgentAdapter {
    const kind = endpointKind(spec);
    for (const factory of this.factories.get(kind) ?? []) {
      const adapter = factory(agentId, spec, route);
      if (adapter !== undefined) return adapter;
    }
    throw new BatonError('BATON_E_AGENT_UNBOUND', (this.reasons.get(kind) ?? DEFAULT_REASON)(agentId, spec));
  }
}
