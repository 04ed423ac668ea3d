// The values the worker hub and its sessions share: a job (one attempt waiting for or held by a
// worker), what a worker is handed, its hello, and the hub's way back to its connection.

import type { AgentInvocation, AgentOutcome, ProvidedInput } from './adapter.js';
import type { Lease } from './worker-lease.js';

/** Work handed to a worker: the attempt, under the lease that names it in every report. */
export interface WorkAssignment {
  readonly leaseId: string;
  /** The route the worker was chosen by: the agent id, or the queue name of a queue endpoint. */
  readonly route: string;
  readonly invocation: AgentInvocation;
}

/** The hub's way to a connected worker (the API implements it over the Work stream). */
export interface WorkerLink {
  assign(work: WorkAssignment): void;
  revoke(leaseId: string, reason: string): void;
  /** The answer to the question the work under `leaseId` asked; `id` names it (a repeat is a duplicate). */
  provideInput?(leaseId: string, input: unknown, id: string): void;
  /** Closes the connection: another with the same worker id replaced it, or the server is shutting down. */
  close(reason: string, why: 'replaced' | 'shutdown'): void;
}

/** Work a worker process says it holds when it connects. */
export interface HeldAssignment {
  /** The lease it was last held under (maybe one this server never gave out: it restarted). */
  readonly leaseId: string;
  /** The assignment's message id: its idempotency key. */
  readonly messageId: string;
  /** The handler finished: the worker has the result. */
  readonly finished: boolean;
}

export interface WorkerHello {
  readonly workerId: string;
  /** Agent ids and queue names the worker takes work for. */
  readonly routes: readonly string[];
  readonly capabilities: readonly string[];
  /** Assignments it runs at once, >= 1. */
  readonly capacity: number;
  /** What the process holds now, when it says (see WorkerHub.connect); undefined: it does not track it. */
  readonly held?: readonly HeldAssignment[];
}

/** One attempt from invoke() until it is settled. */
export interface Job {
  readonly route: string;
  readonly invocation: AgentInvocation;
  lease: Lease<Job> | undefined;
  done: boolean;
  settle(outcome: AgentOutcome): void;
  updates: number;
  /**
   * Connections (worker id -> generation) on which this job's lease lapsed: a connection that went
   * silent on the job is not given it again; the same worker reconnecting may be.
   */
  readonly lapsedOn: Map<string, number>;
  /** Until this time only a worker that claimed the job (by message id) is given it. */
  readonly openAt: number;
  /** The last answer journaled for the job's question: given to whichever worker holds the job. */
  answer?: ProvidedInput;
  /** Stops listening for answers (the job settled). */
  unlisten?: () => void;
  /** When it was queued here (dispatch latency, the queue's oldest age). */
  readonly queuedAt: number;
  /** The worker it goes to when that one has room (the one its claim names: work-intake.ts). */
  readonly preferred?: string;
}
