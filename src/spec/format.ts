// Diagnostics for people (`FILE:LINE:COL  CODE  message` plus expected/found/hint lines, in colour
// on a terminal) and for machines (`--json`: plain objects with the same fields).

import type { Diagnostic, DocPath } from './diagnostic.js';

/** One diagnostic as plain data, for `--json` output (the file is named once, beside the list). */
export interface DiagnosticJson {
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The document path as text, e.g. `workflow.tasks[2].depends_on`; empty for the whole document. */
  readonly path: string;
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
}

/** `workflow.tasks[2].depends_on`; keys that are not plain names are quoted: `agents["web.search"]`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** SGR codes to turn each style on and off. The caller decides on colour: no terminal is looked at here. */
const ANSI = { bold: [1, 22], dim: [2, 22], red: [31, 39], yellow: [33, 39] } as const;

/**
 * The human form; a problem with no place in the file (line 0) is shown against the file alone.
 * With `color`, ANSI styles pick out the place, the code (red, or yellow for a warning) and the labels.
 */
export function formatDiagnostic(d: Diagnostic, file: string, color = false): string {
  const style = (s: keyof typeof ANSI, text: string): string =>
    color ? `\u001b[${ANSI[s][0]}m${text}\u001b[${ANSI[s][1]}m` : text;
  const where = style('bold', d.line > 0 ? `${file}:${d.line}:${d.col}` : file);
  const code = style(d.severity === 'warning' ? 'yellow' : 'red', d.code);
  const lines = [`${where}  ${code}  ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`];
  if (d.expected !== undefined) lines.push(`    ${style('dim', 'expected:')} ${d.expected}`);
  if (d.found !== undefined) lines.push(`    ${style('dim', 'found:')} ${d.found}`);
  if (d.hint !== undefined) lines.push(`    ${style('dim', 'hint:')} ${d.hint}`);
  return lines.join('\n');
}

export function formatDiagnostics(list: readonly Diagnostic[], file: string, color = false): string {
  return list.map((d) => formatDiagnostic(d, file, color)).join('\n');
}

/** The JSON form; takes one argument so it can be passed to `list.map`. */
export function diagnosticToJson(d: Diagnostic): DiagnosticJson {
  return {
    line: d.line,
    col: d.col,
    code: d.code,
    severity: d.severity,
    message: d.message,
    path: formatPath(d.path),
    ...(d.expected !== undefined && { expected: d.expected }),
    ...(d.found !== undefined && { found: d.found }),
    ...(d.hint !== undefined && { hint: d.hint }),
  };
}
