// Taking a run over: its state read back from the store (snapshot + journal tail), whether this engine
// can drive it (not ended, its pattern plugin installed), and the new actor's first steps: the takeover
// journaled, what is owed re-issued, its inbox read, and the hooks the last owner may have lost fired
// again.

import {
  fold,
  initialState,
  restore,
  sessionEndDue,
  type RunSnapshot,
  type RunState,
} from '../core/index.js';
import type { RunClaim, Store } from '../store/store.js';
import { RunNotFoundError } from '../store/store.js';
import { BatonError } from '../errors/registry.js';
import { fault } from '../telemetry/faults.js';
import { leaseTakeover } from '../telemetry/metrics.js';
import { liftDrainPause } from './drain-pause.js';
import { hasEnded, runEndedError } from './engine-policy.js';
import type { PatternPlugins } from './pattern-plugins.js';
import { toEntry } from './records.js';
import type { RunActor } from './run-actor.js';
import type { RunHookHost } from './run-hooks.js';
import { resumedRunTrace } from './run-trace.js';

/** The run's state folded from its journal (snapshot + tail): the truth, whoever drives the run. */
export async function loadRun(store: Store, ns: string, runId: string): Promise<RunState> {
  const snap = await store.loadSnapshot(ns, runId);
  const state = snap ? restore(snap.state as RunSnapshot) : initialState();
  const records = await store.read(ns, runId, { afterSeq: snap?.seq ?? 0 });
  if (!snap && records.length === 0) throw new RunNotFoundError(ns, runId);
  return fold(records.map(toEntry), state);
}

/** Refuses a run this engine cannot drive: ended (unless it owes its session_end hooks), or a plugin missing. */
export async function checkResumable(
  runId: string,
  state: RunState,
  plugins: PatternPlugins | undefined,
): Promise<void> {
  // An ended run is driven again only for its session_end hooks, when a crash lost them.
  if (hasEnded(state.status) && !sessionEndDue(state)) throw runEndedError(runId, state.status);
  const binding = state.options.pattern;
  if (binding !== undefined) {
    if (plugins === undefined) {
      throw new BatonError(
        'BATON_E_PLUGIN_NOT_FOUND',
        `run "${runId}" runs pattern plugin ${binding.name}@${binding.version}, and this engine has no plugins`,
      );
    }
    await plugins.verify(binding);
  }
}

/** What a takeover uses of the engine. */
export interface TakeoverHost {
  readonly store: Store;
  readonly namespace: string;
  readonly hookHost: RunHookHost;
  /** Journals what waits in the run's inbox. */
  readInbox(runId: string): Promise<void>;
}

/**
 * The first steps of the actor of a run this instance has just claimed: a takeover (a new epoch) is
 * journaled first, then what the journal says is owed is re-issued (same idempotency keys), then what
 * waits in its inbox.
 */
export async function takeOver(
  h: TakeoverHost,
  actor: RunActor,
  claim: RunClaim,
  state: RunState,
): Promise<void> {
  const { runId } = claim;
  const { previousOwner: from, previousEpoch: fromEpoch, owner: to, epoch } = claim;
  const takenOver = from !== to || fromEpoch !== epoch;
  // The journaled trace goes on: this process's span of the run is a child of the first one.
  actor.trace = resumedRunTrace(state, h.namespace, runId, epoch);
  if (takenOver && from !== undefined && from !== to) leaseTakeover(h.namespace);
  // From an owner that did not let go (died, went silent): what it fired may never have been handed over.
  const refire = takenOver && from !== undefined && h.hookHost.fires(state) ? state.lastSeq : 0;
  actor.recover(
    takenOver
      ? { type: 'RunTakenOver', ...(from === undefined ? {} : { from }), fromEpoch, to, epoch }
      : undefined,
  );
  await h.readInbox(runId);
  if (refire > 0) await refireHooks(h, actor, refire);
  await liftDrainPause(h.store, actor);
}

/**
 * After a takeover: the async and notification hooks of the entries journaled before it fire again
 * (they are not journaled: the last owner may have died before handing them over).
 */
async function refireHooks(h: TakeoverHost, actor: RunActor, upToSeq: number): Promise<void> {
  try {
    const records = await h.store.read(h.namespace, actor.runId);
    h.hookHost.refire(
      actor.state,
      records.filter((r) => r.seq <= upToSeq),
    );
  } catch (e) {
    fault('engine', `firing the async hooks of run ${actor.runId} again after its takeover`, e);
  }
}
