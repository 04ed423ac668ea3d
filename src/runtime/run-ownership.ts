// Run ownership for one engine: its owner id (random), the fences of the runs it drives, lease renewal
// (every lease/3, all runs in ONE store call), and, when enabled, the continuous claim of runs whose
// owner stopped renewing. A run missing from a renewal answer, or any write refused with
// RunOwnershipLostError, makes its actor stop at once and release nothing (engine.ts `lost`). A run the
// renewal says this instance holds but no actor drives (its actor stopped on a failed write while the
// store was unreachable, and so did the release) is driven again from its journal.

import { randomBytes } from 'node:crypto';
import { BatonError } from '../errors/registry.js';
import { RunOwnershipLostError, type RunClaim, type RunLease, type Store } from '../store/store.js';
import { fault } from '../telemetry/faults.js';
import { InstanceFile } from './instance-file.js';
import type { RunActor } from './run-actor.js';

export interface OwnershipOptions {
  /** This instance's name in run leases (default: random). */
  readonly owner?: string;
  readonly leaseMs: number;
  /** Where this instance records its pid, so a crash of it can be told at once (instance-file.ts). */
  readonly instanceDir?: string;
  /** Claim and resume runs whose lease lapsed (`baton serve`); off for one-shot `baton run`. */
  readonly claimExpired?: boolean;
  /** Runs claimed per store call (default 50). */
  readonly claimBatch?: number;
}

/** What the ownership loop needs of its engine. */
export interface OwnershipHost {
  readonly namespace: string;
  /** The runs this engine drives now. */
  driven(): Iterable<RunActor>;
  /** This engine no longer owns the actor's run: stop it at once, release nothing. */
  lost(actor: RunActor, error: RunOwnershipLostError): void;
  /** Drive a run this engine has just claimed; rejects when it cannot be driven here. */
  adopt(claim: RunClaim): Promise<unknown>;
}

/** A claimed run that could not be driven here: held (so it does not bounce between instances), retried. */
interface Stuck {
  readonly claim: RunClaim;
  retryAt: number;
}

const RETRY_STUCK_MS = 60_000;

export class RunOwnership {
  readonly owner: string;
  readonly leaseMs: number;
  readonly #store: Store;
  readonly #host: OwnershipHost;
  readonly #file: InstanceFile | undefined;
  readonly #batch: number;
  readonly #renewTimer: NodeJS.Timeout;
  #claimTimer: NodeJS.Timeout | undefined;
  #claiming: boolean;
  readonly #stuck = new Map<string, Stuck>();
  /** Runs whose release is under way: held a moment longer, but not to be driven again. */
  readonly #releasing = new Set<string>();
  /**
   * Runs being adopted (their journal read, their takeover not yet journaled): a renewal that finds one
   * held but not driven yet must leave it to that adoption, or it would drive the run as if it were not
   * a takeover, and RunTakenOver would never be journaled.
   */
  readonly #adopting = new Set<string>();
  #closed = false;
  /**
   * Renewals and claims of expired runs take turns at the store: a renewal sent while a claim's answer
   * is still on its way could report a run as held before this engine knows it claimed it.
   */
  #storeTurn: Promise<unknown> = Promise.resolve();

  constructor(store: Store, host: OwnershipHost, opts: OwnershipOptions) {
    this.#store = store;
    this.#host = host;
    this.owner = opts.owner ?? randomBytes(8).toString('hex');
    this.leaseMs = opts.leaseMs;
    this.#batch = opts.claimBatch ?? 50;
    this.#claiming = opts.claimExpired === true;
    this.#file = opts.instanceDir === undefined ? undefined : new InstanceFile(opts.instanceDir, this.owner);
    this.#file?.register();
    this.#renewTimer = setInterval(() => void this.renew(), Math.max(10, this.leaseMs / 3));
    this.#renewTimer.unref();
    if (this.#claiming) this.#scheduleClaim(0);
  }

  /** The fence of a run this instance creates (claimed from the start: epoch 1). */
  newRunLease(): RunLease {
    return { owner: this.owner, epoch: 1 };
  }

  /** True only when `owner` is provably dead: its instance file names a process of this host that is gone. */
  isDead(owner: string): boolean {
    return owner !== this.owner && this.#file?.isDead(owner) === true;
  }

  /**
   * Claims one run for this instance: free, lapsed, already ours, or left by an owner whose process is
   * provably gone (the instance file). Undefined when another owner's lease is live (or the run ended).
   */
  async claim(runId: string, currentOwner: string | undefined): Promise<RunClaim | undefined> {
    const dead =
      currentOwner !== undefined && currentOwner !== this.owner && this.#file?.isDead(currentOwner) === true
        ? currentOwner
        : undefined;
    const claim = await this.#store.claimRun(this.#host.namespace, runId, this.owner, this.leaseMs, dead);
    if (claim) this.#stuck.delete(runId);
    return claim;
  }

  /** Gives a run up (it ended, or this engine stops); a lease this instance lost releases nothing. */
  async release(runId: string, lease: RunLease, ns = this.#host.namespace): Promise<void> {
    this.#stuck.delete(runId);
    this.#releasing.add(runId);
    try {
      await this.#store.releaseRun(ns, runId, lease);
    } catch (e) {
      // Still held: the next renewal finds it undriven and drives it again (or the lease lapses).
      fault('run-ownership', `releasing run ${runId} failed`, e);
    } finally {
      this.#releasing.delete(runId);
    }
  }

  /** Stops claiming runs (a draining server must not take on more). */
  stopClaiming(): void {
    this.#claiming = false;
    clearTimeout(this.#claimTimer);
  }

  /**
   * Stops renewing and claiming; releases the runs it held without driving them. With `release` false
   * (a simulated crash) nothing is released and the instance file stays, as kill -9 would leave them.
   */
  async close(release = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stopClaiming();
    clearInterval(this.#renewTimer);
    if (!release) return;
    for (const { claim } of [...this.#stuck.values()]) await this.release(claim.runId, claim);
    this.#file?.unregister();
  }

  /**
   * Renews every lease in one call; an actor whose run is not in the answer (or under another epoch) was
   * deposed. Only actors driven before the call are judged: one adopted meanwhile may be missing from it.
   */
  async renew(): Promise<void> {
    const before = new Map<RunActor, RunLease>();
    for (const actor of this.#host.driven()) if (actor.created) before.set(actor, actor.fence);
    let held: RunClaim[];
    try {
      held = await this.#turn(() => this.#store.renewLeases(this.owner, this.leaseMs));
    } catch (e) {
      // Not proof that another instance took the runs: fencing refuses our writes if one did.
      fault('run-ownership', 'renewing leases failed', e);
      return;
    }
    this.#file?.touch();
    if (this.#closed) return;
    const epochs = new Map<string, number>();
    for (const c of held) if (c.ns === this.#host.namespace) epochs.set(c.runId, c.epoch);
    for (const [actor, fence] of before) {
      const epoch = epochs.get(actor.runId);
      // An ended run released its lease with its last entries; its writes, if any are left, are fenced.
      if (epoch === fence.epoch || actor.ended || actor.fence !== fence) continue;
      const now = epoch === undefined ? undefined : { owner: this.owner, epoch };
      this.#host.lost(actor, new RunOwnershipLostError(this.#host.namespace, actor.runId, fence, now));
    }
    if (this.#claiming) this.#driveUndriven(held);
  }

  /**
   * Held runs no actor drives: an actor stops when a write fails (the store was unreachable), and its
   * release fails the same way, so the run stays ours, renewed, and nobody else may take it. Driven
   * again from the journal (same epoch: not a takeover); what was in flight is re-issued with its keys.
   */
  #driveUndriven(held: readonly RunClaim[]): void {
    const driven = new Set<string>();
    for (const actor of this.#host.driven()) driven.add(actor.runId);
    for (const claim of held) {
      const { runId } = claim;
      const ours = claim.ns === this.#host.namespace;
      if (ours && (driven.has(runId) || this.#adopting.has(runId))) continue;
      if (this.#stuck.has(runId) || this.#releasing.has(runId)) continue;
      // Another namespace's run (a claim whose release failed) is released again there by #take.
      void this.#take(claim);
    }
  }

  /** Runs `call` once the previous renewal or claim has been answered. */
  #turn<T>(call: () => Promise<T>): Promise<T> {
    const answer = this.#storeTurn.then(call);
    this.#storeTurn = Promise.allSettled([answer]);
    return answer;
  }

  #scheduleClaim(ms: number): void {
    if (!this.#claiming || this.#closed) return;
    this.#claimTimer = setTimeout(() => void this.#claimTick(), ms);
    this.#claimTimer.unref();
  }

  /** One batch of expired runs claimed and taken over; a full batch means more may wait: go on at once. */
  async #claimTick(): Promise<void> {
    let claims: RunClaim[] = [];
    try {
      claims = await this.#turn(() =>
        this.#store.claimExpiredRuns(this.owner, this.leaseMs, this.#batch, this.#host.namespace),
      );
    } catch (e) {
      fault('run-ownership', 'claiming expired runs failed', e);
    }
    await Promise.all(claims.map((c) => this.#take(c)));
    await this.#retryStuck();
    this.#scheduleClaim(claims.length === this.#batch ? 0 : this.leaseMs / 2);
  }

  async #take(claim: RunClaim): Promise<void> {
    if (this.#closed || !this.#claiming) return this.release(claim.runId, claim);
    if (claim.ns !== this.#host.namespace) {
      // This engine drives one namespace; an instance serving that one will claim it next. Released in
      // its own namespace: released in ours it would stay held, renewed by us, and driven by nobody.
      return this.release(claim.runId, claim, claim.ns);
    }
    if (this.#adopting.has(claim.runId)) return; // the adoption under way drives it
    this.#adopting.add(claim.runId);
    try {
      await this.#host.adopt(claim);
      this.#stuck.delete(claim.runId);
    } catch (e) {
      // Taken by yet another instance meanwhile, or this engine is closing (it released the run).
      if (e instanceof RunOwnershipLostError || this.#closed) return;
      const ended = e instanceof BatonError && e.code === 'BATON_E_RUN_ENDED';
      if (ended) return this.release(claim.runId, claim);
      // Held, not driven: released when this engine stops, tried again now and then (a plugin may come).
      this.#stuck.set(claim.runId, { claim, retryAt: Date.now() + RETRY_STUCK_MS });
      fault('run-ownership', `claimed run ${claim.runId} but cannot drive it here; holding it`, e);
    } finally {
      this.#adopting.delete(claim.runId);
    }
  }

  async #retryStuck(): Promise<void> {
    const now = Date.now();
    for (const stuck of [...this.#stuck.values()]) {
      if (stuck.retryAt > now || this.#closed) continue;
      stuck.retryAt = now + RETRY_STUCK_MS;
      const again = await this.claim(stuck.claim.runId, this.owner).catch((e: unknown) => {
        fault('run-ownership', `re-claiming run "${stuck.claim.runId}"`, e);
        return undefined;
      });
      if (again === undefined)
        this.#stuck.delete(stuck.claim.runId); // no longer ours
      else await this.#take(again);
    }
  }
}
