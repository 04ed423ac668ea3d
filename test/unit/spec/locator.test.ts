// The lazy SourceLocator: exact places for values and keys (checked against the `yaml` package's
// node ranges on random documents), through anchors and merge keys, and sane fallbacks.

import fc from 'fast-check';
import { dump, load } from 'js-yaml';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LineCounter, isMap, parseDocument } from 'yaml';
import type { DocPath } from '../../../src/spec/diagnostic.js';
import { createLocator } from '../../../src/spec/locator.js';

const at = (text: string, path: DocPath, key = false) => createLocator(text).locate(path, key);

describe('createLocator', () => {
  const text = [
    'workflow:', //                                1
    '  name: demo   # a comment', //               2
    '  agents:', //                                3
    '    # the only agent', //                     4
    '    a: { type: t, capabilities: [x, y] }', // 5
    '  tasks:', //                                 6
    '    - id: first', //                          7
    '      depends_on:', //                        8
    '        - zero', //                           9
    '        - one', //                            10
    '    -   id: second', //                       11
    '',
  ].join('\n');

  it('places values, keys, and items of block and flow collections', () => {
    expect(at(text, ['workflow', 'name'])).toEqual({ line: 2, col: 9 });
    expect(at(text, ['workflow', 'name'], true)).toEqual({ line: 2, col: 3 });
    expect(at(text, ['workflow', 'agents'])).toEqual({ line: 5, col: 5 });
    expect(at(text, ['workflow', 'agents', 'a', 'capabilities', 1])).toEqual({ line: 5, col: 37 });
    expect(at(text, ['workflow', 'agents', 'a', 'type'], true)).toEqual({ line: 5, col: 10 });
    expect(at(text, ['workflow', 'tasks', 0, 'depends_on', 1])).toEqual({ line: 10, col: 11 });
    expect(at(text, ['workflow', 'tasks', 1])).toEqual({ line: 11, col: 9 });
    expect(at(text, [])).toEqual({ line: 1, col: 1 });
  });

  it('falls back to the nearest node that exists', () => {
    expect(at(text, ['workflow', 'tasks', 0, 'agent'])).toEqual({ line: 7, col: 7 });
    expect(at(text, ['workflow', 'tasks', 7, 'id'])).toEqual({ line: 7, col: 5 });
    expect(at(text, ['workflow', 'name', 'deeper'])).toEqual({ line: 2, col: 9 });
    expect(at(text, ['workflow', 'tasks', 'id'])).toEqual({ line: 7, col: 5 });
  });

  it('places an empty value right after its key, and an empty document at its start', () => {
    expect(at('a:\nb: 1\n', ['a'])).toEqual({ line: 1, col: 3 });
    expect(at('# nothing here\n', [])).toEqual({ line: 1, col: 1 });
    expect(at('', ['workflow'])).toEqual({ line: 1, col: 1 });
  });

  it('follows an alias into its anchor, and a merge key into its source', () => {
    const doc = [
      'base: &b',
      '  retry: 3',
      '  timeout: 5',
      'one: *b',
      'two:',
      '  <<: *b',
      '  retry: 4',
      '',
    ].join('\n');
    expect(at(doc, ['one'])).toEqual({ line: 4, col: 6 });
    expect(at(doc, ['one', 'timeout'])).toEqual({ line: 3, col: 12 });
    expect(at(doc, ['two', 'timeout'])).toEqual({ line: 3, col: 12 });
    expect(at(doc, ['two', 'retry'])).toEqual({ line: 7, col: 10 });
    expect(at(doc, ['two', 'nothing'])).toEqual({ line: 6, col: 3 });
  });

  it('stops at the list when an empty `-` entry leaves no node to match', () => {
    const doc = 'list:\n  -\n  - x\n  - y\n';
    expect(at(doc, ['list', 0])).toEqual({ line: 2, col: 3 });
    expect(at(doc, ['list', 2])).toEqual({ line: 4, col: 5 });
  });

  it('stops at a flow collection whose entries it cannot pair with values', () => {
    expect(at('m: {a, b: 1}\n', ['m', 'b'])).toEqual({ line: 1, col: 4 });
    expect(at('l: [a: 1, b]\n', ['l', 1])).toEqual({ line: 1, col: 4 });
  });

  it('counts CRLF and CR line ends as YAML does', () => {
    expect(at('a: 1\r\nb:\r\n  c: 2\r\n', ['b', 'c'])).toEqual({ line: 3, col: 6 });
    expect(at('a: 1\rb: 2\r', ['b'])).toEqual({ line: 2, col: 4 });
  });

  it('answers 1:1 rather than throwing when the text does not parse', () => {
    expect(at('a: [1, 2\n', ['a'])).toEqual({ line: 1, col: 1 });
  });
});

/** Random JSON-like documents whose scalars are never empty (an empty node has no range to compare). */
const scalar = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => s.trim() !== ''),
  fc
    .array(fc.stringMatching(/^[a-z ]{1,8}$/), { minLength: 2, maxLength: 3 })
    .map((lines) => lines.join('\n')),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(
    fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_ ]{0,6}$/), fc.string({ minLength: 1, maxLength: 5 })),
    tie('node'),
    { maxKeys: 4 },
  ),
})).map;

/** Every path in a value, each with whether it names a mapping key (so has a key position too). */
function pathsOf(root: unknown): Array<{ path: DocPath; inMap: boolean }> {
  const out: Array<{ path: DocPath; inMap: boolean }> = [];
  const stack: Array<{ v: unknown; path: DocPath }> = [{ v: root, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(v)
      ? v.map((c, i) => [i, c])
      : Object.entries(v);
    for (const [k, c] of entries) {
      out.push({ path: [...path, k], inMap: !Array.isArray(v) });
      stack.push({ v: c, path: [...path, k] });
    }
  }
  return out;
}

/**
 * Where the `yaml` package says each node (or its key) starts: the reference the locator must match.
 * Keys are matched by their order in `value`, since the two parsers may read a key like `+.0` differently.
 */
function yamlPackageLocator(
  text: string,
  value: unknown,
): (path: DocPath, key: boolean) => { line: number; col: number } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  return (path, key) => {
    let node: unknown = doc.contents;
    let v = value;
    let keyNode: unknown;
    for (const segment of path) {
      if (isMap(node)) {
        const i = Object.keys(v as object).indexOf(String(segment));
        keyNode = node.items[i]!.key;
        node = node.items[i]!.value;
      } else {
        node = (node as { items: unknown[] }).items[segment as number];
      }
      v = (v as Record<string, unknown>)[segment];
    }
    return counter.linePos(((key ? keyNode : node) as { range: [number] }).range[0]);
  };
}

function roundTrips(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(load(text), value) && parseDocument(text).errors.length === 0;
  } catch {
    return false;
  }
}

describe('createLocator agrees with the yaml package', () => {
  it('on every node of random documents in block and flow styles', () => {
    fc.assert(
      fc.property(
        value,
        fc.integer({ min: -1, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        (doc, flowLevel, indent) => {
          const text = dump({ root: doc }, { flowLevel, indent, noRefs: true, lineWidth: -1 });
          // js-yaml's dump writes a few odd strings in flow style that no parser reads back; skip those.
          fc.pre(roundTrips(text, { root: doc }));
          const locator = createLocator(text);
          const reference = yamlPackageLocator(text, { root: doc });
          for (const { path, inMap } of pathsOf({ root: doc })) {
            expect(locator.locate(path), `${JSON.stringify(path)} in\n${text}`).toEqual(
              reference(path, false),
            );
            if (inMap) expect(locator.locate(path, true)).toEqual(reference(path, true));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
