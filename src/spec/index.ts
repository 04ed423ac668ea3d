// The spec layer's public surface: workflow files in, WorkflowSpec or located diagnostics out, plus
// the JSON Schema for editors and the execution request/status shapes of SPEC.md.

export type { Diagnostic, DocPath, SourceLocator } from './diagnostic.js';
export { NO_SOURCE } from './diagnostic.js';
export {
  LOAD_DEFAULTS,
  parseWorkflow,
  parseYamlAs,
  type LoadOptions,
  type LoadResult,
  type Parsed,
} from './load.js';
export {
  diagnosticToJson,
  formatDiagnostic,
  formatDiagnostics,
  formatPath,
  type DiagnosticJson,
} from './format.js';
export { workflowJsonSchema } from './json-schema.js';
export * from './execution.js';
export * from './schema.js';
export * from './quantity.js';
export { closestMatch, didYouMean, editDistance } from './suggest.js';
export {
  CEL_SCOPES,
  CEL_VARIABLES,
  compileCel,
  evaluateCel,
  isCelError,
  type CelCompiled,
  type CelError,
  type CelRef,
  type CelScope,
  type CelVariable,
  type CelVars,
} from './cel.js';
