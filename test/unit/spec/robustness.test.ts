// parseWorkflow is total: random bytes, mangled workflow files, YAML bombs, absurd nesting and huge
// files all come back as ok or as diagnostics with registry codes placed inside the file.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../../src/errors/registry.js';
import { parseWorkflow, type LoadResult } from '../../../src/spec/load.js';

const VALID = join(import.meta.dirname, '../../fixtures/valid');
const validTexts = readdirSync(VALID)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(VALID, f), 'utf8'));

/** The result is well-formed: errors iff not ok, known codes, no internal error, places inside `text`. */
function checkResult(result: LoadResult, text: string): void {
  const lines = text.split(/\r\n|\r|\n/);
  const diagnostics = result.ok ? result.warnings : result.diagnostics;
  if (!result.ok) expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
  for (const d of diagnostics) {
    expect(isErrorCode(d.code), d.code).toBe(true);
    expect(d.code, d.message).not.toBe('BATON_E_INTERNAL');
    if (d.line === 0) {
      expect(d.col).toBe(0);
      continue;
    }
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines.length);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeLessThanOrEqual(lines[d.line - 1]!.length + 1);
  }
}

const YAML_CHARS = [
  ':',
  '-',
  ' ',
  '\n',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '"',
  "'",
  '#',
  '\t',
  '|',
  '>',
  '!',
  '%',
  '?',
  ',',
  '<<',
  '\r',
  '\0',
  'é',
  '\u0001',
];
const SCALARS = [
  '[x]',
  '{}',
  '42',
  '-1.5',
  'true',
  'null',
  '~',
  '""',
  '"a, b"',
  '*nowhere',
  '&anc [1, 2]',
  'yes',
];

type Mutation = (text: string) => string;
const at = (text: string, f: number): number => Math.floor(f * (text.length + 1));
const lineAt = (lines: string[], f: number): number => Math.floor(f * lines.length);
const onLines =
  (edit: (lines: string[], i: number) => void, f: number): Mutation =>
  (text) => {
    const lines = text.split('\n');
    edit(lines, lineAt(lines, f));
    return lines.join('\n');
  };

const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fraction.map(
    (f): Mutation =>
      (t) =>
        t.slice(0, at(t, f)) + t.slice(at(t, f) + 1),
  ),
  fc.tuple(fraction, fc.constantFrom(...YAML_CHARS)).map(
    ([f, c]): Mutation =>
      (t) =>
        t.slice(0, at(t, f)) + c + t.slice(at(t, f)),
  ),
  fraction.map((f) => onLines((lines, i) => lines.splice(i, 0, lines[i] ?? ''), f)),
  fraction.map((f) => onLines((lines, i) => lines.splice(i, 1), f)),
  fc.tuple(fraction, fraction).map(([f, g]) =>
    onLines((lines, i) => {
      const j = lineAt(lines, g);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }, f),
  ),
  // Swap a value's type: replace what follows a `key:` on some line.
  fc
    .tuple(fraction, fc.constantFrom(...SCALARS))
    .map(([f, v]) => onLines((lines, i) => void (lines[i] = lines[i]!.replace(/:\s.*$/, `: ${v}`)), f)),
  // Anchor a value and use it elsewhere.
  fc.tuple(fraction, fraction).map(([f, g]) =>
    onLines((lines, i) => {
      lines[i] = lines[i]!.replace(/:\s/, ': &m ');
      const j = lineAt(lines, g);
      lines[j] = lines[j]!.replace(/:\s.*$/, ': *m');
    }, f),
  ),
);

describe('parseWorkflow never throws', () => {
  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkResult(parseWorkflow(bytes), new TextDecoder().decode(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        checkResult(parseWorkflow(text), text.replace(/^\ufeff/, ''));
      }),
      { numRuns: 400 },
    );
  });

  it('on valid workflow files mangled by random edits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...validTexts),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (text, edits) => {
          const mangled = edits.reduce((t, edit) => edit(t), text);
          checkResult(parseWorkflow(mangled), mangled.replace(/^\ufeff/, ''));
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('hostile input gets its own code', () => {
  const code = (r: LoadResult) => (r.ok ? 'ok' : r.diagnostics[0]!.code);

  it('100,000 nested brackets', () => {
    expect(code(parseWorkflow('['.repeat(100_000)))).toBe('BATON_E_YAML_TOO_DEEP');
    expect(code(parseWorkflow(`workflow: ${'{a: '.repeat(100_000)}`))).toBe('BATON_E_YAML_TOO_DEEP');
  });

  it('a billion laughs', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(code(parseWorkflow(levels.join('\n')))).toBe('BATON_E_YAML_ALIAS_LIMIT');
  });

  it('a 20 MB file, refused before it is decoded', () => {
    const big = new Uint8Array(20 * 1024 * 1024).fill(0x61);
    expect(parseWorkflow(big)).toMatchObject({
      ok: false,
      diagnostics: [
        {
          code: 'BATON_E_FILE_TOO_LARGE',
          message: `the file is ${20 * 1024 * 1024} bytes; the limit is ${16 * 1024 * 1024} bytes`,
        },
      ],
    });
    expect(code(parseWorkflow('x'.repeat(20_000), { maxBytes: 10_000 }))).toBe('BATON_E_FILE_TOO_LARGE');
  });

  it('binary junk', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(code(parseWorkflow(png))).toBe('BATON_E_NOT_TEXT');
    expect(code(parseWorkflow(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])))).toBe(
      'BATON_E_NOT_TEXT',
    );
  });
});
