// A workflow file's bytes to text: a size limit, strict UTF-8, no NUL bytes, no BOM. Binary data
// is refused here, with the place of the first bad byte, before any YAML parser sees it.

import type { Diagnostic } from './diagnostic.js';
import { LineIndex } from './line-index.js';
import { errorAt } from './report.js';

export type SourceText = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

const NO_PLACE = { line: 0, col: 0 };

export function decodeSource(source: string | Uint8Array, maxBytes: number): SourceText {
  const size = typeof source === 'string' ? utf8Length(source, maxBytes) : source.length;
  if (size > maxBytes) {
    const message = `the file is ${size} bytes; the limit is ${maxBytes} bytes`;
    return {
      ok: false,
      diagnostic: errorAt('BATON_E_FILE_TOO_LARGE', message, NO_PLACE, [], {
        found: `${size} bytes`,
        expected: `at most ${maxBytes} bytes`,
      }),
    };
  }
  let text: string;
  if (typeof source === 'string') {
    text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  } else {
    try {
      // The decoder drops a leading BOM itself.
      text = new TextDecoder('utf-8', { fatal: true }).decode(source);
    } catch {
      return { ok: false, diagnostic: invalidUtf8(source) };
    }
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const pos = new LineIndex(text).position(nul);
    return {
      ok: false,
      diagnostic: errorAt('BATON_E_NOT_TEXT', 'the file contains a NUL byte, so it is not text', pos, [], {
        hint: 'is this a binary file?',
      }),
    };
  }
  return { ok: true, text };
}

/** UTF-8 size of a string, or a lower bound of it when that is already within `limit`. */
function utf8Length(s: string, limit: number): number {
  // Every UTF-16 unit takes 1 to 3 bytes, so a short string needs no counting.
  if (s.length * 3 <= limit) return s.length;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Finds where the file stops being UTF-8, by bisecting on the longest prefix that decodes. */
function invalidUtf8(bytes: Uint8Array): Diagnostic {
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    try {
      // stream: true accepts a prefix that stops inside a multi-byte sequence.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      good = mid;
    } catch {
      bad = mid;
    }
  }
  // The byte at `good` is refused; if a sequence it should have continued is open, that is the culprit.
  const start = openSequenceStart(bytes, good) ?? good;
  const before = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, start));
  const pos = new LineIndex(before).position(before.length);
  const byte = bytes[start]!.toString(16).padStart(2, '0');
  return errorAt(
    'BATON_E_NOT_TEXT',
    `the file is not UTF-8 text (byte 0x${byte} at offset ${start})`,
    pos,
    [],
    {
      hint: 'save the file as UTF-8; is this a binary file?',
    },
  );
}

/** Where a multi-byte sequence still incomplete at `end` began, if one is. */
function openSequenceStart(bytes: Uint8Array, end: number): number | undefined {
  let i = end - 1;
  while (i >= 0 && end - i < 4 && (bytes[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return undefined;
  const lead = bytes[i]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + length > end ? i : undefined;
}
