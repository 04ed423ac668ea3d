// A worker handler's tool calls (ctx.tool over the Work stream) under its run's hooks: the call goes
// through the attempt's ToolGate like an in-process one, its pre-hooks' verdict goes back to the worker,
// the tool runs there, and its result comes back here for the post-hooks.

import type { AgentInvocation, ToolKind } from './adapter.js';
import { fault } from '../telemetry/faults.js';

/** What a worker is told about one tool call (the WorkResponse's ToolVerdict). */
export interface WireToolVerdict {
  /** Run the tool with `args`; false: do not, `code` and `message` say why. */
  readonly allowed: boolean;
  readonly args?: unknown;
  readonly message?: string;
  readonly hook?: string;
  readonly code?: string;
}

export const TOOL_KINDS: readonly ToolKind[] = ['search', 'edit', 'command'];

/** The tool failed on the worker: the gate sees its fn reject, so no post-hooks run. */
class ToolFailedOnWorker extends Error {
  override readonly name = 'ToolFailedOnWorker';
}

interface CallState {
  /** The pre-hooks' verdict: a repeated tool_call (after a reconnect) gets the same one. */
  readonly verdict: Promise<WireToolVerdict>;
  /** The gate's fn waiting for the worker's result, until it comes. */
  waiting?: { resolve(result: unknown): void; reject(e: Error): void };
  /** Resolves once the gate is done with the call (post-hooks journaled). */
  readonly done: Promise<void>;
}

// By invocation: its tool calls, by call number.
const calls = new WeakMap<AgentInvocation, Map<number, CallState>>();

/**
 * The pre-hooks' verdict on call `call` of the attempt. On an allow the gate waits for toolResult with
 * the same number; then it runs the post-hooks. Without a gate (no hooks) the tool runs bare.
 */
export function toolCall(
  inv: AgentInvocation,
  call: number,
  kind: ToolKind,
  args: unknown,
): Promise<WireToolVerdict> {
  const gate = inv.tools;
  if (gate === undefined) return Promise.resolve({ allowed: true, args });
  const mine = calls.get(inv) ?? new Map<number, CallState>();
  calls.set(inv, mine);
  const known = mine.get(call);
  if (known !== undefined) return known.verdict;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  let settle: (v: WireToolVerdict) => void = () => undefined;
  const verdict = new Promise<WireToolVerdict>((r) => (settle = r));
  const state: CallState = { verdict, done };
  mine.set(call, state);
  let allowed = false;
  const fn = (a: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      allowed = true;
      state.waiting = { resolve, reject };
      settle({ allowed: true, args: a });
    });
  gate.run(kind, args, fn, call).then(
    () => finish(),
    (e: unknown) => {
      finish();
      if (!allowed) {
        const err = e as { code?: unknown; message?: unknown; verdict?: { hook?: string } };
        settle({
          allowed: false,
          code: typeof err.code === 'string' ? err.code : 'BATON_E_INTERNAL',
          message: typeof err.message === 'string' ? err.message : String(e),
          ...(err.verdict?.hook !== undefined ? { hook: err.verdict.hook } : {}),
        });
      } else if (!(e instanceof ToolFailedOnWorker))
        fault('worker-tools', `running post-hooks of tool call ${call} of ${inv.idempotencyKey}`, e);
    },
  );
  return verdict;
}

/**
 * What the tool of an allowed call returned (or that it failed): resolves once the post-hooks have run.
 * A repeat resolves with the first one's; a call not known here (from before a restart) at once.
 */
export function toolResult(
  inv: AgentInvocation,
  call: number,
  result: unknown,
  failed: boolean,
): Promise<void> {
  const state = calls.get(inv)?.get(call);
  if (state === undefined) return Promise.resolve();
  const w = state.waiting;
  state.waiting = undefined;
  if (w !== undefined) {
    if (failed) w.reject(new ToolFailedOnWorker(`tool call ${call} failed on the worker`));
    else w.resolve(result);
  }
  return state.done;
}
