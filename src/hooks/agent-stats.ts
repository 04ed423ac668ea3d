// Per-agent statistics as a projection of past runs' journals (never a second source of truth): for
// each agent id, how many attempts ended, how many succeeded, how long they took (dispatch to result)
// and the cost per attempt its workflow declares (`agents.<id>.config.cost`). The engine passes them
// to pre_task hooks (context.stats) and the built-in `assign` hook plugin picks the best record.
// An ended run's journal never changes, so each is folded once; a refresh folds the runs that ended
// since (the newest `maxRuns` per ended status), at most every `refreshMs`.

import type { JournalRecord, Store } from '../store/store.js';
import { fault } from '../telemetry/faults.js';

/** Per-agent record from past runs' journals (agent ids as the workflow names them). */
export interface AgentStats {
  /** Attempts that ended (completed + failed). */
  readonly attempts: number;
  readonly successes: number;
  readonly failures: number;
  /** successes / attempts; 0 when attempts is 0. */
  readonly successRate: number;
  /** Dispatch to result; 0 when none. */
  readonly meanLatencyMs: number;
  readonly p50LatencyMs: number;
  /** The agent's declared cost per attempt (agents.X.config.cost), when it declares one. */
  readonly cost?: number;
}

export interface AgentStatsSource {
  forAgents(namespace: string, agents: readonly string[]): Promise<Readonly<Record<string, AgentStats>>>;
}

const ENDED = ['completed', 'failed', 'cancelled'] as const;
/** Latencies kept per agent for the median: the most recent ones. */
const LATENCY_WINDOW = 256;

class Tally {
  attempts = 0;
  successes = 0;
  latencySum = 0;
  latencies: number[] = [];
  cost: number | undefined;

  add(ok: boolean, latencyMs: number): void {
    this.attempts += 1;
    if (ok) this.successes += 1;
    this.latencySum += latencyMs;
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
  }

  view(): AgentStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      attempts: this.attempts,
      successes: this.successes,
      failures: this.attempts - this.successes,
      successRate: this.attempts === 0 ? 0 : this.successes / this.attempts,
      meanLatencyMs: this.attempts === 0 ? 0 : this.latencySum / this.attempts,
      p50LatencyMs: sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!,
      ...(this.cost !== undefined && { cost: this.cost }),
    };
  }
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/** Folds one run's journal into the tallies. */
export function foldRun(records: readonly JournalRecord[], tallies: Map<string, Tally>): void {
  const tally = (agent: string): Tally => {
    let t = tallies.get(agent);
    if (t === undefined) tallies.set(agent, (t = new Tally()));
    return t;
  };
  const inFlight = new Map<string, { agent: string; at: number }>();
  for (const r of records) {
    const d = obj(r.data);
    if (r.type === 'RunStarted') {
      for (const [id, a] of Object.entries(obj(obj(d['workflow'])['agents']))) {
        const cost = obj(obj(a)['config'])['cost'];
        if (typeof cost === 'number' && Number.isFinite(cost)) tally(id).cost = cost;
      }
    } else if (r.type === 'TaskDispatched') {
      const agent = typeof d['instance'] === 'string' ? d['instance'] : d['agent'];
      if (typeof agent === 'string')
        inFlight.set(`${String(d['key'])}/${String(d['attempt'])}`, { agent, at: r.at });
    } else if (r.type === 'TaskCompleted' || r.type === 'TaskFailed') {
      const k = `${String(d['key'])}/${String(d['attempt'])}`;
      const sent = inFlight.get(k);
      if (sent === undefined) continue; // attempt 0 (failed before any agent saw it), or not ours
      inFlight.delete(k);
      tally(sent.agent).add(r.type === 'TaskCompleted', Math.max(0, r.at - sent.at));
    }
  }
}

export interface StoreAgentStatsOptions {
  /** Newest ended runs folded per status (default 500). */
  readonly maxRuns?: number;
  /** Folds new runs at most this often (default 5 s). */
  readonly refreshMs?: number;
  readonly now?: () => number;
}

interface Projection {
  readonly folded: Set<string>;
  readonly tallies: Map<string, Tally>;
  refreshedAt: number;
  refreshing?: Promise<void>;
}

/** AgentStatsSource over the store: the projection per namespace, kept in memory, rebuilt at start. */
export class StoreAgentStats implements AgentStatsSource {
  readonly #projections = new Map<string, Projection>();

  constructor(
    private readonly store: Store,
    private readonly o: StoreAgentStatsOptions = {},
  ) {}

  async forAgents(
    namespace: string,
    agents: readonly string[],
  ): Promise<Readonly<Record<string, AgentStats>>> {
    const p = await this.#fresh(namespace);
    const out: Record<string, AgentStats> = {};
    for (const a of agents) out[a] = (p.tallies.get(a) ?? new Tally()).view();
    return out;
  }

  async #fresh(ns: string): Promise<Projection> {
    let p = this.#projections.get(ns);
    if (p === undefined)
      this.#projections.set(ns, (p = { folded: new Set(), tallies: new Map(), refreshedAt: -Infinity }));
    const now = (this.o.now ?? Date.now)();
    if (now - p.refreshedAt >= (this.o.refreshMs ?? 5000)) {
      const proj = p;
      proj.refreshing ??= this.#refresh(ns, proj)
        .then(() => void (proj.refreshedAt = now))
        .catch((e: unknown) => fault('hooks', `agent statistics of namespace "${ns}"`, e))
        .finally(() => (proj.refreshing = undefined));
      await proj.refreshing;
    }
    return p;
  }

  async #refresh(ns: string, p: Projection): Promise<void> {
    const max = this.o.maxRuns ?? 500;
    for (const status of ENDED) {
      let cursor: string | undefined;
      let seen = 0;
      do {
        const page = await this.store.listRuns(ns, {
          status,
          limit: Math.min(100, max - seen),
          ...(cursor && { cursor }),
        });
        seen += page.runs.length;
        // Every page: a run created before others may end after them (listed by creation, not end).
        for (const run of page.runs) {
          if (p.folded.has(run.runId)) continue;
          foldRun(await this.store.read(ns, run.runId), p.tallies);
          p.folded.add(run.runId);
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined && seen < max);
    }
  }
}
