// Workflow text to a WorkflowSpec, or every problem in it, each located by line and column. Pure and
// total: bad input of any kind (binary, a YAML bomb, 100,000 `[`) comes back as diagnostics.

import type { z } from 'zod';
import { NO_SOURCE, type Diagnostic, type SourceLocator } from './diagnostic.js';
import { createLocator } from './locator.js';
import { errorAt } from './report.js';
import { readablePart, type ReadablePart, type StandIn } from './readable.js';
import { Workflow, WorkflowFile, type WorkflowSpec } from './schema.js';
import { allowedKeys } from './schema-shape.js';
import { decodeSource } from './source-text.js';
import { checkValueBudget } from './value-budget.js';
import { loadYaml } from './yaml-source.js';
import { zodDiagnostics } from './zod-diagnostics.js';

export interface LoadOptions {
  /** Named in the message of an internal error; diagnostics themselves carry no file name. */
  readonly file?: string;
  /** Larger input is refused before it is decoded. Default 16 MiB. */
  readonly maxBytes?: number;
  /** Deepest nesting of mappings and lists. Default 64. */
  readonly maxDepth?: number;
  /** Most values in the document, counting an aliased anchor each time it is used. Default 2,000,000. */
  readonly maxNodes?: number;
}

export const LOAD_DEFAULTS = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxNodes: 2_000_000,
} as const satisfies Required<Omit<LoadOptions, 'file'>>;

/** A parsed document, or why it could not be; the locator maps document paths to places in the text. */
export type Parsed<T> =
  | { ok: true; value: T; locator: SourceLocator; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; locator: SourceLocator; partial?: ReadablePart<T> };

export type LoadResult =
  | { ok: true; spec: WorkflowSpec; locator: SourceLocator; warnings: Diagnostic[] }
  | {
      ok: false;
      diagnostics: Diagnostic[];
      locator: SourceLocator;
      /**
       * What could still be read when the schema found problems (see readable.ts): later checks run
       * on it, so one pass reports a typo'd key AND, say, an unknown agent elsewhere in the file.
       * Its paths start at the file's root (`workflow`, `tasks`, ...); `toSource` maps them to the file.
       */
      partial?: ReadablePart<WorkflowSpec>;
    };

/** Parses a workflow file (`workflow:` at the top). Never throws. */
export function parseWorkflow(source: string | Uint8Array, opts: LoadOptions = {}): LoadResult {
  const r = parseDocument(WorkflowFile, source, opts, {
    readable: WORKFLOW_STAND_INS,
    misplaced: keysOutsideWorkflow,
  });
  if (r.ok) return { ok: true, spec: r.value.workflow, locator: r.locator, warnings: r.warnings };
  const { partial, ...failed } = r;
  return partial === undefined
    ? failed
    : { ...failed, partial: { ...partial, value: partial.value.workflow } };
}

/**
 * A workflow's name and version are required but nothing is checked against them, and a wrong
 * `agents:` is as good as none for the later checks (which then take no agent name as unknown): a
 * stand-in keeps the rest of the file checkable instead of dropping the whole workflow.
 */
const WORKFLOW_STAND_INS: StandIn = (path) => {
  if (path.length !== 2 || path[0] !== 'workflow') return undefined;
  if (path[1] === 'name') return { value: 'workflow' };
  if (path[1] === 'version') return { value: '0' };
  if (path[1] === 'agents') return { value: {} };
  return undefined;
};

/**
 * The newcomer's file: the workflow's keys at the top level, without `workflow:` above them. One
 * problem saying so, at the first key, instead of a missing `workflow` plus an unknown key per line.
 */
function keysOutsideWorkflow(doc: unknown, locator: SourceLocator): Diagnostic | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || 'workflow' in doc) return undefined;
  const keys = Object.keys(doc);
  const workflowKeys = allowedKeys([Workflow]);
  const misplaced = keys.filter((k) => workflowKeys.includes(k));
  if (misplaced.length === 0) return undefined;
  const first = keys[0]!;
  const value = (doc as Record<string, unknown>)[first];
  const shown = typeof value === 'string' || typeof value === 'number' ? ` ${String(value)}` : '';
  const line = shown.length > 40 ? `${first}: ...` : `${first}:${shown}`;
  return errorAt(
    'BATON_E_MISSING_KEY',
    `${quoteKeys(misplaced)} belong${misplaced.length === 1 ? 's' : ''} under a top-level "workflow:" key`,
    locator.locate([first], true),
    [],
    {
      expected: `a first line "workflow:" with the workflow's keys indented under it ("workflow:" then "  ${line}")`,
      hint: 'add the line "workflow:" at the top and indent every line below it by two spaces',
    },
  );
}

const quoteKeys = (keys: readonly string[]): string => {
  const q = keys.map((k) => `"${k}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
};

/**
 * Any single YAML (or JSON) document checked against a zod schema, with the same limits and located
 * diagnostics as a workflow file. A file that may take several shapes passes a function that picks
 * the schema from the parsed document. Never throws: a bug becomes a BATON_E_INTERNAL diagnostic.
 */
export function parseYamlAs<T>(
  schemaFor: z.ZodType<T> | ((doc: unknown) => z.ZodType<T>),
  source: string | Uint8Array,
  opts: LoadOptions = {},
): Parsed<T> {
  return parseDocument(schemaFor, source, opts, {});
}

/** What a document kind adds to parseYamlAs (only workflow files, so far). */
interface DocumentKind {
  /** Compute the readable part when the schema finds problems, with these stand-ins. */
  readonly readable?: StandIn;
  /** A mistake of the whole document's shape, reported alone in place of the schema's problems. */
  readonly misplaced?: (doc: unknown, locator: SourceLocator) => Diagnostic | undefined;
}

function parseDocument<T>(
  schemaFor: z.ZodType<T> | ((doc: unknown) => z.ZodType<T>),
  source: string | Uint8Array,
  opts: LoadOptions,
  kind: DocumentKind,
): Parsed<T> {
  const maxBytes = opts.maxBytes ?? LOAD_DEFAULTS.maxBytes;
  const maxDepth = opts.maxDepth ?? LOAD_DEFAULTS.maxDepth;
  const maxNodes = opts.maxNodes ?? LOAD_DEFAULTS.maxNodes;
  try {
    const decoded = decodeSource(source, maxBytes);
    if (!decoded.ok) return { ok: false, diagnostics: [decoded.diagnostic], locator: NO_SOURCE };
    const yaml = loadYaml(decoded.text, maxDepth);
    if (!yaml.ok) return { ok: false, diagnostics: [yaml.diagnostic], locator: NO_SOURCE };
    const locator = createLocator(decoded.text);
    const problem = checkValueBudget(yaml.value, maxNodes, maxDepth);
    if (problem !== undefined) {
      const d = errorAt(problem.code, problem.message, locator.locate(problem.path), problem.path, {
        expected: problem.expected,
      });
      return { ok: false, diagnostics: [d, ...yaml.warnings], locator };
    }
    const schema = typeof schemaFor === 'function' ? schemaFor(yaml.value) : schemaFor;
    const result = schema.safeParse(yaml.value);
    if (!result.success) {
      const whole = kind.misplaced?.(yaml.value, locator);
      if (whole !== undefined) return { ok: false, diagnostics: [whole, ...yaml.warnings], locator };
      const diagnostics = [
        ...zodDiagnostics(result.error.issues, schema, yaml.value, locator),
        ...yaml.warnings,
      ];
      const partial = kind.readable && readablePart(schema, yaml.value, result.error.issues, kind.readable);
      return partial ? { ok: false, diagnostics, locator, partial } : { ok: false, diagnostics, locator };
    }
    return { ok: true, value: result.data, locator, warnings: yaml.warnings };
  } catch (e) {
    const where = opts.file === undefined ? '' : ` while loading ${opts.file}`;
    const message = `internal error${where}: ${e instanceof Error ? e.message : String(e)}`;
    return {
      ok: false,
      diagnostics: [errorAt('BATON_E_INTERNAL', message, { line: 0, col: 0 })],
      locator: NO_SOURCE,
    };
  }
}
