// The agent roster: a workflow's declared agents bound to adapters, and the instance slots leased
// under each agent's max_instances and the run's resource_constraints. Requests beyond capacity wait, FIFO.

import { BatonError } from '../errors/registry.js';
import { formatCpu, formatMemory } from '../spec/quantity.js';
import type { AgentSpec, ResourceConstraintsSpec } from '../spec/schema.js';
import type { AgentAdapter } from './adapter.js';

/** One leased agent instance. Hold it for one attempt, then release it. */
export interface AgentLease {
  readonly agentId: string;
  /** The instance slot, 0 <= slot < max_instances; `${agentId}#${slot}` names the concrete instance. */
  readonly slot: number;
  readonly adapter: AgentAdapter;
  /** Frees the slot and its resources for the next waiter. Idempotent. */
  release(): void;
}

export interface RosterUsage {
  /** Instances leased now, across all agents (counted against max_agents). */
  readonly agents: number;
  /** Millicores held by leased instances. */
  readonly cpu: number;
  /** Bytes held by leased instances. */
  readonly memory: number;
  /** Lease requests waiting for capacity. */
  readonly queued: number;
  /** Instances leased now, per declared agent. */
  readonly byAgent: Readonly<Record<string, number>>;
}

/** Makes the adapter for a declared agent (the composition root picks in-process, A2A or queue). */
export type AdapterFactory = (agentId: string, spec: AgentSpec) => AgentAdapter;

interface Member {
  readonly id: string;
  readonly spec: AgentSpec;
  readonly adapter: AgentAdapter;
  readonly maxInstances: number;
  readonly cpu: number;
  readonly memory: number;
  leased: number;
  /** Released slots, reused before new ones. */
  readonly freeSlots: number[];
  nextSlot: number;
  /** This agent's waiters in arrival order, from `head` on; withdrawn ones are dropped when reached. */
  readonly waiting: Waiter[];
  head: number;
}

interface Waiter {
  readonly member: Member;
  /** Arrival order across all agents: the roster's FIFO. */
  readonly seq: number;
  readonly grant: (lease: AgentLease) => void;
  /** Stops listening to the waiter's abort signal. */
  detach: () => void;
  /** Withdrawn (its signal aborted): skipped, and dropped from its agent's queue when reached. */
  withdrawn: boolean;
}

export class AgentRoster {
  private readonly members = new Map<string, Member>();
  /**
   * Agents with waiters. The waiters are kept per agent, not in one list: a run of 50,000 ready tasks
   * on one agent of max_instances 1 queues 50,000 waiters, and one list scanned at every lease,
   * release and withdrawal (a cancelled run withdraws them all at once) cost O(n^2), blocking the
   * process for a minute.
   */
  private readonly waitingMembers = new Set<Member>();
  private waiters = 0;
  private seq = 0;
  private agentsInUse = 0;
  private cpuInUse = 0;
  private memoryInUse = 0;

  constructor(
    agents: Readonly<Record<string, AgentSpec>>,
    bind: AdapterFactory,
    private readonly constraints: ResourceConstraintsSpec = {},
  ) {
    for (const [id, spec] of Object.entries(agents)) {
      this.members.set(id, {
        id,
        spec,
        adapter: bind(id, spec),
        maxInstances: spec.max_instances ?? 1,
        cpu: spec.resources?.cpu ?? 0,
        memory: spec.resources?.memory ?? 0,
        leased: 0,
        freeSlots: [],
        nextSlot: 0,
        waiting: [],
        head: 0,
      });
    }
  }

  /** The route the adapter of `agentId` declares, if any. */
  routeOf(agentId: string): string | undefined {
    return this.members.get(agentId)?.adapter.route;
  }

  /** The routes of agents whose adapters declare one (AgentAdapter.route), by agent id. */
  routes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.members.values()) if (m.adapter.route !== undefined) out[m.id] = m.adapter.route;
    return out;
  }

  /** Declared agents having every one of `capabilities`, in declaration order: the alternatives for a task. */
  capableAgents(capabilities: readonly string[]): string[] {
    const ids: string[] = [];
    for (const m of this.members.values()) {
      if (capabilities.every((c) => m.spec.capabilities.includes(c))) ids.push(m.id);
    }
    return ids;
  }

  /**
   * Leases an instance of `agentId`, waiting while its max_instances or the run's quotas are used up.
   * Waiters are served in arrival order; one blocked only by its own agent's max_instances lets later
   * waiters for other agents pass, but one blocked by a shared quota holds everyone behind it, so a
   * large instance is never starved by a stream of small ones. Aborting `signal` withdraws the request.
   */
  lease(agentId: string, signal?: AbortSignal): Promise<AgentLease> {
    const member = this.members.get(agentId);
    if (!member) {
      const declared = [...this.members.keys()].join(', ') || 'none';
      return Promise.reject(
        new BatonError('BATON_E_UNKNOWN_AGENT', `no agent "${agentId}" is declared (declared: ${declared})`),
      );
    }
    const tooLarge = this.neverFits(member);
    if (tooLarge) return Promise.reject(new BatonError('BATON_E_AGENT_TOO_LARGE', tooLarge));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<AgentLease>((resolve, reject) => {
      const waiter: Waiter = { member, seq: this.seq++, grant: resolve, detach: () => {}, withdrawn: false };
      if (signal) {
        const onAbort = (): void => {
          // Only the first waiter of an agent with a free instance can be holding the line (for a
          // shared quota): withdrawing any other changes nothing for the rest.
          const holding = this.headOf(member) === waiter && member.leased < member.maxInstances;
          waiter.withdrawn = true;
          this.waiters -= 1;
          reject(abortError(signal));
          if (holding) this.serve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      member.waiting.push(waiter);
      this.waiters += 1;
      this.waitingMembers.add(member);
      // Behind another waiter of its agent, or with its agent at max_instances, it cannot be served now.
      if (this.headOf(member) === waiter && member.leased < member.maxInstances) this.serve();
    });
  }

  /**
   * An instance now, or undefined when none is free at once (or others are already waiting: a
   * synchronous grab never jumps the queue). The engine's fast path; `lease` is the waiting one.
   */
  tryLease(agentId: string): AgentLease | undefined {
    const m = this.members.get(agentId);
    if (!m || this.waiters > 0 || m.leased >= m.maxInstances || !this.quotasFit(m)) return undefined;
    return this.take(m);
  }

  /** The declared agent, for callers that route around unhealthy agents. */
  has(agentId: string): boolean {
    return this.members.has(agentId);
  }

  usage(): RosterUsage {
    const byAgent: Record<string, number> = {};
    for (const m of this.members.values()) byAgent[m.id] = m.leased;
    return {
      agents: this.agentsInUse,
      cpu: this.cpuInUse,
      memory: this.memoryInUse,
      queued: this.waiters,
      byAgent,
    };
  }

  /**
   * Grants waiters in arrival order: the first waiter (across agents) whose agent has a free instance
   * is served if the shared quotas fit, and holds everyone behind it if they do not. Waiters of an agent
   * at its max_instances are passed over; only each agent's first waiter can be next.
   */
  private serve(): void {
    for (;;) {
      let next: Waiter | undefined;
      for (const m of this.waitingMembers) {
        if (m.leased >= m.maxInstances) continue;
        const w = this.headOf(m);
        if (w && (!next || w.seq < next.seq)) next = w;
      }
      if (!next || !this.quotasFit(next.member)) return;
      const m = next.member;
      m.head += 1;
      this.waiters -= 1;
      this.compact(m);
      next.detach();
      next.grant(this.take(m));
    }
  }

  /** The agent's first waiter still waiting (withdrawn ones before it are dropped), or undefined. */
  private headOf(m: Member): Waiter | undefined {
    while (m.head < m.waiting.length && m.waiting[m.head]!.withdrawn) m.head += 1;
    const w = m.waiting[m.head];
    this.compact(m);
    return w;
  }

  /** Frees what is behind an agent's head: all of it when none wait, else once it is half the array. */
  private compact(m: Member): void {
    if (m.head >= m.waiting.length) {
      m.waiting.length = 0;
      m.head = 0;
      this.waitingMembers.delete(m);
    } else if (m.head > 1024 && m.head * 2 > m.waiting.length) {
      m.waiting.splice(0, m.head);
      m.head = 0;
    }
  }

  private quotasFit(m: Member): boolean {
    const { max_agents, max_cpu, max_memory } = this.constraints;
    return (
      (max_agents === undefined || this.agentsInUse + 1 <= max_agents) &&
      (max_cpu === undefined || this.cpuInUse + m.cpu <= max_cpu) &&
      (max_memory === undefined || this.memoryInUse + m.memory <= max_memory)
    );
  }

  /** Why one instance alone exceeds a quota (so waiting could never help), or undefined. */
  private neverFits(m: Member): string | undefined {
    const { max_cpu, max_memory } = this.constraints;
    if (max_cpu !== undefined && m.cpu > max_cpu) {
      return `agent "${m.id}" needs ${formatCpu(m.cpu)} per instance; max_cpu is ${formatCpu(max_cpu)}`;
    }
    if (max_memory !== undefined && m.memory > max_memory) {
      return `agent "${m.id}" needs ${formatMemory(m.memory)} per instance; max_memory is ${formatMemory(max_memory)}`;
    }
    return undefined;
  }

  private take(m: Member): AgentLease {
    m.leased += 1;
    this.agentsInUse += 1;
    this.cpuInUse += m.cpu;
    this.memoryInUse += m.memory;
    const slot = m.freeSlots.pop() ?? m.nextSlot++;
    let released = false;
    return {
      agentId: m.id,
      slot,
      adapter: m.adapter,
      release: () => {
        if (released) return;
        released = true;
        m.leased -= 1;
        this.agentsInUse -= 1;
        this.cpuInUse -= m.cpu;
        this.memoryInUse -= m.memory;
        m.freeSlots.push(slot);
        this.serve();
      },
    };
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`lease request aborted: ${String(reason)}`);
}
