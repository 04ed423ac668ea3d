// The agent side of one run: picks the concrete agent for a dispatch (routing around open circuit
// breakers to another capable agent), leases an instance slot, invokes it in A2A shape, and turns the
// outcome into the journal entry that reports it.

import { TaskState, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { Compensate, Dispatch, InputFields, TaskError } from '../core/index.js';
import { TaskInvocation, type AttemptJournal } from '../agents/a2a-parts.js';
import type { AgentOutcome } from '../agents/adapter.js';

export { AttemptAbandoned } from '../agents/adapter.js';
import type { AgentLease, AgentRoster } from '../agents/roster.js';
import type { AgentSpec } from '../spec/schema.js';
import type { CircuitBreakers } from './breaker.js';
import { dispatched } from './outcomes.js';
import {
  endSpan,
  SpanKind,
  startSpan,
  traceparentOf,
  tracingOn,
  withContext,
  type Context,
} from '../telemetry/tracing.js';
import { taskAttempt } from '../telemetry/metrics.js';

export interface Attempt {
  readonly runId: string;
  readonly key: string;
  readonly task: string;
  readonly attempt: number;
  readonly idem: string;
  readonly input: unknown;
  readonly description?: string;
  /** Absolute deadline (ms since epoch), or undefined. */
  readonly deadline: number | undefined;
  /** Progress the agent reports while it works (A2A status updates). */
  readonly onUpdate?: (update: TaskStatusUpdateEvent) => void;
  /** Where a remote agent's task id and questions are journaled (absent for compensations). */
  readonly journal?: AttemptJournal;
  /** Re-issued after a takeover: journaled as dispatched by a process before this one. */
  readonly redelivered?: boolean;
  /** The run's trace context (its `invoke_workflow` span), when tracing is on. */
  readonly trace?: Context;
}

/** An outcome as a metric label and span status. */
const OUTCOMES: Partial<Record<TaskState, string>> = {
  [TaskState.TASK_STATE_COMPLETED]: 'completed',
  [TaskState.TASK_STATE_FAILED]: 'failed',
  [TaskState.TASK_STATE_REJECTED]: 'rejected',
  [TaskState.TASK_STATE_CANCELED]: 'cancelled',
};

/** What an attempt ended with, as the entry the run journals; null when the engine cancelled it. */
export type AttemptResult = InputFields | null;

export class AgentGateway {
  /** Breaker keys by agent id, built once per agent rather than on every dispatch. */
  private readonly breakerKeys = new Map<string, string>();

  constructor(
    private readonly roster: AgentRoster,
    private readonly breakers: CircuitBreakers,
    private readonly agents: Readonly<Record<string, AgentSpec>>,
    /** Breakers are shared across runs: they key agents by what identifies them (endpoint or type). */
    private readonly keyOf: (agentId: string) => string,
  ) {}

  private breakerKey(agentId: string): string {
    let key = this.breakerKeys.get(agentId);
    if (key === undefined) this.breakerKeys.set(agentId, (key = this.keyOf(agentId)));
    return key;
  }

  /**
   * The agent to use for a task declared on `agentId`: that agent unless its breaker is open, else the
   * first other declared agent with every capability of the declared one (or of `requires`) whose breaker
   * lets calls through. With no healthy alternative the declared agent is kept (its breaker will half-open).
   */
  choose(agentId: string, requires: readonly string[] | undefined): string {
    if (this.breakers.isAvailable(this.breakerKey(agentId))) return agentId;
    const needed = requires ?? this.agents[agentId]?.capabilities ?? [];
    for (const alt of this.roster.capableAgents(needed)) {
      if (alt !== agentId && this.breakers.isAvailable(this.breakerKey(alt))) return alt;
    }
    return agentId;
  }

  /** Agents' journaled routes (see AgentAdapter.route), for RunStarted. */
  routes(): Record<string, string> {
    return this.roster.routes();
  }

  /** The TaskDispatched entry of a dispatch to `instance`, with the route its adapter declares. */
  dispatched(c: Dispatch, instance: string): InputFields {
    return dispatched(c, instance, this.roster.routeOf(instance));
  }

  tryLease(agentId: string): AgentLease | undefined {
    return this.roster.tryLease(agentId);
  }

  lease(agentId: string, signal: AbortSignal): Promise<AgentLease> {
    return this.roster.lease(agentId, signal);
  }

  /** Runs one saga step on the compensation's agent; its outcome is the CompensationDone to journal. */
  async compensate(
    runId: string,
    c: Compensate,
    now: number,
    signal: AbortSignal,
    trace?: Context,
  ): Promise<InputFields> {
    let lease: AgentLease;
    try {
      lease = await this.lease(c.agent, signal);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const error = { code: 'BATON_E_AGENT_UNAVAILABLE', message, retryable: false, kind: 'error' as const };
      return { type: 'CompensationDone', key: c.key, ok: false, error };
    }
    const deadline = c.timeoutMs === null ? undefined : now + c.timeoutMs;
    const attempt: Attempt = {
      runId,
      key: c.key,
      task: c.task,
      attempt: 1,
      idem: c.idem,
      input: c.input,
      deadline,
      ...(trace === undefined ? {} : { trace }),
    };
    const outcome = await this.invoke(lease, attempt, signal, 'compensation');
    return 'error' in outcome
      ? { type: 'CompensationDone', key: c.key, ok: false, error: taskError(outcome) }
      : { type: 'CompensationDone', key: c.key, ok: true };
  }

  /** Runs one attempt on a leased instance and releases it; never rejects. */
  async invoke(
    lease: AgentLease,
    a: Attempt,
    signal: AbortSignal,
    kind: 'task' | 'compensation',
  ): Promise<AgentOutcome> {
    const breaker = this.breakerKey(lease.agentId);
    this.breakers.tryAcquire(breaker);
    const t0 = performance.now();
    // One span per attempt (GenAI `invoke_agent`): CLIENT when it leaves the process (workers, A2A).
    const adapter = lease.adapter;
    // With tracing off (the usual case) no name or attributes are built: garbage on every attempt.
    const span = tracingOn()
      ? startSpan(
          `invoke_agent ${lease.agentId}`,
          adapter.route !== undefined || adapter.remote === true ? SpanKind.CLIENT : SpanKind.INTERNAL,
          {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': lease.agentId,
            'gen_ai.agent.id': `${lease.agentId}#${lease.slot}`,
            'baton.run.id': a.runId,
            'baton.task.key': a.key,
            'baton.task.attempt': a.attempt,
            'baton.attempt.kind': kind,
            ...(adapter.route === undefined ? {} : { 'baton.route': adapter.route }),
          },
          a.trace,
        )
      : undefined;
    let outcome: AgentOutcome | undefined;
    try {
      // The A2A message is built only if the adapter reads it (an in-process handler reads the input).
      const invocation = new TaskInvocation(
        a.runId,
        a.task,
        kind === 'compensation' ? `${a.key}/compensate` : a.key,
        a.attempt,
        a.idem,
        a.deadline,
        a.input,
        a.description,
        a.onUpdate,
        kind === 'task' ? a.journal : undefined,
        a.redelivered,
        traceparentOf(span),
      );
      outcome = await withContext(span?.ctx, () => adapter.invoke(invocation, signal));
      if (outcome.state === TaskState.TASK_STATE_COMPLETED) this.breakers.onSuccess(breaker);
      // A retryable failure says the agent is unhealthy; a terminal one says the input was bad.
      else if (outcome.state !== TaskState.TASK_STATE_CANCELED && outcome.error.retryable)
        this.breakers.onFailure(breaker);
      return outcome;
    } finally {
      lease.release();
      const label = (outcome && OUTCOMES[outcome.state]) ?? 'failed';
      taskAttempt(lease.agentId, label, (performance.now() - t0) / 1000, a.attempt);
      if (span) {
        span.span.setAttribute('baton.outcome', label);
        endSpan(span, outcome !== undefined && 'error' in outcome ? outcome.error : undefined);
      }
    }
  }
}

/** The journal entry reporting a task attempt's outcome (null: cancelled by the engine, nothing to report). */
export function attemptResult(key: string, attempt: number, outcome: AgentOutcome): AttemptResult {
  switch (outcome.state) {
    case TaskState.TASK_STATE_COMPLETED:
      return { type: 'TaskCompleted', key, attempt, output: outcome.output };
    case TaskState.TASK_STATE_CANCELED:
      return null;
    default:
      return { type: 'TaskFailed', key, attempt, error: taskError(outcome) };
  }
}

export function taskError(outcome: Extract<AgentOutcome, { error: unknown }>): TaskError {
  const { code, message, retryable, retryAfterMs } = outcome.error;
  return {
    code,
    message,
    retryable,
    kind: code === 'BATON_E_AGENT_TIMEOUT' ? 'timeout' : 'error',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
