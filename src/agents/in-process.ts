// The in-process adapter: runs a handler (a function, or a module export loaded by path) in this
// process, and enforces cancellation and the deadline even when the handler ignores its signal.
// Module agents are trusted code: loading one runs it with the engine's own permissions.

import type { Message } from '@a2a-js/sdk';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatonError } from '../errors/registry.js';
import { invocationInput, outputArtifact, progressUpdate } from './a2a-parts.js';
import {
  agentFailure,
  canceled,
  completed,
  failed,
  type AgentAdapter,
  type AgentFailure,
  type AgentInvocation,
  type AgentOutcome,
} from './adapter.js';
import { failureFromThrown, type AgentHandler, type HandlerContext } from './handler.js';

/** Where a module agent lives: the `endpoint` of an agent declared with `module:`. */
export interface ModuleEndpoint {
  /** Path of an ES module, relative to the base directory (the workflow file's folder). */
  readonly module: string;
  /** The handler's export name; default "default". */
  readonly export?: string;
}

type Loaded =
  | { readonly ok: true; readonly handler: AgentHandler }
  | { readonly ok: false; readonly failure: AgentFailure };
/** A handler given directly is there at once; a module's is imported (a promise) on first use. */
type HandlerSource = () => Loaded | Promise<Loaded>;

/** An adapter for a handler function given directly. */
export function inProcessAdapter(handler: AgentHandler): AgentAdapter {
  const loaded: Loaded = { ok: true, handler };
  return { invoke: (invocation, signal) => runAttempt(() => loaded, invocation, signal) };
}

/**
 * An adapter for a module's handler export, imported on first use. A module that cannot be
 * imported is UNAVAILABLE (retryable: the file may yet appear) and is tried again on the next
 * attempt; a module without that function export is REJECTED (no retry can fix the workflow).
 */
export function moduleAdapter(endpoint: ModuleEndpoint, baseDir: string): AgentAdapter {
  const path = resolve(baseDir, endpoint.module);
  const exportName = endpoint.export ?? 'default';
  let cached: Promise<Loaded> | undefined;
  // Once imported, the handler is at hand: later attempts call it without awaiting the import again.
  let ready: Loaded | undefined;
  const load: HandlerSource = () =>
    ready ??
    (cached ??= importHandler(path, exportName).then((loaded) => {
      if (!loaded.ok && loaded.failure.retryable) cached = undefined;
      else ready = loaded;
      return loaded;
    }));
  return { invoke: (invocation, signal) => runAttempt(load, invocation, signal) };
}

async function importHandler(path: string, exportName: string): Promise<Loaded> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      failure: agentFailure('BATON_E_AGENT_UNAVAILABLE', `could not load agent module ${path}: ${why}`),
    };
  }
  const handler = mod[exportName];
  if (typeof handler === 'function') return { ok: true, handler: handler as AgentHandler };
  const found = Object.keys(mod).join(', ') || 'none';
  return {
    ok: false,
    failure: agentFailure(
      'BATON_E_AGENT_REJECTED',
      `agent module ${path} has no function export "${exportName}" (its exports: ${found})`,
    ),
  };
}

const ONCE = { once: true } as const;

/**
 * One attempt: the first of handler result, engine cancel and deadline decides the outcome. A handler
 * already loaded, with no deadline to watch, is called at once; only a promise it returns races the
 * engine's cancel (a synchronous handler cannot be cancelled halfway, so it needs no listener).
 */
function runAttempt(load: HandlerSource, inv: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome> {
  if (signal.aborted) return Promise.resolve(canceled(reasonText(signal.reason)));
  if (inv.deadline === undefined) {
    const source = load();
    if (!(source instanceof Promise)) return callNow(source, inv, signal);
  }
  return raceAttempt(load, inv, signal);
}

/** A handler's context. Its outcome, once decided (settled), ignores later progress reports. */
class AttemptContext implements HandlerContext {
  readonly input: unknown;
  readonly runId: string;
  readonly taskId: string;
  readonly instanceKey: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly signal: AbortSignal;
  readonly #inv: AgentInvocation;
  #settled = false;
  #updates = 0;
  #report: HandlerContext['report'] | undefined;

  constructor(inv: AgentInvocation, signal: AbortSignal) {
    this.#inv = inv;
    this.input = invocationInput(inv);
    this.runId = inv.runId;
    this.taskId = inv.taskId;
    this.instanceKey = inv.instanceKey;
    this.attempt = inv.attempt;
    this.idempotencyKey = inv.idempotencyKey;
    this.signal = signal;
  }

  /** A function of its own, like `report`. Without hooks (or outside a run) the tool runs bare. */
  readonly tool: HandlerContext['tool'] = (kind, args, fn) => {
    const gate = this.#inv.tools;
    return gate !== undefined ? gate.run(kind, args, fn) : Promise.resolve().then(() => fn(args));
  };

  /** Built only if the handler reads it. */
  get message(): Message {
    return this.#inv.message;
  }

  /** A function of its own, so a handler may take it out of the context (`({ report }) => ...`). */
  get report(): HandlerContext['report'] {
    return (this.#report ??= (progress, text) => this.#progress(progress, text));
  }

  #progress(progress: number, text: string | undefined): void {
    const inv = this.#inv;
    if (this.#settled || !inv.onUpdate) return;
    this.#updates += 1;
    inv.onUpdate(
      progressUpdate({
        // In process, the dispatch itself is the A2A task: its idempotency key names it.
        taskId: inv.idempotencyKey,
        contextId: inv.runId,
        messageId: `${inv.idempotencyKey}/progress/${this.#updates}`,
        progress: progress > 0 ? Math.min(progress, 1) : 0,
        text,
        at: new Date(),
      }),
    );
  }

  /** Decides the outcome; false when it already was. (Static: a handler sees no such method.) */
  static settle(c: AttemptContext): boolean {
    if (c.#settled) return false;
    c.#settled = true;
    return true;
  }

  static settled(c: AttemptContext): boolean {
    return c.#settled;
  }
}

const settle = (c: AttemptContext): boolean => AttemptContext.settle(c);

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') &&
  v !== null &&
  typeof (v as { then?: unknown }).then === 'function';

/** Calls a loaded handler now; what it returns synchronously is the outcome, a promise races the cancel. */
function callNow(loaded: Loaded, inv: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome> {
  if (!loaded.ok) return Promise.resolve(failed(loaded.failure));
  const ctx = new AttemptContext(inv, signal);
  let value: unknown;
  try {
    value = loaded.handler(ctx);
  } catch (e) {
    settle(ctx);
    return Promise.resolve(failed(failureFromThrown(e)));
  }
  if (!isThenable(value)) {
    settle(ctx);
    return Promise.resolve(completedWith(value));
  }
  return new Promise<AgentOutcome>((done) => {
    const finish = (outcome: AgentOutcome): void => {
      if (!settle(ctx)) return;
      signal.removeEventListener('abort', onCancel);
      done(outcome);
    };
    const onCancel = (): void => finish(canceled(reasonText(signal.reason)));
    signal.addEventListener('abort', onCancel, ONCE);
    Promise.resolve(value).then(
      (v) => finish(completedWith(v)),
      (e: unknown) => finish(failed(failureFromThrown(e))),
    );
  });
}

/** A handler still loading, or a deadline to enforce: the handler races the engine's cancel and the clock. */
function raceAttempt(load: HandlerSource, inv: AgentInvocation, signal: AbortSignal): Promise<AgentOutcome> {
  return new Promise<AgentOutcome>((done) => {
    // The handler's own signal: aborted on engine cancel and on the deadline, which the engine's
    // signal knows nothing about. Without a deadline the engine's signal serves (one fewer per call).
    const handlerAbort = inv.deadline === undefined ? undefined : new AbortController();
    const ctx = new AttemptContext(inv, handlerAbort?.signal ?? signal);
    let stopDeadline: (() => void) | undefined;
    const finish = (outcome: AgentOutcome): void => {
      if (!settle(ctx)) return;
      signal.removeEventListener('abort', onCancel);
      stopDeadline?.();
      done(outcome);
    };

    const onCancel = (): void => {
      handlerAbort?.abort(signal.reason);
      finish(canceled(reasonText(signal.reason)));
    };
    signal.addEventListener('abort', onCancel, ONCE);
    if (inv.deadline !== undefined) {
      const deadline = inv.deadline;
      stopDeadline = armDeadline(deadline, () => {
        const failure = agentFailure(
          'BATON_E_AGENT_TIMEOUT',
          `task ${inv.instanceKey} (attempt ${inv.attempt}) did not finish by its deadline ${new Date(deadline).toISOString()}`,
        );
        handlerAbort?.abort(new BatonError(failure.code, failure.message));
        finish(failed(failure));
      });
    }

    const run = async (): Promise<AgentOutcome | undefined> => {
      const source = load();
      const loaded = source instanceof Promise ? await source : source;
      if (!loaded.ok) return failed(loaded.failure);
      // Cancelled or out of time while loading: the outcome is decided, so the handler never starts.
      if (AttemptContext.settled(ctx)) return undefined;
      let value: unknown;
      try {
        value = await loaded.handler(ctx);
      } catch (e) {
        return failed(failureFromThrown(e));
      }
      return completedWith(value);
    };
    // run() catches what the handler throws; the rejection path only guards the promise that
    // invoke never rejects against a bug here.
    run().then(
      (outcome) => outcome && finish(outcome),
      (e: unknown) => finish(failed(failureFromThrown(e))),
    );
  });
}

/** The artifacts of a null output, shared (outcomes are read, never changed). */
const NULL_OUTPUT = Object.freeze([outputArtifact(null)]);

/** The output is journaled and sent over the wire: normalise it to plain JSON now, or reject it. */
function completedWith(value: unknown): AgentOutcome {
  // A scalar is its own JSON form (NaN and the infinities become null, as JSON.stringify has them).
  if (value === null || value === undefined) return completed(NULL_OUTPUT, null);
  const type = typeof value;
  if (type === 'string' || type === 'boolean' || (type === 'number' && Number.isFinite(value))) {
    return completed([outputArtifact(value)], value);
  }
  let output: unknown;
  try {
    const json = JSON.stringify(value);
    output = json === undefined ? null : JSON.parse(json);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return failed(
      agentFailure('BATON_E_AGENT_REJECTED', `the handler's output is not JSON-serialisable: ${why}`),
    );
  }
  return completed([outputArtifact(output)], output);
}

// setTimeout fires at once for delays beyond 2^31-1 ms (~24.8 days), so long deadlines re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

function armDeadline(deadline: number, onExpire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = deadline - Date.now();
    if (left <= 0) onExpire();
    else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'canceled by the engine';
}
