// The agents registered with a server (AgentService.RegisterAgent): agent types runs may route to
// remote workers before any worker has connected. Held in memory for the life of the process: the
// Store interface has no table for it yet, so a restarted server starts with an empty catalog.

import { BatonError } from '../errors/registry.js';

/** An agent type as RegisterAgent declares it (quantities kept as given, e.g. "500m"). */
export interface AgentDefinition {
  readonly agentId: string;
  readonly type: string;
  readonly capabilities: readonly string[];
  readonly maxInstances: number;
  readonly cpu: string;
  readonly memory: string;
}

export class AgentCatalog {
  private readonly agents = new Map<string, AgentDefinition>();

  /** Adds `def`; registering the same definition again is a no-op, a different one is refused. */
  register(def: AgentDefinition): AgentDefinition {
    const known = this.agents.get(def.agentId);
    if (known && !sameDefinition(known, def)) {
      throw new BatonError(
        'BATON_E_AGENT_EXISTS',
        `agent "${def.agentId}" is already registered as type "${known.type}" with other settings`,
      );
    }
    const frozen = Object.freeze({ ...def, capabilities: Object.freeze([...def.capabilities]) });
    this.agents.set(def.agentId, known ?? frozen);
    return known ?? frozen;
  }

  deregister(agentId: string): void {
    if (!this.agents.delete(agentId)) {
      throw new BatonError('BATON_E_AGENT_NOT_REGISTERED', `no agent "${agentId}" is registered`);
    }
  }

  has(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  get(agentId: string): AgentDefinition | undefined {
    return this.agents.get(agentId);
  }

  all(): AgentDefinition[] {
    return [...this.agents.values()];
  }
}

function sameDefinition(a: AgentDefinition, b: AgentDefinition): boolean {
  return (
    a.type === b.type &&
    a.maxInstances === b.maxInstances &&
    a.cpu === b.cpu &&
    a.memory === b.memory &&
    a.capabilities.length === b.capabilities.length &&
    a.capabilities.every((c, i) => b.capabilities[i] === c)
  );
}
