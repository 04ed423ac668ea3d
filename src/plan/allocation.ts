// Agent allocation: how many instances of each agent to run, what the plan needs at its peak, which
// levels must be throttled to fit the resource constraints, and what can never fit.
//
// Defaults (agent-table.ts): an agent without `resources` needs 1 core (1000 millicores) and 512MB
// (512,000,000 bytes) per instance; without `max_instances` it runs one instance at a time. A missing
// limit is unlimited.
//
// Algorithm (linear in tasks plus, per level, agents used there times log(largest demand)):
// 1. Hard requirements, which must coexist, are errors when they cannot fit (hard-requirements.ts):
//    - one instance of every agent a task, block or compensation uses (BATON_E_AGENT_TOO_LARGE when
//      its cpu or memory alone exceeds max_cpu / max_memory);
//    - a block needs one instance of each of its distinct agents at once (BATON_E_QUOTA_AGENTS /
//      _CPU / _MEMORY when together they exceed a limit).
// 2. Soft demand, per level of the layering (tasks on one level may all run at once): each task
//    wants 1 instance of its agent; a fan-out `parallel: N` wants N, `parallel: true` as many as the
//    agent's max_instances; a block wants 1 of each of its agents; sub-workflows want none here.
//    Demand above an agent's max_instances is capped ("throttled by max_instances").
// 3. If the capped demand of a level exceeds max_agents, max_cpu or max_memory, the level is
//    throttled: water-filling finds the largest t such that giving every agent min(cap, t) instances
//    fits all three limits, then hands single extra instances out in agent declaration order while
//    they fit. Tasks beyond the allotment wait for a free instance.
// 4. An agent's instance count is its largest allotment on any level (at least 1 when used); the
//    plan's peak agents / cpu / memory are the largest per-level sums.

import type { Diagnostic, SourceLocator } from '../spec/diagnostic.js';
import { errorAt } from '../spec/report.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import { AgentTable } from './agent-table.js';
import { hardRequirements, type Bounds, type Report } from './hard-requirements.js';

/** Resolved limits; null means unlimited (JSON has no Infinity). */
export interface Limits {
  readonly max_agents: number | null;
  readonly max_cpu: number | null;
  readonly max_memory: number | null;
}

export interface Usage {
  readonly agents: number;
  /** Millicores. */
  readonly cpu: number;
  /** Bytes. */
  readonly memory: number;
}

export interface AgentAllocation {
  readonly id: string;
  /** Instances to run at most at once (0 when no task uses the agent). */
  readonly instances: number;
  readonly maxInstances: number;
  /** The most instances any level would use without limits: its peak concurrency. */
  readonly peakConcurrency: number;
  /** Per instance. */
  readonly cpu: number;
  readonly memory: number;
}

export type ThrottleReason =
  | { readonly constraint: 'max_agents' | 'max_cpu' | 'max_memory' }
  | { readonly constraint: 'max_instances'; readonly agent: string };

export interface ThrottledLevel {
  readonly level: number;
  readonly demand: Usage;
  readonly allotted: Usage;
  readonly by: readonly ThrottleReason[];
}

export interface Allocation {
  readonly limits: Limits;
  readonly agents: readonly AgentAllocation[];
  readonly peak: Usage;
  readonly throttled: readonly ThrottledLevel[];
}

export interface AllocationInput {
  readonly spec: WorkflowSpec;
  /** Spec positions of the tasks on each level. */
  readonly levels: readonly ArrayLike<number>[];
  readonly constraints: ResourceConstraintsSpec;
  readonly locator: SourceLocator;
}

export function allocate(input: AllocationInput): { allocation: Allocation; diagnostics: Diagnostic[] } {
  const { spec, constraints, locator } = input;
  const limit: Bounds = {
    agents: constraints.max_agents ?? Infinity,
    cpu: constraints.max_cpu ?? Infinity,
    memory: constraints.max_memory ?? Infinity,
  };
  const table = new AgentTable(spec);
  const diagnostics: Diagnostic[] = [];
  const report: Report = (d) =>
    diagnostics.push(errorAt(d.code, d.message, locator.locate(d.path), d.path, d));
  hardRequirements(spec, table, limit, report);

  const n = table.ids.length;
  const demand = new Float64Array(n);
  const cap = new Float64Array(n);
  const allot = new Float64Array(n);
  const instances = new Float64Array(n);
  const peakConcurrency = new Float64Array(n);
  const touched: number[] = [];
  let peak = { agents: 0, cpu: 0, memory: 0 };
  const throttled: ThrottledLevel[] = [];
  const want = (a: number, count: number) => {
    if (demand[a] === 0) touched.push(a);
    demand[a]! += count;
  };

  input.levels.forEach((positions, level) => {
    for (let k = 0; k < positions.length; k++) {
      const t = spec.tasks[positions[k]!]!;
      const a = t.agent === undefined ? undefined : table.index.get(t.agent);
      if (a !== undefined) want(a, t.parallel === true ? table.maxInstances[a]! : t.parallel || 1);
      for (const b of table.blockAgents(t)) want(b, 1);
    }
    const by: ThrottleReason[] = [];
    for (const a of touched) {
      cap[a] = Math.min(demand[a]!, table.maxInstances[a]!);
      peakConcurrency[a] = Math.max(peakConcurrency[a]!, demand[a]!);
      if (demand[a]! > table.maxInstances[a]!) by.push({ constraint: 'max_instances', agent: table.ids[a]! });
    }
    const wanted = usageOf(touched, cap, table);
    if (wanted.agents > limit.agents) by.push({ constraint: 'max_agents' });
    if (wanted.cpu > limit.cpu) by.push({ constraint: 'max_cpu' });
    if (wanted.memory > limit.memory) by.push({ constraint: 'max_memory' });
    waterFill(touched, cap, allot, table, limit);
    const allotted = usageOf(touched, allot, table);
    if (by.length > 0) throttled.push({ level, demand: usageOf(touched, demand, table), allotted, by });
    peak = {
      agents: Math.max(peak.agents, allotted.agents),
      cpu: Math.max(peak.cpu, allotted.cpu),
      memory: Math.max(peak.memory, allotted.memory),
    };
    for (const a of touched) {
      instances[a] = Math.max(instances[a]!, allot[a]!);
      demand[a] = 0;
    }
    touched.length = 0;
  });

  const agents = table.ids.map((id, a) => ({
    id,
    instances: table.used[a] ? Math.max(1, instances[a]!) : 0,
    maxInstances: table.maxInstances[a]!,
    peakConcurrency: peakConcurrency[a]!,
    cpu: table.cpu[a]!,
    memory: table.memory[a]!,
  }));
  const limits: Limits = {
    max_agents: constraints.max_agents ?? null,
    max_cpu: constraints.max_cpu ?? null,
    max_memory: constraints.max_memory ?? null,
  };
  return { allocation: { limits, agents, peak, throttled }, diagnostics };
}

function usageOf(agents: readonly number[], count: Float64Array, table: AgentTable): Usage {
  let total = 0;
  let cpu = 0;
  let memory = 0;
  for (const a of agents) {
    total += count[a]!;
    cpu += count[a]! * table.cpu[a]!;
    memory += count[a]! * table.memory[a]!;
  }
  return { agents: total, cpu, memory };
}

/** Fills `allot` for the agents of one level: fair shares under every limit (step 3 above). */
function waterFill(
  agents: readonly number[],
  cap: Float64Array,
  allot: Float64Array,
  table: AgentTable,
  limit: Bounds,
): void {
  const fits = (u: Usage) => u.agents <= limit.agents && u.cpu <= limit.cpu && u.memory <= limit.memory;
  const share = (t: number) => {
    for (const a of agents) allot[a] = Math.min(cap[a]!, t);
    return usageOf(agents, allot, table);
  };
  let hi = 0;
  for (const a of agents) hi = Math.max(hi, cap[a]!);
  if (fits(share(hi))) return;
  let lo = 0; // share(lo) fits: nothing allotted uses nothing
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(share(mid))) lo = mid;
    else hi = mid;
  }
  let used = share(lo);
  for (const a of agents) {
    if (allot[a]! >= cap[a]!) continue;
    const next = {
      agents: used.agents + 1,
      cpu: used.cpu + table.cpu[a]!,
      memory: used.memory + table.memory[a]!,
    };
    if (!fits(next)) continue;
    allot[a]!++;
    used = next;
  }
}
