// The A2A edge's check of JSON-RPC params and REST send bodies: the first field of a wrong JSON type is
// named by its path; what is well-typed (proto3 JSON spellings included) passes to the SDK.

import { describe, expect, it } from 'vitest';
import { checkShape, paramsShape, sendBodyShape } from '../../../src/a2a/request-shape.js';

const check = (method: string, params: unknown) => checkShape(paramsShape(method)!, params);

describe('A2A params shapes', () => {
  it('names the first wrong field by its path, in v1.0 and v0.3', () => {
    expect(check('SendMessage', { message: { parts: [{ text: 'a' }, null] } })).toBe(
      'message.parts.1 must be an object, not null',
    );
    expect(check('SendMessage', { message: { parts: 'x' } })).toBe(
      'message.parts must be a list, not string',
    );
    expect(
      check('message/send', {
        message: { messageId: 'm', parts: [] },
        configuration: { acceptedOutputModes: 5 },
      }),
    ).toBe('configuration.acceptedOutputModes must be a list, not number');
    expect(check('tasks/get', { id: {} })).toBe('id must be a string, not an object');
    expect(check('tasks/cancel', {})).toBe('id is required');
    expect(check('GetTask', { id: '' })).toBe('id is required (it is empty)');
    expect(check('GetTask', 3)).toBe('params must be an object, not number');
  });

  it('passes well-typed params: null as absent, 64-bit integers as strings, unknown fields', () => {
    expect(check('GetTask', { id: 'run_x', historyLength: '5', extra: [1] })).toBeUndefined();
    expect(check('ListTasks', { pageSize: 10, pageToken: null })).toBeUndefined();
    expect(
      check('SendMessage', {
        message: { messageId: 'm', parts: [{ data: null }, { text: 'x' }] },
        metadata: { a: 1 },
      }),
    ).toBeUndefined();
    expect(check('GetTask', { id: 'run_x', historyLength: 1.5 })).toBe(
      'historyLength must be an integer, not number',
    );
  });

  it('leaves methods it does not know to the SDK; REST send bodies use the version of their path', () => {
    expect(paramsShape('NoSuchMethod')).toBeUndefined();
    expect(paramsShape('toString')).toBeUndefined();
    expect(checkShape(sendBodyShape(true), { message: { parts: [] } }, '', 'the body')).toBe(
      'message.messageId is required',
    );
    expect(checkShape(sendBodyShape(false), [], '', 'the body')).toBe(
      'the body must be an object, not a list',
    );
  });
});
