// A run's input from what the caller gave and what the workflow declares under `inputs`: declared
// defaults fill absent keys; a required input that is absent is an error naming it.

import { BatonError } from '../errors/registry.js';
import type { WorkflowSpec } from './schema.js';

/**
 * @throws BatonError BATON_E_MISSING_INPUT when a required input is absent, BATON_E_WRONG_TYPE when
 * the workflow declares inputs and the given input is not an object.
 */
export function resolveRunInput(spec: Pick<WorkflowSpec, 'name' | 'inputs'>, given: unknown): unknown {
  const declared = spec.inputs;
  if (declared === undefined) return given ?? {};
  const base = given ?? {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new BatonError(
      'BATON_E_WRONG_TYPE',
      `workflow ${spec.name} declares inputs (${Object.keys(declared).join(', ')}), so its input must be an object`,
    );
  }
  const input: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(declared)) {
    if (input[name] !== undefined) continue;
    if (decl.default !== undefined) input[name] = decl.default;
    else if (decl.required) missing.push(name);
  }
  if (missing.length > 0) {
    const list = missing.map(
      (m) => `"${m}"${declared[m]!.description ? ` (${declared[m]!.description})` : ''}`,
    );
    throw new BatonError(
      'BATON_E_MISSING_INPUT',
      `workflow ${spec.name} needs input ${list.join(', ')}: pass --input '{"${missing[0]}": ...}'`,
    );
  }
  return input;
}
