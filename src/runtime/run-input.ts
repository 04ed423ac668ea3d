// Answering an agent that waits for input (A2A input-required, or a worker's requestInput): the answer
// is checked against the run as it is (the task must wait now), journaled as TaskInputProvided by the
// process driving the run (straight to its actor here, else through the run's inbox, like a signal),
// and only then sent to the agent (run-actor.ts hands it to the attempt in flight).

import { randomBytes } from 'node:crypto';
import { inputTarget, type InputFields, type InputTarget, type RunState } from '../core/index.js';
import { BatonError } from '../errors/registry.js';
import { RunNotFoundError } from '../store/store.js';
import { sameJson } from '../store/store-args.js';
import { hasEnded, runEndedError, type InputCommand } from './engine-policy.js';
import { awaitEntry, submitAndWait } from './journal-wait.js';
import type { SteeringHost } from './run-steering.js';

export interface ProvideInputOptions {
  /** The answerer's id for this answer: a retry with the same id is journaled (and sent) once. */
  readonly requestId?: string;
}

/** How an answer went. */
export interface InputDelivery {
  /** The TaskInputProvided entry's seq; undefined while it waits in the inbox of a run nobody drives now. */
  readonly seq: number | undefined;
  /** The attempt that takes it: `research[2]` and its attempt number. */
  readonly key: string;
  readonly attempt: number;
}

/** Engine.provideInput: see there. */
export async function provideRunInput(
  h: SteeringHost,
  runId: string,
  task: string,
  input: unknown,
  opts: ProvideInputOptions = {},
): Promise<InputDelivery> {
  const actor = h.actor(runId);
  if (actor) {
    const t = waiting(actor.state, runId, task, opts.requestId);
    if (t.kind === 'answered') return retried(h, runId, t, input, opts.requestId!);
    const entry = answerEntry(t, input, opts.requestId ?? localId(h));
    const done = await submitAndWait(actor, entry);
    if (done !== undefined && !done.changed) throw notWaiting(runId, task, 'it stopped waiting meanwhile');
    return { seq: done?.seq, key: t.key, attempt: t.attempt };
  }
  const run = await h.store.getRun(h.namespace, runId);
  if (!run) throw new RunNotFoundError(h.namespace, runId);
  if (hasEnded(run.status)) throw runEndedError(runId, run.status);
  const t = waiting(await h.load(runId), runId, task, opts.requestId);
  if (t.kind === 'answered') return retried(h, runId, t, input, opts.requestId!);
  const requestId = opts.requestId ?? localId(h);
  const cmd: InputCommand = { kind: 'input', task: t.key, attempt: t.attempt, input, request_id: requestId };
  const { kind, ...payload } = cmd;
  await h.store.postToInbox(h.namespace, runId, { kind, payload, at: h.now() });
  // Nobody drives the run now (its process stopped or died): the answer waits in the inbox, and the
  // process that resumes the run journals it (if the task still waits then).
  if (run.owner === undefined || run.leaseUntil <= (await h.store.clock()))
    return { seq: undefined, key: t.key, attempt: t.attempt };
  const found = await awaitEntry(h.store, h.namespace, runId, run.lastSeq, [`input:${requestId}`], () =>
    h.closed(),
  );
  if (found !== undefined) return { seq: found.seq, key: t.key, attempt: t.attempt };
  // Not journaled in time: the owner dropped it (the task stopped waiting) or is slow.
  const now = inputTarget(await h.load(runId), t.key, requestId);
  if (now.kind === 'answered') return { seq: now.seq, key: t.key, attempt: t.attempt };
  if (now.kind === 'waiting' && now.attempt === t.attempt)
    return { seq: undefined, key: t.key, attempt: t.attempt };
  throw notWaiting(runId, task, 'it stopped waiting before the process driving the run took the answer');
}

type Waiting = Extract<InputTarget, { kind: 'waiting' | 'answered' }>;

/**
 * A request id this task's answers already used: the same answer again is a retry (the entry it became
 * is the answer); another answer under it is refused, as a StartRun request_id reused with other content.
 */
async function retried(
  h: SteeringHost,
  runId: string,
  t: Extract<InputTarget, { kind: 'answered' }>,
  input: unknown,
  requestId: string,
): Promise<InputDelivery> {
  const [record] = await h.store.read(h.namespace, runId, { afterSeq: t.seq - 1, limit: 1 });
  const first = (record?.data as { input?: unknown } | undefined)?.input;
  if (record?.type === 'TaskInputProvided' && !sameJson(first ?? null, input ?? null))
    throw new BatonError(
      'BATON_E_REQUEST_ID_REUSED',
      `request id "${requestId}" already answered task "${t.key}" of run "${runId}" (entry ${t.seq}) with ` +
        'another answer: send the same answer to retry it, or a new request id for a new answer',
    );
  return { seq: t.seq, key: t.key, attempt: t.attempt };
}

/** The attempt that waits for `task`'s answer, or the coded error saying why none does. */
function waiting(s: RunState, runId: string, task: string, requestId: string | undefined): Waiting {
  const t = inputTarget(s, task, requestId);
  switch (t.kind) {
    case 'waiting':
    case 'answered':
      return t;
    case 'ended':
      throw runEndedError(runId, s.status);
    case 'unknown':
      throw notWaiting(runId, task, 'the run has no such task (name it as `baton status` lists it)');
    case 'busy':
      throw notWaiting(runId, task, t.doing);
  }
}

function answerEntry(
  t: Extract<InputTarget, { kind: 'waiting' }>,
  input: unknown,
  requestId: string,
): InputFields {
  return { type: 'TaskInputProvided', key: t.key, attempt: t.attempt, input, request_id: requestId };
}

const notWaiting = (runId: string, task: string, why: string): BatonError =>
  new BatonError(
    'BATON_E_NOT_WAITING_FOR_INPUT',
    `task "${task}" of run "${runId}" does not wait for input: ${why}`,
  );

const localId = (h: SteeringHost) => `local:${h.now()}:${randomBytes(4).toString('hex')}`;
