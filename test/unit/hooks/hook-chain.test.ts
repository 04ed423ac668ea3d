// A trigger's hooks as a chain: matching, ascending priority, first deny stops the rest but always_run,
// fail closed/open by trigger, transforms limited to what the trigger guards, per-hook timeouts.

import { describe, expect, it } from 'vitest';
import { chainOrder, globMatch, runChain, type Guard } from '../../../src/hooks/hook-chain.js';
import {
  compileHook,
  hookConfig,
  hookKind,
  type HookConfig,
  type HookExecution,
  type HookInvocation,
  type HookRunner,
  type HookVerdict,
} from '../../../src/hooks/hook-model.js';
import { ExecHookRunner } from '../../../src/hooks/hook-exec.js';
import { mergePatch } from '../../../src/hooks/merge-patch.js';
import { Hook } from '../../../src/spec/schema.js';

const inv: HookInvocation = {
  trigger: 'pre_task',
  namespace: 'default',
  runId: 'r1',
  workflow: 'wf',
  task: 'research[2]',
  agent: 'writer',
  attempt: 1,
  context: { input: { q: 'x' }, agent: 'writer' },
  idempotencyKey: 'r1/pre_task/research[2]/1',
};

/** A hook answering by an sh script (exec, the real runner). */
const sh = (name: string, script: string, over: Partial<HookConfig> = {}): HookConfig => ({
  ...hookConfig({ name, trigger: 'pre_task', command: 'sh', args: ['-c', script] }, 'workflow'),
  ...over,
});
const runners = { exec: new ExecHookRunner() };
const never = new AbortController().signal;
const guard = (candidates: string[]): Guard => ({
  value: { input: { q: 'x' }, agent: 'writer' },
  check: (next) =>
    candidates.includes(next.agent as string) ? undefined : `agent "${String(next.agent)}" is not capable`,
});

describe('hook chain', () => {
  it('matches by trigger, enabled and matcher globs, and orders by ascending priority', () => {
    const hooks = [
      sh('late', '', { priority: 200 }),
      sh('early', '', { priority: 5 }),
      sh('other-task', '', { matcher: { task: 'write*' } }),
      sh('this-task', '', { matcher: { task: '{research,review}', agent: 'wr*' } }),
      sh('off', '', { enabled: false }),
      sh('post', '', { trigger: 'post_task' }),
    ];
    expect(chainOrder(hooks, inv).map((h) => h.name)).toEqual(['early', 'this-task', 'late']);
    expect(globMatch('*', undefined)).toBe(true);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('{x', '{x')).toBe(true);
  });

  it('runs in order, and the first deny stops the rest except always_run hooks', async () => {
    const seen: HookExecution[] = [];
    const r = await runChain(
      [
        sh('audit', `echo '{"verdict":"allow"}'`, { priority: 300, always_run: true }),
        sh('second', `echo '{"verdict":"allow"}'`, { priority: 20 }),
        sh('policy', `echo no >&2; exit 2`, { priority: 10 }),
        sh('first', `echo '{"verdict":"warn","message":"slow"}'`, { priority: 1 }),
      ],
      inv,
      guard(['writer']),
      never,
      { runners, logs: { record: (e) => Promise.resolve(void seen.push(e)) } },
    );
    expect(r.steps.map((s) => `${s.name}:${s.outcome}`)).toEqual([
      'first:warn',
      'policy:deny',
      'second:skipped',
      'audit:allow',
    ]);
    expect(r).toMatchObject({ outcome: 'deny', hook: 'policy', message: 'no' });
    expect(r.steps[1]!.ref).toBe('sh -c echo no >&2; exit 2');
    await new Promise((res) => setTimeout(res, 20));
    expect(seen.map((e) => `${e.hook}:${e.verdict}`).sort()).toEqual([
      'audit:allow',
      'first:warn',
      'policy:deny',
    ]);
    expect(seen[0]!.inputDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('transforms apply in turn to what the trigger guards; each hook sees the last one’s result', async () => {
    const r = await runChain(
      [
        sh('one', `echo '{"verdict":"transform","patch":{"input":{"lang":"en"}}}'`, { priority: 1 }),
        // Sees lang=en from "one" in its context and answers with it.
        sh(
          'two',
          `read l; case "$l" in *'"lang":"en"'*) echo '{"verdict":"transform","patch":{"agent":"critic","input":{"q":null}}}';; *) exit 2;; esac`,
          { priority: 2 },
        ),
      ],
      inv,
      guard(['writer', 'critic']),
      never,
      { runners },
    );
    expect(r).toMatchObject({
      outcome: 'transform',
      hook: 'two',
      guarded: { input: { lang: 'en' }, agent: 'critic' },
    });
  });

  it('a transform outside what the trigger allows is refused as the hook’s failure', async () => {
    const r = await runChain(
      [sh('pick', `echo '{"verdict":"transform","patch":{"agent":"intruder"}}'`)],
      inv,
      guard(['writer']),
      never,
      { runners },
    );
    expect(r).toMatchObject({ outcome: 'deny', hook: 'pick' });
    expect(r.message).toContain('its transform was refused: agent "intruder" is not capable');
    const post = await runChain(
      [sh('t', `echo '{"verdict":"transform","patch":{"x":1}}'`, { trigger: 'post_task', fail: 'open' })],
      { ...inv, trigger: 'post_task' },
      undefined,
      never,
      { runners },
    );
    expect(post).toMatchObject({ outcome: 'warn' });
    expect(post.message).toContain('post_task guards nothing a hook may change');
  });

  it('fails closed for pre_* and open for post_* by default; a crashing runner or a missing one is contained', async () => {
    const crash: HookRunner = { kind: 'http', run: () => Promise.reject(new Error('kaboom')) };
    const pre = await runChain(
      [sh('web', '', { kind: 'http', command: 'http://x' })],
      inv,
      undefined,
      never,
      { runners: { http: crash } },
    );
    expect(pre).toMatchObject({ outcome: 'deny', hook: 'web' });
    expect(pre.steps[0]!.error).toBe('kaboom');
    const post = await runChain(
      [sh('w', '', { trigger: 'post_task', kind: 'wasm', command: 'a@1', fail: 'open' })],
      { ...inv, trigger: 'post_task' },
      undefined,
      never,
      { runners: {} },
    );
    expect(post).toMatchObject({ outcome: 'warn' });
    expect(post.steps[0]!.error).toBe('no runner for wasm hooks');
  });

  it('gives up on a runner that ignores its timeout (plus grace)', async () => {
    const stuck: HookRunner = { kind: 'http', run: () => new Promise<HookVerdict>(() => undefined) };
    const r = await runChain([sh('stuck', '', { kind: 'http', timeout_ms: 50 })], inv, undefined, never, {
      runners: { http: stuck },
      graceMs: 10,
    });
    expect(r).toMatchObject({ outcome: 'deny', hook: 'stuck' });
    expect(r.steps[0]!.error).toBe('timed out after 50 ms');
  });

  it('compiles a workflow hook with every default, and infers its kind', () => {
    expect(hookKind('https://hooks.example/x')).toBe('http');
    expect(hookKind('assign@1.0.0')).toBe('wasm');
    expect(hookKind('./scripts/check.sh')).toBe('exec');
    const pre = compileHook(Hook.parse({ name: 'p', trigger: 'pre_task', command: 'x', tasks: ['a', 'b'] }));
    expect(pre).toMatchObject({
      kind: 'exec',
      mode: 'blocking',
      fail: 'closed',
      priority: 100,
      timeout_ms: 30_000,
      matcher: { task: '{a,b}' },
      source: 'workflow',
    });
    const note = compileHook(
      Hook.parse({
        name: 'n',
        trigger: 'notification',
        command: 'https://x',
        matcher: { agent: 'w*' },
        tasks: ['a'],
      }),
    );
    expect(note).toMatchObject({
      kind: 'http',
      mode: 'async',
      fail: 'open',
      matcher: { agent: 'w*', task: 'a' },
    });
  });

  it('merge patch follows RFC 7386', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] })).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      f: [1],
    });
    expect(mergePatch({ a: 1 }, 'x')).toBe('x');
    expect(mergePatch('x', { a: 1 })).toEqual({ a: 1 });
  });
});
