// A worker's tool calls through an attempt's ToolGate (src/agents/worker-tools.ts): a repeated
// tool_call (the worker reconnected) gets the first verdict and the gate runs once; the worker's result
// reaches the gate's fn; a deny carries the hook and code; a tool that failed on the worker is no result.

import { expect, it } from 'vitest';
import type { AgentInvocation, ToolGate } from '../../../src/agents/adapter.js';
import { toolCall, toolResult } from '../../../src/agents/worker-tools.js';
import { ToolDenied } from '../../../src/runtime/run-hooks.js';

function invocation(gate: ToolGate): AgentInvocation {
  return { idempotencyKey: 'r/t/1', tools: gate } as unknown as AgentInvocation;
}

it('asks the gate once per call, hands the worker the allowed args, and waits for its result', async () => {
  const runs: number[] = [];
  const results: unknown[] = [];
  const inv = invocation({
    run: async (_kind, args, fn, call) => {
      runs.push(call!);
      const r = await fn({ ...(args as object), safe: true });
      results.push(r);
      return r;
    },
  });
  const first = toolCall(inv, 1, 'command', { cmd: 'ls' });
  const again = toolCall(inv, 1, 'command', { cmd: 'ls' });
  expect(await first).toEqual({ allowed: true, args: { cmd: 'ls', safe: true } });
  expect(await again).toEqual(await first);
  expect(runs).toEqual([1]);
  await toolResult(inv, 1, { exit: 0 }, false);
  await toolResult(inv, 1, { exit: 1 }, false); // a repeat: the first result stands
  expect(results).toEqual([{ exit: 0 }]);
});

it('a deny names the hook and its code; a failed tool gives the gate no result', async () => {
  const inv = invocation({
    run: (_kind, args, fn, call) => {
      if (call === 1)
        return Promise.reject(new ToolDenied({ ok: false, hook: 'no-net', message: 'hook "no-net" denied' }));
      return Promise.resolve(fn(args));
    },
  });
  expect(await toolCall(inv, 1, 'command', { cmd: 'curl' })).toEqual({
    allowed: false,
    code: 'BATON_E_HOOK_DENIED',
    hook: 'no-net',
    message: 'hook "no-net" denied',
  });
  expect(await toolCall(inv, 2, 'edit', { file: 'a' })).toMatchObject({ allowed: true });
  await expect(toolResult(inv, 2, null, true)).resolves.toBeUndefined();
});

it('runs the tool bare when the attempt has no gate (no hooks)', async () => {
  const inv = { idempotencyKey: 'k' } as unknown as AgentInvocation;
  expect(await toolCall(inv, 1, 'search', { q: 'x' })).toEqual({ allowed: true, args: { q: 'x' } });
});
