// What the pattern conformance suite is given (the plugin, and runs that exercise it) and what it answers.

import type { AgentHandler } from '../agents/handler.js';
import type { WorkflowSpec } from '../spec/schema.js';

/** A workflow run with scripted agents. The suite sets `orchestration_pattern` to the plugin under test. */
export interface Scenario {
  /** The workflow: YAML text (a `workflow:` document) or an object in the same shape. */
  readonly workflow: string | WorkflowSpec | Record<string, unknown>;
  readonly input?: unknown;
  /**
   * The agents by id, played in-process whatever endpoint the workflow gives them; an agent without a
   * handler echoes its input. Throw an error with `retryable: false` (TerminalError) to fail for good.
   */
  readonly agents: Readonly<Record<string, AgentHandler>>;
}

export interface PatternUnderTest {
  /** The built plugin's manifest.json (its folder holds the plugin.wasm it pins). */
  readonly manifest: string;
  /** A run with well-behaved agents: its calls are replayed for determinism, its journal for replay. */
  readonly scripted: Scenario;
  /**
   * Agents that try to keep the pattern going forever (always revise, always hand off, ...), and the most
   * verdicts (pattern_step answers) the plugin states such a run takes before it ends.
   */
  readonly adversarial: Scenario & { readonly maxSteps: number };
  /** A run in which an agent fails for good, and the outcome the plugin states for it. */
  readonly failing: Scenario & {
    readonly expect: { readonly status: 'completed' | 'failed'; readonly code?: string };
  };
}

export type CheckName =
  | 'describe/manifest agreement'
  | 'determinism'
  | 'replay equivalence'
  | 'bounded termination'
  | 'agent-failure handling';

export interface CheckResult {
  readonly check: CheckName;
  readonly ok: boolean;
  /** What was found: the evidence when it passed, what differed when it did not. */
  readonly detail: string;
}

export interface ConformanceReport {
  /** `name@version` of the plugin. */
  readonly plugin: string;
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export interface ConformanceOptions {
  /** How long a run may take before the suite calls it a hang (default 60 s). */
  readonly runTimeoutMs?: number;
}
