// YAML-level failures, each with its code and place: syntax, duplicate keys, several documents,
// nesting that would overflow the parser's stack, control characters; and what YAML 1.2 means.

import { describe, expect, it } from 'vitest';
import { loadYaml } from '../../../src/spec/yaml-source.js';

const fails = (text: string, maxDepth = 64) => {
  const r = loadYaml(text, maxDepth);
  if (r.ok) throw new Error('expected a failure');
  return r.diagnostic;
};

describe('loadYaml', () => {
  it('reads YAML 1.2 core: dates, yes/no and octal-looking numbers stay as written', () => {
    expect(loadYaml('d: 2024-01-01\nb: yes\nt: true\nn: 010\nv: 1.0\n', 64)).toEqual({
      ok: true,
      value: { d: '2024-01-01', b: 'yes', t: true, n: 10, v: 1 },
      warnings: [],
    });
  });

  it('applies merge keys', () => {
    const r = loadYaml('base: &b { x: 1, y: 2 }\nuse: { <<: *b, y: 3 }\n', 64);
    expect(r.ok && r.value).toEqual({ base: { x: 1, y: 2 }, use: { x: 1, y: 3 } });
  });

  it('reports a syntax error at its line and column, with a hint for the common ones', () => {
    expect(fails('a: 1\n b: 2\n')).toMatchObject({
      code: 'BATON_E_YAML_SYNTAX',
      line: 2,
      col: 3,
      message: 'bad indentation of a mapping entry',
    });
    expect(fails('a:\n\t- x\n')).toMatchObject({
      code: 'BATON_E_YAML_SYNTAX',
      line: 2,
      col: 1,
      hint: 'indent with spaces, not tabs',
    });
    expect(fails('a: [1, 2\nb: 3\n')).toMatchObject({
      code: 'BATON_E_YAML_SYNTAX',
      hint: expect.stringContaining('unclosed') as string,
    });
    expect(fails('a: "open\n')).toMatchObject({ code: 'BATON_E_YAML_SYNTAX', line: 2, col: 1 });
    expect(fails('a: *nowhere\n')).toMatchObject({
      code: 'BATON_E_YAML_SYNTAX',
      message: 'unidentified alias "nowhere"',
    });
  });

  it('reports a duplicate key at the second occurrence, quoting it as written', () => {
    expect(fails('a: 1\nb:\n  c: 1\n  c: 2\n')).toMatchObject({
      code: 'BATON_E_YAML_DUPLICATE_KEY',
      line: 4,
      col: 3,
      message: 'the key "c" appears twice in the same mapping',
    });
    expect(fails("{x: 1, 'x': 2}\n")).toMatchObject({
      code: 'BATON_E_YAML_DUPLICATE_KEY',
      message: "the key 'x' appears twice in the same mapping",
    });
  });

  it('reports a second document at its "---" line, or at its start when it has none', () => {
    expect(fails('a: 1\n# --- not this\n---\nb: 2\n')).toMatchObject({
      code: 'BATON_E_YAML_MULTI_DOCUMENT',
      line: 3,
      col: 1,
    });
    expect(fails('---\na: 1\n--- # second\nb: 2\n')).toMatchObject({
      code: 'BATON_E_YAML_MULTI_DOCUMENT',
      line: 3,
      col: 1,
    });
    expect(fails('a: 1\n...\nb: 2\n')).toMatchObject({
      code: 'BATON_E_YAML_MULTI_DOCUMENT',
      line: 2,
      col: 1,
    });
  });

  it('turns nesting that overflows the parser into BATON_E_YAML_TOO_DEEP near the limit', () => {
    const d = fails('['.repeat(100_000));
    expect(d).toMatchObject({
      code: 'BATON_E_YAML_TOO_DEEP',
      line: 1,
      message: 'the document nests deeper than 64 levels',
    });
    expect(d.col).toBeGreaterThanOrEqual(60);
    expect(d.col).toBeLessThanOrEqual(70);
    const unlimited = fails('- '.repeat(100_000), 1_000_000);
    expect(unlimited).toMatchObject({ code: 'BATON_E_YAML_TOO_DEEP', line: 1 });
    expect(unlimited.col).toBeGreaterThan(1);
  });

  it('calls control characters binary data', () => {
    expect(fails('a: "x\x01y"\n')).toMatchObject({ code: 'BATON_E_NOT_TEXT', line: 1, col: 8 });
    expect(fails('a: x\x01y\n')).toMatchObject({ code: 'BATON_E_NOT_TEXT', line: 1, col: 7 });
  });

  it('keeps parser warnings as warnings', () => {
    const r = loadYaml('%FOO bar\n---\na: 1\n', 64);
    expect(r.ok && r.warnings).toEqual([
      expect.objectContaining({
        code: 'BATON_E_YAML_SYNTAX',
        severity: 'warning',
        message: 'unknown document directive "FOO"',
      }),
    ]);
  });
});
