// The entries and events a run actor builds from what happened outside it: a dispatch it journals, a
// child run's end, an error that means an attempt can never run, an agent's progress report.

import { TaskState, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import type { AgentOutcome } from '../agents/adapter.js';
import { parseKey, type Dispatch, type InputFields, type RunState } from '../core/index.js';
import { BatonError } from '../errors/registry.js';

/** The TaskDispatched of a dispatch to `instance`; `route` when its adapter declares one (AgentAdapter.route). */
export function dispatched(c: Dispatch, instance: string, route?: string): InputFields {
  const entry: InputFields = {
    type: 'TaskDispatched',
    key: c.key,
    task: c.task,
    attempt: c.attempt,
    agent: c.agent,
    instance,
    idem: c.idem,
  };
  return route === undefined ? entry : { ...entry, route };
}

/** `research[2]#3` -> `research[2]`: the unit a dispatch key belongs to. */
export const unitOf = (key: string): string => parseKey(key)?.unit ?? key;

/** The attempt failed with an error thrown outside any agent (retried only when `retryable`). */
export function attemptFailed(c: Dispatch, e: unknown, retryable: boolean): InputFields {
  const error =
    e instanceof BatonError
      ? { code: e.code, message: e.message }
      : { code: 'BATON_E_INTERNAL', message: String(e) };
  return {
    type: 'TaskFailed',
    key: c.key,
    attempt: c.attempt,
    error: { ...error, retryable, kind: 'error' },
  };
}

/** A child run's end as the result of the task that ran it. */
export function childResult(c: Dispatch, childRunId: string, final: RunState): InputFields {
  if (final.status === 'completed') {
    return { type: 'TaskCompleted', key: c.key, attempt: c.attempt, output: final.output };
  }
  const why = final.error ? `: ${final.error.message}` : '';
  return {
    type: 'TaskFailed',
    key: c.key,
    attempt: c.attempt,
    error: {
      code: final.error?.code ?? 'BATON_E_RUN_ENDED',
      message: `child run ${childRunId} ${final.status}${why}`,
      retryable: false,
      kind: 'error',
    },
  };
}

/** An agent's A2A progress update as the `agent_status:progress` event watchers of the run see. */
export function progressEvent(c: Dispatch, agent: string, runId: string, u: TaskStatusUpdateEvent) {
  const progress = (u.metadata as { progress?: unknown } | undefined)?.progress;
  const part = u.status?.message?.parts[0]?.content;
  return {
    channel: 'agent_status',
    name: 'progress',
    data: {
      agent_id: agent,
      task: c.task,
      key: c.key,
      attempt: c.attempt,
      progress: typeof progress === 'number' ? progress : null,
      text: part?.$case === 'text' ? part.value : null,
    },
    run: runId,
  };
}

/** What the run does once an outcome's entry is durable: tell the adapter, if it asked (JournaledHook). */
export function journaledHook(outcome: AgentOutcome): ((applied: boolean) => void) | undefined {
  return outcome.state === TaskState.TASK_STATE_CANCELED ? undefined : outcome.journaled;
}
