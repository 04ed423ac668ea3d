// What an engine is built with (EngineOptions: the store, bus, adapters and policies the composition
// root, app.ts, hands it) and what a run is started with (StartOptions).

import type { Bus } from '../bus/bus.js';
import type { JournalRecord, Store } from '../store/store.js';
import type { AgentAdapters } from '../agents/adapter-registry.js';
import type { ResourceConstraintsSpec } from '../spec/schema.js';
import type { BoundHook, ScheduleOrigin } from '../core/index.js';
import type { BreakerOptions } from './breaker.js';
import type { PatternPlugins } from './pattern-plugins.js';
import type { RunActor } from './run-actor.js';
import type { RunHookHost } from './run-hooks.js';
import type { InboxHost } from './run-inbox.js';

/** The namespace of runs when none is given. */
export const DEFAULT_NAMESPACE = 'default';

export interface EngineOptions {
  readonly store: Store;
  readonly bus: Bus;
  readonly namespace?: string;
  /** This instance's name in run leases (default: random). */
  readonly owner?: string;
  readonly now?: () => number;
  /** How long a run stays ours without renewal; another instance may take it over after. */
  readonly leaseMs?: number;
  /** Where this instance records its pid, so `baton resume` takes over at once from a crashed one. */
  readonly instanceDir?: string;
  /** Claim and resume, continuously, runs whose owner stopped renewing its lease (`baton serve`). */
  readonly claimExpired?: boolean;
  readonly snapshotEvery?: number;
  /** How often live runs look for commands posted by other processes. */
  readonly inboxPollMs?: number;
  readonly breakers?: BreakerOptions;
  /** How each declared agent is reached, by endpoint kind (filled by the composition root, app.ts). */
  readonly adapters?: AgentAdapters;
  /** Called after each committed turn of any run, with the entries it journaled (progress views). */
  readonly onTurn?: (actor: RunActor, entries: readonly JournalRecord[]) => void;
  /** See InboxHost.takeResult: a worker's result from the inbox handed to the attempt waiting for it. */
  readonly takeResult?: InboxHost['takeResult'];
  /** See InboxHost.takeTool: a worker's forwarded tool call handed to the attempt waiting for it. */
  readonly takeTool?: InboxHost['takeTool'];
  /** Orchestration patterns installed as WASM plugins (a workflow's pattern not built in natively). */
  readonly patternPlugins?: PatternPlugins;
  /** The most pattern steps one run may take (default 10,000): bounds a pattern that never ends a run. */
  readonly maxPatternSteps?: number;
  /** Runs hooks (app.ts builds it with every runner); default: exec and http hooks, no global ones. */
  readonly hookHost?: RunHookHost;
}

export interface StartOptions {
  readonly runId?: string;
  readonly timeoutMs?: number;
  readonly constraints?: ResourceConstraintsSpec;
  /** Directory that relative module endpoints resolve against (the workflow file's folder). */
  readonly baseDir?: string;
  /** The StartRun request_id (idempotency key) the run is created with: see Store.findRunByRequest. */
  readonly requestId?: string;
  /** The schedule fire starting the run, journaled in RunStarted (runtime/scheduler.ts). */
  readonly schedule?: ScheduleOrigin;
  /** The A2A context of a run an A2A message starts, journaled in RunStarted (src/a2a). */
  readonly a2a?: { readonly contextId: string };
  /** A child run's: the hooks its parent run is bound to (its own workflow's are added). */
  readonly hooks?: readonly BoundHook[];
  /**
   * The W3C traceparent of the caller's span: the run's trace continues the caller's. Without it the
   * active context's span (a StartRun call's) is the parent, or the run starts a trace of its own.
   */
  readonly traceparent?: string;
}
