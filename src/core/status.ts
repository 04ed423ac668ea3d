// The status of a run as the API reports it: the shape of SPEC.md's "Workflow Status Response", plus
// Baton's detail under `baton`. A query over the state (linear in its tasks), never on the hot path.

import type { AgentStatus, WorkflowRunStatus, WorkflowStatusResponse } from '../spec/execution.js';
import type { RunError } from './entries.js';
import { unitKey } from './keys.js';
import { contextOf, type Metrics, type RunState, type RunStatus } from './state.js';

/** SPEC.md's status response (types in spec/execution.ts) plus Baton's detail. */
export interface WorkflowStatusView extends WorkflowStatusResponse {
  readonly baton: {
    readonly run_status: RunStatus;
    /** Instances by status; a task not started yet counts once. */
    readonly tasks: Readonly<Record<string, number>>;
    readonly metrics: Metrics;
    readonly compensated: readonly string[];
    readonly compensation_failed: readonly string[];
    readonly error: RunError | null;
    readonly output: Record<string, unknown> | null;
  };
}

/** A cancellation is a failure to SPEC.md's status list; a run winding down is still executing. */
const SPEC_STATUS: Record<RunStatus, WorkflowRunStatus> = {
  planning: 'planning',
  executing: 'executing',
  paused: 'paused',
  failing: 'executing',
  cancelling: 'executing',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'failed',
};

const FINISHED = new Set(['completed', 'skipped', 'compensated', 'failed', 'cancelled']);

interface Tally {
  /** Instances by status. */
  readonly counts: Record<string, number>;
  /** Concrete agents that took an attempt. */
  readonly instances: Set<string>;
}

/**
 * Counts task i's instances into `tally` (a task not started counts once, by its own status; fan-out
 * positions not started count as pending). Returns the share of the task that is finished and the key
 * of an attempt of it in flight.
 */
function tallyTask(state: RunState, i: number, tally: Tally): { done: number; current: string | null } {
  const t = state.tasks[i]!;
  const id = contextOf(state).specs[i]!.id;
  const count = (status: string, n = 1) => (tally.counts[status] = (tally.counts[status] ?? 0) + n);
  const keys = t.fan === null ? [id] : Array.from({ length: t.fan.started }, (_, k) => unitKey(id, k));
  let completed = 0;
  let current: string | null = null;
  let started = 0;
  for (const key of keys) {
    const u = state.units.get(key);
    if (u === undefined) continue;
    started++;
    if (u.instance !== null) tally.instances.add(u.instance);
    count(t.status === 'compensated' ? 'compensated' : u.status);
    if (u.status === 'completed') completed++;
    if (u.status === 'dispatched') current = key;
  }
  if (started === 0) count(t.status);
  if (t.fan !== null && t.fan.count > t.fan.started) count('pending', t.fan.count - t.fan.started);
  const partial = t.fan === null || t.fan.count === 0 ? 0 : completed / t.fan.count;
  return { done: FINISHED.has(t.status) ? 1 : partial, current };
}

/**
 * An agent is running while an attempt of one of its tasks is in flight (current_task names it),
 * completed when all its tasks are finished; its progress is the share of its tasks finished, a
 * fan-out task counting by its finished instances.
 * @param now the caller's clock (ms since the epoch), for the runtime of a run still going.
 * @param coordinationOverhead engine time / wall time, measured by the runtime.
 */
export function statusOf(state: RunState, now: number, coordinationOverhead = 0): WorkflowStatusView {
  const byAgent = new Map<string, { total: number; done: number; current: string | null }>();
  const tally: Tally = { counts: {}, instances: new Set() };
  let tasksCompleted = 0;
  state.tasks.forEach((t, i) => {
    const spec = contextOf(state).specs[i]!;
    if (t.status === 'completed' || t.status === 'compensated') tasksCompleted++;
    const { done, current } = tallyTask(state, i, tally);
    if (spec.agent === undefined) return;
    const agent = byAgent.get(spec.agent) ?? { total: 0, done: 0, current: null };
    byAgent.set(spec.agent, agent);
    agent.total++;
    agent.done += done;
    agent.current = current ?? agent.current;
  });
  const agents = [...byAgent].map(([agent_id, a]): AgentStatus => ({
    agent_id,
    status: a.current !== null ? 'running' : a.done === a.total ? 'completed' : 'assigned',
    current_task: a.current ?? '',
    progress: a.done / a.total,
  }));
  const end = state.endedAt ?? now;
  const { counts, instances } = tally;
  return {
    workflow_id: state.runId,
    status: SPEC_STATUS[state.status],
    current_phase: state.phase,
    agents,
    performance_metrics: {
      total_runtime: state.status === 'planning' ? 0 : Math.max(0, end - state.startedAt) / 1000,
      agents_allocated: instances.size,
      tasks_completed: tasksCompleted,
      coordination_overhead: coordinationOverhead,
    },
    baton: {
      run_status: state.status,
      tasks: counts,
      metrics: { ...state.metrics },
      compensated: [...(state.saga?.compensated ?? [])],
      compensation_failed: (state.saga?.failed ?? []).map((f) => f.key),
      error: state.error,
      output: state.output,
    },
  };
}
