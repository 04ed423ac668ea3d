// A run actor's agent calls, made once the dispatch (or compensation) that asks for them is durable:
// waiting for an instance slot when none was free, invoking the agent under the attempt's deadline,
// and submitting what came of it as the run's next input.

import type { Compensate, Dispatch, RunState } from '../core/index.js';
import type { Bus } from '../bus/bus.js';
import type { AgentLease } from '../agents/roster.js';
import type { AttemptJournal } from '../agents/a2a-parts.js';
import { endSpan, SpanKind, startSpan } from '../telemetry/tracing.js';
import { AbortPool } from './abort-pool.js';
import { attemptResult, type AgentGateway, type Attempt } from './gateway.js';
import { attemptFailed, journaledHook, unitOf } from './outcomes.js';
import type { CallingRun, InFlight } from './run-calls.js';
import { publishProgress, type PublishingRun } from './run-events.js';

/** The spec of task `task` of the run's workflow as it is now. */
export function taskSpec(state: RunState, task: string) {
  const ctx = state.ctx!;
  return ctx.specs[ctx.graph.index.get(task)!]!;
}

export class RunAttempts {
  private readonly controllers = new AbortPool();

  constructor(
    private readonly run: CallingRun & PublishingRun,
    private readonly calls: InFlight,
    private readonly gateway: AgentGateway,
    /** Where the attempts' remote task ids, questions and tool calls are journaled. */
    private readonly journal: AttemptJournal,
    private readonly host: { readonly bus: Bus; readonly now: () => number },
  ) {}

  /** No instance was free: wait for one, then journal the dispatch (unless redispatching) and call it. */
  async waitAndInvoke(c: Dispatch, instance: string, journal: boolean): Promise<void> {
    const run = this.run;
    const ac = new AbortController();
    // A task still waiting for an agent instance when the run ends is abandoned with it.
    this.calls.set(c.key, ac, true);
    let lease: AgentLease;
    try {
      lease = await this.gateway.lease(instance, ac.signal);
    } catch (e) {
      this.calls.end(c.key, ac);
      if (run.isStopped || ac.signal.aborted) return this.calls.settle();
      // No instance can ever be had (unknown agent, larger than a quota): the attempt fails for good.
      const failed = attemptFailed(c, e, false);
      if (journal) run.submit(this.gateway.dispatched(c, instance), (ok) => ok && run.submit(failed));
      else run.submit(failed);
      return;
    }
    this.calls.end(c.key, ac);
    if (run.isStopped) return lease.release();
    if (!journal) return void this.invoke(lease, c);
    run.submit(this.gateway.dispatched(c, instance), (changed) =>
      changed ? void this.invoke(lease, c) : lease.release(),
    );
  }

  async invoke(lease: AgentLease, c: Dispatch): Promise<void> {
    const run = this.run;
    const ac = this.controllers.take();
    this.calls.set(c.key, ac);
    const spec = taskSpec(run.state, c.task);
    const attempt: Attempt = {
      runId: run.runId,
      key: c.key,
      task: c.task,
      attempt: c.attempt,
      idem: c.idem,
      input: c.input,
      deadline: spec.timeout === undefined ? undefined : this.dispatchedAt(c.key) + spec.timeout,
      // Agents' own progress goes to watchers on the run's stream (not the journal: it decides nothing).
      onUpdate: (u) => publishProgress(this.host.bus, run, c, lease.agentId, u),
      description: spec.description,
      journal: this.journal,
      redelivered: c.redispatch,
      // Not a spread of {} when untraced: that allocates on every attempt.
      trace: run.trace?.ctx,
    };
    const outcome = await this.gateway.invoke(lease, attempt, ac.signal, 'task');
    this.calls.end(c.key, ac);
    this.controllers.give(ac);
    if (run.isStopped) return;
    const result = attemptResult(c.key, c.attempt, outcome);
    if (result) run.submit(result, journaledHook(outcome));
    else this.calls.settle();
  }

  /** Calls a completed task's compensation; its end (CompensationDone) is the run's next input. */
  async compensate(c: Compensate): Promise<void> {
    const run = this.run;
    const ac = new AbortController();
    const key = `${c.key}/compensate`;
    this.calls.set(key, ac);
    const span = startSpan(
      `baton.compensate ${c.task}`,
      SpanKind.INTERNAL,
      { 'baton.run.id': run.runId, 'baton.task.key': c.key, 'gen_ai.agent.name': c.agent },
      run.trace?.ctx,
    );
    const done = await this.gateway.compensate(run.runId, c, this.host.now(), ac.signal, span?.ctx);
    endSpan(span, done.type === 'CompensationDone' && !done.ok ? done.error : undefined);
    this.calls.end(key, ac);
    if (!run.isStopped) run.submit(done);
  }

  /** When the unit's current attempt was journaled as dispatched (its deadline counts from then). */
  private dispatchedAt(key: string): number {
    return this.run.state.units.get(unitOf(key))?.dispatchedAt ?? this.host.now();
  }
}
