// Request errors about workflow sources shared by WorkflowService and RunService: a missing source, and a
// source with errors reported by its first diagnostic, located (line:col, document path).

import type { Diagnostic } from '../spec/diagnostic.js';
import { ApiError } from './errors.js';
import { fieldPath } from './wire.js';

/** The workflow YAML a request carries in `field`; INVALID_ARGUMENT naming the field when blank. */
export function requireSource(source: string, field = 'source'): string {
  if (source.trim() === '') {
    throw new ApiError('BATON_E_REQUEST_INVALID', 'is required: the workflow YAML source', {
      fieldPath: field,
    });
  }
  return source;
}

/** The first error of a workflow that cannot be planned, located; the message counts the rest. */
export function workflowError(diagnostics: readonly Diagnostic[]): ApiError {
  const [first] = diagnostics;
  if (!first) return new ApiError('BATON_E_INTERNAL', 'the workflow was rejected without a reason', {});
  const more =
    diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more: ValidateWorkflow lists them)` : '';
  return new ApiError(first.code, `${first.message}${more}`, {
    fieldPath: fieldPath(first.path),
    line: first.line,
    column: first.col,
    ...(first.hint !== undefined && { hint: first.hint }),
  });
}
