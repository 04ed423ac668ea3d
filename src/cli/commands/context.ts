// Inputs shared by validate and plan: the optional agent registry and resource constraints files.

import type { Diagnostic } from '../../spec/diagnostic.js';
import { BatonError } from '../../errors/registry.js';
import { formatDiagnostics, parseResourceConstraints } from '../../spec/index.js';
import {
  checkWorkflowSource,
  parseAgentRegistry,
  type AgentCardCheck,
  type AgentRegistry,
  type CheckResult,
} from '../../plan/index.js';
import type { ResourceConstraintsSpec } from '../../spec/schema.js';
import { readInputFile, type Output } from '../io.js';

export interface CheckInputs {
  registry?: AgentRegistry;
  constraints?: ResourceConstraintsSpec;
  /** Remote agents' cards by agent id (validate --resolve-agents). */
  agentCards?: ReadonlyMap<string, AgentCardCheck>;
}

/** Reads and checks a workflow file; an unreadable file is a result with one file-level diagnostic. */
export async function checkFile(file: string, inputs: CheckInputs): Promise<CheckResult> {
  try {
    return checkWorkflowSource(await readInputFile(file), { file, ...inputs });
  } catch (e) {
    return { ok: false, diagnostics: [fileDiagnostic(e)], warnings: [] };
  }
}

/** A problem before any workflow is read: a file-level diagnostic with no place in the file. */
function fileDiagnostic(e: unknown): Diagnostic {
  if (!(e instanceof BatonError)) throw e;
  return { code: e.code, severity: 'error', message: e.message, line: 0, col: 0, path: [] };
}

/** Reads --registry and --constraints; prints their problems and returns undefined when either is bad. */
export async function loadCheckInputs(
  opts: { registry?: string; constraints?: string; json?: boolean },
  o: Output,
): Promise<CheckInputs | undefined> {
  const inputs: CheckInputs = {};
  const problems: Array<{ file: string; diagnostics: Diagnostic[] }> = [];
  if (opts.registry) {
    const r = await readAndParse(opts.registry, parseAgentRegistry);
    if (r.ok) inputs.registry = r.value;
    else problems.push({ file: opts.registry, diagnostics: r.diagnostics });
  }
  if (opts.constraints) {
    const r = await readAndParse(opts.constraints, parseResourceConstraints);
    if (r.ok) inputs.constraints = r.value;
    else problems.push({ file: opts.constraints, diagnostics: r.diagnostics });
  }
  if (problems.length === 0) return inputs;
  if (opts.json) o.out(JSON.stringify({ valid: false, inputs: problems }, null, 2));
  else for (const p of problems) o.err(formatDiagnostics(p.diagnostics, p.file, o.color));
  return undefined;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

async function readAndParse<T>(
  file: string,
  parse: (source: Uint8Array, opts: { file: string }) => Parsed<T>,
): Promise<Parsed<T>> {
  try {
    return parse(await readInputFile(file), { file });
  } catch (e) {
    return { ok: false, diagnostics: [fileDiagnostic(e)] };
  }
}
