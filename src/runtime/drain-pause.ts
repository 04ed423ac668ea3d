// The pause a draining server puts on the runs it drives (RunPaused by "server drain") is lifted by
// whoever takes such a run over next (RunResumed by "server restart"), on any instance and by any path
// (a restart's resume, the claim of an expired run); a pause a user asked for stays.

import type { Store } from '../store/store.js';
import type { RunActor } from './run-actor.js';

export const DRAIN_BY = 'server drain';
export const RESTART_BY = 'server restart';

/** Un-pauses a run just taken over when the pause on it is a drain's. */
export async function liftDrainPause(store: Store, actor: RunActor): Promise<void> {
  if (actor.state.status !== 'paused' || (await pausedBy(store, actor.ns, actor.runId)) !== DRAIN_BY) return;
  actor.submit({ type: 'RunResumed', by: RESTART_BY });
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
