import { describe, expect, it } from 'vitest';
import { initialState, statusOf } from '../../../src/core/index.js';
import { Sim, workflow } from './sim.js';

const wf = workflow([
  { id: 'plan', agent: 'a' },
  { id: 'research', agent: 'b', depends_on: ['plan'], parallel: 2 },
  { id: 'write', agent: 'a', depends_on: ['research'] },
]);

describe('statusOf', () => {
  it('reports a run in progress in the shape of the specification', () => {
    const sim = new Sim().start(wf);
    const t0 = sim.now;
    sim.complete('plan', ['q1', 'q2', 'q3', 'q4']);
    sim.complete('research[0]', 'r0');
    const s = statusOf(sim.state, t0 + 1500, 0.05);
    expect(s).toMatchObject({
      workflow_id: 'r1',
      status: 'executing',
      current_phase: 'research',
      performance_metrics: {
        total_runtime: 1.5,
        agents_allocated: 2,
        tasks_completed: 1,
        coordination_overhead: 0.05,
      },
    });
    expect(s.agents).toEqual([
      { agent_id: 'a', status: 'assigned', current_task: '', progress: 0.5 },
      { agent_id: 'b', status: 'running', current_task: 'research[2]', progress: 0.25 },
    ]);
    expect(s.baton.tasks).toEqual({ completed: 2, dispatched: 2, pending: 2 });
    expect(s.baton.run_status).toBe('executing');
  });

  it('reports a finished run with its output and end time', () => {
    const sim = new Sim().start(wf).drive((d) => ({ output: d.task === 'plan' ? [1] : d.key }));
    const s = statusOf(sim.state, sim.now + 99_000);
    expect(s.status).toBe('completed');
    expect(s.performance_metrics.total_runtime).toBe(0);
    expect(s.agents.every((a) => a.status === 'completed' && a.progress === 1)).toBe(true);
    expect(s.baton.output).toEqual({ write: 'write' });
  });

  it('reports a cancelled run as failed, with what was compensated', () => {
    const comp = workflow([
      { id: 'x', agent: 'a', compensate: { agent: 'b' } },
      { id: 'y', agent: 'a', depends_on: ['x'] },
    ]);
    const sim = new Sim().start(comp);
    sim.complete('x', 1);
    sim.input({ type: 'RunCancelRequested', by: 'ann', reason: 'stop' });
    expect(statusOf(sim.state, sim.now)).toMatchObject({
      status: 'executing',
      current_phase: 'compensation',
    });
    sim.drive(() => 'hang');
    const s = statusOf(sim.state, sim.now);
    expect(s).toMatchObject({
      status: 'failed',
      baton: { run_status: 'cancelled', compensated: ['x'], compensation_failed: [] },
    });
    expect(s.baton.tasks).toEqual({ compensated: 1, cancelled: 1 });
  });

  it('counts each task once by its status, beside the work items of every instance', () => {
    const sim = new Sim().start(wf);
    sim.complete('plan', ['q1', 'q2', 'q3']);
    sim.complete('research[0]', 'r0');
    const s = statusOf(sim.state, sim.now);
    expect(s.baton.task_counts).toEqual({ completed: 1, running: 1, pending: 1 });
    expect(s.performance_metrics.tasks_completed).toBe(1);
    expect(s.baton.tasks).toEqual({ completed: 2, dispatched: 2, pending: 1 });
  });

  it('says what a run waits for: the task, its channel and event, since when and for how long', () => {
    const gated = workflow(
      [
        { id: 'draft', agent: 'a' },
        {
          id: 'publish',
          agent: 'a',
          depends_on: ['draft'],
          wait_for: { channel: 'approvals', event: 'approved', timeout: '5m' },
        },
        { id: 'notify', agent: 'b', on: 'alerts' },
      ],
      { coordination: { type: 'hybrid', event_driven: ['approvals', 'alerts'] } },
    );
    const sim = new Sim().start(gated);
    expect(statusOf(sim.state, sim.now).baton.waits).toEqual([
      { task: 'notify', gate: 'on', channel: 'alerts', event: null, since: null, timeout_ms: null },
    ]);
    const at = sim.now;
    sim.complete('draft', 'd');
    const s = statusOf(sim.state, sim.now);
    expect(s.baton.task_counts).toEqual({ completed: 1, waiting_event: 2 });
    expect(s.baton.waits).toEqual([
      {
        task: 'publish',
        gate: 'wait_for',
        channel: 'approvals',
        event: 'approved',
        since: at,
        timeout_ms: 300_000,
      },
      { task: 'notify', gate: 'on', channel: 'alerts', event: null, since: null, timeout_ms: null },
    ]);
    sim.event('e1', 'approvals', 'approved');
    expect(statusOf(sim.state, sim.now).baton.waits.map((w) => w.task)).toEqual(['notify']);
  });

  it('reports a run that has not started as planning', () => {
    expect(statusOf(initialState(), 5)).toMatchObject({
      status: 'planning',
      agents: [],
      performance_metrics: { total_runtime: 0 },
    });
  });
});
