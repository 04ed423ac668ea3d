// What the Store keeps for work handed to remote workers, shared by every instance of a deployment: the
// worker roster (who serves what, where, with how much room, alive as of when) and work claims (which
// instance and worker hold an attempt now, and whether its result is recorded). A claim is the
// attempt's cross-instance lease: the bus delivers work at least once, the claim makes one instance
// run it, and marks it done so a second delivery is dropped.

/** A worker connected to an instance, as the shared roster holds it. */
export interface WorkerRecord {
  readonly workerId: string;
  /** The instance (engine owner name) the worker's stream is connected to. */
  readonly instance: string;
  /** Agent ids and queue names it serves. */
  readonly routes: readonly string[];
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly inFlight: number;
  /** When its instance last vouched for it, ms since the epoch. */
  readonly heartbeatAt: number;
}

/** A worker as its instance reports it (instance and heartbeat are the call's). */
export type WorkerEntry = Omit<WorkerRecord, 'instance' | 'heartbeatAt'>;

/** Who holds an attempt (by its idempotency key) and whether its result is recorded. */
export interface WorkClaim {
  /** The attempt's idempotency key (the message id workers see). */
  readonly idem: string;
  readonly runId: string;
  readonly route: string;
  /** The bus entry that carried it to the holder: acknowledged once the result is recorded. */
  readonly entryId: string;
  readonly instance: string;
  /** The worker given it, '' before one is. */
  readonly workerId: string;
  /** The result is recorded (journaled or in the run's inbox): nobody runs it again. */
  readonly done: boolean;
  /** When the holder last renewed it (ms since the epoch). */
  readonly updatedAt: number;
}

/** What a claimWork call found. */
export type ClaimOutcome =
  /** This instance holds it now; `previous` is the claim it took over (a dead or silent holder's). */
  | { readonly kind: 'claimed'; readonly previous?: WorkClaim }
  /** Another instance holds it and renewed it since `staleBefore`. */
  | { readonly kind: 'held'; readonly claim: WorkClaim }
  /** Its result is recorded. */
  | { readonly kind: 'done'; readonly claim: WorkClaim };

export interface ClaimRequest {
  readonly idem: string;
  readonly runId: string;
  readonly route: string;
  readonly entryId: string;
  readonly instance: string;
  /** The worker it goes to, when known; '' keeps the one recorded (a hint for re-delivery). */
  readonly workerId: string;
  readonly now: number;
  /** A holder that has not renewed since this time is presumed dead: its claim may be taken over. */
  readonly staleBefore: number;
  /** An instance known to be dead (e.g. a process on this host that is gone): its claim is taken at once. */
  readonly takeOverFrom?: string;
}
