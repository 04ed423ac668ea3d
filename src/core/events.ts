// Events in and out of a run. In: an event is matched against the `on` and `wait_for` of the tasks that
// listen on its channel. Out: the one place that decides what the engine publishes (agent_status,
// data_updates, and each task's `emits`).

import { CEL_SCOPES } from '../spec/cel.js';
import type { EventRefSpec } from '../spec/schema.js';
import type { EventRecord } from './entries.js';
import { evaluate, evaluateBool } from './expressions.js';
import { failRun } from './failure.js';
import { attemptKey } from './keys.js';
import { append, nextIdem, type Outbox } from './outbox.js';
import type { RunContext } from './context.js';
import { contextOf, type UnitState } from './state.js';

/**
 * Tasks this event starts or releases: an `on` task not yet triggered (before or after its
 * dependencies finished), or a task waiting for its `wait_for`. A filter that fails to evaluate does
 * not match. Journaled as one EventMatched.
 */
export function matchEvent(out: Outbox, event: EventRecord): void {
  const s = out.state;
  const ctx = contextOf(s);
  const matched: string[] = [];
  for (const i of ctx.listeners.get(event.channel) ?? []) {
    const t = s.tasks[i]!;
    const spec = ctx.specs[i]!;
    // A pattern's event addressed to one peer (ABI 1.1) matches only that task, or that agent's tasks.
    if (event.to !== undefined && event.to !== spec.id && event.to !== spec.agent) continue;
    let ref: EventRefSpec | undefined;
    if (
      spec.on !== undefined &&
      t.onEvent === null &&
      (t.status === 'pending' || t.status === 'waiting_event')
    ) {
      ref = spec.on;
    } else if (t.status === 'waiting_event' && t.waitSince !== null) {
      ref = spec.wait_for;
    }
    if (ref !== undefined && matches(out, ref, event)) matched.push(spec.id);
  }
  if (matched.length > 0) append(out, { type: 'EventMatched', event, tasks: matched });
}

function matches(out: Outbox, ref: EventRefSpec, event: EventRecord): boolean {
  if (typeof ref === 'string') return ref === event.channel;
  if (ref.channel !== event.channel || (ref.event !== undefined && ref.event !== event.name)) return false;
  if (ref.filter === undefined) return true;
  const r = evaluateBool(out.state, ref.filter, CEL_SCOPES.eventFilter, {
    event: {
      id: event.eventId,
      channel: event.channel,
      name: event.name,
      data: event.data,
      source: event.source,
    },
  });
  return r.ok && r.value === true;
}

/** The engine's built-in channels; it publishes on them only when the workflow declares them. */
export const AGENT_STATUS = 'agent_status';
export const DATA_UPDATES = 'data_updates';

function publish(
  out: Outbox,
  channel: string,
  name: string | null,
  data: unknown,
  eventId = nextIdem(out),
): void {
  const loopback = listensFor(contextOf(out.state), channel, name);
  out.commands.push({ type: 'Publish', channel, name, data, eventId, loopback });
}

/**
 * Whether a task of the run waits for this event (`on` / `wait_for` on its channel, for any event or this
 * one): only then does it come back into the run's journal; watchers outside see every event anyway.
 */
function listensFor(ctx: RunContext, channel: string, name: string | null): boolean {
  for (const i of ctx.listeners.get(channel) ?? []) {
    const t = ctx.specs[i]!;
    const wanted = [t.on, t.wait_for].flatMap((ref) =>
      ref === undefined || typeof ref === 'string'
        ? ref === channel
          ? [undefined]
          : []
        : ref.channel === channel
          ? [ref.event]
          : [],
    );
    if (wanted.some((event) => event === undefined || event === name)) return true;
  }
  return false;
}

function agentStatus(out: Outbox, u: UnitState, status: 'running' | 'completed'): void {
  const ctx = contextOf(out.state);
  if (!ctx.channels.has(AGENT_STATUS)) return;
  const spec = ctx.specs[u.task]!;
  publish(out, AGENT_STATUS, status, {
    agent_id: u.subtask?.agent ?? spec.agent ?? null,
    instance: u.instance,
    task: spec.id,
    key: attemptKey(u.key, u.iteration),
    attempt: u.attempts,
    status,
  });
}

export function publishDispatch(out: Outbox, u: UnitState): void {
  agentStatus(out, u, 'running');
}

export function publishCompletion(out: Outbox, u: UnitState): void {
  agentStatus(out, u, 'completed');
  const ctx = contextOf(out.state);
  if (ctx.channels.has(DATA_UPDATES)) {
    publish(out, DATA_UPDATES, 'task_output', { task: ctx.specs[u.task]!.id, key: u.key, output: u.output });
  }
}

/**
 * The task's `emits`, each with a stable id (`${runId}/${task}/emit${j}`) so the re-publish after a
 * crash is deduplicated. `data` defaults to the task's output. Returns false when a `data` expression
 * failed: that fails the run (an event that cannot be built would leave its listeners hanging).
 */
export function publishEmits(out: Outbox, i: number): boolean {
  const s = out.state;
  const spec = contextOf(s).specs[i]!;
  const output = s.tasks[i]!.output;
  for (const [j, emit] of (spec.emits ?? []).entries()) {
    const ref = typeof emit === 'string' ? { channel: emit } : emit;
    let data: unknown = output;
    if (ref.data !== undefined) {
      const r = evaluate(s, ref.data, CEL_SCOPES.completion, { output });
      if (!r.ok) {
        failRun(out, { code: r.error.code, message: r.error.message, key: spec.id }, 'failed');
        return false;
      }
      data = r.value;
    }
    publish(out, ref.channel, ref.event ?? null, data, `${s.runId}/${spec.id}/emit${j}`);
  }
  return true;
}
