// The worker hub: an AgentAdapter whose attempts are carried out by remote workers. An invoke()
// becomes a job queued for a connected worker that serves its route (an agent id or a queue name)
// and has a free slot; the worker's result settles it. Every assignment is held under a lease that
// the worker's heartbeats renew; a lease that lapses sends the job back to the queue (same message
// id) for another worker. A result is accepted while its attempt is in flight, whichever lease it
// names (matched by message id, the idempotency key), so work a worker finished is never run again
// because a lease lapsed or a server restarted meanwhile. Knows nothing of gRPC: the API's Work
// stream drives a WorkerSession (worker-session.ts) and implements WorkerLink.

import type { AgentAdapter, AgentInvocation, AgentOutcome } from './adapter.js';
import { agentFailure, canceled, failed, inputMessageId, type ProvidedInput } from './adapter.js';
import { AgentCatalog } from './worker-catalog.js';
import { LeaseTable, type Lease } from './worker-lease.js';
import { outcomeOf, type ResultReceipt, type WorkerResult } from './worker-result.js';
import { openSession, type SessionHost, type WorkerSession } from './worker-session.js';
import type { Job, WorkerHello, WorkerLink } from './worker-types.js';
import { dispatchLatency, type QueueGauge, type WorkerGauge } from '../telemetry/metrics.js';

export { outcomeOf, type ResultReceipt, type WorkerResult } from './worker-result.js';
export { UnknownLeaseError, type WorkerSession } from './worker-session.js';
export type { HeldAssignment, WorkAssignment, WorkerHello, WorkerLink } from './worker-types.js';

export interface WorkerHubOptions {
  /** How long an assignment stays a worker's without a heartbeat (default 10 s). */
  readonly leaseMs?: number;
  /**
   * How long an attempt re-issued after a takeover (AgentInvocation.redelivered) is kept for the
   * worker that may still hold it, before any worker may have it (default: leaseMs; the end is
   * noticed by the lease sweep, within min(1 s, leaseMs / 4)). A worker claims it by listing its
   * message id in its hello.
   */
  readonly reclaimGraceMs?: number;
  readonly now?: () => number;
}

/** What the hub tells whoever feeds it work from elsewhere (agents/work-intake.ts). */
export interface HubObserver {
  /** Slots or queued jobs changed (`workers`: a worker connected or left): a route's room may have too. */
  changed(workers?: boolean): void;
  /** A job was given to a worker. */
  assigned(messageId: string, workerId: string): void;
  /**
   * A result naming a message id the hub has no job for (under a lease it does not know): the
   * attempt may be held elsewhere. Resolves with the receipt, or undefined when it is not known there
   * either.
   */
  orphanResult(workerId: string, messageId: string, result: WorkerResult): Promise<ResultReceipt | undefined>;
}

export interface WorkerView {
  readonly workerId: string;
  readonly routes: readonly string[];
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly inFlight: number;
  readonly connected: boolean;
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
  /** Message ids its hello said it holds without a lease here: their jobs are given to it first. */
  claims: Set<string>;
}

const DEFAULT_LEASE_MS = 10_000;
// setTimeout fires at once for delays beyond 2^31-1 ms, so long deadlines re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkerHub implements SessionHost {
  readonly catalog = new AgentCatalog();
  readonly leaseMs: number;
  readonly now: () => number;
  readonly leases: LeaseTable<Job>;
  private readonly reclaimGraceMs: number;
  private readonly workers = new Map<string, Worker>();
  /** Jobs waiting for a worker, in arrival order (a job whose lease lapsed goes back to the front). */
  private pending: Job[] = [];
  /** Jobs not settled yet, by message id (the idempotency key). */
  private readonly jobs = new Map<string, Job>();
  /** Claimed message ids (from hellos) and the worker that claimed each. */
  private readonly claims = new Map<string, Worker>();
  private readonly sweeper: NodeJS.Timeout;
  private observer: HubObserver | undefined;

  constructor(options: WorkerHubOptions = {}) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.reclaimGraceMs = options.reclaimGraceMs ?? this.leaseMs;
    this.now = options.now ?? Date.now;
    this.leases = new LeaseTable<Job>(this.leaseMs, this.now, (job) => job.invocation.idempotencyKey);
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

  /**
   * The adapter for agents routed by `route` (a queue name or an agent id); `journaled` is the route
   * runs journal for it (AgentAdapter.route: `queue:NAME` or `worker:ID`).
   */
  adapter(route: string, journaled?: string): AgentAdapter {
    return {
      ...(journaled === undefined ? {} : { route: journaled }),
      invoke: (invocation, signal) => this.invoke(route, invocation, signal),
    };
  }

  /** Reports changes, assignments and results for unknown work to `observer` (one at a time). */
  observe(observer: HubObserver | undefined): void {
    this.observer = observer;
  }

  /** Slots free now for `route` among connected workers serving it, less the jobs already waiting for one. */
  freeSlots(route: string): number {
    let free = 0;
    for (const w of this.workers.values())
      if (w.link && w.routes.has(route)) free += Math.max(0, w.capacity - w.inFlight);
    for (const j of this.pending) if (j.route === route) free -= 1;
    return free;
  }

  /**
   * The connected worker with room for a new job of `route` now, the least loaded counting `promised`
   * (jobs on their way to it, not yet here): the one to name in a claim and pass to invoke as preferred.
   */
  nextWorker(route: string, promised: (workerId: string) => number = () => 0): string | undefined {
    let best: Worker | undefined;
    let bestLoad = Infinity;
    for (const w of this.workers.values()) {
      if (!w.link || !w.routes.has(route)) continue;
      const busy = w.inFlight + promised(w.id);
      if (busy >= w.capacity) continue;
      if (busy / w.capacity < bestLoad) {
        best = w;
        bestLoad = busy / w.capacity;
      }
    }
    return best?.id;
  }

  /** invoke() through adapter(route), given to worker `preferred` when it has room (else as usual). */
  invokeOn(
    route: string,
    invocation: AgentInvocation,
    signal: AbortSignal,
    preferred: string | undefined,
  ): Promise<AgentOutcome> {
    return this.invoke(route, invocation, signal, preferred);
  }

  /** True while the job for `messageId` waits in the queue (no worker holds it). */
  isQueued(messageId: string): boolean {
    const job = this.jobs.get(messageId);
    return job !== undefined && job.lease === undefined;
  }

  /** Routes some connected worker serves. */
  connectedRoutes(): Set<string> {
    const routes = new Set<string>();
    for (const w of this.workers.values()) if (w.link) for (const r of w.routes) routes.add(r);
    return routes;
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

  /** Jobs waiting for a worker, per route (queue name or agent id), and the oldest one's age. */
  queueGauges(): QueueGauge[] {
    const now = this.now();
    const byRoute = new Map<string, { depth: number; oldest: number }>();
    for (const r of this.connectedRoutes()) byRoute.set(r, { depth: 0, oldest: now });
    for (const j of this.pending) {
      const q = byRoute.get(j.route) ?? { depth: 0, oldest: now };
      q.depth += 1;
      q.oldest = Math.min(q.oldest, j.queuedAt);
      byRoute.set(j.route, q);
    }
    return [...byRoute].map(([queue, q]) => ({
      queue,
      depth: q.depth,
      oldestAgeSeconds: (now - q.oldest) / 1000,
    }));
  }

  /** Connected workers and their slots. */
  workerGauge(): WorkerGauge {
    let connected = 0;
    let slots = 0;
    let busySlots = 0;
    for (const w of this.workers.values()) {
      if (!w.link) continue;
      connected += 1;
      slots += w.capacity;
      busySlots += Math.min(w.capacity, w.inFlight);
    }
    return { connected, slots, busySlots };
  }

  /**
   * A worker's connection; a connection it replaces is closed. Without `hello.held` the same worker
   * id connecting again keeps every lease it still holds. With it, only the leases listed are kept;
   * the others go back to the queue at once (a restarted process does not have them), and the
   * message ids listed without a lease here are claimed: their jobs are given to this worker first.
   */
  connect(hello: WorkerHello, link: WorkerLink): WorkerSession {
    let worker = this.workers.get(hello.workerId);
    const replaced = worker?.link;
    if (worker) {
      this.dropClaims(worker);
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
        claims: new Set(),
      };
      this.workers.set(worker.id, worker);
    }
    replaced?.close(`worker "${hello.workerId}" connected again on another stream`, 'replaced');
    const held = hello.held && new Set(hello.held.map((h) => h.leaseId));
    const resumed: string[] = [];
    const requeued: Job[] = [];
    for (const lease of this.leases.heldBy(worker.id)) {
      if (!held || held.has(lease.id)) {
        this.leases.renew(lease);
        resumed.push(lease.id);
        continue;
      }
      this.release(lease, `worker "${worker.id}" connected again without this lease (a restarted process)`);
      lease.job.lease = undefined;
      requeued.push(lease.job);
    }
    this.pending = [...requeued, ...this.pending];
    const kept = new Set(resumed);
    for (const h of hello.held ?? []) {
      if (kept.has(h.leaseId) || this.claims.get(h.messageId)?.link) continue;
      worker.claims.add(h.messageId);
      this.claims.set(h.messageId, worker);
    }
    const session = openSession(this, worker.id, worker.generation, resumed);
    const stillHeld = resumed.map((id) => this.leases.lookup(id, worker.id));
    queueMicrotask(() => {
      // After the welcome: answers that came while the worker was away.
      for (const found of stillHeld) if (found.kind === 'active') this.handOver(found.lease.job);
      this.dispatch();
      this.observer?.changed(true);
    });
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
      this.dropClaims(w);
      link?.close('the server is shutting down', 'shutdown');
    }
  }

  // ── For sessions (SessionHost) ────────────────────────────────────────────────────────────────

  /** The worker's current connection, if `generation` is still it. */
  current(workerId: string, generation: number): { readonly routes: ReadonlySet<string> } | undefined {
    const w = this.workers.get(workerId);
    return w && w.generation === generation ? w : undefined;
  }

  /** The job not yet settled whose message id (idempotency key) is `messageId`. */
  jobByMessage(messageId: string): Job | undefined {
    return this.jobs.get(messageId);
  }

  orphanResult(workerId: string, messageId: string, result: WorkerResult) {
    return this.observer?.orphanResult(workerId, messageId, result) ?? Promise.resolve(undefined);
  }

  /**
   * Settles `job` with a worker's result (whichever lease it came under): a worker still holding the
   * job is told it is taken back. Resolves with the receipt once the outcome is journaled.
   */
  accept(job: Job, result: WorkerResult, reporter: string): Promise<ResultReceipt> {
    return new Promise((resolve) => {
      const lease = job.lease;
      if (lease) {
        job.lease = undefined;
        const mine = lease.workerId === reporter;
        const why = mine
          ? 'the worker reported its result'
          : `worker "${reporter}" reported its result first`;
        this.release(lease, why);
        if (!mine) this.workers.get(lease.workerId)?.link?.revoke(lease.id, why);
      } else this.unqueue(job);
      this.settle(job, {
        ...outcomeOf(result),
        journaled: (applied) =>
          resolve(
            applied ? { accepted: true } : { accepted: false, reason: 'the attempt had already ended' },
          ),
      });
      this.dispatch();
    });
  }

  disconnect(workerId: string, generation: number): void {
    const worker = this.workers.get(workerId);
    if (!worker || worker.generation !== generation) return;
    worker.link = undefined;
    worker.generation += 1;
    this.dropClaims(worker);
    if (worker.inFlight === 0) this.workers.delete(worker.id);
    this.observer?.changed(true);
  }

  // ── Jobs ──────────────────────────────────────────────────────────────────────────────────────

  private invoke(
    route: string,
    invocation: AgentInvocation,
    signal: AbortSignal,
    preferred?: string,
  ): Promise<AgentOutcome> {
    if (signal.aborted) return Promise.resolve(canceled(reasonText(signal.reason)));
    return new Promise<AgentOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void =>
        this.finish(job, canceled(reasonText(signal.reason)), 'the run cancelled the task');
      const grace = invocation.redelivered === true ? this.reclaimGraceMs : 0;
      const job: Job = {
        route,
        invocation,
        lease: undefined,
        done: false,
        updates: 0,
        lapsedOn: new Map(),
        openAt: this.now() + grace,
        queuedAt: this.now(),
        ...(preferred === undefined || preferred === '' ? {} : { preferred }),
        settle: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Answers to the worker's question (requestInput): journaled by the run, handed to the holder.
      const remote = invocation.remote;
      if (remote !== undefined) {
        const pending = remote.pendingInput();
        if (pending !== undefined) job.answer = pending;
        job.unlisten = remote.onInput((answer) => this.answer(job, answer));
      }
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
      this.jobs.set(invocation.idempotencyKey, job);
      // A re-issued attempt waits for its holder's claim; after the grace (noticed by the sweep) any
      // worker may have it.
      this.pending.push(job);
      this.dispatch();
    });
  }

  /** An answer to the job's question arrived: to the worker holding it now, else when one takes it. */
  private answer(job: Job, answer: ProvidedInput): void {
    if (job.done) return;
    job.answer = answer;
    this.handOver(job);
  }

  private handOver(job: Job): void {
    const { answer, lease } = job;
    if (answer === undefined || lease === undefined) return;
    const id = inputMessageId(job.invocation.idempotencyKey, answer);
    this.workers.get(lease.workerId)?.link?.provideInput?.(lease.id, answer.input, id);
  }

  /** Settles a job once (deadline, cancel); a job a worker holds is revoked from it (`why` tells it). */
  private finish(job: Job, outcome: AgentOutcome, why: string): void {
    if (job.done) return;
    const lease = job.lease;
    if (lease) {
      job.lease = undefined;
      this.release(lease, why);
      this.workers.get(lease.workerId)?.link?.revoke(lease.id, why);
    } else this.unqueue(job);
    this.settle(job, outcome);
    this.dispatch();
  }

  private settle(job: Job, outcome: AgentOutcome): void {
    job.done = true;
    job.unlisten?.();
    const key = job.invocation.idempotencyKey;
    if (this.jobs.get(key) === job) this.jobs.delete(key);
    const claimer = this.claims.get(key);
    if (claimer) this.unclaim(claimer, key);
    job.settle(outcome);
    this.observer?.changed();
  }

  private unqueue(job: Job): void {
    const at = this.pending.indexOf(job);
    if (at >= 0) this.pending.splice(at, 1);
  }

  private release(lease: Lease<Job>, reason: string): void {
    this.leases.end(lease, reason);
    const worker = this.workers.get(lease.workerId);
    if (!worker) return;
    worker.inFlight -= 1;
    if (!worker.link && worker.inFlight === 0) this.workers.delete(worker.id);
  }

  /**
   * Gives waiting jobs out in queue order: a job a connected worker claimed goes to that worker (its
   * slot is already taken by the work it holds); any other to the least-loaded connected worker
   * serving its route with a free slot, once its reclaim grace (if any) is over.
   */
  private dispatch(): void {
    if (this.pending.length === 0) return;
    const now = this.now();
    const left: Job[] = [];
    for (const job of this.pending) {
      const worker = this.claimer(job) ?? (job.openAt <= now ? this.pick(job) : undefined);
      if (!worker) {
        left.push(job);
        continue;
      }
      const lease = this.leases.grant(job, worker.id);
      job.lease = lease;
      worker.inFlight += 1;
      worker.link!.assign({ leaseId: lease.id, route: job.route, invocation: job.invocation });
      dispatchLatency(job.route, (now - job.queuedAt) / 1000);
      this.observer?.assigned(job.invocation.idempotencyKey, worker.id);
      // A job given again (a lapsed lease, a restarted worker) brings the answer its question got.
      this.handOver(job);
    }
    this.pending = left;
  }

  private claimer(job: Job): Worker | undefined {
    if (this.claims.size === 0) return undefined;
    const key = job.invocation.idempotencyKey;
    const worker = this.claims.get(key);
    if (!worker) return undefined;
    this.unclaim(worker, key);
    return worker.link && worker.routes.has(job.route) ? worker : undefined;
  }

  private unclaim(worker: Worker, key: string): void {
    worker.claims.delete(key);
    this.claims.delete(key);
  }

  private dropClaims(worker: Worker): void {
    for (const key of worker.claims) if (this.claims.get(key) === worker) this.claims.delete(key);
    worker.claims.clear();
  }

  private pick(job: Job): Worker | undefined {
    const preferred = job.preferred === undefined ? undefined : this.workers.get(job.preferred);
    if (preferred && this.open(preferred, job)) return preferred;
    let best: Worker | undefined;
    for (const w of this.workers.values()) {
      if (!this.open(w, job)) continue;
      if (!best || w.inFlight / w.capacity < best.inFlight / best.capacity) best = w;
    }
    return best;
  }

  /** `w` may take `job` now: connected, serving its route, with room, and not silent on it before. */
  private open(w: Worker, job: Job): boolean {
    return (
      w.link !== undefined &&
      w.routes.has(job.route) &&
      w.inFlight < w.capacity &&
      job.lapsedOn.get(w.id) !== w.generation
    );
  }

  /**
   * Lapsed leases: revoked from their worker (if it is still there) and their jobs queued again first.
   * Then waiting jobs are given out (a reclaim grace may have ended).
   */
  private sweep(): void {
    const lapsed = this.leases.lapsed();
    if (lapsed.length === 0) return this.dispatch(); // jobs whose reclaim grace ended may go now
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
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'canceled by the engine';
}
