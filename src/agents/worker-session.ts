// One connection of a worker as the hub sees it: heartbeats renew its leases, progress and status
// reach the run's watchers, and a result settles its attempt. A result counts while the attempt is
// in flight, under whichever lease it names: an active one, one that lapsed or was taken back
// meanwhile, or (with the message id) one a restarted server never gave out.

import { TaskState, type Message, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { BatonError } from '../errors/registry.js';
import { progressUpdate } from './a2a-parts.js';
import type { LeaseTable, Lease } from './worker-lease.js';
import type { ResultReceipt, WorkerResult } from './worker-result.js';
import type { Job } from './worker-types.js';
import type { ToolKind } from './adapter.js';
import { toolCall, toolResult, type WireToolVerdict } from './worker-tools.js';

/** Thrown when a worker names a lease id the server never gave it (and no message id to go by). */
export class UnknownLeaseError extends BatonError {
  constructor(readonly leaseId: string) {
    super('BATON_E_LEASE_UNKNOWN', `lease "${leaseId}" was never given to this worker`);
  }
}

/** One connection of a worker, as the Work stream sees it. */
export interface WorkerSession {
  readonly workerId: string;
  readonly leaseMs: number;
  /** Leases held from before a reconnect (the worker should carry on with them). */
  readonly resumedLeaseIds: readonly string[];
  heartbeat(leaseIds: readonly string[]): void;
  progress(leaseId: string, fraction: number, text: string): void;
  status(leaseId: string, state: 'working' | 'input-required', message: Message | undefined): void;
  /** The worker's handler asks for input: the run journals the question and shows it until answered. */
  inputRequired(leaseId: string, question: string, data: unknown): void;
  /**
   * The handler's tool call `call` (ctx.tool): the run's pre-hooks' verdict. Refused (not allowed) when
   * the lease has ended.
   */
  toolCall(leaseId: string, call: number, kind: ToolKind, args: unknown): Promise<WireToolVerdict>;
  /** What the tool of an allowed call returned: resolves once its post-hooks have run. */
  toolResult(leaseId: string, call: number, result: unknown, failed: boolean): Promise<void>;
  /**
   * Settles the attempt if it is still in flight; resolves with the receipt once the outcome is
   * journaled (accepted), or at once when it was refused. `messageId` (the idempotency key) finds the
   * attempt when the lease is unknown here; without it an unknown lease throws UnknownLeaseError.
   */
  result(leaseId: string, result: WorkerResult, messageId?: string): Promise<ResultReceipt>;
  /** The stream ended: the worker's leases run on until they lapse or it reconnects. */
  disconnect(): void;
}

/** What a session needs of the hub. */
export interface SessionHost {
  readonly leaseMs: number;
  readonly now: () => number;
  readonly leases: LeaseTable<Job>;
  current(workerId: string, generation: number): { readonly routes: ReadonlySet<string> } | undefined;
  jobByMessage(messageId: string): Job | undefined;
  /** A result for work held elsewhere (another instance), if it is: see HubObserver.orphanResult. */
  orphanResult(workerId: string, messageId: string, result: WorkerResult): Promise<ResultReceipt | undefined>;
  accept(job: Job, result: WorkerResult, reporter: string): Promise<ResultReceipt>;
  disconnect(workerId: string, generation: number): void;
}

export function openSession(
  hub: SessionHost,
  workerId: string,
  generation: number,
  resumedLeaseIds: readonly string[],
): WorkerSession {
  const current = (): boolean => hub.current(workerId, generation) !== undefined;
  /** The active lease `id` of this worker; undefined when it ended; throws when it never was its. */
  const active = (id: string): Lease<Job> | undefined => {
    const found = hub.leases.lookup(id, workerId);
    if (found.kind === 'unknown') throw new UnknownLeaseError(id);
    return found.kind === 'active' ? found.lease : undefined;
  };
  const update = (job: Job, event: TaskStatusUpdateEvent): void => {
    if (!job.done) job.invocation.onUpdate?.(event);
  };
  return {
    workerId,
    leaseMs: hub.leaseMs,
    resumedLeaseIds,
    heartbeat: (ids) => {
      if (!current()) return;
      const found = ids.map(active);
      for (const lease of found) if (lease) hub.leases.renew(lease);
    },
    progress: (id, fraction, text) => {
      if (!current()) return;
      const lease = active(id);
      if (!lease) return;
      const job = lease.job;
      job.updates += 1;
      const inv = job.invocation;
      update(
        job,
        progressUpdate({
          taskId: inv.idempotencyKey,
          contextId: inv.runId,
          messageId: `${lease.id}/progress/${job.updates}`,
          progress: fraction > 0 ? Math.min(fraction, 1) : 0,
          ...(text === '' ? {} : { text }),
          at: new Date(hub.now()),
        }),
      );
    },
    status: (id, state, message) => {
      if (!current()) return;
      const lease = active(id);
      if (!lease) return;
      const inv = lease.job.invocation;
      update(lease.job, {
        taskId: inv.idempotencyKey,
        contextId: inv.runId,
        status: {
          state: state === 'working' ? TaskState.TASK_STATE_WORKING : TaskState.TASK_STATE_INPUT_REQUIRED,
          message,
          timestamp: new Date(hub.now()).toISOString(),
        },
        metadata: undefined,
      });
    },
    inputRequired: (id, question, data) => {
      if (!current()) return;
      const lease = active(id);
      if (!lease || lease.job.done) return;
      const remote = lease.job.invocation.remote;
      if (remote === undefined)
        throw new BatonError('BATON_E_INTERNAL', `the attempt under lease "${id}" cannot take a question`);
      remote.inputRequired(data === undefined || data === null ? { question } : { question, data });
    },
    toolCall: (id, call, kind, args) => {
      const lease = current() ? active(id) : undefined;
      if (!lease || lease.job.done)
        return Promise.resolve({
          allowed: false,
          code: 'BATON_E_TOOL_CALL_REFUSED',
          message: `the assignment under lease "${id}" has ended: its tool calls are refused`,
        });
      return toolCall(lease.job.invocation, call, kind, args);
    },
    toolResult: (id, call, result, failed) => {
      const lease = current() ? active(id) : undefined;
      if (!lease) return Promise.resolve();
      return toolResult(lease.job.invocation, call, result, failed);
    },
    result: (id, result, messageId) => {
      const found = hub.leases.lookup(id, workerId);
      if (found.kind === 'active') return hub.accept(found.lease.job, result, workerId);
      if (found.kind === 'unknown' && !messageId) throw new UnknownLeaseError(id);
      // A lease that lapsed or was taken back, or one a restarted server never gave out: the work
      // still counts while its attempt is in flight (and this worker serves its route).
      const job = hub.jobByMessage(found.kind === 'ended' ? found.key : messageId!);
      const routes = hub.current(workerId, generation)?.routes;
      if (
        job &&
        !job.done &&
        (!messageId || job.invocation.idempotencyKey === messageId) &&
        routes?.has(job.route)
      )
        return hub.accept(job, result, workerId);
      if (found.kind === 'ended') return Promise.resolve({ accepted: false, reason: found.reason });
      const refused = {
        accepted: false,
        reason: `no attempt with message id "${messageId}" is in flight on this server`,
      } as const;
      if (job || !routes) return Promise.resolve(refused);
      // Not here: the attempt may be held by another instance (this worker reconnected to this one).
      return hub.orphanResult(workerId, messageId!, result).then((r) => r ?? refused);
    },
    disconnect: () => hub.disconnect(workerId, generation),
  };
}
