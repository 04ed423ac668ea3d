// Event rules: declared channels (built-ins implied) and tasks started on events nobody emits.
import { describe, expect, it } from 'vitest';
import { found, validate } from './helpers.js';

const coordination = { type: 'hybrid', event_driven: ['review', 'alerts'] };

describe('event rules', () => {
  it('accepts declared and built-in channels, reports others with a suggestion', () => {
    const ds = validate(
      [
        { id: 'w', agent: 'a', emits: ['review', { channel: 'reviews', event: 'done' }, 'data_updates'] },
        { id: 'on', agent: 'a', on: 'agent_status' },
        { id: 'str', agent: 'a', on: 'reveiw' },
        { id: 'wait', agent: 'a', wait_for: { channel: 'alert', timeout: '1m' }, depends_on: ['w'] },
        { id: 'x', agent: 'a', on: { channel: 'metrics' } },
      ],
      { coordination },
    );
    expect(found(ds)).toEqual([
      ['BATON_E_UNKNOWN_CHANNEL', 'workflow.tasks.0.emits.1.channel'],
      ['BATON_E_UNKNOWN_CHANNEL', 'workflow.tasks.2.on'],
      ['BATON_E_UNKNOWN_CHANNEL', 'workflow.tasks.3.wait_for.channel'],
      ['BATON_E_UNKNOWN_CHANNEL', 'workflow.tasks.4.on.channel'],
    ]);
    expect(ds[0]!.hint).toBe('did you mean "review"?');
    expect(ds[3]!.hint).toBe('add "metrics" to coordination.event_driven');
  });

  it('reports a task waiting for an event name that no task emits on an internal channel', () => {
    const ds = validate(
      [
        { id: 'rev', agent: 'a', emits: [{ channel: 'review', event: 'approved' }] },
        { id: 'pub', agent: 'a', on: { channel: 'review', event: 'aproved' } },
        { id: 'ok', agent: 'a', on: { channel: 'review', event: 'approved' } },
      ],
      { coordination },
    );
    expect(found(ds)).toEqual([['BATON_E_UNREACHABLE_TASK', 'workflow.tasks.1.on.event']]);
    expect(ds[0]!.hint).toBe('did you mean "approved"?');
  });

  it('treats channels nobody emits into as external, and unnamed emits as any event', () => {
    const ds = validate(
      [
        { id: 'ext', agent: 'a', on: { channel: 'alerts', event: 'page' } },
        { id: 'any', agent: 'a', emits: ['review'] },
        { id: 'named', agent: 'a', on: { channel: 'review', event: 'whatever' } },
        { id: 'builtin', agent: 'a', on: { channel: 'agent_status', event: 'completed' } },
      ],
      { coordination },
    );
    expect(ds).toEqual([]);
  });

  it('does not report an undeclared channel twice', () => {
    const ds = validate([
      { id: 'e', agent: 'a', emits: [{ channel: 'x', event: 'one' }] },
      { id: 'o', agent: 'a', on: { channel: 'x', event: 'two' } },
    ]);
    expect(found(ds).map(([code]) => code)).toEqual(['BATON_E_UNKNOWN_CHANNEL', 'BATON_E_UNKNOWN_CHANNEL']);
  });
});
