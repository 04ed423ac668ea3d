// Builds the Diagnostics the spec layer reports, so every one carries the same fields in the same form.

import type { ErrorCode } from '../errors/registry.js';
import type { Diagnostic, DocPath } from './diagnostic.js';
import type { Position } from './line-index.js';

export interface Detail {
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
}

/** An error at `pos` (use {line: 0, col: 0} for a problem with no place in the file). */
export function errorAt(
  code: ErrorCode,
  message: string,
  pos: Position,
  path: DocPath = [],
  detail: Detail = {},
): Diagnostic {
  return { code, severity: 'error', message, line: pos.line, col: pos.col, path, ...definedOnly(detail) };
}

/** Drops undefined fields so diagnostics compare and serialise cleanly. */
function definedOnly(detail: Detail): Detail {
  const out: { -readonly [K in keyof Detail]: string } = {};
  if (detail.expected !== undefined) out.expected = detail.expected;
  if (detail.found !== undefined) out.found = detail.found;
  if (detail.hint !== undefined) out.hint = detail.hint;
  return out;
}
