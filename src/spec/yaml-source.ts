// Text to a plain JS value with js-yaml (about 15 times faster than the `yaml` package on large
// files), its failures mapped to located diagnostics: syntax, duplicate keys, several documents, and
// nesting so deep that the recursive parser runs out of stack.

import { CORE_SCHEMA, YAMLException, load, loadAll, types, type LoadOptions, type Type } from 'js-yaml';
import type { Diagnostic } from './diagnostic.js';
import { LineIndex } from './line-index.js';
import { errorAt } from './report.js';

declare module 'js-yaml' {
  /** js-yaml 4 exports its built-in types at runtime; @types/js-yaml 4.0.9 leaves them out. */
  export const types: { readonly merge: Type };
}

/**
 * YAML 1.2's core schema (so `2024-01-01` and `yes` stay strings) plus `<<` merge keys, which
 * workflow authors use with anchors to share defaults (`<<: *defaults`).
 */
export const YAML_SCHEMA = CORE_SCHEMA.extend({ implicit: [types.merge] });

export type YamlValue =
  { ok: true; value: unknown; warnings: Diagnostic[] } | { ok: false; diagnostic: Diagnostic };

const MULTI_DOCUMENT = 'expected a single document in the stream, but found more';
const DUPLICATE_KEY = 'duplicated mapping key';
/** js-yaml's two ways of saying a control character is where text should be. */
const CONTROL_CHARACTER = new Set([
  'the stream contains non-printable characters',
  'expected valid JSON character',
]);

/** Thrown from the depth listener to stop parsing at the first node nested deeper than allowed. */
class TooDeep extends Error {}

export function loadYaml(text: string, maxDepth: number): YamlValue {
  const warnings: Diagnostic[] = [];
  const lines = new LineIndex(text);
  try {
    const onWarning = (w: YAMLException): void => {
      warnings.push({
        ...errorAt('BATON_E_YAML_SYNTAX', w.reason, lines.position(w.mark.position)),
        severity: 'warning',
      });
    };
    return { ok: true, value: load(text, { schema: YAML_SCHEMA, json: false, onWarning }), warnings };
  } catch (e) {
    if (e instanceof YAMLException) return { ok: false, diagnostic: yamlError(e, text, lines) };
    if (e instanceof RangeError && /call stack/i.test(e.message))
      return { ok: false, diagnostic: tooDeep(text, lines, maxDepth) };
    throw e;
  }
}

function yamlError(e: YAMLException, text: string, lines: LineIndex): Diagnostic {
  if (e.reason === MULTI_DOCUMENT) {
    return errorAt(
      'BATON_E_YAML_MULTI_DOCUMENT',
      'the file holds more than one YAML document',
      lines.position(secondDocument(text)),
      [],
      {
        hint: 'a workflow file holds one document: move what follows the second "---" to a file of its own',
      },
    );
  }
  const pos = lines.position(e.mark.position);
  if (e.reason === DUPLICATE_KEY) {
    // js-yaml points at the second key; quote it as written unless it is quoted already.
    const key = /^[^:,}\r\n]*/.exec(text.slice(e.mark.position))![0].trim();
    const shown = /^["']/.test(key) ? key : `"${key}"`;
    return errorAt(
      'BATON_E_YAML_DUPLICATE_KEY',
      `the key ${shown} appears twice in the same mapping`,
      pos,
      [],
      {
        hint: 'keep one of them (YAML would silently drop the other)',
      },
    );
  }
  if (CONTROL_CHARACTER.has(e.reason))
    return errorAt('BATON_E_NOT_TEXT', 'the file contains control characters, so it is not text', pos);
  return errorAt('BATON_E_YAML_SYNTAX', e.reason, pos, [], syntaxHint(e.reason));
}

function syntaxHint(reason: string): { hint?: string } {
  if (/tab characters/.test(reason)) return { hint: 'indent with spaces, not tabs' };
  if (/flow collection/.test(reason))
    return { hint: 'is a "[" or "{" above left unclosed, or a "," missing?' };
  if (/indentation/.test(reason))
    return { hint: 'align this line with the other entries of the same mapping or list' };
  return {};
}

/** Where the second document starts: its `---` line, or its first node if it has none. */
function secondDocument(text: string): number {
  const roots: number[] = [];
  let depth = 0;
  loadAll(text, undefined, {
    schema: YAML_SCHEMA,
    listener(event, state) {
      if (event === 'open' && depth++ === 0) roots.push(state.position);
      if (event === 'close') depth--;
    },
  });
  const second = roots[1] ?? 0;
  let marker = -1;
  for (const m of text.slice(0, second).matchAll(/^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm)) {
    if (m.index > (roots[0] ?? 0)) marker = m.index;
  }
  return marker === -1 ? second : marker;
}

/**
 * js-yaml recurses once per nesting level and has no limit, so a file like 100,000 `[` overflows the
 * stack. Parse again counting depth, and report where it first exceeds the limit (or, if the stack
 * ran out before that, the deepest place reached). The count is one high where js-yaml also opens a
 * node for an implicit key it tries, which is close enough to point at the place.
 */
function tooDeep(text: string, lines: LineIndex, maxDepth: number): Diagnostic {
  let depth = 0;
  let deepest = 0;
  let deepestAt = 0;
  const options: LoadOptions = {
    schema: YAML_SCHEMA,
    listener(event, state) {
      if (event === 'close') {
        depth--;
        return;
      }
      depth++;
      if (depth > deepest) {
        deepest = depth;
        deepestAt = state.position;
      }
      // The document root is depth 0.
      if (depth - 1 > maxDepth) throw new TooDeep();
    },
  };
  try {
    load(text, options);
  } catch {
    // Either TooDeep or the stack ran out again: both leave deepestAt where nesting got too deep.
  }
  return errorAt(
    'BATON_E_YAML_TOO_DEEP',
    `the document nests deeper than ${maxDepth} levels`,
    lines.position(deepestAt),
    [],
    {
      expected: `at most ${maxDepth} levels of nesting`,
    },
  );
}
