import { TaskState, type TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { TaskInvocation, textOf } from '../../../src/agents/a2a-parts.js';
import type { AgentOutcome } from '../../../src/agents/adapter.js';
import { RetryableError, TerminalError, type HandlerContext } from '../../../src/agents/handler.js';
import { inProcessAdapter, moduleAdapter } from '../../../src/agents/in-process.js';
import { BatonError } from '../../../src/errors/registry.js';
import { invocation, isSettled } from './invocation.js';

const live = () => new AbortController().signal;

function errorOf(o: AgentOutcome) {
  if (!('error' in o)) throw new Error(`expected a failed outcome, got state ${o.state}`);
  return o.error;
}

describe('in-process adapter: results', () => {
  it('hands the handler the task input and ids, and returns its result as the output artifact', async () => {
    let seen: HandlerContext | undefined;
    const adapter = inProcessAdapter((ctx) => {
      seen = ctx;
      return { answer: (ctx.input as { n: number }).n * 2 };
    });
    const out = await adapter.invoke(
      invocation(
        { n: 21 },
        { taskId: 'research', instanceKey: 'research[3]', attempt: 2, description: 'Find it' },
      ),
      live(),
    );
    expect(out.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect('output' in out && out.output).toEqual({ answer: 42 });
    expect(out.artifacts[0]?.parts[0]?.content).toEqual({ $case: 'data', value: { answer: 42 } });
    expect(seen).toMatchObject({
      runId: 'run-1',
      taskId: 'research',
      instanceKey: 'research[3]',
      attempt: 2,
    });
    expect(seen?.idempotencyKey).toBe('run-1/7/0');
    expect(textOf(seen!.message.parts)).toBe('Find it');
  });

  it('gives a handler the input and message of an engine-made invocation, and awaits a handler that returns a promise', async () => {
    let seen: HandlerContext | undefined;
    const inv = new TaskInvocation(
      'run-1',
      'plan',
      'plan',
      1,
      'run-1/3/0',
      undefined,
      { q: 'x' },
      'Plan it',
      undefined,
    );
    const sync = await inProcessAdapter((ctx) => {
      seen = ctx;
      return (ctx.input as { q: string }).q;
    }).invoke(inv, live());
    expect('output' in sync && sync.output).toBe('x');
    expect(textOf(seen!.message.parts)).toBe('Plan it');
    const later = await inProcessAdapter(async (ctx) => {
      await new Promise((r) => setImmediate(r));
      return { got: ctx.input };
    }).invoke(inv, live());
    expect('output' in later && later.output).toEqual({ got: { q: 'x' } });
  });

  it('normalises the output to plain JSON (dates become strings, undefined becomes null)', async () => {
    const at = new Date('2024-05-01T00:00:00Z');
    const dated = await inProcessAdapter(() => ({ at, gone: undefined })).invoke(invocation(null), live());
    expect('output' in dated && dated.output).toEqual({ at: '2024-05-01T00:00:00.000Z' });
    const nothing = await inProcessAdapter(() => undefined).invoke(invocation(null), live());
    expect('output' in nothing && nothing.output).toBeNull();
  });

  it('returns a scalar output as JSON has it: non-finite numbers become null, the rest as they are', async () => {
    const outputOf = async (value: unknown) => {
      const out = await inProcessAdapter(() => value).invoke(invocation(null), live());
      expect(out.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(out.artifacts[0]?.parts[0]?.content).toEqual({
        $case: 'data',
        value: 'output' in out && out.output,
      });
      return 'output' in out ? out.output : 'not completed';
    };
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null]) {
      expect(await outputOf(value)).toBeNull();
    }
    expect(await outputOf(-0.5)).toBe(-0.5);
    expect(await outputOf(false)).toBe(false);
    expect(await outputOf('a \u2028 line')).toBe('a \u2028 line');
    expect(await outputOf(Promise.resolve(7))).toBe(7);
  });

  it('rejects an output that cannot be journaled as JSON, saying why', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const out = await inProcessAdapter(() => cyclic).invoke(invocation(null), live());
    expect(out.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(errorOf(out)).toMatchObject({ code: 'BATON_E_AGENT_REJECTED', retryable: false });
    expect(errorOf(out).message).toMatch(/not JSON-serialisable/);
  });
});

describe('in-process adapter: failures are typed, never parsed', () => {
  it('a thrown Error is a retryable failure; a built-in error keeps its name', async () => {
    const out = await inProcessAdapter(() => {
      throw new TypeError('x is undefined');
    }).invoke(invocation(null), live());
    expect(out.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(errorOf(out)).toEqual({
      code: 'BATON_E_AGENT_FAILED',
      message: 'TypeError: x is undefined',
      retryable: true,
    });
  });

  it('an async rejection with a non-Error value is a failure that shows the value', async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
    const out = await inProcessAdapter(() => Promise.reject({ status: 503 })).invoke(
      invocation(null),
      live(),
    );
    expect(errorOf(out)).toMatchObject({
      code: 'BATON_E_AGENT_FAILED',
      message: 'handler threw {"status":503}',
    });
  });

  it('a TerminalError is rejected and never retryable', async () => {
    const out = await inProcessAdapter(() => {
      throw new TerminalError('input is missing the field "question"');
    }).invoke(invocation(null), live());
    expect(out.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(errorOf(out)).toEqual({
      code: 'BATON_E_AGENT_REJECTED',
      message: 'input is missing the field "question"',
      retryable: false,
    });
  });

  it('an error of the same shape from a module that cannot import Baton is terminal too', async () => {
    class BadInput extends Error {
      readonly retryable = false;
    }
    const out = await inProcessAdapter(() => {
      throw new BadInput('no question');
    }).invoke(invocation(null), live());
    expect(errorOf(out)).toMatchObject({ code: 'BATON_E_AGENT_REJECTED', retryable: false });
  });

  it('a RetryableError carries its retry-after hint; a nonsensical hint is dropped', async () => {
    const hinted = await inProcessAdapter(() => {
      throw new RetryableError('rate limited', 1500);
    }).invoke(invocation(null), live());
    expect(errorOf(hinted)).toEqual({
      code: 'BATON_E_AGENT_FAILED',
      message: 'rate limited',
      retryable: true,
      retryAfterMs: 1500,
    });
    const bogus = await inProcessAdapter(() => {
      throw new RetryableError('busy', -5);
    }).invoke(invocation(null), live());
    expect(errorOf(bogus)).not.toHaveProperty('retryAfterMs');
  });
});

describe('in-process adapter: deadline and cancellation', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a handler that ignores its signal still yields a timeout at the deadline, and its signal says why', async () => {
    let handlerSignal: AbortSignal | undefined;
    const adapter = inProcessAdapter((ctx) => {
      handlerSignal = ctx.signal;
      return new Promise(() => {}); // never settles, never looks at the signal
    });
    const out = await adapter.invoke(
      invocation(null, { instanceKey: 'slow', deadline: Date.now() + 20 }),
      live(),
    );
    expect(out.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(errorOf(out)).toMatchObject({ code: 'BATON_E_AGENT_TIMEOUT', retryable: true });
    expect(errorOf(out).message).toMatch(/task slow \(attempt 1\) did not finish by its deadline/);
    expect(handlerSignal?.aborted).toBe(true);
    expect(handlerSignal?.reason).toBeInstanceOf(BatonError);
    expect((handlerSignal?.reason as BatonError).code).toBe('BATON_E_AGENT_TIMEOUT');
  });

  it('a deadline already past times out without starting the handler', async () => {
    const handler = vi.fn(() => 1);
    const out = await inProcessAdapter(handler).invoke(
      invocation(null, { deadline: Date.now() - 1 }),
      live(),
    );
    expect(errorOf(out).code).toBe('BATON_E_AGENT_TIMEOUT');
    expect(handler).not.toHaveBeenCalled();
  });

  it('a deadline weeks away (beyond the 24.8-day timer limit) does not fire early', async () => {
    vi.useFakeTimers();
    const day = 86_400_000;
    const attempt = inProcessAdapter(() => new Promise(() => {})).invoke(
      invocation(null, { deadline: Date.now() + 30 * day }),
      live(),
    );
    await vi.advanceTimersByTimeAsync(29 * day);
    expect(await isSettledUnderFakeTimers(attempt)).toBe(false);
    await vi.advanceTimersByTimeAsync(day);
    expect(errorOf(await attempt).code).toBe('BATON_E_AGENT_TIMEOUT');
  });

  it('aborting the signal cancels the attempt and aborts the handler', async () => {
    const engine = new AbortController();
    let handlerSignal: AbortSignal | undefined;
    const attempt = inProcessAdapter((ctx) => {
      handlerSignal = ctx.signal;
      return new Promise(() => {});
    }).invoke(invocation(null), engine.signal);
    expect(await isSettled(attempt)).toBe(false);
    engine.abort(new Error('run cancelled by alice'));
    const out = await attempt;
    expect(out).toEqual({
      state: TaskState.TASK_STATE_CANCELED,
      artifacts: [],
      reason: 'run cancelled by alice',
    });
    expect(handlerSignal?.aborted).toBe(true);
  });

  it('an attempt whose signal is already aborted is canceled without starting the handler', async () => {
    const handler = vi.fn(() => 1);
    const out = await inProcessAdapter(handler).invoke(invocation(null), AbortSignal.abort('shutting down'));
    expect(out).toMatchObject({ state: TaskState.TASK_STATE_CANCELED, reason: 'shutting down' });
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('in-process adapter: progress', () => {
  it('reports progress as A2A working-state updates, clamped to 0..1, and drops reports after the outcome', async () => {
    const updates: TaskStatusUpdateEvent[] = [];
    let late: (() => void) | undefined;
    const out = await inProcessAdapter((ctx) => {
      ctx.report(0.25, 'indexed the corpus');
      ctx.report(7);
      ctx.report(Number.NaN);
      late = () => ctx.report(1, 'too late');
      return 'ok';
    }).invoke(invocation(null, { onUpdate: (u) => updates.push(u) }), live());
    late?.();
    expect(out.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(updates.map((u) => u.metadata?.progress as unknown)).toEqual([0.25, 1, 0]);
    expect(updates.every((u) => u.status?.state === TaskState.TASK_STATE_WORKING)).toBe(true);
    expect(textOf(updates[0]!.status!.message!.parts)).toBe('indexed the corpus');
    expect(updates[1]!.status!.message).toBeUndefined();
    expect(updates[0]!.contextId).toBe('run-1');
  });
});

describe('module adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-agents-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a handler by path relative to the base directory, default or named export', async () => {
    writeFileSync(
      join(dir, 'double.mjs'),
      'export default ({ input }) => input * 2;\nexport const half = ({ input }) => input / 2;\n',
    );
    const byDefault = await moduleAdapter({ module: 'double.mjs' }, dir).invoke(invocation(8), live());
    expect('output' in byDefault && byDefault.output).toBe(16);
    const named = await moduleAdapter({ module: './double.mjs', export: 'half' }, dir).invoke(
      invocation(8),
      live(),
    );
    expect('output' in named && named.output).toBe(4);
  });

  it('a missing module is unavailable (retryable), and a later attempt loads it once it exists', async () => {
    const adapter = moduleAdapter({ module: 'later.mjs' }, dir);
    const first = await adapter.invoke(invocation(null), live());
    expect(errorOf(first)).toMatchObject({ code: 'BATON_E_AGENT_UNAVAILABLE', retryable: true });
    expect(errorOf(first).message).toContain(join(dir, 'later.mjs'));
    writeFileSync(join(dir, 'later.mjs'), 'export default () => "here now";\n');
    const second = await adapter.invoke(invocation(null), live());
    expect('output' in second && second.output).toBe('here now');
  });

  it('a module without the function export is rejected, naming what it does export', async () => {
    writeFileSync(join(dir, 'data.mjs'), 'export const table = [1, 2];\n');
    const out = await moduleAdapter({ module: 'data.mjs' }, dir).invoke(invocation(null), live());
    expect(out.state).toBe(TaskState.TASK_STATE_REJECTED);
    expect(errorOf(out).message).toMatch(/has no function export "default" \(its exports: table\)/);
  });
});

/** isSettled waits on setImmediate, which fake timers replace; flush microtasks instead. */
async function isSettledUnderFakeTimers(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}
