// Step 1 of the allocation (see allocation.ts): what must coexist but cannot fit the limits is an
// error naming what is needed, the limit and by how much. An agent too large on its own is
// reported once, at the agent, and not again for every block it is part of.

import type { ErrorCode } from '../errors/registry.js';
import type { Diagnostic, DocPath } from '../spec/diagnostic.js';
import { formatCpu, formatMemory } from '../spec/quantity.js';
import type { WorkflowSpec } from '../spec/schema.js';
import type { AgentTable } from './agent-table.js';

/** The limits as numbers: Infinity where none is set. */
export type Bounds = { readonly agents: number; readonly cpu: number; readonly memory: number };

export type Report = (d: Omit<Diagnostic, 'line' | 'col' | 'severity'>) => void;

interface Resource {
  readonly key: keyof Bounds;
  readonly limit: 'max_agents' | 'max_cpu' | 'max_memory';
  /** The error when a block's agents together exceed the limit. */
  readonly code: ErrorCode;
  readonly format: (n: number) => string;
  /** How a block's need reads ("5 agents", "6GB"). */
  readonly needed: (n: number) => string;
}

const RESOURCES: readonly Resource[] = [
  {
    key: 'agents',
    limit: 'max_agents',
    code: 'BATON_E_QUOTA_AGENTS',
    format: String,
    needed: (n) => `${n} agents`,
  },
  { key: 'cpu', limit: 'max_cpu', code: 'BATON_E_QUOTA_CPU', format: formatCpu, needed: formatCpu },
  {
    key: 'memory',
    limit: 'max_memory',
    code: 'BATON_E_QUOTA_MEMORY',
    format: formatMemory,
    needed: formatMemory,
  },
];
const PER_INSTANCE = RESOURCES.filter((r): r is Resource & { key: 'cpu' | 'memory' } => r.key !== 'agents');

export function hardRequirements(spec: WorkflowSpec, table: AgentTable, limit: Bounds, report: Report): void {
  const tooLarge = new Uint8Array(table.ids.length);
  table.ids.forEach((id, a) => {
    if (!table.used[a]) return;
    for (const r of PER_INSTANCE) {
      const need = table[r.key][a]!;
      if (need <= limit[r.key]) continue;
      tooLarge[a] = 1;
      const set = spec.agents[id]!.resources?.[r.key] !== undefined;
      const path: DocPath = set ? ['workflow', 'agents', id, 'resources', r.key] : ['workflow', 'agents', id];
      const why = set ? '' : ` (the default when resources.${r.key} is not set)`;
      report({
        code: 'BATON_E_AGENT_TOO_LARGE',
        path,
        message: `one instance of agent "${id}" needs ${r.format(need)}${why}; ${r.limit} is ${r.format(limit[r.key])} (${r.format(need - limit[r.key])} over)`,
        hint: `lower resources.${r.key} of "${id}", or raise ${r.limit}`,
      });
    }
  });
  spec.tasks.forEach((t, p) => {
    const members = table.blockAgents(t);
    if (members.length < 2) return;
    const need = { agents: members.length, cpu: 0, memory: 0 };
    for (const a of members) {
      need.cpu += table.cpu[a]!;
      need.memory += table.memory[a]!;
    }
    const anyTooLarge = members.some((a) => tooLarge[a]);
    for (const r of RESOURCES) {
      if (need[r.key] <= limit[r.key] || (anyTooLarge && r.key !== 'agents')) continue;
      report({
        code: r.code,
        path: ['workflow', 'tasks', p, 'block', 'agents'],
        message: `block "${t.id}" needs ${r.needed(need[r.key])} at once; ${r.limit} is ${r.format(limit[r.key])} (${r.format(need[r.key] - limit[r.key])} over)`,
        hint: `a block runs all its agents together: use ${r.key === 'agents' ? 'fewer agents' : 'fewer or smaller agents'}, or raise ${r.limit}`,
      });
    }
  });
}
