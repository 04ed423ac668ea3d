// Fenced run ownership on PostgreSQL: claims, renewals in one statement, takeovers of lapsed leases with
// FOR UPDATE SKIP LOCKED (instances claiming at once never take the same run), and release by the lease
// that holds it. Every lease expires by the server's clock (statements.ts NOW_MS).

import type { RunClaim, RunLease } from '../store.js';
import type { Query } from './db.js';
import { CLAIM_EXPIRED, CLAIM_RUN, CLOCK, RELEASE_RUN, RENEW_LEASES } from './statements.js';

interface ClaimRow {
  namespace: string;
  run_id: string;
  owner: string;
  epoch: number;
  previous_owner: string | null;
  previous_epoch: number;
}

const toClaim = (r: ClaimRow): RunClaim => ({
  ns: r.namespace,
  runId: r.run_id,
  owner: r.owner,
  epoch: r.epoch,
  ...(r.previous_owner === null ? {} : { previousOwner: r.previous_owner }),
  previousEpoch: r.previous_epoch,
});

export async function claimRun(
  q: Query,
  ns: string,
  runId: string,
  owner: string,
  leaseMs: number,
  takeOverFrom?: string,
): Promise<RunClaim | undefined> {
  const { rows } = await q<ClaimRow>(CLAIM_RUN, [ns, runId, owner, leaseMs, takeOverFrom ?? null]);
  return rows[0] && toClaim(rows[0]);
}

export async function renewLeases(q: Query, owner: string, leaseMs: number): Promise<RunClaim[]> {
  return (await q<ClaimRow>(RENEW_LEASES, [owner, leaseMs])).rows.map(toClaim);
}

export async function claimExpiredRuns(
  q: Query,
  owner: string,
  leaseMs: number,
  limit: number,
  ns: string | undefined,
): Promise<RunClaim[]> {
  return (await q<ClaimRow>(CLAIM_EXPIRED, [owner, leaseMs, limit, ns ?? null])).rows.map(toClaim);
}

export async function releaseRun(q: Query, ns: string, runId: string, lease: RunLease): Promise<void> {
  await q(RELEASE_RUN, [ns, runId, lease.owner, lease.epoch]);
}

export async function clock(q: Query): Promise<number> {
  return (await q<{ now: number }>(CLOCK, [])).rows[0]!.now;
}
