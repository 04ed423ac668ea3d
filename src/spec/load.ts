// Workflow text to a WorkflowSpec, or every problem in it, each located by line and column. Pure and
// total: bad input of any kind (binary, a YAML bomb, 100,000 `[`) comes back as diagnostics.

import type { z } from 'zod';
import { NO_SOURCE, type Diagnostic, type SourceLocator } from './diagnostic.js';
import { createLocator } from './locator.js';
import { errorAt } from './report.js';
import { WorkflowFile, type WorkflowSpec } from './schema.js';
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
  | { ok: false; diagnostics: Diagnostic[]; locator: SourceLocator; partial?: T };

export type LoadResult =
  | { ok: true; spec: WorkflowSpec; locator: SourceLocator; warnings: Diagnostic[] }
  | {
      ok: false;
      diagnostics: Diagnostic[];
      locator: SourceLocator;
      /**
       * When the only problems are unknown keys, the spec without them: later checks still run on it,
       * so one pass reports a typo'd key AND, say, an unknown agent elsewhere in the file.
       */
      partial?: WorkflowSpec;
    };

/** Parses a workflow file (`workflow:` at the top). Never throws. */
export function parseWorkflow(source: string | Uint8Array, opts: LoadOptions = {}): LoadResult {
  const r = parseYamlAs(WorkflowFile, source, opts);
  if (r.ok) return { ok: true, spec: r.value.workflow, locator: r.locator, warnings: r.warnings };
  const { partial, ...failed } = r;
  return partial === undefined ? failed : { ...failed, partial: partial.workflow };
}

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
      const diagnostics = [
        ...zodDiagnostics(result.error.issues, schema, yaml.value, locator),
        ...yaml.warnings,
      ];
      const partial = withoutUnknownKeys(schema, yaml.value, result.error.issues);
      return partial === undefined
        ? { ok: false, diagnostics, locator }
        : { ok: false, diagnostics, locator, partial };
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

/** The document parsed again without the unknown keys zod reported, when those were its only problems. */
function withoutUnknownKeys<T>(
  schema: z.ZodType<T>,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
): T | undefined {
  if (!issues.every((i) => i.code === 'unrecognized_keys')) return undefined;
  for (const issue of issues) {
    let node: unknown = value;
    for (const k of issue.path) node = (node as Record<PropertyKey, unknown> | undefined)?.[k];
    if (node !== null && typeof node === 'object') {
      for (const key of issue.keys) delete (node as Record<string, unknown>)[key];
    }
  }
  const again = schema.safeParse(value);
  return again.success ? again.data : undefined;
}
