// The agent registry: which agent types exist and what each can do. Parsed from a YAML or JSON file
// so `baton validate --agents registry.yaml` checks a workflow against the agents a deployment has:
//
//   agent_types:
//     research_agent:
//       capabilities: [web_search, data_collection]
//       description: Searches the web     # optional

import { z } from 'zod';
import { parseYamlAs, type LoadOptions, type Parsed } from '../spec/load.js';

/** What one agent type provides. */
export interface AgentType {
  readonly capabilities: ReadonlySet<string>;
  readonly description?: string;
}

/** Agent type name -> what it provides. */
export type AgentRegistry = ReadonlyMap<string, AgentType>;

export const AgentRegistryFile = z.strictObject({
  agent_types: z.record(
    z.string().min(1),
    z.strictObject({
      capabilities: z.array(z.string().min(1)).default([]),
      description: z.string().optional(),
    }),
  ),
});

/**
 * Parses a registry file, with the limits and located diagnostics of a workflow file (the same
 * result shape as parseResourceConstraints). Never throws.
 */
export function parseAgentRegistry(
  source: string | Uint8Array,
  opts: LoadOptions = {},
): Parsed<AgentRegistry> {
  const r = parseYamlAs(AgentRegistryFile, source, opts);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics, locator: r.locator };
  const registry = new Map<string, AgentType>();
  for (const [type, def] of Object.entries(r.value.agent_types)) {
    const capabilities = new Set(def.capabilities);
    registry.set(
      type,
      def.description === undefined ? { capabilities } : { capabilities, description: def.description },
    );
  }
  return { ...r, value: registry };
}
