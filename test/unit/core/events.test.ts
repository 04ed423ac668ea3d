import { describe, expect, it } from 'vitest';
import { Sim, workflow } from './sim.js';

const coordination = { type: 'hybrid', event_driven: ['agent_status', 'data_updates', 'approvals'] };

describe('tasks started by events (`on`)', () => {
  const wf = workflow(
    [
      { id: 'ingest', agent: 'a' },
      {
        id: 'reindex',
        agent: 'a',
        on: { channel: 'data_updates', event: 'batch_ready', filter: 'event.data.size > 0' },
      },
      { id: 'after', agent: 'a', depends_on: ['ingest'], on: 'approvals' },
    ],
    { coordination },
  );

  it('starts an `on` task when a matching event arrives, with the event in its input', () => {
    const sim = new Sim().start(wf);
    expect(sim.state.tasks[1]!.status).toBe('waiting_event');
    sim.event('e1', 'data_updates', 'other', { size: 1 });
    sim.event('e2', 'data_updates', 'batch_ready', { size: 0 });
    expect(sim.calls.has('reindex')).toBe(false);
    sim.event('e3', 'data_updates', 'batch_ready', { size: 3 });
    expect(sim.entries('EventMatched').map((e) => e.tasks)).toEqual([['reindex']]);
    expect(sim.calls.get('reindex')!.input).toMatchObject({ event: { eventId: 'e3', data: { size: 3 } } });
  });

  it('latches an `on` event that arrives before the dependencies finish', () => {
    const sim = new Sim().start(wf);
    sim.event('e1', 'approvals', 'approved');
    expect(sim.state.tasks[2]!.status).toBe('pending');
    sim.complete('ingest', 1);
    expect(sim.calls.has('after')).toBe(true);
  });

  it('ignores a duplicate event id', () => {
    const sim = new Sim().start(wf);
    sim.event('e1', 'approvals');
    sim.event('e1', 'approvals');
    expect(sim.state.lastChanged).toBe(false);
    expect(sim.state.metrics).toMatchObject({ events: 1, duplicateEvents: 1 });
  });

  it('does not match when the filter cannot be evaluated', () => {
    const sim = new Sim().start(wf);
    sim.event('e1', 'data_updates', 'batch_ready', 'not an object');
    expect(sim.entries('EventMatched')).toEqual([]);
  });
});

describe('wait_for', () => {
  const wf = workflow(
    [
      { id: 'draft', agent: 'a' },
      {
        id: 'publish',
        agent: 'a',
        depends_on: ['draft'],
        wait_for: { channel: 'approvals', event: 'approved', timeout: '1h' },
      },
    ],
    { coordination },
  );

  it('holds a ready task until its event arrives, ignoring events from before it was ready', () => {
    const sim = new Sim().start(wf);
    sim.event('early', 'approvals', 'approved');
    sim.complete('draft', 'text');
    expect(sim.state.tasks[1]!.status).toBe('waiting_event');
    expect(sim.timers.get('wait:publish')).toBe(sim.now + 3_600_000);
    sim.event('late', 'approvals', 'approved', { by: 'ann' });
    expect(sim.calls.get('publish')!.input).toMatchObject({ draft: 'text', event: { eventId: 'late' } });
  });

  it('fails the task, and the run, when the wait times out', () => {
    const sim = new Sim().start(wf);
    sim.complete('draft', 'text');
    sim.fire('wait:publish');
    expect(sim.state.status).toBe('failed');
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_WAIT_TIMEOUT', key: 'publish' });
    expect(sim.state.tasks[1]!.error).toMatchObject({ kind: 'timeout' });
  });

  it('ignores the wait deadline once the event came', () => {
    const sim = new Sim().start(wf);
    sim.complete('draft', 'text');
    sim.event('ok', 'approvals', 'approved');
    sim.fire('wait:publish');
    expect(sim.state.lastChanged).toBe(false);
  });
});

describe('what the engine publishes', () => {
  it('announces dispatch and completion on agent_status and outputs on data_updates, when declared', () => {
    const wf = workflow([{ id: 'x', agent: 'a' }], { coordination });
    const sim = new Sim().start(wf).drive(() => ({ output: 42 }));
    expect(sim.published.map((p) => [p.channel, p.name])).toEqual([
      ['agent_status', 'running'],
      ['agent_status', 'completed'],
      ['data_updates', 'task_output'],
    ]);
    expect(sim.published[0]!.data).toMatchObject({ agent_id: 'a', task: 'x', key: 'x', status: 'running' });
    expect(sim.published[2]!.data).toEqual({ task: 'x', key: 'x', output: 42 });
    expect(new Set(sim.published.map((p) => p.eventId)).size).toBe(3);
  });

  it('publishes nothing of its own on undeclared channels', () => {
    const sim = new Sim().start(workflow([{ id: 'x', agent: 'a' }])).drive(() => ({ output: 1 }));
    expect(sim.published).toEqual([]);
  });

  it('publishes `emits` with stable ids, CEL data, and loopback when a task listens', () => {
    const wf = workflow(
      [
        {
          id: 'ingest',
          agent: 'a',
          emits: ['approvals', { channel: 'data_updates', event: 'batch_ready', data: '{"size": output.n}' }],
        },
        { id: 'reindex', agent: 'a', on: { channel: 'data_updates', event: 'batch_ready' } },
      ],
      { coordination: { event_driven: ['approvals', 'data_updates'] } },
    );
    const sim = new Sim().start(wf);
    sim.complete('ingest', { n: 7 });
    const emitted = sim.published.filter((p) => p.eventId.includes('/emit'));
    expect(emitted).toEqual([
      {
        type: 'Publish',
        channel: 'approvals',
        name: null,
        data: { n: 7 },
        eventId: 'r1/ingest/emit0',
        loopback: false,
      },
      {
        type: 'Publish',
        channel: 'data_updates',
        name: 'batch_ready',
        data: { size: 7 },
        eventId: 'r1/ingest/emit1',
        loopback: true,
      },
    ]);
  });

  it('loops back only the events a task of the run waits for, not every event on its channel', () => {
    const wf = workflow(
      [
        { id: 'ingest', agent: 'a', emits: [{ channel: 'data_updates', event: 'batch_ready' }] },
        { id: 'reindex', agent: 'a', on: { channel: 'data_updates', event: 'batch_ready' } },
        {
          id: 'audit',
          agent: 'a',
          depends_on: ['ingest'],
          wait_for: { channel: 'approvals', timeout: '1m' },
        },
      ],
      { coordination: { event_driven: ['approvals', 'data_updates'] } },
    );
    const sim = new Sim().start(wf);
    sim.complete('ingest', { n: 1 });
    const loop = Object.fromEntries(sim.published.map((p) => [`${p.channel}:${p.name}`, p.loopback]));
    // The engine's own task_output on data_updates is not waited for: it stays out of the journal.
    expect(loop).toEqual({ 'data_updates:task_output': false, 'data_updates:batch_ready': true });
    sim.event('e1', 'approvals', 'anything');
    expect(sim.dispatches.map((d) => d.key)).toContain('audit');
  });

  it('fails the run when an emit cannot be built', () => {
    const wf = workflow(
      [
        { id: 'x', agent: 'a', emits: [{ channel: 'approvals', data: 'output.missing' }] },
        { id: 'y', agent: 'a', depends_on: ['x'] },
      ],
      { coordination },
    );
    const sim = new Sim().start(wf).drive(() => ({ output: {} }));
    expect(sim.state.error).toMatchObject({ code: 'BATON_E_CEL_EVALUATION', key: 'x' });
    expect(sim.dispatches.map((d) => d.key)).toEqual(['x']);
  });
});
