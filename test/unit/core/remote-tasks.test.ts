import { describe, expect, it } from 'vitest';
import {
  fold,
  inputTarget,
  pendingAnswer,
  resumeCommands,
  restore,
  snapshot,
  statusOf,
  waitingForInput,
  type RunSnapshot,
} from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

const wf = workflow(
  [
    { id: 'research', agent: 'a', retry: { max_attempts: 3, initial_interval: '1s' } },
    { id: 'loop', agent: 'b', depends_on: ['research'], repeat: { until: 'false', max_iterations: 2 } },
  ],
  { timeout: '1h' },
);

const attach = (sim: Sim, key: string, attempt: number, remoteTaskId: string) =>
  sim.input({ type: 'TaskAttemptAttached', key, attempt, remoteTaskId });

describe('the remote task of an attempt', () => {
  it('is journaled while the attempt is in flight, and a resumed run re-issues the attempt knowing it', () => {
    const sim = new Sim().start(wf);
    attach(sim, 'research', 1, 'task-1');
    expect(sim.state.lastChanged).toBe(true);
    expect(sim.state.units.get('research')?.remoteTaskId).toBe('task-1');
    // The same id again changes nothing; it decides nothing either.
    attach(sim, 'research', 1, 'task-1');
    expect(sim.state.lastChanged).toBe(false);
    const recovered = fold(sim.journal);
    expect(recovered.units.get('research')?.remoteTaskId).toBe('task-1');
    const redispatch = resumeCommands(recovered).find((c) => c.type === 'Dispatch');
    expect(redispatch).toMatchObject({ key: 'research', redispatch: true, attempt: 1 });
  });

  it('is ignored for an attempt that is not the one in flight, and cleared by the next attempt', () => {
    const sim = new Sim().start(wf);
    attach(sim, 'research', 2, 'task-x');
    expect(sim.state.lastChanged).toBe(false);
    attach(sim, 'nope', 1, 'task-x');
    expect(sim.state.lastChanged).toBe(false);
    attach(sim, 'research', 1, 'task-1');
    sim.input({ type: 'TaskInputRequired', key: 'research', attempt: 1, question: 'Which year?' });
    sim.fail('research', { code: 'BATON_E_AGENT_FAILED' });
    // A stale attach for the failed attempt changes nothing.
    attach(sim, 'research', 1, 'task-9');
    expect(sim.state.lastChanged).toBe(false);
    sim.fire([...sim.timers.keys()].find((t) => t.startsWith('retry'))!);
    const u = sim.state.units.get('research')!;
    expect(u.attempts).toBe(2);
    expect(u.remoteTaskId).toBeUndefined();
    expect(u.inputRequired).toBeUndefined();
  });

  it('belongs to the iteration in flight: a repeat iteration starts without one', () => {
    const sim = new Sim().start(wf);
    sim.complete('research', 1);
    attach(sim, 'loop', 1, 'loop-1');
    expect(sim.state.units.get('loop')?.remoteTaskId).toBe('loop-1');
    sim.complete('loop', 1);
    expect(sim.calls.has('loop#2')).toBe(true);
    attach(sim, 'loop', 1, 'stale');
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.units.get('loop')?.remoteTaskId).toBeUndefined();
    attach(sim, 'loop#2', 1, 'loop-2');
    expect(sim.state.units.get('loop')?.remoteTaskId).toBe('loop-2');
  });

  it('survives a snapshot, and a run without remote agents snapshots no field for it', () => {
    const sim = new Sim().start(wf);
    const plain = snapshot(sim.state);
    expect(JSON.stringify(plain)).not.toContain('remoteTaskId');
    attach(sim, 'research', 1, 'task-1');
    const back = restore(JSON.parse(JSON.stringify(snapshot(sim.state))) as RunSnapshot);
    expect(back.units.get('research')?.remoteTaskId).toBe('task-1');
  });
});

describe('an agent waiting for input', () => {
  it('shows in the status with its question and since when; a repeated question is not journaled twice', () => {
    const sim = new Sim().start(wf);
    attach(sim, 'research', 1, 'task-1');
    sim.now += 500;
    sim.input({
      type: 'TaskInputRequired',
      key: 'research',
      attempt: 1,
      question: 'Which year?',
      data: { choices: [2024, 2025] },
    });
    expect(sim.state.lastChanged).toBe(true);
    const since = sim.now;
    sim.now += 500;
    sim.input({ type: 'TaskInputRequired', key: 'research', attempt: 1, question: 'Which year?' });
    expect(sim.state.lastChanged).toBe(false);
    const view = statusOf(sim.state, sim.now);
    expect(view.baton.input_required).toEqual([
      {
        key: 'research',
        attempt: 1,
        agent: 'a',
        remote_task_id: 'task-1',
        question: 'Which year?',
        data: { choices: [2024, 2025] },
        since,
      },
    ]);
    // A new question replaces the old one.
    sim.input({ type: 'TaskInputRequired', key: 'research', attempt: 1, question: 'Which month?' });
    expect(waitingForInput(sim.state)[0]).toMatchObject({ question: 'Which month?', data: null });
    // The attempt ends: nobody waits any more, and the status has no list.
    sim.complete('research', { ok: true });
    expect(waitingForInput(sim.state)).toEqual([]);
    expect(statusOf(sim.state, sim.now).baton.input_required).toBeUndefined();
  });

  it('is ignored once the run has ended', () => {
    const sim = new Sim().start(wf);
    sim.input({ type: 'RunCancelRequested', by: 't', reason: 'stop' });
    sim.input({ type: 'TaskInputRequired', key: 'research', attempt: 1, question: 'late?' });
    expect(sim.state.lastChanged).toBe(false);
  });
});

const ask = (sim: Sim, question = 'Which year?', key = 'research', attempt = 1) =>
  sim.input({ type: 'TaskInputRequired', key, attempt, question });
const answer = (sim: Sim, input: unknown, request_id?: string, key = 'research', attempt = 1) =>
  sim.input({
    type: 'TaskInputProvided',
    key,
    attempt,
    input,
    ...(request_id === undefined ? {} : { request_id }),
  });

describe('an answer to an agent waiting for input', () => {
  it('goes to the waiting attempt: the question clears, the answer stays until the agent asks again', () => {
    const sim = new Sim().start(wf);
    attach(sim, 'research', 1, 'task-1');
    expect(inputTarget(sim.state, 'research')).toEqual({
      kind: 'busy',
      key: 'research',
      doing: 'its agent is working on it (attempt 1)',
    });
    ask(sim);
    expect(inputTarget(sim.state, 'research')).toEqual({
      kind: 'waiting',
      key: 'research',
      attempt: 1,
      question: 'Which year?',
    });
    const calls = sim.calls.size;
    answer(sim, { year: 2025 }, 'req-1');
    expect(sim.state.lastChanged).toBe(true);
    // It decides nothing: the attempt is still in flight, nothing new is dispatched.
    expect(sim.calls.size).toBe(calls);
    expect(waitingForInput(sim.state)).toEqual([]);
    const seq = sim.state.lastSeq;
    expect(pendingAnswer(sim.state, 'research', 1)).toMatchObject({
      input: { year: 2025 },
      seq,
      request_id: 'req-1',
    });
    // A retry with the same request id finds it taken; a second answer to a question nobody asks applies not.
    expect(inputTarget(sim.state, 'research', 'req-1')).toEqual({
      kind: 'answered',
      key: 'research',
      attempt: 1,
      seq,
    });
    expect(inputTarget(sim.state, 'research', 'req-2')).toEqual({
      kind: 'busy',
      key: 'research',
      doing: 'its agent is working on the answer it got (attempt 1)',
    });
    answer(sim, { year: 1999 });
    expect(sim.state.lastChanged).toBe(false);
    // Replay gives the same state, and so does a snapshot.
    expect(pendingAnswer(fold(sim.journal), 'research', 1)).toMatchObject({ input: { year: 2025 }, seq });
    const back = restore(JSON.parse(JSON.stringify(snapshot(sim.state))) as RunSnapshot);
    expect(pendingAnswer(back, 'research', 1)?.seq).toBe(seq);
    // The agent asks again: that answer was delivered.
    ask(sim, 'And which month?');
    expect(pendingAnswer(sim.state, 'research', 1)).toBeUndefined();
    expect(inputTarget(sim.state, 'research')).toMatchObject({
      kind: 'waiting',
      question: 'And which month?',
    });
  });

  it('applies only to the attempt in flight and while the run is active', () => {
    const sim = new Sim().start(wf);
    ask(sim);
    answer(sim, 1, undefined, 'research', 2);
    expect(sim.state.lastChanged).toBe(false);
    answer(sim, 1, undefined, 'nope', 1);
    expect(sim.state.lastChanged).toBe(false);
    expect(inputTarget(sim.state, 'nope')).toEqual({ kind: 'unknown' });
    expect(inputTarget(sim.state, 'research#2')).toEqual({ kind: 'unknown' });
    expect(inputTarget(sim.state, 'loop')).toMatchObject({ kind: 'busy', doing: 'it has not started' });
    sim.fail('research', { code: 'BATON_E_AGENT_FAILED' });
    expect(inputTarget(sim.state, 'research')).toMatchObject({ kind: 'busy', doing: 'it is waiting_retry' });
    sim.fire([...sim.timers.keys()].find((t) => t.startsWith('retry'))!);
    ask(sim, 'again?', 'research', 2);
    answer(sim, 'yes', undefined, 'research', 2);
    expect(sim.state.lastChanged).toBe(true);
    sim.input({ type: 'RunCancelRequested', by: 't', reason: 'stop' });
    expect(inputTarget(sim.state, 'research')).toEqual({ kind: 'ended' });
  });

  it('is refused once the run ended', () => {
    const sim = new Sim().start(workflow([{ id: 'only', agent: 'a' }]));
    ask(sim, 'q', 'only');
    sim.complete('only', 1);
    expect(sim.state.status).toBe('completed');
    expect(inputTarget(sim.state, 'only')).toEqual({ kind: 'ended' });
    answer(sim, 1, undefined, 'only');
    expect(sim.state.lastChanged).toBe(false);
  });
});
