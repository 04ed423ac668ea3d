// The host's reading of plugin answers across ABI versions: a 1.0 answer reads exactly as before (no
// 1.1 field appears in what is journaled), a 1.1 answer's additions are read, and a misfit 1.1 field
// is named.

import { describe, expect, it } from 'vitest';
import { HOST_ABI, parseAnswer, PatternInitResponse, PatternStepResponse } from '../../../src/wasm/abi.js';

const step = (answer: unknown) =>
  parseAnswer(PatternStepResponse, JSON.stringify(answer), 'acme/p@1.0.0', 'pattern_step');

describe('ABI answers', () => {
  it('the host speaks 1.1', () => {
    expect(HOST_ABI).toEqual({ major: 1, minor: 1 });
  });

  it('reads a 1.0 setup and decision unchanged: no 1.1 field is added', () => {
    const init = parseAnswer(
      PatternInitResponse,
      '{"setup":{"state":{"n":0},"judges":["a"]}}',
      'acme/p@1.0.0',
      'pattern_init',
    );
    expect(init).toEqual({ setup: { state: { n: 0 }, judges: ['a'], holds: [], serial: false } });
    expect(step({ state: 1, decision: { op: 'rerun', also: ['b'] } })).toEqual({
      state: 1,
      decision: { op: 'rerun', also: ['b'], input: {} },
    });
    expect(step({ state: 1, decision: { op: 'handoff', to: 'b' } })).toEqual({
      state: 1,
      decision: { op: 'handoff', to: 'b', input: {} },
    });
  });

  it('reads the 1.1 additions: setup flags, events, per-task inputs, handoff to several', () => {
    const init = parseAnswer(
      PatternInitResponse,
      '{"setup":{"judges":["a"],"judges_failures":true,"judges_delegations":false}}',
      'acme/p@1.1.0',
      'pattern_init',
    );
    expect(init).toMatchObject({ setup: { judges_failures: true, judges_delegations: false } });
    expect(
      step({
        state: null,
        decision: {
          op: 'handoff',
          to: 'b',
          also: ['c'],
          inputs: { c: { inbox: [1] } },
          events: [
            { channel: 'bus', type: 'message', to: 'b', data: { n: 1 } },
            { channel: 'bus', type: 'x' },
          ],
        },
      }).decision,
    ).toEqual({
      op: 'handoff',
      to: 'b',
      input: {},
      also: ['c'],
      inputs: { c: { inbox: [1] } },
      events: [
        { channel: 'bus', type: 'message', to: 'b', data: { n: 1 } },
        { channel: 'bus', type: 'x', data: null },
      ],
    });
  });

  it('names a misfit 1.1 field: an event without a channel, inputs that are not objects', () => {
    expect(() => step({ state: null, decision: { op: 'continue', events: [{ type: 'x' }] } })).toThrow(
      /plugin acme\/p@1\.0\.0, export pattern_step: .*decision\.events\.0\.channel/,
    );
    expect(() => step({ state: null, decision: { op: 'rerun', also: [], inputs: { a: 3 } } })).toThrow(
      expect.objectContaining({ code: 'BATON_E_PLUGIN_OUTPUT' }) as Error,
    );
  });
});
