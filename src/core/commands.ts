// What decide() asks the runtime to do. Each command is an effect the runtime performs; the facts that
// result come back as journal entries (a Dispatch becomes TaskDispatched before the agent is called).

import type { EntryDraft } from './entries.js';
import type { PatternTrigger } from './patterns/registry.js';

/**
 * Call an agent. The runtime appends TaskDispatched (with this idem) BEFORE calling it, and calls it
 * only if apply() accepted that entry (state.lastChanged): a Dispatch lost in a crash never reached an
 * agent, and one that did is re-issued with the same idem.
 */
export interface Dispatch {
  readonly type: 'Dispatch';
  /** The attempt's key: `id`, `id[3]`, `id#2` (see keys.ts). */
  readonly key: string;
  readonly task: string;
  /** The declared agent id; null when the task runs a sub-workflow or a block (read them off the task). */
  readonly agent: string | null;
  readonly attempt: number;
  readonly input: unknown;
  /** `${runId}/${seq}/${i}`: seq of the entry that caused it, i its position among the commands. */
  readonly idem: string;
  /**
   * From resumeCommands(): this attempt is already journaled as TaskDispatched; call the agent again
   * (same idem) without appending anything.
   */
  readonly redispatch: boolean;
}

/** Append a derived entry; the runtime stamps seq and at, applies it and calls decide on it. */
export interface Append {
  readonly type: 'Append';
  readonly entry: EntryDraft;
}

export interface Publish {
  readonly type: 'Publish';
  readonly channel: string;
  readonly name: string | null;
  readonly data: unknown;
  /** Stable, so a re-publish after a crash is deduplicated by consumers. */
  readonly eventId: string;
  /** A task of this run listens on the channel: deliver the event back into the run. */
  readonly loopback: boolean;
}

/** Run the saga step of a completed task; the runtime answers with CompensationDone. */
export interface Compensate {
  readonly type: 'Compensate';
  /** The task id being compensated. */
  readonly key: string;
  readonly task: string;
  readonly agent: string;
  readonly input: unknown;
  readonly idem: string;
  /** From `compensate.timeout`; the runtime reports CompensationDone(ok: false) when it passes. */
  readonly timeoutMs: number | null;
}

/** Best effort: the engine already treats the attempt as over; a late result is ignored. */
export interface CancelTask {
  readonly type: 'CancelTask';
  readonly key: string;
  readonly reason: string;
}

/** Arm (or re-arm: same id replaces) a durable timer; when it fires the runtime appends TimerFired. */
export interface ArmTimer {
  readonly type: 'ArmTimer';
  readonly timerId: string;
  readonly fireAt: number;
}

/**
 * Ask the run's pattern plugin (options.pattern) for its verdict: call pattern_step with this state and
 * trigger, and append the answer as PatternDecided for `key` (a plugin failure as a `fail` verdict,
 * after checkVerdict). Issued again on resume while no verdict is journaled.
 */
export interface AskPattern {
  readonly type: 'AskPattern';
  /** The judged task's round key. */
  readonly key: string;
  readonly pattern: string;
  readonly state: unknown;
  readonly trigger: PatternTrigger;
  /** Steps the run's pattern took before this one. */
  readonly step: number;
  /** When the output arrived: the plugin's clock. */
  readonly at: number;
}

/**
 * Run the run's blocking hooks of `trigger` on `subject` (hooks.ts), then append their folded verdict
 * as HookDecided. Issued again on resume while no verdict is journaled: each hook is asked again with
 * the same idempotency key (`${runId}/${trigger}/${subject}/${hook}`).
 */
export interface RunHooks {
  readonly type: 'RunHooks';
  readonly trigger: string;
  readonly subject: string;
  /** The attempt it guards (pre_task, post_task). */
  readonly key?: string;
  readonly task?: string;
  readonly agent?: string | null;
  readonly attempt?: number;
  /** The trigger's documented context (docs/hooks.md). */
  readonly context: Readonly<Record<string, unknown>>;
}

export type Command =
  Dispatch | Append | Publish | Compensate | CancelTask | ArmTimer | AskPattern | RunHooks;
