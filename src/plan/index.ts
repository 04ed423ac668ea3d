// The plan layer's public surface, and `checkWorkflowSource`: the one entry point the CLI calls to
// turn a workflow file into a validated spec and its execution plan, or every problem in it.

import type { Diagnostic } from '../spec/diagnostic.js';
import { parseWorkflow, type LoadOptions } from '../spec/load.js';
import type { WorkflowSpec } from '../spec/schema.js';
import { checkReadablePart } from './check-readable.js';
import type { ExecutionPlan } from './planner.js';
import { validateAndPlan, type ValidateOptions } from './validate.js';

export {
  AgentRegistryFile,
  parseAgentRegistry,
  type AgentRegistry,
  type AgentType,
} from './agent-registry.js';
export { DEFAULT_AGENT_CPU, DEFAULT_AGENT_MEMORY } from './agent-table.js';
export {
  type AgentAllocation,
  type Allocation,
  type Limits,
  type ThrottleReason,
  type ThrottledLevel,
  type Usage,
} from './allocation.js';
export { buildGraph, dependentsOf, depsOf, topoOrder, type TaskGraph } from './graph.js';
export {
  BUILTIN_PATTERNS,
  BUILTIN_PLUGIN_PATTERNS,
  isPatternName,
  PLUGIN_REFERENCE,
  type BuiltinPattern,
} from './patterns.js';
export { planWorkflow, type ExecutionPlan, type PlanOptions } from './planner.js';
export { BUILTIN_CHANNELS } from './validate-events.js';
export {
  acceptsMode,
  offers,
  type AgentCardCheck,
  type AgentOffer,
  type OfferedSkill,
} from './validate-remote.js';
export { RULES, validateAndPlan, validateWorkflow, type Rule, type ValidateOptions } from './validate.js';

export type CheckOptions = LoadOptions & ValidateOptions;

/** The outcome of checking a workflow file: a runnable spec and its plan, or every problem found. */
export type CheckResult =
  | {
      readonly ok: true;
      readonly spec: WorkflowSpec;
      readonly plan: ExecutionPlan;
      readonly diagnostics: Diagnostic[];
      readonly warnings: Diagnostic[];
    }
  | {
      readonly ok: false;
      /**
       * Present once the file parsed, even when validation found errors; when the schema found
       * problems, the part of the file that could be read (see spec/readable.ts).
       */
      readonly spec?: WorkflowSpec;
      /** Present when the dependencies form no cycle (quota errors are among `diagnostics`). */
      readonly plan?: ExecutionPlan;
      /** Errors, in file order. */
      readonly diagnostics: Diagnostic[];
      readonly warnings: Diagnostic[];
    };

/** Parse, validate and plan a workflow file in one pass. Never throws for bad input. */
export function checkWorkflowSource(source: string | Uint8Array, opts: CheckOptions = {}): CheckResult {
  const loaded = parseWorkflow(source, opts);
  if (!loaded.ok) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    const warnings = loaded.diagnostics.filter((d) => d.severity === 'warning');
    // The checks after the schema still run on what could be read, so one pass reports everything.
    if (loaded.partial !== undefined) {
      const more = checkReadablePart(loaded.partial, loaded.locator, opts);
      return {
        ok: false,
        spec: loaded.partial.value,
        ...(more.plan ? { plan: more.plan } : {}),
        diagnostics: inFileOrder([...errors, ...more.diagnostics]),
        warnings: more.warnings.length === 0 ? warnings : inFileOrder([...warnings, ...more.warnings]),
      };
    }
    return { ok: false, diagnostics: errors, warnings };
  }
  const { diagnostics, plan, warnings: more } = validateAndPlan(loaded.spec, loaded.locator, opts);
  const warnings = more.length === 0 ? loaded.warnings : inFileOrder([...loaded.warnings, ...more]);
  if (diagnostics.length === 0 && plan !== undefined) {
    return { ok: true, spec: loaded.spec, plan, diagnostics, warnings };
  }
  return { ok: false, spec: loaded.spec, ...(plan ? { plan } : {}), diagnostics, warnings };
}

function inFileOrder(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.line - b.line || a.col - b.col);
}
