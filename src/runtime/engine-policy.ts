// Small pieces of the engine's policy, kept apart so engine.ts reads as the run lifecycle: how a
// steering command becomes an entry, which endpoints can run, how agents and runs are named.

import { randomBytes } from 'node:crypto';
import {
  attemptKey,
  checkModification,
  inputTarget,
  parseKey,
  type InputFields,
  type TaskError,
  type Modification,
  type ModifyProblem,
  type RunState,
} from '../core/index.js';
import type { ValidateOptions } from '../plan/index.js';
import { BatonError } from '../errors/registry.js';
import type { AgentSpec, WorkflowSpec } from '../spec/schema.js';
import type { RunActor } from './run-actor.js';

/** A command for a run, from whoever steers it (CLI, API). */
export type RunCommand =
  | {
      readonly kind: 'signal';
      readonly channel: string;
      readonly name?: string;
      readonly data: unknown;
      /** The sender's id for the event: a redelivery with the same id is journaled once. */
      readonly eventId?: string;
    }
  | { readonly kind: 'cancel'; readonly by: string; readonly reason: string }
  | { readonly kind: 'pause'; readonly by: string; readonly reason?: string }
  | { readonly kind: 'resume'; readonly by: string; readonly reason?: string }
  | ModifyCommand;

/** What a run's inbox carries: steering commands, answers to agents, and workers' results from other instances. */
export type InboxCommand = RunCommand | WorkResultCommand | InputCommand | AskedCommand;

/**
 * A remote worker's question for an attempt of this run (its handler called requestInput), posted by
 * the instance its worker is connected to: journaled as TaskInputRequired while that attempt (same
 * key, attempt and idempotency key) is in flight and does not already show the same question.
 */
export interface AskedCommand {
  readonly kind: 'asked';
  readonly idem: string;
  readonly key: string;
  readonly attempt: number;
  readonly question: string;
  readonly data?: unknown;
}

/**
 * An answer for the attempt `attempt` of `task` whose agent waits for input (run-input.ts): journaled as
 * TaskInputProvided if that attempt still waits when the owner reads it, else dropped (the sender says so).
 */
export interface InputCommand {
  readonly kind: 'input';
  readonly task: string;
  readonly attempt: number;
  readonly input: unknown;
  readonly request_id: string;
}

/**
 * A remote worker's result for an attempt of this run, posted by the instance its worker is connected
 * to (agents/work-intake.ts): journaled as the attempt's outcome if that attempt (same key, attempt and
 * idempotency key) is still in flight, else dropped.
 */
export interface WorkResultCommand {
  readonly kind: 'result';
  readonly idem: string;
  /** The attempt's key and number; without them the attempt in flight under `idem` is looked up. */
  readonly key?: string;
  readonly attempt?: number;
  readonly output?: unknown;
  readonly error?: TaskError;
}

/** Live modification: checked against the run's state where it is applied (see modifyEntry). */
export interface ModifyCommand {
  readonly kind: 'modify';
  readonly by: string;
  readonly reason: string;
  readonly changes: readonly Modification[];
}

/** The entry a steering command becomes; a modify command becomes its RunModified or its problems. */
export function commandEntry(
  eventId: string,
  cmd: InboxCommand,
  state?: RunState,
  check?: ValidateOptions,
): InputFields | readonly ModifyProblem[] {
  if (cmd.kind === 'modify') return modifyEntry(state!, cmd, eventId, check);
  if (cmd.kind === 'result') return resultEntry(state!, cmd);
  if (cmd.kind === 'input') return inputEntry(state!, cmd);
  if (cmd.kind === 'asked') return askedEntry(state!, cmd);
  return steeringEntry(eventId, cmd);
}

/**
 * A modification checked against the run as it is now: the RunModified to journal (carrying the whole
 * workflow after it, and how many modifications it builds on), or why it cannot be made.
 */
export function modifyEntry(
  state: RunState,
  cmd: ModifyCommand,
  request: string,
  check: ValidateOptions = {},
): InputFields | readonly ModifyProblem[] {
  const r = checkModification(state, cmd.changes, check);
  if (!r.ok) return r.problems;
  return {
    type: 'RunModified',
    by: cmd.by,
    reason: cmd.reason,
    changes: cmd.changes,
    workflow: r.workflow,
    request,
    base: state.modifications.length,
  };
}

const COMPENSATE = '/compensate';

/**
 * Results already turned into entries, by run state: a second copy delivered before the first is
 * applied (the run was mid-commit) would pass the in-flight check and be journaled as a stale entry.
 */
const taken = new WeakMap<RunState, Set<string>>();

/** The TaskCompleted / TaskFailed of a worker's result, or nothing (`[]`) when its attempt is not in flight. */
function resultEntry(state: RunState, r: WorkResultCommand): InputFields | readonly ModifyProblem[] {
  const seen = taken.get(state) ?? new Set<string>();
  if (seen.has(r.idem)) return [];
  const entry = resultFor(state, r);
  if (!Array.isArray(entry)) taken.set(state, seen.add(r.idem));
  return entry;
}

function resultFor(state: RunState, r: WorkResultCommand): InputFields | readonly ModifyProblem[] {
  // A saga step (its invocation is keyed `<task>/compensate`): the outcome of the step running now.
  const compensated = r.key?.endsWith(COMPENSATE) ? r.key.slice(0, -COMPENSATE.length) : undefined;
  if (compensated !== undefined) {
    const saga = state.saga;
    if (saga === null || saga.keys[saga.next] !== compensated) return [];
    return r.error === undefined
      ? { type: 'CompensationDone', key: compensated, ok: true }
      : { type: 'CompensationDone', key: compensated, ok: false, error: r.error };
  }
  const unit =
    r.key === undefined
      ? [...state.units.values()].find((u) => u.idem === r.idem)
      : state.units.get(parseKey(r.key)?.unit ?? r.key);
  if (unit?.status !== 'dispatched' || unit.idem !== r.idem) return [];
  if (r.attempt !== undefined && unit.attempts !== r.attempt) return [];
  const key = r.key ?? attemptKey(unit.key, unit.iteration);
  const attempt = unit.attempts;
  return r.error === undefined
    ? { type: 'TaskCompleted', key, attempt, output: r.output ?? null }
    : { type: 'TaskFailed', key, attempt, error: r.error };
}

function inputEntry(state: RunState, cmd: InputCommand): InputFields | readonly ModifyProblem[] {
  const t = inputTarget(state, cmd.task, cmd.request_id);
  if (t.kind !== 'waiting' || t.attempt !== cmd.attempt) return [];
  return {
    type: 'TaskInputProvided',
    key: t.key,
    attempt: t.attempt,
    input: cmd.input,
    request_id: cmd.request_id,
  };
}

function askedEntry(state: RunState, cmd: AskedCommand): InputFields | readonly ModifyProblem[] {
  const u = state.units.get(parseKey(cmd.key)?.unit ?? cmd.key);
  if (u?.status !== 'dispatched' || u.idem !== cmd.idem || u.attempts !== cmd.attempt) return [];
  if (u.inputRequired?.question === cmd.question) return [];
  return {
    type: 'TaskInputRequired',
    key: cmd.key,
    attempt: cmd.attempt,
    question: cmd.question,
    ...(cmd.data === undefined ? {} : { data: cmd.data }),
  };
}

function steeringEntry(eventId: string, cmd: Exclude<RunCommand, ModifyCommand>): InputFields {
  switch (cmd.kind) {
    case 'signal':
      return {
        type: 'EventReceived',
        // A sender-chosen id makes retries of the same signal duplicates the core drops.
        eventId: cmd.eventId ? `signal:${cmd.eventId}` : eventId,
        channel: cmd.channel,
        ...(cmd.name === undefined ? {} : { name: cmd.name }),
        data: cmd.data,
        source: 'signal',
      };
    case 'cancel':
      return { type: 'RunCancelRequested', by: cmd.by, reason: cmd.reason };
    case 'pause':
      return { type: 'RunPaused', by: cmd.by, ...(cmd.reason ? { reason: cmd.reason } : {}) };
    case 'resume':
      return { type: 'RunResumed', by: cmd.by, ...(cmd.reason ? { reason: cmd.reason } : {}) };
  }
}

/** Refuses, before a run exists, what this engine cannot carry out yet (rather than skip it silently). */
export function checkRunnable(spec: WorkflowSpec): void {
  const problems: string[] = [];
  const hooks = (spec.hooks ?? []).filter((h) => h.enabled).map((h) => h.name);
  if (hooks.length > 0) problems.push(`hooks (${hooks.join(', ')}) need the hook runner`);
  if (problems.length > 0) {
    throw new BatonError('BATON_E_UNSUPPORTED_FEATURE', `this engine cannot run yet: ${problems.join('; ')}`);
  }
}

export function breakerKey(agentId: string, spec: AgentSpec | undefined): string {
  const ep = spec?.endpoint;
  if (ep && 'module' in ep) return `module:${ep.module}#${ep.export ?? 'default'}`;
  if (ep && 'a2a' in ep) return `a2a:${ep.a2a}`;
  if (ep && 'queue' in ep) return `queue:${ep.queue}`;
  return `agent:${agentId}:${spec?.type ?? ''}`;
}

/** The statuses of a run that ended: it is never driven, resumed or steered again. */
const ENDED = new Set(['completed', 'failed', 'cancelled']);

export const hasEnded = (status: string): boolean => ENDED.has(status);

/** A run that ended cannot be resumed, signalled or cancelled. */
export const runEndedError = (runId: string, status: string): BatonError =>
  new BatonError('BATON_E_RUN_ENDED', `run "${runId}" already ${status}`);

/** Sortable by creation time, unique without coordination: `run_<time36>_<random>`. */
export function newRunId(now: number): string {
  return `run_${now.toString(36)}_${randomHex(5)}`;
}

/** CSPRNG bytes drawn 4 KiB at a time (one call per ~800 run ids, not one each), handed out once each. */
let entropy = Buffer.alloc(0);
let entropyAt = 0;

function randomHex(bytes: number): string {
  if (entropyAt + bytes > entropy.length) {
    entropy = randomBytes(4096);
    entropyAt = 0;
  }
  entropyAt += bytes;
  return entropy.toString('hex', entropyAt - bytes, entropyAt);
}

/** An event the run already journaled (same id): a redelivered signal is not journaled again. */
export function isDuplicateEvent(actor: RunActor, entry: InputFields): boolean {
  return entry.type === 'EventReceived' && actor.state.events.has(entry.eventId);
}

/** The id a command's entry carries, by which a caller in another process finds it in the journal. */
export function entryMatches(entry: InputFields, id: string): boolean {
  return (
    (entry.type === 'EventReceived' && entry.eventId === id) ||
    (entry.type === 'RunModified' && entry.request === id) ||
    (entry.type === 'TaskInputProvided' && `input:${entry.request_id}` === id)
  );
}

/**
 * A live modification was not applied: each problem names the change (its index in the request), the
 * task or pattern it is about, and why. INVALID_ARGUMENT when a change would break the workflow;
 * FAILED_PRECONDITION when only the run's progress stands in the way.
 */
export class ModifyRejectedError extends BatonError {
  constructor(readonly problems: readonly ModifyProblem[]) {
    super(
      problems.some((p) => p.kind === 'workflow') ? 'BATON_E_MODIFY_INVALID' : 'BATON_E_MODIFY_CONFLICT',
      problems.map(describeProblem).join('; '),
    );
  }

  /** The process driving the run did not journal the change in time (it refused it, or it is slow). */
  static notJournaled(runId: string): ModifyRejectedError {
    return new ModifyRejectedError([
      {
        index: -1,
        op: '',
        target: runId,
        code: 'BATON_E_MODIFY_CONFLICT',
        message: `the process driving run "${runId}" did not journal the change in time: it no longer fitted the run when it arrived (the run moved on), or that process is slow and may still apply it; check the run's history before retrying`,
        kind: 'state',
      },
    ]);
  }

  /** Journaled, but the run had moved on by the time it was applied, so it changed nothing. */
  static outgrown(runId: string, seq: number): ModifyRejectedError {
    return new ModifyRejectedError([
      {
        index: -1,
        op: '',
        target: runId,
        code: 'BATON_E_MODIFY_CONFLICT',
        message: `entry ${seq} of run "${runId}" changed nothing: the run had moved on (a task started, or another change came first)`,
        kind: 'state',
      },
    ]);
  }
}

/** `modifications[2] (remove_task "y"): task "y" is running: ...` */
export function describeProblem(p: ModifyProblem): string {
  const where = p.index < 0 ? 'the request' : `modifications[${p.index}] (${p.op} "${p.target}")`;
  return `${where}: ${p.message}`;
}
