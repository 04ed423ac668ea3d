// The status of a run as the API reports it: the shape of SPEC.md's "Workflow Status Response", plus
// Baton's detail under `baton`. A query over the state (linear in its tasks and instances), never on the hot path.

import type { AgentStatus, WorkflowRunStatus, WorkflowStatusResponse } from '../spec/execution.js';
import type { RunError } from './entries.js';
import { parseKey } from './keys.js';
import { waitingForInput, type WaitingForInput } from './remote-tasks.js';
import { contextOf, type Metrics, type RunState, type RunStatus, type UnitState } from './state.js';

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
    /** Attempts whose agent waits for input (A2A input-required); absent when none does. */
    readonly input_required?: readonly WaitingForInput[];
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

interface AgentTally {
  total: number;
  done: number;
  current: string | null;
}

const countIn = (tally: Tally, status: string, n = 1) =>
  (tally.counts[status] = (tally.counts[status] ?? 0) + n);

/**
 * Counts task i's instances, of every round, into `tally` (a task not started in its current round
 * counts once more, by its own status; fan-out positions not started count as pending). Returns the
 * share of the task that is finished and the key of an attempt of it in flight.
 */
function tallyTask(
  state: RunState,
  i: number,
  units: readonly UnitState[],
  tally: Tally,
): { done: number; current: string | null } {
  const t = state.tasks[i]!;
  let completed = 0;
  let current: string | null = null;
  let started = 0;
  for (const u of units) {
    if (u.instance !== null) tally.instances.add(u.instance);
    countIn(tally, t.status === 'compensated' ? 'compensated' : u.status);
    if (u.status === 'dispatched') current = u.key;
    if ((parseKey(u.key)!.round ?? 1) !== t.round) continue;
    started++;
    if (u.status === 'completed') completed++;
  }
  if (started === 0) countIn(tally, t.status);
  if (t.fan !== null && t.fan.count > t.fan.started) countIn(tally, 'pending', t.fan.count - t.fan.started);
  const partial = t.fan === null || t.fan.count === 0 ? 0 : completed / t.fan.count;
  return { done: FINISHED.has(t.status) ? 1 : partial, current };
}

/** A delegated subtask counts as one task of the agent it went to. */
function tallySubtask(u: UnitState, agent: AgentTally, tally: Tally): void {
  if (u.instance !== null) tally.instances.add(u.instance);
  countIn(tally, u.status);
  agent.total++;
  if (u.status === 'completed') agent.done++;
  if (u.status === 'dispatched') agent.current = u.key;
}

/**
 * An agent is running while an attempt of one of its tasks (or subtasks delegated to it) is in flight
 * (current_task names it), completed when all of them are finished; its progress is the share of them
 * finished, a fan-out task counting by its finished instances.
 * @param now the caller's clock (ms since the epoch), for the runtime of a run still going.
 * @param coordinationOverhead engine time / wall time, measured by the runtime.
 */
export function statusOf(state: RunState, now: number, coordinationOverhead = 0): WorkflowStatusView {
  const byAgent = new Map<string, AgentTally>();
  const agentOf = (id: string) => {
    const a = byAgent.get(id) ?? { total: 0, done: 0, current: null };
    byAgent.set(id, a);
    return a;
  };
  const tally: Tally = { counts: {}, instances: new Set() };
  const unitsOf = state.tasks.map((): UnitState[] => []);
  for (const u of state.units.values()) {
    if (u.subtask === null) unitsOf[u.task]!.push(u);
  }
  let tasksCompleted = 0;
  state.tasks.forEach((t, i) => {
    const spec = contextOf(state).specs[i]!;
    if (t.status === 'completed' || t.status === 'compensated') tasksCompleted++;
    const { done, current } = tallyTask(state, i, unitsOf[i]!, tally);
    if (spec.agent === undefined) return;
    const agent = agentOf(spec.agent);
    agent.total++;
    agent.done += done;
    agent.current = current ?? agent.current;
  });
  for (const u of state.units.values()) {
    if (u.subtask !== null) tallySubtask(u, agentOf(u.subtask.agent), tally);
  }
  const agents = [...byAgent].map(([agent_id, a]): AgentStatus => ({
    agent_id,
    status: a.current !== null ? 'running' : a.done === a.total ? 'completed' : 'assigned',
    current_task: a.current ?? '',
    progress: a.done / a.total,
  }));
  const end = state.endedAt ?? now;
  const { counts, instances } = tally;
  const waiting = waitingForInput(state);
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
      ...(waiting.length > 0 ? { input_required: waiting } : {}),
    },
  };
}
