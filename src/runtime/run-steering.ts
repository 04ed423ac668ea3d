// Steering a run (signal, cancel, pause, resume, modify): straight to its actor when this engine drives
// it, else posted to its inbox in the store for whichever instance owns it, and, when asked, waited for
// until the owner journals it (journal-wait.ts), so any instance can steer any run.

import { randomBytes } from 'node:crypto';
import type { InputFields, RunState } from '../core/index.js';
import type { ValidateOptions } from '../plan/index.js';
import { RunNotFoundError, type Store } from '../store/store.js';
import {
  commandEntry,
  hasEnded,
  isDuplicateEvent,
  ModifyRejectedError,
  runEndedError,
  type ModifyCommand,
  type RunCommand,
} from './engine-policy.js';
import { awaitEntry, submitAndWait } from './journal-wait.js';
import type { RunActor } from './run-actor.js';

export interface SteeringHost {
  readonly store: Store;
  readonly namespace: string;
  readonly now: () => number;
  actor(runId: string): RunActor | undefined;
  load(runId: string): Promise<RunState>;
  /** True once the engine stopped: waits for another instance end early. */
  closed(): boolean;
}

const localId = (h: SteeringHost) => `local:${h.now()}:${randomBytes(4).toString('hex')}`;

/** Engine.command: see there. */
export async function steerRun(
  h: SteeringHost,
  runId: string,
  cmd: Exclude<RunCommand, ModifyCommand>,
  wait: boolean,
): Promise<number | undefined> {
  const actor = h.actor(runId);
  if (actor) {
    const entry = commandEntry(localId(h), cmd) as InputFields;
    if (isDuplicateEvent(actor, entry) && entry.type === 'EventReceived')
      return actor.state.events.get(entry.eventId);
    if (!wait) return void actor.submit(entry);
    return (await submitAndWait(actor, entry))?.seq;
  }
  const posted = await post(h, runId, cmd);
  return wait ? (await journaled(h, runId, posted))?.seq : undefined;
}

/** Engine.modify: see there. */
export async function modifyRun(
  h: SteeringHost,
  runId: string,
  cmd: ModifyCommand,
  check: ValidateOptions,
): Promise<{ seq: number; state: RunState }> {
  // A change checked against a workflow another change replaced meanwhile is not applied: check again.
  for (let tries = 0; tries < 3; tries++) {
    const actor = h.actor(runId);
    if (!actor) break;
    const entry = commandEntry(localId(h), cmd, actor.state, check);
    if (Array.isArray(entry)) throw new ModifyRejectedError(entry);
    const done = await submitAndWait(actor, entry as InputFields);
    if (done === undefined) throw ModifyRejectedError.notJournaled(runId);
    if (done.changed) return { seq: done.seq, state: actor.state };
  }
  if (h.actor(runId)) throw ModifyRejectedError.notJournaled(runId);
  const before = await h.load(runId);
  const first = commandEntry('check', cmd, before, check);
  if (Array.isArray(first)) throw new ModifyRejectedError(first);
  const posted = await post(h, runId, cmd);
  const found = await journaled(h, runId, posted);
  if (found === undefined) throw ModifyRejectedError.notJournaled(runId);
  const state = await h.load(runId);
  if (!state.modifications.some((m) => m.seq === found.seq))
    throw ModifyRejectedError.outgrown(runId, found.seq);
  return { seq: found.seq, state };
}

/** Posts a command to the inbox of a run another instance drives; returns the ids its entry will carry. */
async function post(
  h: SteeringHost,
  runId: string,
  cmd: RunCommand,
): Promise<{ afterSeq: number; ids: string[] }> {
  const run = await h.store.getRun(h.namespace, runId);
  if (!run) throw new RunNotFoundError(h.namespace, runId);
  if (hasEnded(run.status)) throw runEndedError(runId, run.status);
  const { kind, ...payload } = cmd;
  const id = await h.store.postToInbox(h.namespace, runId, { kind, payload, at: h.now() });
  const ids = [`inbox:${id}`];
  if (cmd.kind === 'signal' && cmd.eventId) ids.push(`signal:${cmd.eventId}`);
  return { afterSeq: run.lastSeq, ids };
}

function journaled(h: SteeringHost, runId: string, posted: { afterSeq: number; ids: string[] }) {
  return awaitEntry(h.store, h.namespace, runId, posted.afterSeq, posted.ids, () => h.closed());
}
