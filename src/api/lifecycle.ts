// The server's part in a run's life across restarts. Drain (SIGTERM): every run this server drives is
// paused by "server drain" (a journaled RunPaused: nothing new is dispatched, attempts in flight finish
// and their results are journaled), then the drain waits up to its grace period for the in-flight attempts;
// the engine then stops, abandoning what is still in flight (re-issued with the same idempotency key on
// the next start) and releasing the runs' leases. Restart: every run of the data directory that has not
// ended is taken over, and a run the drain paused is resumed ("server restart"); a run a user paused
// stays paused.

import { BatonError } from '../errors/registry.js';
import type { Engine } from '../runtime/engine.js';
import type { RunRecord, Store } from '../store/store.js';

/** The run statuses (core's vocabulary, as the store keeps them) of a run that has not ended. */
const ACTIVE = ['planning', 'executing', 'paused', 'failing', 'cancelling'] as const;

export const DRAIN_BY = 'server drain';
export const RESTART_BY = 'server restart';

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

/** Pauses every run this engine drives and waits (at most `graceMs`) for their attempts in flight. */
export async function drainRuns({ engine, store }: LifecycleDeps, graceMs: number): Promise<DrainReport> {
  const ours = (await activeRuns(store, engine.namespace)).filter((r) => r.owner === engine.owner);
  for (const run of ours) {
    // Only an executing run can pause; a failing or cancelling one finishes its saga step in the grace.
    if (run.status === 'executing')
      await engine.command(run.runId, { kind: 'pause', by: DRAIN_BY }).catch(() => undefined);
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
async function countInFlight(engine: Engine, store: Store, runs: readonly RunRecord[]): Promise<number> {
  let n = 0;
  for (const run of runs) {
    const state = await engine.load(run.runId).catch(() => undefined);
    if (!state) continue;
    const committed =
      state.lastSeq === 0 ||
      (await store.read(engine.namespace, run.runId, { afterSeq: state.lastSeq - 1, limit: 1 })).length > 0;
    if (!committed) n += 1;
    if (!['completed', 'failed', 'cancelled'].includes(state.status)) n += state.inFlight.size;
  }
  return n;
}

export interface ResumeReport {
  readonly resumed: string[];
  /** Runs another live process drives, with the reason they were left alone. */
  readonly skipped: Array<{ runId: string; reason: string }>;
}

/** Takes over every run of the namespace that has not ended; un-pauses those a drain paused. */
export async function resumeRuns({ engine, store }: LifecycleDeps): Promise<ResumeReport> {
  const report: ResumeReport = { resumed: [], skipped: [] };
  for (const run of await activeRuns(store, engine.namespace)) {
    try {
      const actor = await engine.resume(run.runId);
      if (
        actor.state.status === 'paused' &&
        (await pausedBy(store, engine.namespace, run.runId)) === DRAIN_BY
      )
        await engine.command(run.runId, { kind: 'resume', by: RESTART_BY });
      report.resumed.push(run.runId);
    } catch (e) {
      // Owned elsewhere, ended meanwhile, or not resumable here: the run is left as it is, and said so.
      if (!(e instanceof BatonError)) throw e;
      report.skipped.push({ runId: run.runId, reason: e.message });
    }
  }
  return report;
}

/** Who journaled the run's last pause (undefined when its last pause/resume entry is not a pause). */
async function pausedBy(store: Store, ns: string, runId: string): Promise<string | undefined> {
  const records = await store.read(ns, runId);
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.type === 'RunResumed') return undefined;
    if (r.type === 'RunPaused') return (r.data as { by?: string }).by;
  }
  return undefined;
}
