// The message that hands one attempt to a remote A2A agent. Its id is the attempt's idempotency key (a
// re-issue after a crash sends the same id); its context is one per run and agent, so a multi-turn agent
// keeps its context across the tasks of a run; its input is a JSON data part, or text for an agent that
// takes only text.

import { Role, type Message, type Part } from '@a2a-js/sdk';
import { dataPart, invocationInput, textPart } from '../a2a-parts.js';
import type { AgentInvocation } from '../adapter.js';
import type { InputShape } from './card-offer.js';

/** The A2A context id of an agent's tasks in a run. */
export const contextIdOf = (runId: string, agentId: string): string => `${runId}/${agentId}`;

function description(inv: AgentInvocation): string | undefined {
  return 'description' in inv && typeof inv.description === 'string' && inv.description !== ''
    ? inv.description
    : undefined;
}

export function requestMessage(inv: AgentInvocation, agentId: string, shape: InputShape): Message {
  const input = invocationInput(inv);
  const about = description(inv);
  const parts: Part[] = [];
  if (shape === 'data') {
    parts.push(dataPart(input));
    if (about !== undefined) parts.push(textPart(about));
  } else {
    if (about !== undefined) parts.push(textPart(about));
    if (input !== null)
      parts.push(textPart(typeof input === 'string' ? input : JSON.stringify(input, null, 2)));
    // A message has at least one part (spec §4.1.4).
    if (parts.length === 0) parts.push(textPart(''));
  }
  return {
    messageId: inv.idempotencyKey,
    contextId: contextIdOf(inv.runId, agentId),
    taskId: '',
    role: Role.ROLE_USER,
    parts,
    // Where the task comes from, for the agent's own logs.
    metadata: { baton: { run_id: inv.runId, task: inv.instanceKey, attempt: inv.attempt } },
    extensions: [],
    referenceTaskIds: [],
  };
}
