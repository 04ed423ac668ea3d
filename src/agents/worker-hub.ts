// The worker hub: an AgentAdapter whose attempts are carried out by remote workers. An invoke()
// becomes a job queued for a connected worker that serves its route (an agent id or a queue name)
// and has a free slot; the worker's result settles it. Every assignment is held under a lease that
// the worker's heartbeats renew; a lease that lapses sends the job back to the queue (same message
// id) for another worker, and a late result for it is refused. Knows nothing of gRPC: the API's
// Work stream drives a WorkerSession and implements WorkerLink.

import { TaskState, type Message, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { BatonError } from '../errors/registry.js';
import { progressUpdate } from './a2a-parts.js';
import {
  agentFailure,
  canceled,
  failed,
  type AgentAdapter,
  type AgentInvocation,
  type AgentOutcome,
} from './adapter.js';
import { outcomeOf, type ResultReceipt, type WorkerResult } from './worker-result.js';
import { AgentCatalog } from './worker-catalog.js';
import { LeaseTable, type Lease } from './worker-lease.js';

export { outcomeOf, type ResultReceipt, type WorkerResult } from './worker-result.js';

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
  /** Closes the connection: another with the same worker id replaced it, or the server is shutting down. */
  close(reason: string, why: 'replaced' | 'shutdown'): void;
}

export interface WorkerHello {
  readonly workerId: string;
  /** Agent ids and queue names the worker takes work for. */
  readonly routes: readonly string[];
  readonly capabilities: readonly string[];
  /** Assignments it runs at once, >= 1. */
  readonly capacity: number;
}

/** Thrown when a worker names a lease id the server never gave it. */
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
  result(leaseId: string, result: WorkerResult): ResultReceipt;
  /** The stream ended: the worker's leases run on until they lapse or it reconnects. */
  disconnect(): void;
}

export interface WorkerHubOptions {
  /** How long an assignment stays a worker's without a heartbeat (default 10 s). */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

export interface WorkerView {
  readonly workerId: string;
  readonly routes: readonly string[];
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly inFlight: number;
  readonly connected: boolean;
}

interface Job {
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
}

interface Worker {
  readonly id: string;
  routes: ReadonlySet<string>;
  capabilities: readonly string[];
  capacity: number;
  inFlight: number;
  /** Undefined while disconnected (its leases live on until they lapse). */
  link: WorkerLink | undefined;
  /** Bumped on each connection, so a replaced connection's late calls do nothing. */
  generation: number;
}

const DEFAULT_LEASE_MS = 10_000;
// setTimeout fires at once for delays beyond 2^31-1 ms, so long deadlines re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkerHub {
  readonly catalog = new AgentCatalog();
  readonly leaseMs: number;
  private readonly now: () => number;
  private readonly leases: LeaseTable<Job>;
  private readonly workers = new Map<string, Worker>();
  /** Jobs waiting for a worker, in arrival order (a job whose lease lapsed goes back to the front). */
  private pending: Job[] = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: WorkerHubOptions = {}) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = options.now ?? Date.now;
    this.leases = new LeaseTable(this.leaseMs, this.now);
    // Lapses are noticed within a quarter of the lease: the lease is the bound, not the sweep.
    this.sweeper = setInterval(() => this.sweep(), Math.max(5, Math.min(1000, this.leaseMs / 4)));
    this.sweeper.unref();
  }

  /**
   * Whether runs should send `route` to workers: a worker serving it is connected (or still holds
   * leases), or an agent with that id is registered and its workers may come later.
   */
  serves(route: string): boolean {
    if (this.catalog.has(route)) return true;
    for (const w of this.workers.values()) if (w.routes.has(route)) return true;
    return false;
  }

  /** The adapter for agents routed by `route`. */
  adapter(route: string): AgentAdapter {
    return { invoke: (invocation, signal) => this.invoke(route, invocation, signal) };
  }

  /** Connected workers serving `route`. */
  connectedWorkers(route: string): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.link && w.routes.has(route)) n += 1;
    return n;
  }

  workerViews(): WorkerView[] {
    return [...this.workers.values()].map((w) => ({
      workerId: w.id,
      routes: [...w.routes],
      capabilities: w.capabilities,
      capacity: w.capacity,
      inFlight: w.inFlight,
      connected: w.link !== undefined,
    }));
  }

  /** Jobs waiting for a worker now. */
  get queued(): number {
    return this.pending.length;
  }

  /**
   * A worker's connection. The same worker id connecting again keeps the leases it still holds
   * (they are listed in resumedLeaseIds); a connection it replaces is closed.
   */
  connect(hello: WorkerHello, link: WorkerLink): WorkerSession {
    let worker = this.workers.get(hello.workerId);
    const replaced = worker?.link;
    if (worker) {
      worker.routes = new Set(hello.routes);
      worker.capabilities = [...hello.capabilities];
      worker.capacity = hello.capacity;
      worker.link = link;
      worker.generation += 1;
    } else {
      worker = {
        id: hello.workerId,
        routes: new Set(hello.routes),
        capabilities: [...hello.capabilities],
        capacity: hello.capacity,
        inFlight: 0,
        link,
        generation: 1,
      };
      this.workers.set(worker.id, worker);
    }
    replaced?.close(`worker "${hello.workerId}" connected again on another stream`, 'replaced');
    const resumed = this.leases.heldBy(worker.id);
    for (const lease of resumed) this.leases.renew(lease);
    const session = this.session(
      worker,
      worker.generation,
      resumed.map((l) => l.id),
    );
    queueMicrotask(() => this.dispatch());
    return session;
  }

  /**
   * Ends every worker's stream (they should reconnect to the next server) and stops the lease sweep.
   * Jobs still waiting stay unsettled: the engine stops driving its runs as the server shuts down.
   */
  close(): void {
    clearInterval(this.sweeper);
    for (const w of this.workers.values()) {
      const link = w.link;
      w.link = undefined;
      w.generation += 1;
      link?.close('the server is shutting down', 'shutdown');
    }
  }

  private invoke(route: string, invocation: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome> {
    if (signal.aborted) return Promise.resolve(canceled(reasonText(signal.reason)));
    return new Promise<AgentOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void =>
        this.finish(job, canceled(reasonText(signal.reason)), 'the run cancelled the task');
      const job: Job = {
        route,
        invocation,
        lease: undefined,
        done: false,
        updates: 0,
        lapsedOn: new Map(),
        settle: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const deadline = invocation.deadline;
      if (deadline !== undefined) {
        const expire = (): void => {
          const left = deadline - this.now();
          if (left > 0) {
            timer = setTimeout(expire, Math.min(left, MAX_TIMER_MS));
            return;
          }
          const where = job.lease ? `worker "${job.lease.workerId}" did not report` : 'no worker took it';
          const failure = agentFailure(
            'BATON_E_AGENT_TIMEOUT',
            `task ${invocation.instanceKey} (attempt ${invocation.attempt}) did not finish by its deadline ${new Date(deadline).toISOString()}: ${where}`,
          );
          this.finish(job, failed(failure), 'the task deadline passed');
        };
        expire();
        if (job.done) return;
      }
      this.pending.push(job);
      this.dispatch();
    });
  }

  /** Settles a job once; a job a worker holds is revoked from it (`why` tells the worker). */
  private finish(job: Job, outcome: AgentOutcome, why: string): void {
    if (job.done) return;
    job.done = true;
    const lease = job.lease;
    if (lease) {
      job.lease = undefined;
      this.release(lease, why);
      this.workers.get(lease.workerId)?.link?.revoke(lease.id, why);
    } else {
      const at = this.pending.indexOf(job);
      if (at >= 0) this.pending.splice(at, 1);
    }
    job.settle(outcome);
    this.dispatch();
  }

  private release(lease: Lease<Job>, reason: string): void {
    this.leases.end(lease, reason);
    const worker = this.workers.get(lease.workerId);
    if (!worker) return;
    worker.inFlight -= 1;
    if (!worker.link && worker.inFlight === 0) this.workers.delete(worker.id);
  }

  /** Gives waiting jobs to the least-loaded connected worker serving their route, in queue order. */
  private dispatch(): void {
    if (this.pending.length === 0) return;
    const left: Job[] = [];
    for (const job of this.pending) {
      const worker = this.pick(job);
      if (!worker) {
        left.push(job);
        continue;
      }
      const lease = this.leases.grant(job, worker.id);
      job.lease = lease;
      worker.inFlight += 1;
      worker.link!.assign({ leaseId: lease.id, route: job.route, invocation: job.invocation });
    }
    this.pending = left;
  }

  private pick(job: Job): Worker | undefined {
    let best: Worker | undefined;
    for (const w of this.workers.values()) {
      if (!w.link || !w.routes.has(job.route) || w.inFlight >= w.capacity) continue;
      if (job.lapsedOn.get(w.id) === w.generation) continue;
      if (!best || w.inFlight / w.capacity < best.inFlight / best.capacity) best = w;
    }
    return best;
  }

  /** Lapsed leases: revoked from their worker (if it is still there) and their jobs queued again first. */
  private sweep(): void {
    const lapsed = this.leases.lapsed();
    if (lapsed.length === 0) return;
    const requeued: Job[] = [];
    for (const lease of lapsed) {
      const reason = `lease expired: no heartbeat from worker "${lease.workerId}" for ${this.leaseMs} ms`;
      this.release(lease, reason);
      this.workers.get(lease.workerId)?.link?.revoke(lease.id, reason);
      const job = lease.job;
      if (job.done || job.lease !== lease) continue;
      const worker = this.workers.get(lease.workerId);
      if (worker) job.lapsedOn.set(worker.id, worker.generation);
      job.lease = undefined;
      requeued.push(job);
    }
    this.pending = [...requeued, ...this.pending];
    this.dispatch();
  }

  private session(worker: Worker, generation: number, resumedLeaseIds: string[]): WorkerSession {
    const current = (): boolean => worker.generation === generation;
    /** The active lease `id` of this worker; undefined when it ended; throws when it never was its. */
    const active = (id: string): Lease<Job> | undefined => {
      const found = this.leases.lookup(id, worker.id);
      if (found.kind === 'unknown') throw new UnknownLeaseError(id);
      return found.kind === 'active' ? found.lease : undefined;
    };
    const update = (job: Job, event: TaskStatusUpdateEvent): void => {
      if (!job.done) job.invocation.onUpdate?.(event);
    };
    return {
      workerId: worker.id,
      leaseMs: this.leaseMs,
      resumedLeaseIds,
      heartbeat: (ids) => {
        if (!current()) return;
        const found = ids.map(active);
        for (const lease of found) if (lease) this.leases.renew(lease);
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
            at: new Date(this.now()),
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
            timestamp: new Date(this.now()).toISOString(),
          },
          metadata: undefined,
        });
      },
      result: (id, result) => {
        const found = this.leases.lookup(id, worker.id);
        if (found.kind === 'unknown') throw new UnknownLeaseError(id);
        if (found.kind === 'ended') return { accepted: false, reason: found.reason };
        const job = found.lease.job;
        job.lease = undefined;
        this.release(found.lease, 'the worker reported its result');
        job.done = true;
        job.settle(outcomeOf(result));
        this.dispatch();
        return { accepted: true };
      },
      disconnect: () => {
        if (!current()) return;
        worker.link = undefined;
        worker.generation += 1;
        if (worker.inFlight === 0) this.workers.delete(worker.id);
      },
    };
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'canceled by the engine';
}
