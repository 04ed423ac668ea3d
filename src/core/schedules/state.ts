// What a schedule remembers between fires (kept as JSON in the store's schedule row), and its pure
// transitions. Starting fires is claim -> start -> confirm: the claim records the fires to start as
// `pending` in the same conditional write that advances the schedule, so a process that dies before it
// started them leaves them for another (or its own restart) to start, under the same request ids.

import type { FireDecision } from './fires.js';

export interface PendingFire {
  /** Nominal fire time (ms since the Unix epoch); "now" for a manual trigger. */
  readonly fireAt: number;
  /** Started by TriggerSchedule rather than by the timing. */
  readonly manual?: boolean;
}

export interface RecentRun {
  readonly runId: string;
  readonly fireAt: number;
  readonly manual?: boolean;
  /** When the scheduler started it (ms). */
  readonly startedAt: number;
}

export interface ScheduleCounts {
  /** Runs started. */
  readonly started: number;
  /** Fires not started because a previous run was still going (overlap policy). */
  readonly skipped: number;
  /** Fires older than the catch-up window when the scheduler got to them (the server was down). */
  readonly missed: number;
  /** Fires whose run could not be started (e.g. the workflow was deleted). */
  readonly failed: number;
}

export interface ScheduleFailure {
  readonly code: string;
  readonly message: string;
  readonly fireAt: number;
  readonly at: number;
}

export interface ScheduleState {
  readonly pending: readonly PendingFire[];
  /** Who claimed the pending fires, and when: another process leaves them alone until that is stale. */
  readonly claimedBy?: string;
  readonly claimedAt?: number;
  readonly buffered?: number;
  /** The run the last started fire got: the "previous run" the overlap policy looks at. */
  readonly lastRunId?: string;
  /** The newest runs this schedule started, newest first (at most RECENT_KEPT). */
  readonly recent: readonly RecentRun[];
  readonly counts: ScheduleCounts;
  /** Why the last fire that could not start did not. */
  readonly lastError?: ScheduleFailure;
}

export const RECENT_KEPT = 10;

export const emptyScheduleState = (): ScheduleState => ({
  pending: [],
  recent: [],
  counts: { started: 0, skipped: 0, missed: 0, failed: 0 },
});

/** A stored state read back; tolerant of a state written by an older build (missing fields). */
export function readScheduleState(raw: unknown): ScheduleState {
  const s = (raw ?? {}) as Partial<ScheduleState>;
  const base = emptyScheduleState();
  return { ...base, ...s, counts: { ...base.counts, ...s.counts } };
}

/** The state the claim writes: the decision's starts become pending, its counts are added. */
export function claimFires(
  state: ScheduleState,
  decision: FireDecision,
  owner: string,
  now: number,
): ScheduleState {
  const { buffered: _old, ...rest } = state;
  return {
    ...rest,
    pending: [...state.pending, ...decision.start.map((fireAt) => ({ fireAt }))],
    ...(decision.start.length > 0 && { claimedBy: owner, claimedAt: now }),
    ...(decision.buffered !== undefined && { buffered: decision.buffered }),
    counts: {
      ...state.counts,
      skipped: state.counts.skipped + decision.skipped,
      missed: state.counts.missed + decision.missed,
    },
  };
}

/**
 * A manual trigger: one more pending fire, at `now` (or just after the last manual one still pending, so
 * two triggers in one millisecond stay two runs), whatever the overlap policy says. The new fire is last.
 */
export function claimTrigger(state: ScheduleState, owner: string, now: number): ScheduleState {
  const manual = state.pending.filter((p) => p.manual).map((p) => p.fireAt);
  const fireAt = Math.max(now, ...manual.map((t) => t + 1));
  return {
    ...state,
    pending: [...state.pending, { fireAt, manual: true }],
    claimedBy: owner,
    claimedAt: now,
  };
}

export type StartOutcome =
  | { readonly fire: PendingFire; readonly runId: string }
  | { readonly fire: PendingFire; readonly error: { readonly code: string; readonly message: string } };

const sameFire = (a: PendingFire, b: PendingFire) =>
  a.fireAt === b.fireAt && Boolean(a.manual) === Boolean(b.manual);

/**
 * The state after the pending fires in `outcomes` were started (or failed to): they leave `pending`, the
 * started runs join `recent` and the last becomes the previous run. A fire no longer pending (another
 * process confirmed it first) counts once only.
 */
export function confirmFires(
  state: ScheduleState,
  outcomes: readonly StartOutcome[],
  now: number,
): ScheduleState {
  const mine = outcomes.filter((o) => state.pending.some((p) => sameFire(p, o.fire)));
  if (mine.length === 0) return state;
  const pending = state.pending.filter((p) => !mine.some((o) => sameFire(p, o.fire)));
  const started = mine.flatMap((o) =>
    'runId' in o
      ? [
          {
            runId: o.runId,
            fireAt: o.fire.fireAt,
            ...(o.fire.manual && { manual: true }),
            startedAt: now,
          },
        ]
      : [],
  );
  const failures = mine.flatMap((o) => ('error' in o ? [o] : []));
  const lastFailure = failures.at(-1);
  const { claimedBy: _by, claimedAt: _at, ...rest } = state;
  return {
    ...rest,
    ...(pending.length > 0 && { claimedBy: state.claimedBy!, claimedAt: state.claimedAt! }),
    pending,
    ...(started.length > 0 && { lastRunId: started.at(-1)!.runId }),
    recent: [...started.reverse(), ...state.recent].slice(0, RECENT_KEPT),
    counts: {
      ...state.counts,
      started: state.counts.started + started.length,
      failed: state.counts.failed + failures.length,
    },
    ...(lastFailure && {
      lastError: { ...lastFailure.error, fireAt: lastFailure.fire.fireAt, at: now },
    }),
  };
}

/** Pausing drops a buffered fire (it counts as skipped): a paused schedule starts nothing. */
export function pauseState(state: ScheduleState): ScheduleState {
  if (state.buffered === undefined) return state;
  const { buffered: _b, ...rest } = state;
  return { ...rest, counts: { ...state.counts, skipped: state.counts.skipped + 1 } };
}

/**
 * Whether this process may start the pending fires now: it claimed them, or their claimer is gone
 * (`claimerDead`, e.g. a process of this host that no longer exists) or has held them past `staleMs`.
 */
export function mayStartPending(
  state: ScheduleState,
  owner: string,
  now: number,
  staleMs: number,
  claimerDead: boolean,
): boolean {
  if (state.pending.length === 0) return false;
  if (state.claimedBy === undefined || state.claimedBy === owner || claimerDead) return true;
  return now - (state.claimedAt ?? 0) >= staleMs;
}
