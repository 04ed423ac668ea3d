// A problem found in a workflow file, located by line and column, with what a person needs to fix it.

import type { ErrorCode } from '../errors/registry.js';

/** A path into the parsed document: ['workflow', 'tasks', 3, 'depends_on', 0]. */
export type DocPath = ReadonlyArray<string | number>;

export interface Diagnostic {
  readonly code: ErrorCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** 1-based; 0 when the problem has no place in a file (e.g. an unreadable file). */
  readonly line: number;
  readonly col: number;
  readonly path: DocPath;
  readonly expected?: string;
  readonly found?: string;
  readonly hint?: string;
}

/** Maps a document path to the place it was written. Built lazily: valid files never pay for it. */
export interface SourceLocator {
  /** The position of the value at `path` (or of its key when `key` is true); the nearest enclosing node if absent. */
  locate(path: DocPath, key?: boolean): { line: number; col: number };
}

export const NO_SOURCE: SourceLocator = { locate: () => ({ line: 0, col: 0 }) };
