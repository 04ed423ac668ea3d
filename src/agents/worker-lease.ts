// Leases on work given to remote workers: who holds each, until when, and a bounded memory of the
// leases that ended (with the key of their work, not the work itself), so a late report about one is
// judged by whether its work is still in flight rather than mistaken for a typo.

import { randomUUID } from 'node:crypto';

/** An active lease: `workerId` holds the work until `expiresAt` unless a heartbeat renews it. */
export interface Lease<J> {
  readonly id: string;
  readonly job: J;
  readonly workerId: string;
  expiresAt: number;
}

/** What a worker's mention of a lease id finds. */
export type LeaseLookup<J> =
  | { readonly kind: 'active'; readonly lease: Lease<J> }
  /** It was this worker's, but lapsed or was revoked: `reason` says which; `key` names the work it was on. */
  | { readonly kind: 'ended'; readonly reason: string; readonly key: string }
  /** Never given to this worker (or forgotten long ago). */
  | { readonly kind: 'unknown' };

/** Ended leases remembered for late reports; beyond this the oldest are forgotten. */
const ENDED_KEPT = 10_000;

export class LeaseTable<J> {
  private readonly active = new Map<string, Lease<J>>();
  private readonly ended = new Map<
    string,
    { readonly workerId: string; readonly reason: string; readonly key: string }
  >();

  constructor(
    readonly leaseMs: number,
    private readonly now: () => number,
    /** The key a job is found by again (the idempotency key), kept for ended leases. */
    private readonly keyOf: (job: J) => string = () => '',
  ) {}

  grant(job: J, workerId: string): Lease<J> {
    const lease: Lease<J> = {
      id: `lease_${randomUUID()}`,
      job,
      workerId,
      expiresAt: this.now() + this.leaseMs,
    };
    this.active.set(lease.id, lease);
    return lease;
  }

  /** The lease `id` as `workerId` may see it: another worker's lease is unknown to it. */
  lookup(id: string, workerId: string): LeaseLookup<J> {
    const lease = this.active.get(id);
    if (lease?.workerId === workerId) return { kind: 'active', lease };
    const gone = this.ended.get(id);
    if (gone?.workerId === workerId) return { kind: 'ended', reason: gone.reason, key: gone.key };
    return { kind: 'unknown' };
  }

  renew(lease: Lease<J>): void {
    lease.expiresAt = this.now() + this.leaseMs;
  }

  /** Ends an active lease (result in, revoked, lapsed); later reports about it get `reason`. */
  end(lease: Lease<J>, reason: string): void {
    if (!this.active.delete(lease.id)) return;
    this.ended.set(lease.id, { workerId: lease.workerId, reason, key: this.keyOf(lease.job) });
    if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.keys().next().value!);
  }

  /** Active leases whose time is up, oldest grant first (they are not ended here). */
  lapsed(): Array<Lease<J>> {
    const now = this.now();
    return [...this.active.values()].filter((l) => l.expiresAt <= now);
  }

  heldBy(workerId: string): Array<Lease<J>> {
    return [...this.active.values()].filter((l) => l.workerId === workerId);
  }

  get size(): number {
    return this.active.size;
  }
}
