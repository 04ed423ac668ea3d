// Starting a run: its workflow prepared (children, module files, pattern plugins checked), refused
// before any run exists when it cannot run, bound to its pattern plugin and hooks, and driven by a new
// actor whose first commit creates the run's row. Also the engine's side of child runs: a parent that
// re-issues a dispatch finds its child again (child-runs.ts is the parent actor's side).

import { randomInt } from 'node:crypto';
import {
  initialState,
  patternFor,
  type BoundHook,
  type ChildWorkflow,
  type RunState,
} from '../core/index.js';
import type { NewRun, Store } from '../store/store.js';
import { RunOwnershipLostError } from '../store/store.js';
import { BatonError, isErrorCode } from '../errors/registry.js';
import type { ResourceConstraintsSpec, WorkflowSpec } from '../spec/schema.js';
import { resolveRunInput } from '../spec/run-input.js';
import { traceparentOf } from '../telemetry/tracing.js';
import { runStarted } from '../telemetry/metrics.js';
import { prepareWorkflow } from './children.js';
import { checkRunnable, hasEnded, newRunId } from './engine-policy.js';
import type { StartOptions } from './engine-options.js';
import type { AgentGateway } from './gateway.js';
import { awaitRunEnd } from './journal-wait.js';
import type { PatternPlugins } from './pattern-plugins.js';
import { RunActor, type ActorHost } from './run-actor.js';
import type { RunHookHost } from './run-hooks.js';
import type { RunOwnership } from './run-ownership.js';
import { startRunTrace } from './run-trace.js';

/** What starting a run uses of the engine. */
export interface StartHost {
  readonly store: Store;
  readonly namespace: string;
  readonly now: () => number;
  readonly patternPlugins: PatternPlugins | undefined;
  readonly maxPatternSteps: number | undefined;
  readonly hookHost: RunHookHost;
  readonly ownership: Pick<RunOwnership, 'owner' | 'leaseMs' | 'newRunLease'>;
  /** The agent side of a run of `workflow` (its agents bound). */
  gateway(workflow: WorkflowSpec, constraints?: ResourceConstraintsSpec): AgentGateway;
  /** What every run actor of the engine is given. */
  actorHost(): ActorHost;
  /** The engine drives the new actor from now on (settled() waits for it). */
  track(actor: RunActor): RunActor;
}

/** Engine.start: see there. */
export async function startRun(
  h: StartHost,
  spec: WorkflowSpec,
  input: unknown,
  options: StartOptions,
): Promise<RunActor> {
  const plugins = h.patternPlugins;
  const prepared = await prepareWorkflow(spec, options.baseDir ?? process.cwd(), {
    store: h.store,
    namespace: h.namespace,
    ...(plugins
      ? {
          hasPlugin: (ref: string) => plugins.has(ref),
          checkPlugin: (child: WorkflowSpec) => bindPattern(h, child, 0).then(() => undefined),
        }
      : {}),
  });
  return startPrepared(h, prepared, input, options);
}

/**
 * A run id already taken makes the first commit fail: `settled()` rejects with RunExistsError. A
 * pattern plugin is loaded and its pattern_init called first; if it cannot be, no run exists.
 */
export async function startPrepared(
  h: StartHost,
  prepared: ChildWorkflow,
  given: unknown,
  options: StartOptions,
): Promise<RunActor> {
  const { workflow, children } = prepared;
  checkRunnable(workflow);
  const input = resolveRunInput(workflow, given);
  const seed = randomInt(2 ** 31);
  const pattern = await bindPattern(h, workflow, seed);
  const hooks = await bindHooks(h, workflow, options.hooks);
  const runId = options.runId ?? newRunId(h.now());
  const gateway = h.gateway(workflow, options.constraints);
  const routes = gateway.routes();
  // The run's row is created with its first entries, in one transaction (see RunActor.commit).
  const create: NewRun = {
    ns: h.namespace,
    runId,
    workflowName: workflow.name,
    workflowVersion: workflow.version,
    status: 'executing',
    createdAt: h.now(),
    input,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    owner: h.ownership.owner,
    leaseMs: h.ownership.leaseMs,
  };
  const fence = h.ownership.newRunLease();
  const actor = h.track(
    new RunActor(h.namespace, runId, initialState(), gateway, h.actorHost(), 'executing', fence, create),
  );
  actor.trace = startRunTrace(workflow.name, h.namespace, runId, options.traceparent);
  const traceparent = traceparentOf(actor.trace);
  runStarted(h.namespace, workflow.name);
  actor.submit({
    type: 'RunStarted',
    runId,
    namespace: h.namespace,
    workflow,
    input,
    options: {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
      ...(Object.keys(children).length === 0 ? {} : { children }),
      ...(pattern === undefined ? {} : { pattern }),
      ...(Object.keys(routes).length === 0 ? {} : { routes }),
      ...(h.maxPatternSteps === undefined ? {} : { maxPatternSteps: h.maxPatternSteps }),
      ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
      ...(options.a2a === undefined ? {} : { a2a: options.a2a }),
      ...(hooks.length === 0 ? {} : { hooks }),
      ...(traceparent === undefined ? {} : { traceparent }),
    },
    seed,
  });
  return actor;
}

/**
 * The hooks a new run is bound to, journaled in its RunStarted: its workflow's and the namespace's
 * global ones now (a child run: its parent's, then its own workflow's). Later changes do not touch it.
 */
async function bindHooks(
  h: StartHost,
  workflow: WorkflowSpec,
  inherited?: readonly BoundHook[],
): Promise<BoundHook[]> {
  if (inherited !== undefined)
    return [...inherited, ...(await h.hookHost.bind(h.namespace, workflow, false))];
  return h.hookHost.bind(h.namespace, workflow);
}

/**
 * The plugin binding of a workflow whose pattern is not native but an installed plugin. A refusal by
 * its pattern_init (a bad pattern_config, a workflow it cannot run) rejects the start: no run exists,
 * as for a native pattern's config error, so `baton run` and StartRun report it at once.
 */
async function bindPattern(h: StartHost, workflow: WorkflowSpec, seed: number) {
  const name = workflow.orchestration_pattern;
  const plugins = h.patternPlugins;
  if (patternFor(name) !== undefined || plugins === undefined || !(await plugins.has(name))) return undefined;
  const binding = await plugins.bind(name, workflow, seed, h.now());
  if (binding.error !== undefined) {
    const { code, message } = binding.error;
    // A plugin may answer a BATON_E_ code this host does not know: the message keeps it.
    if (isErrorCode(code)) throw new BatonError(code, message);
    throw new BatonError('BATON_E_PATTERN_CONFIG', `${code}: ${message}`);
  }
  return binding;
}

/** What the engine's side of child runs uses of the engine. */
export interface ChildRunHost {
  readonly store: Store;
  readonly namespace: string;
  /** True while this engine drives the run. */
  drives(runId: string): boolean;
  start(child: ChildWorkflow, input: unknown, runId: string, hooks: readonly BoundHook[]): Promise<unknown>;
  resume(runId: string): Promise<unknown>;
  load(runId: string): Promise<RunState>;
  settled(runId: string): Promise<RunState>;
}

/**
 * Runs a child (sub-workflow or block) under a run id derived from its parent's dispatch, so a parent
 * that re-issues the dispatch after a crash finds the same child: finished (its result), orphaned
 * (taken over), or not started yet. A child another live instance drives is waited for in the store.
 */
export async function runChildRun(
  host: ChildRunHost,
  child: ChildWorkflow,
  input: unknown,
  runId: string,
  signal?: AbortSignal,
  hooks?: readonly BoundHook[],
): Promise<RunState> {
  const run = await host.store.getRun(host.namespace, runId);
  if (!run) await host.start(child, input, runId, hooks ?? []);
  else if (hasEnded(run.status)) return host.load(runId);
  else if (!host.drives(runId)) {
    try {
      await host.resume(runId);
    } catch (e) {
      if (e instanceof BatonError && e.code === 'BATON_E_RUN_OWNED') return awaitEnd(host, runId, signal);
      throw e;
    }
  }
  try {
    return await host.settled(runId);
  } catch (e) {
    if (e instanceof RunOwnershipLostError) return awaitEnd(host, runId, signal);
    throw e;
  }
}

/** The final state of a run another instance drives, once it ends there. */
async function awaitEnd(
  host: ChildRunHost,
  runId: string,
  signal: AbortSignal | undefined,
): Promise<RunState> {
  await awaitRunEnd(host.store, host.namespace, runId, signal);
  return host.load(runId);
}
