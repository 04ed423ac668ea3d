// Converts runs and their journal into baton.v1 messages: a run's folded state and status view into
// Run, a journal record into RunEvent, and journal seqs to and from the cursors clients hold.

import {
  parseKey,
  type RunState,
  type RunStatus as DomainRunStatus,
  type WorkflowStatusView,
} from '../core/index.js';
import type { AgentRunStatus as DomainAgentStatus } from '../spec/execution.js';
import type { JournalRecord } from '../store/store.js';
import { AgentRunStatus, RunStatus, type Run, type RunEvent } from './gen/baton/v1/run.js';
import { ApiError } from './errors.js';
import { quote } from '../errors/quote.js';

/** Entry types that end a run's journal: nothing follows them. */
export const FINAL_ENTRY_TYPES: ReadonlySet<string> = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);

/** A run winding down (failing, cancelling) still executes; a cancelled run is not reported as failed. */
const RUN_STATUS: Record<DomainRunStatus, RunStatus> = {
  planning: RunStatus.RUN_STATUS_PLANNING,
  executing: RunStatus.RUN_STATUS_EXECUTING,
  failing: RunStatus.RUN_STATUS_EXECUTING,
  cancelling: RunStatus.RUN_STATUS_EXECUTING,
  paused: RunStatus.RUN_STATUS_PAUSED,
  completed: RunStatus.RUN_STATUS_COMPLETED,
  failed: RunStatus.RUN_STATUS_FAILED,
  cancelled: RunStatus.RUN_STATUS_CANCELLED,
};

/** The store's status vocabulary for a RunStatus filter (the runtime's name for it). */
export const STORE_STATUS: Partial<Record<RunStatus, DomainRunStatus>> = {
  [RunStatus.RUN_STATUS_PLANNING]: 'planning',
  [RunStatus.RUN_STATUS_EXECUTING]: 'executing',
  [RunStatus.RUN_STATUS_PAUSED]: 'paused',
  [RunStatus.RUN_STATUS_COMPLETED]: 'completed',
  [RunStatus.RUN_STATUS_FAILED]: 'failed',
  [RunStatus.RUN_STATUS_CANCELLED]: 'cancelled',
};

const AGENT_STATUS: Record<DomainAgentStatus, AgentRunStatus> = {
  assigned: AgentRunStatus.AGENT_RUN_STATUS_ASSIGNED,
  running: AgentRunStatus.AGENT_RUN_STATUS_RUNNING,
  completed: AgentRunStatus.AGENT_RUN_STATUS_COMPLETED,
};

/** JSON-safe copy (Struct cannot carry undefined, functions or class instances). */
const plainJson = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (plainJson(value) as Record<string, unknown>)
    : undefined;

/** A circuit breaker as the engine reports it (runtime/breaker.ts BreakerView). */
export interface BreakerInfo {
  readonly agent: string;
  readonly state: string;
  readonly consecutiveFailures: number;
  readonly retryAt?: number;
}

/**
 * A run as the SPEC status response describes it: `view` is the engine's status of `state`, with the
 * answering instance's circuit breakers when it has them.
 */
export function runToProto(
  state: RunState,
  view: WorkflowStatusView & { breakers?: readonly BreakerInfo[] },
): Run {
  const m = view.performance_metrics;
  const error = view.baton.error;
  return {
    runId: state.runId,
    workflow: { name: state.workflow?.name ?? '', version: state.workflow?.version ?? '', sourceSha256: '' },
    status: RUN_STATUS[state.status],
    currentPhase: view.current_phase,
    agents: view.agents.map((a) => ({
      agentId: a.agent_id,
      status: AGENT_STATUS[a.status],
      currentTask: a.current_task,
      progress: a.progress,
    })),
    performanceMetrics: {
      totalRuntimeSeconds: m.total_runtime,
      agentsAllocated: m.agents_allocated,
      tasksCompleted: m.tasks_completed,
      coordinationOverhead: m.coordination_overhead,
    },
    startedAt: new Date(state.startedAt),
    endedAt: state.endedAt === null ? undefined : new Date(state.endedAt),
    outputs: asObject(view.baton.output),
    failureCode: error?.code ?? '',
    failureMessage: error?.message ?? '',
    taskCounts: { ...view.baton.task_counts },
    waits: view.baton.waits.map((w) => ({
      taskId: w.task,
      gate: w.gate,
      channel: w.channel,
      event: w.event ?? '',
      since: w.since === null ? undefined : new Date(w.since),
      timeout:
        w.timeout_ms === null
          ? undefined
          : { seconds: Math.floor(w.timeout_ms / 1000), nanos: (w.timeout_ms % 1000) * 1e6 },
    })),
    compensated: [...view.baton.compensated],
    inputRequired: (view.baton.input_required ?? []).map((w) => ({
      taskId: w.key,
      attempt: w.attempt,
      agentId: w.agent ?? '',
      question: w.question,
      data: plainJson(w.data) ?? null,
      since: new Date(w.since),
      remoteTaskId: w.remote_task_id ?? '',
    })),
    scheduleId: state.options.schedule?.id ?? '',
    scheduledFireTime: state.options.schedule && new Date(state.options.schedule.fireAt),
    breakers: (view.breakers ?? []).map((b) => ({
      agentId: b.agent,
      state: b.state,
      consecutiveFailures: b.consecutiveFailures,
      retryAt: b.retryAt === undefined ? undefined : new Date(b.retryAt),
    })),
  };
}

/** The position after an entry, as clients pass it back: the entry's seq in decimal. */
export const cursorOf = (seq: number): string => String(seq);

/** The seq a cursor names (0 for an empty one: before the first entry); INVALID_ARGUMENT at `field`. */
export function seqOfCursor(cursor: string, field: string): number {
  if (cursor === '') return 0;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new ApiError('BATON_E_REQUEST_INVALID', `is not a cursor this server issued: ${quote(cursor)}`, {
      fieldPath: field,
    });
  }
  return Number(cursor);
}

/** The task an entry concerns: its `task`, or the task of its unit `key`; empty for run-level entries. */
function taskOf(data: Record<string, unknown>): string {
  if (typeof data.task === 'string') return data.task;
  if (typeof data.key === 'string') return parseKey(data.key)?.task ?? data.key;
  return '';
}

/** Who caused an entry: a command's `by`, a signal's `source`; empty for the engine's own entries. */
function actorOf(data: Record<string, unknown>): string {
  if (typeof data.by === 'string') return data.by;
  return typeof data.source === 'string' ? data.source : '';
}

export function recordToEvent(r: JournalRecord): RunEvent {
  const data = asObject(r.data) ?? {};
  return {
    cursor: cursorOf(r.seq),
    seq: r.seq,
    type: r.type,
    at: new Date(r.at),
    taskId: taskOf(data),
    actor: actorOf(data),
    data,
  };
}
