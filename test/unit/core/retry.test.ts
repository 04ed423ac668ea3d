import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY,
  backoffMs,
  retryPolicy,
  shouldRetry,
  type TaskError,
} from '../../../src/core/index.js';
import { unitHash } from '../../../src/core/retry.js';
import { Sim, workflow } from './sim.js';

const err = (over: Partial<TaskError> = {}): TaskError => ({
  code: 'BATON_E_AGENT_FAILED',
  message: 'boom',
  retryable: true,
  kind: 'error',
  ...over,
});

describe('retry policy', () => {
  it('defaults to 3 attempts, 1s initial, x2, 30s cap, 20% jitter', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }]);
    expect(retryPolicy(wf.tasks[0]!, wf)).toEqual(DEFAULT_RETRY);
    expect(DEFAULT_RETRY).toMatchObject({
      maxAttempts: 3,
      initialMs: 1000,
      coefficient: 2,
      maxMs: 30_000,
      jitter: 0.2,
    });
  });

  it('merges the task policy over the workflow policy field by field', () => {
    const wf = workflow([{ id: 'x', agent: 'a', retry: { max_attempts: 5, jitter: false } }], {
      retry: { initial_interval: '2s', max_attempts: 9, non_retryable_errors: ['E_BAD'], jitter: true },
    });
    expect(retryPolicy(wf.tasks[0]!, wf)).toEqual({
      maxAttempts: 5,
      initialMs: 2000,
      coefficient: 2,
      maxMs: 30_000,
      jitter: 0,
      nonRetryable: ['E_BAD'],
    });
  });

  it('retries only retryable errors whose code is not listed, while attempts remain', () => {
    const p = { ...DEFAULT_RETRY, nonRetryable: ['E_BAD'] };
    expect(shouldRetry(p, err(), 1)).toBe(true);
    expect(shouldRetry(p, err(), 3)).toBe(false);
    expect(shouldRetry(p, err({ retryable: false }), 1)).toBe(false);
    expect(shouldRetry(p, err({ code: 'E_BAD' }), 1)).toBe(false);
  });

  it('backs off exponentially up to the cap, without jitter', () => {
    const p = { ...DEFAULT_RETRY, jitter: 0, maxMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(p, 1, 'k', n, err()))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
  });

  it('spreads delays within ±jitter, never above the cap, the same for the same seed, key and attempt', () => {
    const p = { ...DEFAULT_RETRY, jitter: 0.5 };
    const delays = Array.from({ length: 200 }, (_, i) => backoffMs(p, 9, `k${i}`, 2, err()));
    for (const d of delays) expect(d >= 1000 && d <= 3000).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(backoffMs(p, 9, 'k3', 2, err())).toBe(delays[3]);
    expect(backoffMs({ ...p, maxMs: 2000 }, 9, 'k', 2, err())).toBeLessThanOrEqual(2000);
  });

  it('honours the agent retryAfterMs as a lower bound', () => {
    expect(backoffMs({ ...DEFAULT_RETRY, jitter: 0 }, 1, 'k', 1, err({ retryAfterMs: 45_000 }))).toBe(45_000);
  });

  it('hashes to [0, 1) and depends on seed, key and n', () => {
    const xs = [unitHash(1, 'a', 1), unitHash(2, 'a', 1), unitHash(1, 'b', 1), unitHash(1, 'a', 2)];
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    expect(new Set(xs).size).toBe(4);
  });
});

describe('retries in a run', () => {
  it('schedules a durable retry timer and dispatches the next attempt when it fires', () => {
    const wf = workflow([{ id: 'x', agent: 'a', retry: { jitter: false } }]);
    const sim = new Sim().start(wf);
    const t0 = sim.now;
    sim.fail('x', { code: 'BATON_E_AGENT_FAILED' });
    expect(sim.entries('RetryScheduled')[0]).toMatchObject({ key: 'x', attempt: 2, fireAt: t0 + 1000 });
    expect(sim.timers.get('retry:x:2')).toBe(t0 + 1000);
    expect(sim.state.units.get('x')!.status).toBe('waiting_retry');
    sim.fire('retry:x:2');
    expect(sim.calls.get('x')).toMatchObject({ attempt: 2 });
    sim.complete('x', 'ok');
    expect(sim.state.status).toBe('completed');
    expect(sim.state.metrics.retries).toBe(1);
  });

  it('fails the run after the last attempt, with the task error', () => {
    const wf = workflow([{ id: 'x', agent: 'a', retry: { max_attempts: 2 } }]);
    const sim = new Sim()
      .start(wf)
      .drive(() => ({ error: { code: 'BATON_E_AGENT_FAILED', message: 'down' } }));
    expect(sim.dispatches.map((d) => d.attempt)).toEqual([1, 2]);
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toEqual({ code: 'BATON_E_AGENT_FAILED', message: 'down', key: 'x' });
    expect(sim.state.tasks[0]!.status).toBe('failed');
  });

  it('does not retry a non-retryable error code', () => {
    const wf = workflow([{ id: 'x', agent: 'a', retry: { non_retryable_errors: ['E_INPUT'] } }]);
    const sim = new Sim().start(wf).drive(() => ({ error: { code: 'E_INPUT' } }));
    expect(sim.dispatches).toHaveLength(1);
    expect(sim.state.status).toBe('failed');
  });

  it('ignores a stale or duplicate result', () => {
    const wf = workflow([
      { id: 'x', agent: 'a' },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const sim = new Sim().start(wf);
    const dup = sim.complete('x', 1);
    sim.input({ type: 'TaskCompleted', key: 'x', attempt: 1, output: 2 });
    expect(sim.state.lastChanged).toBe(false);
    sim.input({
      type: 'TaskFailed',
      key: 'nope',
      attempt: 1,
      error: { code: 'E', message: '', retryable: true, kind: 'error' },
    });
    expect(sim.state.metrics.staleResults).toBe(2);
    expect(sim.state.tasks[0]!.output).toBe(1);
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x', 'y']);
    expect(dup.type).toBe('TaskCompleted');
  });
});

describe('timeouts', () => {
  const wf = workflow([{ id: 'slow', agent: 'a', timeout: '5s', retry: { max_attempts: 2, jitter: false } }]);

  it('arms a deadline per attempt; when it passes, cancels the attempt and retries it', () => {
    const sim = new Sim().start(wf);
    expect(sim.timers.get('timeout:slow:1')).toBe(sim.now + 5000);
    sim.fire('timeout:slow:1');
    expect(sim.cancels).toEqual([{ type: 'CancelTask', key: 'slow', reason: 'timeout' }]);
    expect(sim.state.units.get('slow')!.error).toMatchObject({
      code: 'BATON_E_AGENT_TIMEOUT',
      kind: 'timeout',
    });
    expect(sim.state.metrics.timeouts).toBe(1);
    sim.fire('retry:slow:2');
    expect(sim.calls.get('slow')!.attempt).toBe(2);
  });

  it('ignores the late result of a timed-out attempt and a deadline that fires after the result', () => {
    const sim = new Sim().start(wf);
    sim.fire('timeout:slow:1');
    sim.input({ type: 'TaskCompleted', key: 'slow', attempt: 1, output: 'late' });
    expect(sim.state.lastChanged).toBe(false);
    sim.fire('retry:slow:2');
    sim.complete('slow', 'ok');
    sim.fire('timeout:slow:2');
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.output).toEqual({ slow: 'ok' });
  });

  it('fails the run when the last attempt times out', () => {
    const sim = new Sim().start(wf).drive(() => 'hang');
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_AGENT_TIMEOUT', key: 'slow' });
  });

  it('fails the run at its deadline, cancelling what is in flight', () => {
    const run = workflow([{ id: 'x', agent: 'a' }], { timeout: '1m' });
    const sim = new Sim().start(run);
    expect(sim.timers.get('run')).toBe(sim.now + 60_000);
    sim.drive(() => 'hang');
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_RUN_TIMEOUT' });
    expect(sim.cancels.map((c) => c.key)).toEqual(['x']);
    expect(sim.state.units.get('x')!.status).toBe('cancelled');
  });

  it('takes the run timeout from the run options over the workflow', () => {
    const run = workflow([{ id: 'x', agent: 'a' }], { timeout: '1m' });
    const sim = new Sim().start(run, {}, { timeoutMs: 10 });
    expect(sim.timers.get('run')).toBe(sim.now + 10);
  });
});
