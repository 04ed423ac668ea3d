// Test helpers: an invocation as the engine would build it, and a probe for whether a promise has settled.

import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { taskMessage } from '../../../src/agents/a2a-parts.js';
import type { AgentInvocation } from '../../../src/agents/adapter.js';

export interface InvocationOptions {
  readonly taskId?: string;
  readonly instanceKey?: string;
  readonly attempt?: number;
  readonly deadline?: number;
  readonly description?: string;
  readonly onUpdate?: (update: TaskStatusUpdateEvent) => void;
}

export function invocation(input: unknown, o: InvocationOptions = {}): AgentInvocation {
  const taskId = o.taskId ?? 'task';
  const idempotencyKey = 'run-1/7/0';
  return {
    runId: 'run-1',
    taskId,
    instanceKey: o.instanceKey ?? taskId,
    attempt: o.attempt ?? 1,
    idempotencyKey,
    deadline: o.deadline,
    message: taskMessage({ runId: 'run-1', idempotencyKey, input, description: o.description }),
    onUpdate: o.onUpdate,
  };
}

/** Whether `p` has settled once pending callbacks have run (no clock involved). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setImmediate(r));
  return settled;
}
