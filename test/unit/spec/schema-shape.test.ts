// What the zod schema says a place accepts, in words, without a hand-kept copy of the language.

import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { allowedKeys, branchKeys, describeSchema, schemasAt } from '../../../src/spec/schema-shape.js';
import { Endpoint, Task, WorkflowFile } from '../../../src/spec/schema.js';

describe('schemasAt', () => {
  it('follows objects, lists, records and every branch of a union', () => {
    expect(schemasAt(WorkflowFile, ['workflow', 'tasks', 3, 'depends_on'])).toHaveLength(1);
    expect(schemasAt(WorkflowFile, ['workflow', 'agents', 'any_name', 'endpoint', 'module'])).toHaveLength(1);
    expect(schemasAt(WorkflowFile, ['workflow', 'tasks', 0, 'on', 'channel'])).toHaveLength(1);
    expect(schemasAt(WorkflowFile, ['workflow', 'nope'])).toEqual([]);
    expect(schemasAt(WorkflowFile, ['workflow', 'tasks', 'x'])).toEqual([]);
    expect(schemasAt(WorkflowFile, ['workflow', 'agents', 0])).toEqual([]);
    expect(schemasAt(WorkflowFile, ['workflow', 'name', 'deeper'])).toEqual([]);
  });
});

describe('allowedKeys and branchKeys', () => {
  it('read keys from the shape, across the branches of a union', () => {
    expect(allowedKeys([Task])).toEqual(Object.keys(Task.shape));
    expect(allowedKeys([Endpoint])).toEqual(['module', 'export', 'a2a', 'credential', 'queue']);
    expect(branchKeys([Endpoint])).toEqual(['module', 'a2a', 'queue']);
    expect(allowedKeys([z.string()])).toEqual([]);
  });
});

describe('describeSchema', () => {
  const at = (...path: Array<string | number>) =>
    describeSchema(schemasAt(WorkflowFile, path), String(path[path.length - 1]));

  it('names lists of ids by what they hold', () => {
    expect(at('workflow', 'tasks', 0, 'depends_on')).toBe('a list of task ids');
    expect(at('workflow', 'tasks', 0, 'block', 'agents')).toBe('a list of agent ids');
    expect(at('workflow', 'tasks', 0, 'emits')).toBe('a list of strings or mappings');
  });

  it('describes scalars, enums, mappings and unions', () => {
    expect(at('workflow', 'coordination', 'type')).toBe('one of "hybrid", "graph", "event_driven"');
    expect(at('workflow', 'retry', 'backoff_coefficient')).toBe('a number');
    expect(at('workflow', 'hooks', 0, 'always_run')).toBe('true or false');
    expect(at('workflow', 'agents')).toBe('a mapping');
    expect(at('workflow', 'version')).toBe('a string or a number');
    expect(at('workflow', 'tasks', 0, 'id')).toBe('an id');
  });

  it('falls back to plain words for schemas the language does not use', () => {
    expect(describeSchema([z.array(z.boolean())])).toBe('a list of values');
    expect(describeSchema([z.array(z.number())])).toBe('a list of numbers');
    expect(describeSchema([z.unknown()])).toBe('a value');
    expect(describeSchema([z.string().meta({ description: 'A name' })])).toBe('a string (A name)');
  });
});
