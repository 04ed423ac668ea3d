// The scheduler's decision, pure: given a schedule, what it last knew, whether a run it started is still
// going, and the time now, which due fires start, which wait in the buffer, which are skipped by the
// overlap policy, which are too old to catch up, and when to look again. Work per decision is bounded.

import type { OverlapPolicy } from './spec.js';
import { firesAfter, type Timing } from './timing.js';

/** Due fires looked at in one decision; more wait for the next (so a long catch-up never blocks a tick). */
export const SCAN_LIMIT = 1000;
/** Fires older than the catch-up window counted one by one in one decision; past this they are jumped. */
export const MISSED_COUNT_LIMIT = 1000;

export interface DecideInput {
  readonly timing: Timing;
  readonly overlap: OverlapPolicy;
  readonly catchupWindowMs: number;
  /** The first fire not yet handled; null when the schedule never fires again. */
  readonly nextFireAt: number | null;
  /** buffer_one: a fire waiting for the previous run to end. */
  readonly buffered?: number;
  /** A run this schedule started has not ended (or a fire it claimed has not started yet). */
  readonly running: boolean;
  readonly now: number;
  /** At most this many runs started by one decision (allow_all); the rest wait for the next. */
  readonly maxStarts: number;
  /** How soon to look again while a fire waits in the buffer (the previous run may end any time). */
  readonly recheckMs: number;
}

export interface FireDecision {
  /** Nominal fire times to start now, oldest first (a buffered fire first of all). */
  readonly start: readonly number[];
  readonly buffered?: number;
  readonly nextFireAt: number | null;
  /** Due fires not started because a previous run was still going (skip, or buffer_one's buffer full). */
  readonly skipped: number;
  /** Due fires older than the catch-up window: never started. */
  readonly missed: number;
  /** When this schedule needs looking at again; null never (until it is changed). */
  readonly wakeAt: number | null;
}

/**
 * Fires at or before `now` are due. Those older than `now - catchupWindowMs` are counted as missed (an
 * interval's exactly; a cron expression's up to MISSED_COUNT_LIMIT per decision, the rest jumped over). The others are
 * taken in order: a fire starts unless the overlap policy holds it back; `running` turns true as soon
 * as one starts, so under skip or buffer_one one decision starts at most one run.
 */
export function decideFires(d: DecideInput): FireDecision {
  let next = d.nextFireAt;
  let missed = 0;
  const cutoff = d.now - d.catchupWindowMs;
  if (next !== null && next < cutoff && d.timing.kind === 'interval') {
    // Evenly spaced: counted exactly, however long the downtime.
    missed = Math.floor((cutoff - 1 - next) / d.timing.everyMs) + 1;
    next += missed * d.timing.everyMs;
  } else if (next !== null && next < cutoff) {
    const following = firesAfter(d.timing, next);
    while (next !== null && next < cutoff && missed < MISSED_COUNT_LIMIT) {
      missed += 1;
      next = following();
    }
    // Still older than the window: jump to the first fire inside it.
    if (next !== null && next < cutoff) next = firesAfter(d.timing, cutoff - 1)();
  }

  const start: number[] = [];
  let buffered = d.buffered;
  let running = d.running;
  let skipped = 0;
  if (buffered !== undefined && !running) {
    start.push(buffered);
    buffered = undefined;
    running = true;
  }
  let capped = false;
  const following = next === null ? undefined : firesAfter(d.timing, next);
  for (let scanned = 0; next !== null && next <= d.now; scanned++) {
    if (scanned >= SCAN_LIMIT || (d.overlap === 'allow_all' && start.length >= d.maxStarts)) {
      capped = true;
      break;
    }
    if (d.overlap === 'allow_all' || !running) {
      start.push(next);
      running = true;
    } else if (d.overlap === 'buffer_one' && buffered === undefined) buffered = next;
    else skipped += 1;
    next = following!();
  }

  let wakeAt: number | null = next;
  if (capped) wakeAt = d.now;
  else if (buffered !== undefined) wakeAt = Math.min(next ?? Infinity, d.now + d.recheckMs);
  return { start, ...(buffered !== undefined && { buffered }), nextFireAt: next, skipped, missed, wakeAt };
}
