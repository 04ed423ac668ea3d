// A server's part in a run's life across restarts; the edges (serve.ts) only call these. Drain (SIGTERM):
// the engine stops claiming runs, every run it drives is paused by "server drain" (a journaled RunPaused:
// nothing new is dispatched, attempts in flight finish and their results are journaled), then the drain
// waits up to its grace period for the in-flight attempts; the engine then stops, abandoning what is still
// in flight (re-issued with the same idempotency key by whoever takes the run next) and releasing the
// leases. Restart: every run of the namespace that has not ended and that no live instance holds is taken
// over at once; whoever takes a drained run over lifts the drain's pause (drain-pause.ts), a user's stays.

import { BatonError } from '../errors/registry.js';
import type { RunState } from '../core/index.js';
import type { RunRecord, Store } from '../store/store.js';
import { DRAIN_BY } from './drain-pause.js';
import type { Engine } from './engine.js';
import { hasEnded } from './engine-policy.js';
import { fault } from '../telemetry/faults.js';

export { DRAIN_BY, RESTART_BY } from './drain-pause.js';

/** The run statuses (core's vocabulary, as the store keeps them) of a run that has not ended. */
const ACTIVE = ['planning', 'executing', 'paused', 'failing', 'cancelling'] as const;

export interface LifecycleDeps {
  readonly engine: Engine;
  readonly store: Store;
}

async function activeRuns(store: Store, ns: string): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const status of ACTIVE) {
    let cursor: string | undefined;
    do {
      const page = await store.listRuns(ns, { status, limit: 500, ...(cursor && { cursor }) });
      out.push(...page.runs);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return out;
}

export interface DrainReport {
  /** Runs this server was driving. */
  readonly runs: number;
  /** Attempts still in flight (or results not yet committed) when the grace period ended. */
  readonly abandoned: number;
}

/** Takes on no more runs, pauses every run the engine drives and waits (at most `graceMs`) for their attempts. */
export async function drainRuns({ engine, store }: LifecycleDeps, graceMs: number): Promise<DrainReport> {
  engine.stopClaiming();
  const ours = engine.drivenRuns();
  for (const runId of ours) {
    // Only an executing run can pause; a failing or cancelling one finishes its saga step in the grace.
    const state = await engine.load(runId).catch((e: unknown) => {
      fault('run-lifecycle', `loading run "${runId}"`, e);
      return undefined;
    });
    if (state?.status === 'executing')
      await engine
        .command(runId, { kind: 'pause', by: DRAIN_BY })
        .catch((e: unknown) => fault('run-lifecycle', `pausing run "${runId}" for the drain`, e));
  }
  const deadline = Date.now() + graceMs;
  let inFlight = await countInFlight(engine, store, ours);
  while (inFlight > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    inFlight = await countInFlight(engine, store, ours);
  }
  return { runs: ours.length, abandoned: inFlight };
}

/**
 * Attempts in flight across `runs`, plus one for each run whose last decided entry is not committed yet:
 * the engine applies a result in memory before its group commit lands, and stopping in between would
 * lose the result (the attempt would be re-issued on restart instead of counting as done).
 */
async function countInFlight(engine: Engine, store: Store, runs: readonly string[]): Promise<number> {
  let n = 0;
  for (const runId of runs) {
    const state: RunState | undefined = await engine.load(runId).catch((e: unknown) => {
      fault('run-lifecycle', `loading run "${runId}"`, e);
      return undefined;
    });
    if (!state) continue;
    const committed =
      state.lastSeq === 0 ||
      (await store.read(engine.namespace, runId, { afterSeq: state.lastSeq - 1, limit: 1 })).length > 0;
    if (!committed) n += 1;
    if (!hasEnded(state.status)) n += state.inFlight.size;
  }
  return n;
}

export interface ResumeReport {
  readonly resumed: string[];
  /** Runs held by another live instance's lease: left to it (and to the claim of expired runs). */
  readonly heldElsewhere: number;
  /** Runs that could not be taken over here, with the reason (ended meanwhile, plugin missing, ...). */
  readonly skipped: Array<{ runId: string; reason: string }>;
}

/**
 * Takes over every run of the namespace that has not ended and that no live instance holds (a drain
 * released it, or its owner crashed on this host); the rest is left to the claim of expired runs. A run
 * another instance's live lease holds is passed over before its journal is read: with several instances
 * on one store, a start must not fold every active run's journal only to find it owned.
 */
export async function resumeRuns({ engine, store }: LifecycleDeps): Promise<ResumeReport> {
  const report = { resumed: [] as string[], heldElsewhere: 0, skipped: [] as ResumeReport['skipped'] };
  const now = await store.clock();
  for (const run of await activeRuns(store, engine.namespace)) {
    const { owner } = run;
    if (owner !== undefined && owner !== engine.owner && run.leaseUntil > now && !engine.isDeadOwner(owner)) {
      report.heldElsewhere += 1;
      continue;
    }
    try {
      await engine.resume(run.runId);
      report.resumed.push(run.runId);
    } catch (e) {
      // Claimed meanwhile, ended meanwhile, or not resumable here: the run is left as it is, and said so.
      if (!(e instanceof BatonError)) throw e;
      if (e.code === 'BATON_E_RUN_OWNED') report.heldElsewhere += 1;
      else report.skipped.push({ runId: run.runId, reason: e.message });
    }
  }
  return report;
}
