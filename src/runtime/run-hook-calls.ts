// A run actor's hook calls: the blocking chains decide()'s RunHooks asks for (their verdict journaled as
// HookDecided before anything acts on it) and an agent's tool calls under the run's hooks (ctx.tool).
// What the hooks do is run-hooks.ts (RunHookHost); this is the actor's side: one chain per question in
// flight, dropped once the run ended, and nothing asked again that the journal already answers.

import { hookRecord, type InputFields, type RunHooks } from '../core/index.js';
import type { ToolKind } from '../agents/adapter.js';
import { fault } from '../telemetry/faults.js';
import { logger } from '../telemetry/logger.js';
import { inSpan, SpanKind } from '../telemetry/tracing.js';
import { unitOf } from './outcomes.js';
import type { CallingRun, InFlight } from './run-calls.js';
import type { RunHookHost } from './run-hooks.js';

/** A run bound to blocking hooks on an engine without a hook runtime: the question is denied, named. */
function noHookRunner(
  trigger: string,
  subject: string,
  why = 'this engine has no hook runtime',
): InputFields {
  return {
    type: 'HookDecided',
    trigger,
    subject,
    outcome: trigger.startsWith('pre_') || trigger === 'session_start' ? 'deny' : 'warn',
    message: why,
    hooks: [],
  };
}

export class RunHookCalls {
  constructor(
    private readonly run: CallingRun,
    private readonly calls: InFlight,
    private readonly hooks: RunHookHost | undefined,
  ) {}

  /**
   * Runs the blocking hooks a RunHooks command asks for and journals their verdict (HookDecided) before
   * anything acts on it. Asked once at a time per question; a question already answered (a resume
   * re-issued it) is not asked again.
   */
  async answer(c: RunHooks): Promise<void> {
    const run = this.run;
    const key = `hook:${c.trigger}:${c.subject}`;
    const hooks = this.hooks;
    if (run.isStopped || this.calls.has(key) || hookRecord(run.state, c.trigger, c.subject) !== undefined)
      return;
    const ac = new AbortController();
    // The run's end abandons the chain, but session_end's: that one is the end's own.
    this.calls.set(key, ac, c.trigger !== 'session_end');
    let fields: InputFields;
    try {
      fields =
        hooks !== undefined
          ? await hooks.answer(run.state, c, ac.signal)
          : noHookRunner(c.trigger, c.subject);
    } catch (e) {
      fault('run-actor', `running ${c.trigger} hooks of run ${run.runId}`, e);
      fields = noHookRunner(c.trigger, c.subject, String(e));
    }
    this.calls.end(key, ac);
    if (run.isStopped || ac.signal.aborted) return this.calls.settle();
    // The run ended (a cancel) while the chain ran: its verdict decides nothing any more.
    if (run.ended && c.trigger !== 'session_end') {
      logger('run-actor').debug(`run ${run.runId} has ended: ${c.trigger} verdict on ${c.subject} dropped`);
      return this.calls.settle();
    }
    run.submit(fields);
  }

  /** An agent's tool call under the run's hooks (ctx.tool): see RunHookHost.tool. */
  toolCall<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    // One `execute_tool {kind}` span per call (GenAI conventions), under the attempt's span when the
    // handler runs in it; the hooks' chain spans are its children.
    return inSpan(
      `execute_tool ${kind}`,
      SpanKind.INTERNAL,
      { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': kind, 'baton.task.key': key },
      undefined,
      () => this.guardedTool(key, attempt, call, kind, args, fn),
    );
  }

  private guardedTool<T>(
    key: string,
    attempt: number,
    call: number,
    kind: ToolKind,
    args: unknown,
    fn: (args: unknown) => T | Promise<T>,
  ): Promise<T> {
    const hooks = this.hooks;
    if (hooks === undefined) return Promise.resolve().then(() => fn(args));
    const run = this.run;
    const agent = run.state.units.get(unitOf(key))?.instance ?? undefined;
    const journal = (fields: InputFields): Promise<void> =>
      new Promise((resolve) => run.submit(fields, () => resolve()));
    return hooks.tool(
      run.state,
      { key, attempt, call, ...(agent !== undefined ? { agent } : {}) },
      kind,
      args,
      async (a) => fn(a),
      journal,
      new AbortController().signal,
    );
  }
}
