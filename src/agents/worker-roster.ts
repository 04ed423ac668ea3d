// The roster of workers across every instance, as the store holds it (each instance writes its own
// connected workers, heartbeated every third of the worker lease): what ListAgents shows on any
// instance, and which routes some worker serves somewhere (a run may route an agent without an
// endpoint to workers connected to another instance). Rows not heartbeated for a lease are ignored.

import type { Store, WorkerRecord } from '../store/store.js';

export class SharedRoster {
  /** Routes served by a fresh worker anywhere, as of the last refresh. */
  private served = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly namespace: string,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Re-reads the roster (the intake calls this every third of the lease). */
  async refresh(): Promise<void> {
    const rows = await this.list();
    this.served = new Set(rows.flatMap((r) => r.routes));
  }

  /** Whether a worker somewhere served `route` at the last refresh. */
  serves(route: string): boolean {
    return this.served.has(route);
  }

  /** Every worker on every instance heartbeated within the last lease, read now. */
  list(): Promise<WorkerRecord[]> {
    return this.store.listWorkers(this.namespace, this.now() - this.leaseMs);
  }
}
