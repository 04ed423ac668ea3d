// The events a worker reports through WorkerOptions.onEvent (it never logs by itself), and how a
// handler's thrown error becomes the failure sent to the server.

import type { BatonError } from './errors.js';
import { TaskFailure } from './worker-task.js';

export type WorkerEvent =
  /** Welcomed by a server; `resumedLeaseIds` are leases kept from before a reconnect. */
  | {
      readonly type: 'connected';
      readonly workerId: string;
      readonly leaseDurationMs: number;
      readonly resumedLeaseIds: readonly string[];
    }
  /** The stream ended; the worker reconnects with backoff unless it is stopping. */
  | { readonly type: 'disconnected'; readonly error?: BatonError }
  | {
      readonly type: 'assignment';
      readonly leaseId: string;
      readonly messageId: string;
      readonly runId: string;
      readonly taskId: string;
      readonly attempt: number;
    }
  /** Work this worker already runs came again under a new lease: the handler carries on, not twice. */
  | {
      readonly type: 'duplicate';
      readonly leaseId: string;
      readonly previousLeaseId: string;
      readonly messageId: string;
    }
  /** Work this worker already finished came again: its stored result was sent; the handler did not run. */
  | { readonly type: 'replayed'; readonly leaseId: string; readonly messageId: string }
  /** An assignment that arrived while draining: not started, its lease lapses and it goes elsewhere. */
  | { readonly type: 'declined'; readonly leaseId: string; readonly messageId: string }
  | { readonly type: 'completed'; readonly leaseId: string; readonly runId: string; readonly taskId: string }
  | {
      readonly type: 'failed';
      readonly leaseId: string;
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      readonly retryAfterMs?: number;
      readonly error?: unknown;
    }
  /** The server's answer to a result; `accepted: false` means the lease had already ended. */
  | {
      readonly type: 'receipt';
      readonly leaseId: string;
      readonly accepted: boolean;
      readonly reason: string;
    }
  /** The server took the work back (run cancelled, deadline, lapse); the handler's signal fired. */
  | { readonly type: 'revoked'; readonly leaseId: string; readonly reason: string }
  /** A lease that did not survive a reconnect: the handler keeps going a lease period in case it is re-delivered. */
  | { readonly type: 'lost'; readonly leaseId: string; readonly messageId: string }
  /** The worker stopped: after close(), or with `error` when it cannot go on (e.g. replaced by another stream with its id). */
  | { readonly type: 'stopped'; readonly error?: BatonError };

export interface FailureReport {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** A TaskFailure keeps its code and retry flags; anything else is a retryable BATON_E_AGENT_FAILED. */
export function failureOf(err: unknown): FailureReport {
  if (err instanceof TaskFailure)
    return {
      code: err.code,
      message: err.message || err.code,
      retryable: err.retryable,
      ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    };
  const message = err instanceof Error ? err.message || err.name : String(err);
  return { code: 'BATON_E_AGENT_FAILED', message: message || 'the handler failed', retryable: true };
}
