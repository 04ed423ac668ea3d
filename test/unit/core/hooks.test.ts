// The pure half of hooks: where decide() holds a run for its blocking hooks' verdict (RunHooks), and
// what a journaled HookDecided makes happen. The runtime's half is test/integration/hooks/*.

import { describe, expect, it } from 'vitest';
import type { BoundHook, HookDecided, RunOptions } from '../../../src/core/index.js';
import { fold, restore, snapshot } from '../../../src/core/index.js';
import { Sim, echo, workflow } from './sim.js';

const hook = (trigger: string, over: Partial<BoundHook> = {}): BoundHook => ({
  name: `${trigger}-hook`,
  trigger,
  mode: 'blocking',
  enabled: true,
  ...over,
});
const bound = (...hooks: BoundHook[]): RunOptions => ({ hooks });

type Verdict = Omit<HookDecided, 'seq' | 'at' | 'v' | 'type' | 'trigger' | 'subject' | 'hooks'>;

/** Answers the oldest unanswered question for `trigger` as the runtime would. */
function answer(sim: Sim, trigger: string, v: Verdict = { outcome: 'allow' }) {
  const asked = sim.hookAsks.filter((c) => c.trigger === trigger);
  const done = new Set(sim.entries('HookDecided').map((e) => `${e.trigger}:${e.subject}`));
  const c = asked.find((a) => !done.has(`${a.trigger}:${a.subject}`));
  if (c === undefined) throw new Error(`no open ${trigger} question`);
  sim.input({ type: 'HookDecided', trigger, subject: c.subject, hooks: [], ...v });
  return c;
}

describe('hooks in decide()', () => {
  it('without blocking hooks a run never waits (async hooks are the runtime’s alone)', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(
      wf,
      {},
      bound(hook('pre_task', { mode: 'async' }), hook('post_task', { enabled: false })),
    );
    sim.drive(echo);
    expect(sim.state.status).toBe('completed');
    expect(sim.hookAsks).toEqual([]);
  });

  it('session_start holds every task until its verdict; a deny fails the run naming the hook', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(wf, { q: 1 }, bound(hook('session_start')));
    expect(sim.dispatches).toEqual([]);
    expect(sim.hookAsks[0]).toMatchObject({
      trigger: 'session_start',
      subject: 'run',
      context: { input: { q: 1 } },
    });
    answer(sim, 'session_start');
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x']);

    const denied = new Sim().start(wf, {}, bound(hook('session_start')));
    answer(denied, 'session_start', { outcome: 'deny', hook: 'gate', message: 'closed today' });
    expect(denied.state.status).toBe('failed');
    expect(denied.state.error).toMatchObject({
      code: 'BATON_E_HOOK_DENIED',
      message: 'hook "gate" denied session_start: closed today',
    });
    expect(denied.dispatches).toEqual([]);
  });

  it('pre_task: an attempt is dispatched only after its verdict, with the input and agent it chose', () => {
    const wf = workflow([
      { id: 'x', agent: 'a', input: '{"n": 1}' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const sim = new Sim().start(wf, {}, bound(hook('pre_task')));
    const asked = sim.hookAsks[0]!;
    expect(asked).toMatchObject({ trigger: 'pre_task', subject: 'x/1', key: 'x', attempt: 1 });
    expect(asked.context).toMatchObject({ task: 'x', agent: 'a', candidates: ['a', 'b'], input: { n: 1 } });
    expect(sim.dispatches).toEqual([]);
    answer(sim, 'pre_task', { outcome: 'transform', hook: 'fix', input: { n: 2 }, agent: 'b' });
    expect(sim.dispatches[0]).toMatchObject({ key: 'x', agent: 'b', input: { n: 2 } });
    sim.complete('x', 'ok');
    answer(sim, 'pre_task');
    sim.complete('y', 'ok');
    expect(sim.state.status).toBe('completed');
    // Journal order: every dispatch follows its verdict.
    const order = sim.journal.map((e) => e.type).filter((t) => t === 'HookDecided' || t === 'TaskDispatched');
    expect(order).toEqual(['HookDecided', 'TaskDispatched', 'HookDecided', 'TaskDispatched']);
  });

  it('pre_task deny fails the task at once (no retry) and the run compensates', () => {
    const wf = workflow([
      { id: 'x', agent: 'a', compensate: { agent: 'a' } },
      { id: 'y', agent: 'a', depends_on: ['x'], retry: { max_attempts: 5 } },
    ]);
    const sim = new Sim().start(wf, {}, bound(hook('pre_task')));
    answer(sim, 'pre_task');
    sim.complete('x', 'ok');
    answer(sim, 'pre_task', { outcome: 'deny', hook: 'policy', message: 'no y on Sundays' });
    expect(sim.entries('TaskFailed')[0]).toMatchObject({
      key: 'y',
      attempt: 0,
      error: { code: 'BATON_E_HOOK_DENIED', retryable: false },
    });
    expect(sim.entries('RetryScheduled')).toEqual([]);
    expect(sim.compensations.map((c) => c.key)).toEqual(['x']);
    sim.drive(echo);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error?.message).toContain('hook "policy" denied pre_task: no y on Sundays');
  });

  it('pre_task asks again for a retry attempt, and fan-out instances one after another', () => {
    const wf = workflow([
      { id: 'f', agent: 'a', for_each: '[1, 2]', parallel: 2, retry: { max_attempts: 2, jitter: false } },
    ]);
    const sim = new Sim().start(wf, {}, bound(hook('pre_task')));
    expect(sim.hookAsks.map((c) => c.subject)).toEqual(['f[0]/1']);
    answer(sim, 'pre_task');
    expect(sim.hookAsks.map((c) => c.subject)).toEqual(['f[0]/1', 'f[1]/1']);
    answer(sim, 'pre_task');
    expect(sim.dispatches.map((d) => d.key)).toEqual(['f[0]', 'f[1]']);
    sim.fail('f[0]', { code: 'E', retryable: true });
    expect(sim.entries('RetryScheduled')).toHaveLength(1);
    sim.fire([...sim.timers.keys()].find((t) => t.startsWith('retry'))!);
    expect(sim.hookAsks.at(-1)?.subject).toBe('f[0]/2');
    answer(sim, 'pre_task');
    sim.complete('f[0]', 1);
    sim.complete('f[1]', 2);
    expect(sim.state.status).toBe('completed');
  });

  it('a verdict that is no longer wanted changes nothing, and a second answer to one question is ignored', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(wf, {}, bound(hook('pre_task')));
    answer(sim, 'pre_task');
    sim.input({ type: 'HookDecided', trigger: 'pre_task', subject: 'x/1', outcome: 'deny', hooks: [] });
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.dispatches).toHaveLength(1);
    sim.input({ type: 'HookDecided', trigger: 'pre_task', subject: 'x/7', outcome: 'allow', hooks: [] });
    expect(sim.dispatches).toHaveLength(1);
  });

  it('post_task holds the result until its verdict: allow goes on, deny fails the task with the reason', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const sim = new Sim().start(wf, {}, bound(hook('post_task')));
    sim.complete('x', { v: 1 });
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x']);
    expect(sim.hookAsks[0]).toMatchObject({
      trigger: 'post_task',
      subject: 'x/1',
      context: { output: { v: 1 } },
    });
    answer(sim, 'post_task', { outcome: 'warn', message: 'long' });
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x', 'y']);
    sim.complete('y', 2);
    answer(sim, 'post_task', { outcome: 'deny', hook: 'qa', message: 'empty answer' });
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({
      code: 'BATON_E_HOOK_DENIED',
      key: 'y',
      message: 'hook "qa" denied post_task: empty answer',
    });
    expect(sim.entries('RetryScheduled')).toEqual([]);
  });

  it('post_task on a repeating task decides the repeat after the verdict', () => {
    const wf = workflow([{ id: 'r', agent: 'a', repeat: { until: 'output > 1', max_iterations: 3 } }]);
    const sim = new Sim().start(wf, {}, bound(hook('post_task')));
    sim.complete('r', 1);
    answer(sim, 'post_task');
    expect(sim.entries('RepeatDecided')[0]).toMatchObject({ again: true });
    sim.complete('r#2', 2);
    answer(sim, 'post_task');
    expect(sim.state.status).toBe('completed');
  });

  it('recovery asks again what had no verdict, with the same subject, and never what had one', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const sim = new Sim().start(wf, {}, bound(hook('session_start'), hook('pre_task'), hook('post_task')));
    expect(Sim.recover(sim.journal, sim.now).hookAsks.map((c) => c.subject)).toEqual(['run']);
    answer(sim, 'session_start');
    let again = Sim.recover(sim.journal, sim.now);
    expect(again.hookAsks.map((c) => `${c.trigger}:${c.subject}`)).toEqual(['pre_task:x/1']);
    answer(sim, 'pre_task', { outcome: 'transform', input: { changed: true } });
    again = Sim.recover(sim.journal, sim.now);
    expect(again.hookAsks).toEqual([]);
    expect(again.calls.get('x')).toMatchObject({ redispatch: true, input: { changed: true } });
    sim.complete('x', 1);
    again = Sim.recover(sim.journal, sim.now);
    expect(again.hookAsks.map((c) => `${c.trigger}:${c.subject}`)).toEqual(['post_task:x/1']);
    answer(again, 'post_task');
    expect(again.hookAsks.at(-1)?.subject).toBe('y/1');
    // A snapshot keeps the verdicts: a restored run does not ask them again.
    const restored = restore(snapshot(fold(again.journal)));
    expect(restored.hooks?.['pre_task:x/1']).toEqual({ outcome: 'transform', input: { changed: true } });
  });

  it('session_end is asked once the run ended (any mode), recorded after the end; recovery asks until it is', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(
      wf,
      {},
      bound(hook('session_end', { mode: 'async' }), hook('pre_task', { mode: 'async' })),
    );
    expect(sim.hookAsks).toEqual([]);
    sim.complete('x', 'ok');
    expect(sim.state.status).toBe('completed');
    expect(sim.hookAsks).toEqual([
      expect.objectContaining({
        trigger: 'session_end',
        subject: 'run',
        context: expect.objectContaining({ status: 'completed', output: { x: 'ok' } }) as unknown,
      }),
    ]);
    // A crash before the record: the ended run owes its session_end hooks, asked again.
    expect(Sim.recover(sim.journal, sim.now).hookAsks.map((c) => c.trigger)).toEqual(['session_end']);
    answer(sim, 'session_end', { outcome: 'warn', message: 'saved' });
    expect(sim.state.status).toBe('completed');
    expect(sim.state.hooks?.['session_end:run']).toEqual({ outcome: 'warn', message: 'saved' });
    expect(Sim.recover(sim.journal, sim.now).hookAsks).toEqual([]);
  });

  it('session_end: a failed or cancelled run asks too; disabled hooks or none ask nothing', () => {
    const wf = workflow([{ id: 'x', agent: 'a', retry: { max_attempts: 1 } }]);
    const failed = new Sim().start(wf, {}, bound(hook('session_end')));
    failed.fail('x', { code: 'E_BAD', retryable: false });
    expect(failed.state.status).toBe('failed');
    expect(failed.hookAsks[0]).toMatchObject({ trigger: 'session_end', context: { status: 'failed' } });
    const cancelled = new Sim().start(wf, {}, bound(hook('session_end')));
    cancelled.input({ type: 'RunCancelRequested', by: 'me', reason: 'stop' });
    expect(cancelled.state.status).toBe('cancelled');
    expect(cancelled.hookAsks[0]).toMatchObject({ trigger: 'session_end', context: { status: 'cancelled' } });
    const off = new Sim().start(wf, {}, bound(hook('session_end', { enabled: false })));
    off.complete('x', 1);
    expect(off.state.status).toBe('completed');
    expect(off.hookAsks).toEqual([]);
    expect(Sim.recover(off.journal, off.now).hookAsks).toEqual([]);
  });

  it('session_restore is asked on a takeover and on resume; a deny fails the run', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(wf, {}, bound(hook('session_restore')));
    sim.input({ type: 'RunTakenOver', fromEpoch: 1, to: 'i2', epoch: 2 });
    const c = sim.hookAsks[0]!;
    expect(c).toMatchObject({
      trigger: 'session_restore',
      subject: 'restore@3',
      context: { by: 'takeover', tasks: { x: 'running' } },
    });
    sim.input({ type: 'RunPaused', by: 'me' });
    sim.input({ type: 'RunResumed', by: 'me' });
    expect(sim.hookAsks[1]).toMatchObject({ subject: 'restore@5', context: { by: 'resume' } });
    answer(sim, 'session_restore');
    answer(sim, 'session_restore', { outcome: 'deny', hook: 'r', message: 'stale' });
    expect(sim.state.status).toBe('failed');
  });

  it('tool verdicts are recorded for the agent to read and change nothing else', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(wf, {}, bound(hook('pre_command')));
    sim.input({
      type: 'HookDecided',
      trigger: 'pre_command',
      subject: 'x/1/tool1',
      outcome: 'transform',
      args: { cmd: 'ls' },
      hooks: [],
    });
    expect(sim.state.hooks?.['pre_command:x/1/tool1']).toEqual({ outcome: 'transform', args: { cmd: 'ls' } });
    sim.drive(echo);
    expect(sim.state.status).toBe('completed');
  });
});
