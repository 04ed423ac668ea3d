// Shape problems as the author reads them: one diagnostic per problem, at the offending key or value,
// with what was expected, what was found, and a fix where there is an obvious one.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/spec/diagnostic.js';
import { parseWorkflow } from '../../../src/spec/load.js';
import { Task } from '../../../src/spec/schema.js';

/** A workflow whose one task is `task` (YAML lines at task indentation) and whose agents are `agents`. */
const workflow = (task: string[], agents = ['a: { type: t }']): string =>
  [
    'workflow:',
    '  name: w',
    '  version: "1"',
    '  agents:',
    ...agents.map((l) => `    ${l}`),
    '  tasks:',
    ...task.map((l, i) => `${i === 0 ? '    - ' : '      '}${l}`),
    '',
  ].join('\n');

function problems(text: string): Diagnostic[] {
  const r = parseWorkflow(text);
  if (r.ok) throw new Error('expected diagnostics');
  return r.diagnostics;
}

const only = (text: string): Diagnostic => {
  const list = problems(text);
  expect(list).toHaveLength(1);
  return list[0]!;
};

describe('unknown keys', () => {
  it('are reported one per key, at the key, with the allowed keys and a did-you-mean', () => {
    const list = problems(workflow(['id: x', 'agent: a', 'dependson: []', 'colour: red']));
    expect(list).toEqual([
      expect.objectContaining({
        code: 'BATON_E_UNKNOWN_KEY',
        line: 9,
        col: 7,
        path: ['workflow', 'tasks', 0, 'dependson'],
        hint: 'did you mean "depends_on"?',
      }),
      expect.objectContaining({
        code: 'BATON_E_UNKNOWN_KEY',
        line: 10,
        col: 7,
        message: 'unknown key "colour" in tasks[0]',
      }),
    ]);
    expect(list[1]!.hint).toBeUndefined();
    expect(list[0]!.expected).toBe(`one of ${Object.keys(Task.shape).join(', ')}`);
  });

  it('replace the missing-key report when they are a misspelling of the missing key', () => {
    const d = only(workflow(['idd: x', 'agent: a']));
    expect(d).toMatchObject({ code: 'BATON_E_UNKNOWN_KEY', hint: 'did you mean "id"?' });
  });
});

describe('missing keys', () => {
  it('are located at the mapping that lacks them and name the key and what it takes', () => {
    const d = only(workflow(['id: x'], ['a: { description: no type }']));
    expect(d).toMatchObject({
      code: 'BATON_E_MISSING_KEY',
      line: 5,
      col: 8,
      message: 'missing required key "type" in a',
      expected: 'type: a string',
    });
  });

  it('say so for an empty document and for a document without `workflow:`', () => {
    expect(only('')).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      line: 1,
      col: 1,
      message: 'the document is empty',
    });
    expect(only('workflows:\n  name: x\n')).toMatchObject({
      code: 'BATON_E_UNKNOWN_KEY',
      hint: 'did you mean "workflow"?',
    });
    expect(problems('other: 1\n').map((d) => d.code)).toEqual(['BATON_E_MISSING_KEY', 'BATON_E_UNKNOWN_KEY']);
    expect(problems('{}\n')).toEqual([
      expect.objectContaining({
        code: 'BATON_E_MISSING_KEY',
        line: 1,
        col: 1,
        message: 'missing required key "workflow"',
      }),
    ]);
  });
});

describe('wrong types', () => {
  it('say what was expected and found, and how to write a list', () => {
    const d = only(workflow(['id: x', 'agent: a', 'depends_on: decompose']));
    expect(d).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      line: 9,
      col: 19,
      message: 'expected a list of task ids, found a string "decompose"',
      expected: 'a list of task ids',
      found: 'a string "decompose"',
      hint: 'write ["decompose"]',
    });
    expect(only(workflow(['id: x', 'agent: a', 'depends_on: "a, b"'])).hint).toBe('write ["a", "b"]');
  });

  it('suggest quotes for a number where text goes, and none for a bare number where text goes', () => {
    expect(only(workflow(['id: x', 'agent: a', 'description: 42']))).toMatchObject({
      found: 'a number 42',
      hint: 'quote it: "42"',
    });
    expect(only(workflow(['id: x', 'agent: a', 'requires: [true]']))).toMatchObject({
      found: 'a boolean true',
      hint: 'quote it: "true"',
    });
  });

  it('explain YAML 1.2 booleans and quoted numbers', () => {
    expect(only(workflow(['id: x', 'agent: a', 'parallel: "yes"'])).hint).toContain('write true or false');
    expect(only(workflow(['id: x'], ['a: { type: t, max_instances: "3" }'])).hint).toBe(
      'write 3 without quotes',
    );
  });

  it('tell an empty value to be filled or removed', () => {
    expect(only(workflow(['id: x', 'agent: a', 'retry:']))).toMatchObject({
      found: 'nothing (an empty value)',
      hint: 'give the key a value, or remove it',
    });
  });

  it('describe mappings and lists they found', () => {
    expect(only(workflow(['id: x', 'agent: a', 'when: { a: 1, b: 2, c: 3, d: 4, e: 5 }'])).found).toBe(
      'a mapping with keys a, b, c, d, ...',
    );
    expect(only(workflow(['id: x', 'agent: a', 'when: []'])).found).toBe('a list of 0 items');
    expect(only(workflow(['id: x', 'agent: a', 'when: [x]'])).found).toBe('a list of 1 item');
    expect(only(workflow(['id: x', 'agent: a', 'when: {}'])).found).toBe('an empty mapping');
  });

  it('name every branch of a union of scalars, with the schema description', () => {
    expect(only(workflow(['id: x', 'agent: a', 'timeout: [1]']))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      expected: 'a string or a number, e.g. "30s", "5m", 3600 (seconds)',
    });
  });
});

describe('invalid values', () => {
  it('list the choices of an enum and suggest the closest', () => {
    const d = only(
      workflow(['id: x', 'agent: a']).replace('  tasks:', '  coordination: { type: hybird }\n  tasks:'),
    );
    expect(d).toMatchObject({
      code: 'BATON_E_INVALID_VALUE',
      message: '"hybird" is not a valid type',
      expected: 'one of "hybrid", "graph", "event_driven"',
      hint: 'did you mean "hybrid"?',
    });
  });

  it('carry the reason of a quantity that does not parse', () => {
    expect(only(workflow(['id: x', 'agent: a', 'timeout: soon']))).toMatchObject({
      code: 'BATON_E_INVALID_VALUE',
      message: 'invalid timeout: expected a duration like "250ms", "30s", "5m", "1h" or a number of seconds',
      expected: 'a string or a number, e.g. "30s", "5m", 3600 (seconds)',
      found: 'a string "soon"',
    });
  });

  it('state ranges and sizes', () => {
    expect(only(workflow(['id: x', 'agent: a', 'retry: { max_attempts: 0 }']))).toMatchObject({
      message: 'max_attempts must be at least 1',
      found: 'a number 0',
    });
    expect(only(workflow(['id: x', 'agent: a', 'retry: { backoff_coefficient: 101 }']))).toMatchObject({
      message: 'backoff_coefficient must be at most 100',
    });
    expect(only(workflow(['id: x', 'agent: a', 'parallel: 0']))).toMatchObject({
      message: 'parallel must be at least 1',
    });
    expect(only(workflow(['id: x', 'agent: a', 'when: ""']))).toMatchObject({
      message: 'when must not be empty',
      expected: 'a non-empty string',
    });
    expect(only(workflow(['id: x', 'agent: a', 'retry: { max_attempts: 2.5 }']))).toMatchObject({
      message: 'max_attempts must be a whole number',
    });
    const noTasks = only('workflow:\n  name: w\n  version: 1\n  agents: {}\n  tasks: []\n');
    expect(noTasks).toMatchObject({
      code: 'BATON_E_INVALID_VALUE',
      line: 5,
      col: 10,
      message: 'tasks must have at least 1 item',
    });
  });

  it('explain ids, URLs and record keys that do not fit their format', () => {
    expect(only(workflow(['id: my task', 'agent: a']))).toMatchObject({
      message: expect.stringContaining('"my task" is not an id') as string,
      line: 7,
      col: 11,
    });
    expect(
      only(workflow(['id: x', 'agent: a'], ['a: { type: t, endpoint: { a2a: nowhere } }'])),
    ).toMatchObject({ found: '"nowhere"', expected: expect.stringContaining('a URL') as string });
    expect(only(workflow(['id: x', 'agent: a'], ['a: { type: t }', 'b c: { type: t }']))).toMatchObject({
      line: 6,
      col: 5,
      found: '"b c"',
    });
  });
});

describe('unions read as the author meant them', () => {
  const endpoint = (e: string) => workflow(['id: x', 'agent: a'], [`a: { type: t, endpoint: ${e} }`]);

  it('a misspelt endpoint key is one unknown key', () => {
    expect(only(endpoint('{ modul: ./a.js }'))).toMatchObject({
      code: 'BATON_E_UNKNOWN_KEY',
      hint: 'did you mean "module"?',
      expected: 'one of module, export, a2a, credential, queue',
    });
  });

  it('two kinds of endpoint at once conflict; none at all is missing', () => {
    expect(only(endpoint('{ module: ./a.js, queue: q }'))).toMatchObject({
      code: 'BATON_E_CONFLICTING_KEYS',
      message: '"module" and "queue" cannot be used together in endpoint',
    });
    expect(only(endpoint('{ module: 5, a2a: "https://x.example" }'))).toMatchObject({
      code: 'BATON_E_CONFLICTING_KEYS',
      expected: 'exactly one of module, a2a, queue',
    });
    expect(only(endpoint('{}'))).toMatchObject({
      code: 'BATON_E_MISSING_KEY',
      message: 'endpoint needs one of the keys module, a2a, queue',
    });
    expect(only(endpoint('{ export: run }'))).toMatchObject({
      code: 'BATON_E_MISSING_KEY',
      message: 'missing required key "module" in endpoint',
    });
  });

  it('the branch with the keys written decides, and its own problems are reported', () => {
    expect(only(endpoint('{ module: 5 }'))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      path: ['workflow', 'agents', 'a', 'endpoint', 'module'],
    });
    expect(only(workflow(['id: x', 'agent: a', 'on: { channel: c, filter: 5 }']))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      path: ['workflow', 'tasks', 0, 'on', 'filter'],
    });
    expect(only(workflow(['id: x', 'agent: a', 'input: { q: 5 }']))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      path: ['workflow', 'tasks', 0, 'input', 'q'],
    });
  });

  it('a value of a kind no branch takes is one type mismatch', () => {
    expect(only(workflow(['id: x', 'agent: a', 'on: 5']))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      expected: 'a string or a mapping',
    });
    expect(only(workflow(['id: x', 'agent: a', 'emits: [[x]]']))).toMatchObject({
      code: 'BATON_E_WRONG_TYPE',
      path: ['workflow', 'tasks', 0, 'emits', 0],
    });
  });
});

describe('reporting', () => {
  it('reports every problem in one pass, ordered by place', () => {
    const list = problems(
      workflow(['id: x', 'agnet: a', 'timeout: never', 'parallel: "yes"'], ['a: { type: 5 }']),
    );
    expect(list.map((d) => `${d.code} ${d.line}:${d.col}`)).toEqual([
      'BATON_E_WRONG_TYPE 5:16',
      'BATON_E_UNKNOWN_KEY 8:7',
      'BATON_E_INVALID_VALUE 9:16',
      'BATON_E_WRONG_TYPE 10:17',
    ]);
  });

  it('reports a problem inside a shared anchor once, at the anchor', () => {
    const text = workflow(['id: x', 'agent: a', 'retry: *r']).replace(
      '  tasks:',
      '  retry: &r { max_attempts: lots }\n  tasks:',
    );
    expect(problems(text)).toEqual([
      expect.objectContaining({ code: 'BATON_E_WRONG_TYPE', line: 6, col: 29 }),
    ]);
  });
});
