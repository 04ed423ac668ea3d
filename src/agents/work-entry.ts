// What travels on the bus for work sent to remote workers: an assignment on its route's stream
// (`work:<ns>:<route>`, consumed by the group of instances whose workers serve the route), and
// cancellations on the namespace's control stream (a tail every instance reads). Plain JSON, checked
// on the way in: the bus may be shared with other deployments' versions.

import type { InboxMessage } from '../store/store.js';
import type { TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { TaskInvocation, type AttemptJournal } from './a2a-parts.js';
import type { AgentInvocation } from './adapter.js';

/** The consumer group of every work stream: each entry goes to one instance. */
export const WORK_GROUP = 'workers';

/** Where attempts routed by `route` (a queue name or an agent id) are published. */
export const workStream = (ns: string, route: string): string => `work:${ns}:${route}`;

/** Cancellations every instance hears. */
export const controlStream = (ns: string): string => `work-control:${ns}`;

/** Tells an instance that a run it owns has something in its inbox (a worker's result): poll now. */
export const wakeStream = (ns: string, instance: string): string => `inbox-wake:${ns}:${instance}`;

/**
 * On the wake stream: a run's inbox got a message (sent along when it is a worker's result), or a
 * worker's result sent AHEAD of its durable post (`ahead`, the result payload): the owner may journal
 * it at once instead of after the other instance's commit and its notification; the inbox copy that
 * follows is then a duplicate, dropped by the run. The post stays the record: an owner that misses the
 * ahead copy journals the posted one, and the worker hears its result was taken only once it is posted.
 */
export interface WakeEntry {
  readonly runId: string;
  readonly message?: InboxMessage;
  readonly ahead?: unknown;
}

/** The result a wake entry sends ahead, if it carries one with an idempotency key. */
export function wakeAhead(data: unknown): { runId: string; result: unknown } | undefined {
  const w = data as Partial<WakeEntry> | null;
  const idem = (w?.ahead as { idem?: unknown } | null | undefined)?.idem;
  return typeof w?.runId === 'string' && typeof idem === 'string'
    ? { runId: w.runId, result: w.ahead }
    : undefined;
}

/** The inbox message a wake entry carries, if it carries a well-formed one. */
export function wakeMessage(data: unknown): InboxMessage | undefined {
  const m = (data as Partial<WakeEntry> | null)?.message;
  if (!m || typeof m !== 'object') return undefined;
  const ok =
    Number.isSafeInteger(m.id) &&
    typeof m.runId === 'string' &&
    typeof m.kind === 'string' &&
    typeof m.at === 'number';
  return ok ? m : undefined;
}

/** The bus stream a run's watchers read (runtime/run-actor.ts publishes the engine's side of it). */
export const runEventsStream = (ns: string, runId: string): string => `ns:${ns}:run:${runId}:events`;

/** One attempt for a worker, as published by the run's owner. */
export interface WorkEntry {
  readonly v: 1;
  /** The route it was published on (queue name or agent id). */
  readonly route: string;
  readonly runId: string;
  readonly taskId: string;
  /** The attempt's key in the run (`research[2]`): the unit its result is journaled for. */
  readonly key: string;
  readonly attempt: number;
  readonly idem: string;
  /** ms since the epoch, or null. */
  readonly deadline: number | null;
  readonly input: unknown;
  readonly description: string | null;
  /** The instance that published it (the run's owner at the time). */
  readonly owner: string;
  /** Re-issued after a takeover: a worker may already hold it. */
  readonly redelivered: boolean;
  /** The attempt span's W3C trace context (absent when tracing is off, or from an older build). */
  readonly traceparent?: string;
}

export interface CancelEntry {
  readonly v: 1;
  readonly kind: 'cancel';
  readonly idem: string;
  readonly reason: string;
}

/** The answer the run journaled for the question a worker's handler asked (requestInput). */
export interface InputEntry {
  readonly v: 1;
  readonly kind: 'input';
  readonly idem: string;
  readonly input: unknown;
  /** The TaskInputProvided entry's seq: names the answer (a repeat is a duplicate). */
  readonly seq: number;
}

/**
 * A worker's tool call forwarded to its run's owner through the run's inbox (kind `tool_call`, then
 * `tool_result`), by the instance its worker is connected to (agents/work-intake.ts).
 */
export interface ToolCallPayload {
  readonly idem: string;
  readonly call: number;
  readonly kind: 'search' | 'edit' | 'command';
  /** The args the worker asked with (a `tool_result` carries them too: a new owner replays the call). */
  readonly args: unknown;
  /** `tool_result` only: what the tool returned, or that it failed on the worker. */
  readonly result?: unknown;
  readonly failed?: boolean;
}

/** The owner's answer to a forwarded tool call, on the control stream: its pre-hooks' verdict, or that its post-hooks ran. */
export interface ToolAnswerEntry {
  readonly v: 1;
  readonly kind: 'tool_verdict' | 'tool_done';
  readonly idem: string;
  readonly call: number;
  /** tool_verdict only. */
  readonly verdict?: {
    readonly allowed: boolean;
    readonly args?: unknown;
    readonly message?: string;
    readonly hook?: string;
    readonly code?: string;
  };
}

const TOOL_KINDS = new Set(['search', 'edit', 'command']);

export function parseToolPayload(data: unknown): ToolCallPayload | undefined {
  if (!isObject(data)) return undefined;
  return str(data['idem']) &&
    Number.isSafeInteger(data['call']) &&
    (data['call'] as number) >= 1 &&
    TOOL_KINDS.has(data['kind'] as string)
    ? (data as unknown as ToolCallPayload)
    : undefined;
}

export function parseToolAnswer(data: unknown): ToolAnswerEntry | undefined {
  if (!isObject(data) || data['v'] !== 1) return undefined;
  const kind = data['kind'];
  if (kind !== 'tool_verdict' && kind !== 'tool_done') return undefined;
  if (!str(data['idem']) || !Number.isSafeInteger(data['call'])) return undefined;
  if (
    kind === 'tool_verdict' &&
    !(isObject(data['verdict']) && typeof data['verdict']['allowed'] === 'boolean')
  )
    return undefined;
  return data as unknown as ToolAnswerEntry;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The entry in a bus message, or undefined when it is not one this build understands. */
export function parseWorkEntry(data: unknown): WorkEntry | undefined {
  if (!isObject(data) || data['v'] !== 1) return undefined;
  const d = data;
  const ok =
    str(d['route']) &&
    str(d['runId']) &&
    str(d['taskId']) &&
    str(d['key']) &&
    str(d['idem']) &&
    str(d['owner']) &&
    Number.isInteger(d['attempt']) &&
    (d['deadline'] === null || typeof d['deadline'] === 'number') &&
    (d['description'] === null || typeof d['description'] === 'string') &&
    typeof d['redelivered'] === 'boolean' &&
    'input' in d;
  return ok ? (d as unknown as WorkEntry) : undefined;
}

export function parseCancelEntry(data: unknown): CancelEntry | undefined {
  if (!isObject(data) || data['v'] !== 1 || data['kind'] !== 'cancel') return undefined;
  return str(data['idem']) && typeof data['reason'] === 'string'
    ? (data as unknown as CancelEntry)
    : undefined;
}

export function parseInputEntry(data: unknown): InputEntry | undefined {
  if (!isObject(data) || data['v'] !== 1 || data['kind'] !== 'input') return undefined;
  return str(data['idem']) && Number.isInteger(data['seq']) && 'input' in data
    ? (data as unknown as InputEntry)
    : undefined;
}

/** The entry an invocation is published as. */
export function workEntry(
  route: string,
  inv: AgentInvocation,
  input: unknown,
  description: string | undefined,
  owner: string,
): WorkEntry {
  return {
    v: 1,
    route,
    runId: inv.runId,
    taskId: inv.taskId,
    key: inv.instanceKey,
    attempt: inv.attempt,
    idem: inv.idempotencyKey,
    deadline: inv.deadline ?? null,
    input: input ?? null,
    description: description ?? null,
    owner,
    redelivered: inv.redelivered === true,
    ...(inv.traceparent === undefined ? {} : { traceparent: inv.traceparent }),
  };
}

/** The invocation a worker hub runs for an entry taken off the bus. */
export function entryInvocation(
  e: WorkEntry,
  redelivered: boolean,
  onUpdate: ((u: TaskStatusUpdateEvent) => void) | undefined,
  journal?: AttemptJournal,
): AgentInvocation {
  return new TaskInvocation(
    e.runId,
    e.taskId,
    e.key,
    e.attempt,
    e.idem,
    e.deadline ?? undefined,
    e.input,
    e.description ?? undefined,
    onUpdate,
    journal,
    redelivered,
    typeof e.traceparent === 'string' ? e.traceparent : undefined,
  );
}
