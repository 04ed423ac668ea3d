// The orchestration-pattern extension point: the reducer a pattern implements, what it exchanges with
// the engine, the parser for its pattern_config, and the registry a workflow's pattern is chosen from.

import type { z } from 'zod';
import { BatonError } from '../../errors/registry.js';
import type { TaskGraph } from '../../plan/graph.js';
import type { WorkflowSpec } from '../../spec/schema.js';
import type { PatternBinding, PatternDecision, RunError } from '../entries.js';

export type { DelegatedTask, PatternDecision } from '../entries.js';

/** How the engine runs a workflow under a pattern; fixed when the run starts. */
export interface PatternSetup<S> {
  /** The pattern's state to start from (JSON), journaled with every verdict; null if it keeps none. */
  readonly state: S;
  /** Tasks whose outputs the pattern judges (step) before the graph moves on. */
  readonly judges: readonly string[];
  /** Tasks that start only when a verdict names them; until then they stay pending. */
  readonly holds: readonly string[];
  /** At most one task runs at a time: when none does, the ready task first in file order starts. */
  readonly serial: boolean;
  /**
   * ABI 1.1: a judged task (or a delegated subtask) whose retries are spent does not fail the run; the
   * pattern is asked with a `failed` trigger instead.
   */
  readonly judgesFailures?: boolean;
  /** ABI 1.1: when a delegation's subtasks are all done the pattern is asked (`delegated` trigger). */
  readonly judgesDelegations?: boolean;
}

/** A delegated subtask's result, as the `delegated` trigger and a re-run task's `results` show it. */
export interface SubtaskResult {
  readonly key: string;
  readonly agent: string;
  readonly input: unknown;
  readonly output: unknown;
}

/**
 * What a pattern is shown. `output` (ABI 1.0): a task it judges has its output (a fan-out's joined
 * list, a repeat's last). ABI 1.1: `failed`: a judged task (or a subtask it delegated, `key` naming
 * it) failed for good, with `error` and `attempts`; `delegated`: the subtasks of the task's round are
 * all done, with their `results`.
 */
export interface PatternTrigger {
  readonly kind: 'output' | 'failed' | 'delegated';
  readonly task: string;
  /** The task's round key: `plan`, `plan@2`. */
  readonly key: string;
  readonly round: number;
  /** The agent the task declares. */
  readonly agent: string | null;
  readonly output: unknown;
  /** `failed`: why the last attempt failed, and how many attempts were made. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly attempts?: number;
  /** `delegated`: one result per subtask, in order. */
  readonly results?: readonly SubtaskResult[];
}

export interface PatternVerdict<S> {
  readonly state: S;
  readonly decision: PatternDecision;
}

/**
 * A pattern as a pure reducer, so the same logic can later run as a WASM plugin: `init` reads the
 * workflow and its pattern_config (throwing BatonError BATON_E_PATTERN_CONFIG when they do not fit,
 * which fails the run at its start); `step` judges one output from the state and the trigger alone.
 * Both must be deterministic and return JSON: the verdict and the new state are journaled.
 */
export interface OrchestrationPattern<S = unknown> {
  readonly name: string;
  init(spec: WorkflowSpec, config: Readonly<Record<string, unknown>>): PatternSetup<S>;
  step(state: S, trigger: PatternTrigger): PatternVerdict<S>;
  /**
   * After a live modification (RunModified): the state to go on with, from the state so far and
   * `fresh`, init's state for the changed workflow. Without it the run goes on from `fresh`, which is
   * right for a pattern whose state is all derived from the workflow; one that accumulates (counts,
   * history) carries that over here. Deterministic, like init and step.
   */
  rebase?(state: S, fresh: S): S;
}

const registry = new Map<string, OrchestrationPattern>();

/**
 * Makes `pattern` selectable by `orchestration_pattern: <name>`. A later registration under the same
 * name replaces the earlier one; a run replays with the pattern registered under its name.
 */
export function registerPattern<S>(pattern: OrchestrationPattern<S>): void {
  registry.set(pattern.name, pattern);
}

export const patternFor = (name: string): OrchestrationPattern | undefined => registry.get(name);

/** Parses a pattern's config with `schema`; every problem is reported with its path under pattern_config. */
export function parsePatternConfig<T>(pattern: string, schema: z.ZodType<T>, config: unknown): T {
  const r = schema.safeParse(config);
  if (r.success) return r.data;
  const problems = r.error.issues.map(
    (i) => `${['pattern_config', ...i.path.map(String)].join('.')}: ${i.message}`,
  );
  throw new BatonError('BATON_E_PATTERN_CONFIG', `${pattern}: ${problems.join('; ')}`);
}

/** The engine's view of a run's pattern: its setup, by graph index. Rebuilt from the workflow, never stored. */
export interface HostedPattern {
  readonly name: string;
  /** The native reducer; null for a plugin, which the runtime asks (AskPattern). */
  readonly pattern: OrchestrationPattern | null;
  readonly initial: unknown;
  readonly judged: ReadonlySet<number>;
  readonly held: ReadonlySet<number>;
  readonly serial: boolean;
  readonly judgesFailures: boolean;
  readonly judgesDelegations: boolean;
}

/**
 * Resolves the workflow's pattern and sets it up, or says why the run cannot start with it. With a
 * plugin `binding` the setup is the one its pattern_init answered (journaled in RunStarted).
 */
export function hostPattern(
  spec: WorkflowSpec,
  graph: TaskGraph,
  binding?: PatternBinding,
): HostedPattern | RunError {
  const name = spec.orchestration_pattern;
  const pattern = binding === undefined ? registry.get(name) : null;
  if (binding?.error !== undefined) return { code: binding.error.code, message: binding.error.message };
  if (pattern === undefined) {
    return {
      code: 'BATON_E_PATTERN_UNKNOWN',
      message: `orchestration_pattern "${name}" is not available (registered: ${[...registry.keys()].join(', ')})`,
    };
  }
  try {
    const setup: PatternSetup<unknown> =
      pattern === null ? fromBinding(binding!.setup!) : pattern.init(spec, spec.pattern_config ?? {});
    const indices = (ids: readonly string[]) =>
      new Set(
        ids.map((id) => {
          const i = graph.index.get(id);
          if (i === undefined) throw new BatonError('BATON_E_PATTERN_CONFIG', `${name}: no task "${id}"`);
          return i;
        }),
      );
    return {
      name,
      pattern,
      initial: setup.state,
      judged: indices(setup.judges),
      held: indices(setup.holds),
      serial: setup.serial,
      judgesFailures: setup.judgesFailures === true,
      judgesDelegations: setup.judgesDelegations === true,
    };
  } catch (e) {
    if (e instanceof BatonError) return { code: e.code, message: e.message };
    throw e;
  }
}

/** A plugin's journaled setup (pattern.proto PatternSetup, snake_case) as the engine reads it. */
function fromBinding(b: NonNullable<PatternBinding['setup']>): PatternSetup<unknown> {
  return {
    state: b.state,
    judges: b.judges,
    holds: b.holds,
    serial: b.serial,
    judgesFailures: b.judges_failures === true,
    judgesDelegations: b.judges_delegations === true,
  };
}

/** The run's pattern, or null when it could not be set up (the run fails at its start). */
export const hosted = (pattern: HostedPattern | RunError): HostedPattern | null =>
  'pattern' in pattern ? pattern : null;
