// Per-agent facts the allocation works from, as arrays indexed like Object.keys(spec.agents), with
// the defaults for what a workflow leaves out.

import type { TaskSpec, WorkflowSpec } from '../spec/schema.js';

/** Millicores per instance of an agent without resources.cpu (1 core). */
export const DEFAULT_AGENT_CPU = 1000;
/** Bytes per instance of an agent without resources.memory (512MB). */
export const DEFAULT_AGENT_MEMORY = 512_000_000;

const NONE: number[] = [];

export class AgentTable {
  readonly ids: string[];
  readonly index: Map<string, number>;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly maxInstances: Float64Array;
  readonly used: Uint8Array;
  constructor(spec: WorkflowSpec) {
    this.ids = Object.keys(spec.agents);
    this.index = new Map(this.ids.map((id, i) => [id, i]));
    const agents = this.ids.map((id) => spec.agents[id]!);
    this.cpu = Float64Array.from(agents, (a) => a.resources?.cpu ?? DEFAULT_AGENT_CPU);
    this.memory = Float64Array.from(agents, (a) => a.resources?.memory ?? DEFAULT_AGENT_MEMORY);
    this.maxInstances = Float64Array.from(agents, (a) => a.max_instances ?? 1);
    this.used = new Uint8Array(this.ids.length);
    const use = (id: string | undefined) => {
      const a = id === undefined ? undefined : this.index.get(id);
      if (a !== undefined) this.used[a] = 1;
    };
    for (const t of spec.tasks) {
      use(t.agent);
      use(t.compensate?.agent);
      t.block?.agents.forEach(use);
    }
  }
  /** Distinct known agents of a block, in the order listed. */
  blockAgents(t: TaskSpec): number[] {
    if (!t.block) return NONE;
    const found = t.block.agents.map((id) => this.index.get(id)).filter((a) => a !== undefined);
    return [...new Set(found)];
  }
}
