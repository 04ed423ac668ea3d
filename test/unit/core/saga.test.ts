import { describe, expect, it } from 'vitest';
import { Sim, workflow } from './sim.js';

const booking = workflow([
  { id: 'flight', agent: 'a', compensate: { agent: 'b', input: { cancel: 'output.ref' } } },
  { id: 'hotel', agent: 'a', compensate: { agent: 'b', timeout: '10s' } },
  { id: 'log', agent: 'a' },
  { id: 'pay', agent: 'a', depends_on: ['flight', 'hotel', 'log'], retry: { max_attempts: 1 } },
  { id: 'notify', agent: 'a' },
]);

describe('saga', () => {
  it('on failure cancels what is in flight, compensates in reverse completion order, then fails', () => {
    const sim = new Sim().start(booking);
    sim.complete('hotel', { ref: 'H1' });
    sim.complete('flight', { ref: 'F1' });
    sim.complete('log', 'l');
    expect(sim.calls.has('notify') && sim.calls.has('pay')).toBe(true);
    sim.fail('pay', { code: 'BATON_E_AGENT_REJECTED', retryable: false });
    expect(sim.cancels).toEqual([
      { type: 'CancelTask', key: 'notify', reason: 'run failed: BATON_E_AGENT_REJECTED' },
    ]);
    expect(sim.entries('CompensationStarted')[0]).toMatchObject({
      keys: ['flight', 'hotel'],
      outcome: 'failed',
    });
    // One at a time: hotel waits until flight's compensation is done.
    expect(sim.compensations).toEqual([
      {
        type: 'Compensate',
        key: 'flight',
        task: 'flight',
        agent: 'b',
        input: { cancel: 'F1' },
        idem: 'r1/compensate/flight',
        timeoutMs: null,
      },
    ]);
    expect(sim.state.status).toBe('failing');
    sim.drive(() => 'hang');
    expect(sim.compensations[1]).toMatchObject({
      key: 'hotel',
      input: { input: {}, output: { ref: 'H1' } },
      timeoutMs: 10_000,
    });
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_AGENT_REJECTED', key: 'pay' });
    expect(sim.state.tasks.map((t) => t.status)).toEqual([
      'compensated',
      'compensated',
      'completed',
      'failed',
      'running',
    ]);
    expect(sim.state.units.get('notify')!.status).toBe('cancelled');
  });

  it('ignores results that arrive once the run is failing', () => {
    const sim = new Sim().start(booking);
    sim.complete('flight', { ref: 'F1' });
    sim.input({ type: 'RunCancelRequested', by: 'ann', reason: 'changed plans' });
    sim.input({ type: 'TaskCompleted', key: 'hotel', attempt: 1, output: {} });
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.entries('CompensationStarted')[0]!.keys).toEqual(['flight']);
  });

  it('records a failed compensation and goes on with the rest', () => {
    const sim = new Sim().start(booking);
    sim.complete('hotel', { ref: 'H1' });
    sim.complete('flight', { ref: 'F1' });
    sim.complete('log', 'l');
    sim.fail('pay', { code: 'E', retryable: false });
    sim.drive(() => 'hang', { compensate: (c) => c.key !== 'flight' });
    expect(sim.state.saga).toMatchObject({ compensated: ['hotel'], failed: [{ key: 'flight' }] });
    expect(sim.state.status).toBe('failed');
  });

  it('fails the run at once when nothing completed has a compensation', () => {
    const sim = new Sim().start(booking);
    sim.complete('log', 'l');
    sim.input({ type: 'RunCancelRequested', by: 'ann', reason: 'stop' });
    expect(sim.entries('CompensationStarted')).toEqual([]);
    expect(sim.state.status).toBe('cancelled');
    expect(sim.cancels.map((c) => c.key).sort()).toEqual(['flight', 'hotel', 'notify']);
    expect(sim.cancels[0]!.reason).toBe('run cancelled by ann');
  });

  it('on cancel compensates, then ends cancelled; a second cancel changes nothing', () => {
    const sim = new Sim().start(booking);
    sim.complete('flight', { ref: 'F1' });
    sim.input({ type: 'RunCancelRequested', by: 'ann', reason: 'stop' });
    expect(sim.state.status).toBe('cancelling');
    sim.input({ type: 'RunCancelRequested', by: 'bob', reason: 'again' });
    expect(sim.state.lastChanged).toBe(false);
    sim.drive(() => 'hang');
    expect(sim.state.status).toBe('cancelled');
    expect(sim.state.saga!.compensated).toEqual(['flight']);
    expect(sim.state.error).toBeNull();
  });

  it('records a compensation whose input cannot be evaluated as failed', () => {
    const wf = workflow([
      { id: 'x', agent: 'a', compensate: { agent: 'b', input: { id: 'output.missing' } } },
      { id: 'y', agent: 'a', depends_on: ['x'], retry: { max_attempts: 1 } },
    ]);
    const sim = new Sim()
      .start(wf)
      .drive((d) => (d.task === 'x' ? { output: {} } : { error: { code: 'E' } }));
    expect(sim.compensations).toEqual([]);
    expect(sim.state.saga!.failed).toMatchObject([{ key: 'x', error: { code: 'BATON_E_CEL_EVALUATION' } }]);
    expect(sim.state.status).toBe('failed');
  });
});

describe('pause', () => {
  const wf = workflow([
    { id: 'x', agent: 'a' },
    { id: 'y', agent: 'a' },
    { id: 'z', agent: 'a', depends_on: ['x'] },
    { id: 'fan', agent: 'a', depends_on: ['x'], parallel: 1, for_each: '[1, 2]' },
  ]);

  it('lets in-flight work finish, holds new dispatches, and issues them on resume', () => {
    const sim = new Sim().start(wf);
    sim.input({ type: 'RunPaused', by: 'ann' });
    sim.complete('x', 1);
    expect(sim.state.tasks[2]!.status).toBe('ready');
    expect([...sim.calls.keys()]).toEqual(['y']);
    sim.input({ type: 'RunPaused', by: 'ann' });
    expect(sim.state.lastChanged).toBe(false);
    sim.input({ type: 'RunResumed', by: 'ann' });
    expect([...sim.calls.keys()]).toEqual(['y', 'z', 'fan[0]']);
    sim.drive((d) => ({ output: d.key }));
    expect(sim.state.status).toBe('completed');
  });

  it('re-issues the attempt in flight when a paused run is recovered, and nothing new until resume', () => {
    const sim = new Sim().start(wf);
    sim.input({ type: 'RunPaused', by: 'server drain' });
    const recovered = Sim.recover(sim.journal, sim.journal.at(-1)!.at);
    expect([...recovered.calls.values()].map((d) => [d.key, d.redispatch])).toEqual([
      ['x', true],
      ['y', true],
    ]);
    recovered.complete('x', 1);
    recovered.complete('y', 2);
    expect([...recovered.calls.keys()]).toEqual([]);
    recovered.input({ type: 'RunResumed', by: 'server restart' });
    expect([...recovered.calls.keys()]).toEqual(['z', 'fan[0]']);
    recovered.drive((d) => ({ output: d.key }));
    expect(recovered.state.status).toBe('completed');
  });

  it('holds a retry that comes due while paused until resume', () => {
    const retrying = workflow([{ id: 'x', agent: 'a' }]);
    const sim = new Sim().start(retrying);
    sim.fail('x', { code: 'E' });
    sim.input({ type: 'RunPaused', by: 'ann' });
    sim.fire('retry:x:2');
    expect(sim.calls.size).toBe(0);
    sim.input({ type: 'RunResumed', by: 'ann' });
    expect(sim.calls.get('x')!.attempt).toBe(2);
  });
});
