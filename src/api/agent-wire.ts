// Converts between the worker hub's values (A2A messages from @a2a-js/sdk, invocations) and the
// baton.v1 AgentService messages a worker sees on its Work stream.

import { Role, type Message, type Part } from '@a2a-js/sdk';
import type { AgentDefinition } from '../agents/worker-catalog.js';
import type { WorkAssignment } from '../agents/worker-hub.js';
import {
  type Agent,
  type AgentMessage,
  type Assignment,
  type MessagePart,
  MessageRole,
} from './gen/baton/v1/agent.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A Struct carries only an object: any other JSON value (a list, a string, a number) travels as
 * `{ "value": ... }`, which docs/workers.md tells worker authors.
 */
export const toStruct = (v: unknown): Record<string, unknown> => (isObject(v) ? v : { value: v ?? null });

function partToProto(p: Part): MessagePart | undefined {
  const c = p.content;
  if (!c) return undefined;
  switch (c.$case) {
    case 'text':
      return { text: c.value };
    case 'data':
      return { data: toStruct(c.value) };
    default:
      // Baton's task messages carry only data and text parts; file parts are not produced yet.
      return undefined;
  }
}

export function assignmentToProto(work: WorkAssignment): Assignment {
  const inv = work.invocation;
  const m = inv.message;
  const message: AgentMessage = {
    messageId: m.messageId,
    role: MessageRole.MESSAGE_ROLE_USER,
    parts: m.parts.map(partToProto).filter((p): p is MessagePart => p !== undefined),
    contextId: inv.runId,
    // The dispatch is the A2A task: its idempotency key names it, as in-process progress does.
    taskId: inv.idempotencyKey,
    metadata:
      inv.traceparent === undefined
        ? { instance_key: inv.instanceKey }
        : { instance_key: inv.instanceKey, traceparent: inv.traceparent },
  };
  return {
    leaseId: work.leaseId,
    runId: inv.runId,
    taskId: inv.taskId,
    attempt: inv.attempt,
    agentId: work.route,
    message,
    deadline: inv.deadline === undefined ? undefined : new Date(inv.deadline),
  };
}

/** A worker's status message as an A2A message (file parts keep their uri, name and type). */
export function messageFromProto(m: AgentMessage): Message {
  const parts: Part[] = m.parts.flatMap((p): Part[] => {
    if (p.text !== undefined)
      return [
        {
          content: { $case: 'text', value: p.text },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ];
    if (p.data !== undefined)
      return [
        {
          content: { $case: 'data', value: p.data },
          metadata: undefined,
          filename: '',
          mediaType: 'application/json',
        },
      ];
    if (p.file !== undefined)
      return [
        {
          content: { $case: 'url', value: p.file.uri },
          metadata: undefined,
          filename: p.file.name,
          mediaType: p.file.mimeType,
        },
      ];
    return [];
  });
  return {
    messageId: m.messageId,
    contextId: m.contextId,
    taskId: m.taskId,
    role: m.role === MessageRole.MESSAGE_ROLE_USER ? Role.ROLE_USER : Role.ROLE_AGENT,
    parts,
    metadata: m.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function agentToProto(def: AgentDefinition, connectedWorkers: number): Agent {
  return {
    agentId: def.agentId,
    type: def.type,
    capabilities: [...def.capabilities],
    maxInstances: def.maxInstances,
    cpu: def.cpu,
    memory: def.memory,
    connectedWorkers,
  };
}
