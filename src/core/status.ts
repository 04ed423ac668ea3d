// The status of a run as the API reports it: the shape of the status response (docs/specification-notes.md), plus
// Baton's detail under `baton`. A query over the state (linear in its tasks and instances), never on the hot path.

import type { AgentStatus, WorkflowRunStatus, WorkflowStatusResponse } from '../spec/execution.js';
import type { TaskSpec } from '../spec/schema.js';
import type { RunError } from './entries.js';
import { parseKey } from './keys.js';
import { waitingForInput, type WaitingForInput } from './remote-tasks.js';
import {
  contextOf,
  type Metrics,
  type RunState,
  type RunStatus,
  type TaskStatus,
  type UnitState,
} from './state.js';

/** A task whose dependencies are done and that waits for an event (`wait_for`, or `on`). */
export interface EventWait {
  readonly task: string;
  readonly gate: 'wait_for' | 'on';
  readonly channel: string;
  /** The event name, or null for any event on the channel. */
  readonly event: string | null;
  /** When the wait began (ms since the epoch); null for `on`, which waits as long as the run lasts. */
  readonly since: number | null;
  /** How long it may wait before the task fails (ms); null for `on`. */
  readonly timeout_ms: number | null;
}

/** The status response (types in spec/execution.ts) plus Baton's detail. */
export interface WorkflowStatusView extends WorkflowStatusResponse {
  readonly baton: {
    readonly run_status: RunStatus;
    /**
     * Work items by status: every task instance (fan-out positions, rounds) and delegated subtask; a
     * task not started yet counts once. `task_counts` counts each task of the workflow once.
     */
    readonly tasks: Readonly<Record<string, number>>;
    /** The workflow's tasks by their status, each task once. */
    readonly task_counts: Readonly<Partial<Record<TaskStatus, number>>>;
    /** What the run waits for: tasks held by `wait_for` or `on`. */
    readonly waits: readonly EventWait[];
    readonly metrics: Metrics;
    readonly compensated: readonly string[];
    readonly compensation_failed: readonly string[];
    readonly error: RunError | null;
    readonly output: Record<string, unknown> | null;
    /** Attempts whose agent waits for input (A2A input-required); absent when none does. */
    readonly input_required?: readonly WaitingForInput[];
  };
}

/** A cancellation is a failure in the status response's list; a run winding down is still executing. */
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

/** What the run waits for: each task held by its `on` or `wait_for` event, in task order. */
export function waitsOf(state: RunState): EventWait[] {
  const waits: EventWait[] = [];
  state.tasks.forEach((t, i) => {
    if (t.status === 'waiting_event')
      waits.push(waitOf(contextOf(state).specs[i]!, t.onEvent === null, t.waitSince));
  });
  return waits;
}

/** What a waiting task waits for: its `on` event first (the gates' order), then its `wait_for`. */
function waitOf(spec: TaskSpec, onOpen: boolean, since: number | null): EventWait {
  const ref = onOpen && spec.on !== undefined ? spec.on : spec.wait_for!;
  const [channel, event] = typeof ref === 'string' ? [ref, null] : [ref.channel, ref.event ?? null];
  if (onOpen && spec.on !== undefined)
    return { task: spec.id, gate: 'on', channel, event, since: null, timeout_ms: null };
  return { task: spec.id, gate: 'wait_for', channel, event, since, timeout_ms: spec.wait_for!.timeout };
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
  const taskCounts: Partial<Record<TaskStatus, number>> = {};
  state.tasks.forEach((t, i) => {
    const spec = contextOf(state).specs[i]!;
    if (t.status === 'completed' || t.status === 'compensated') tasksCompleted++;
    taskCounts[t.status] = (taskCounts[t.status] ?? 0) + 1;
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
      task_counts: taskCounts,
      waits: waitsOf(state),
      metrics: { ...state.metrics },
      compensated: [...(state.saga?.compensated ?? [])],
      compensation_failed: (state.saga?.failed ?? []).map((f) => f.key),
      error: state.error,
      output: state.output,
      ...(waiting.length > 0 ? { input_required: waiting } : {}),
    },
  };
}
