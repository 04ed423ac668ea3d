// Bytes to text: the size limit, strict UTF-8 with the place of the first bad byte, NUL bytes, BOMs.

import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../../src/spec/load.js';
import { decodeSource } from '../../../src/spec/source-text.js';

const VALID =
  'workflow:\n  name: w\n  version: "1"\n  agents:\n    a: { type: t }\n  tasks:\n    - { id: x, agent: a }\n';
const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('decodeSource', () => {
  it('refuses input over the limit, naming the size and the limit', () => {
    const r = decodeSource(new Uint8Array(2048), 1024);
    expect(r).toMatchObject({ ok: false, diagnostic: { code: 'BATON_E_FILE_TOO_LARGE', line: 0, col: 0 } });
    if (!r.ok) expect(r.diagnostic.message).toBe('the file is 2048 bytes; the limit is 1024 bytes');
  });

  it('measures a string by its UTF-8 size, not its length', () => {
    const text = 'é'.repeat(600); // 600 UTF-16 units, 1200 bytes
    expect(decodeSource(text, 1199)).toMatchObject({
      ok: false,
      diagnostic: { message: 'the file is 1200 bytes; the limit is 1199 bytes' },
    });
    expect(decodeSource(text, 1200).ok).toBe(true);
    const euro = '€'.repeat(100); // 100 units, 300 bytes
    expect(decodeSource(euro, 299)).toMatchObject({
      ok: false,
      diagnostic: { message: 'the file is 300 bytes; the limit is 299 bytes' },
    });
    const astral = '😀'.repeat(100); // 200 units, 400 bytes
    expect(decodeSource(astral, 399)).toMatchObject({
      ok: false,
      diagnostic: { message: 'the file is 400 bytes; the limit is 399 bytes' },
    });
    expect(decodeSource('ab', 1)).toMatchObject({
      ok: false,
      diagnostic: { code: 'BATON_E_FILE_TOO_LARGE' },
    });
  });

  it('strips a byte order mark from bytes and from strings', () => {
    expect(decodeSource(bytes([0xef, 0xbb, 0xbf], 'a: 1'), 100)).toEqual({ ok: true, text: 'a: 1' });
    expect(decodeSource('\ufeffa: 1', 100)).toEqual({ ok: true, text: 'a: 1' });
  });

  it('points at the first byte that is not UTF-8', () => {
    const r = decodeSource(bytes('a: 1\nb: "x', [0xff], 'y"\n'), 100);
    expect(r).toMatchObject({ ok: false, diagnostic: { code: 'BATON_E_NOT_TEXT', line: 2, col: 6 } });
    if (!r.ok) expect(r.diagnostic.message).toContain('byte 0xff at offset 10');
  });

  it('points at the start of a multi-byte sequence cut short, or cut off at the end', () => {
    const cut = decodeSource(bytes('ok: é\nx: ', [0xe2, 0x82], 'A\n'), 100);
    expect(cut).toMatchObject({ ok: false, diagnostic: { line: 2, col: 4 } });
    if (!cut.ok) expect(cut.diagnostic.message).toContain('byte 0xe2 at offset 10');
    expect(decodeSource(bytes('x: ', [0xe2, 0x82]), 100)).toMatchObject({
      ok: false,
      diagnostic: { code: 'BATON_E_NOT_TEXT', line: 1, col: 4 },
    });
    expect(decodeSource(bytes('é', [0xff]), 100)).toMatchObject({
      ok: false,
      diagnostic: { line: 1, col: 2 },
    });
    expect(decodeSource(bytes([0x80]), 100)).toMatchObject({ ok: false, diagnostic: { line: 1, col: 1 } });
  });

  it('refuses a NUL byte, at its place', () => {
    expect(decodeSource('a: 1\nb: x\0y\n', 100)).toMatchObject({
      ok: false,
      diagnostic: { code: 'BATON_E_NOT_TEXT', line: 2, col: 5 },
    });
  });
});

describe('parseWorkflow on raw bytes', () => {
  it('parses a UTF-8 file with a BOM, with columns counted from after the BOM', () => {
    const bom = bytes([0xef, 0xbb, 0xbf], VALID.replace('name: w', 'nme: w'));
    const r = parseWorkflow(bom);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ code: 'BATON_E_UNKNOWN_KEY', line: 2, col: 3 });
    expect(parseWorkflow(bytes([0xef, 0xbb, 0xbf], VALID)).ok).toBe(true);
  });

  it('honours maxBytes, and by default accepts a file of a few MB', () => {
    expect(parseWorkflow(VALID, { maxBytes: 10 })).toMatchObject({
      ok: false,
      diagnostics: [{ code: 'BATON_E_FILE_TOO_LARGE' }],
    });
    const padded = VALID + `# ${'x'.repeat(3_000_000)}\n`;
    expect(parseWorkflow(padded).ok).toBe(true);
  });
});
