// A run's input from what the caller gave and what the workflow declares under `inputs`: declared
// defaults fill absent keys; a required input that is absent, a key the workflow does not declare, and a
// value of the wrong type are errors naming the key, raised before the run starts (CLI and API alike).

import { BatonError, type ErrorCode } from '../errors/registry.js';
import type { InputDeclSpec, InputType, WorkflowSpec } from './schema.js';
import { didYouMean } from './suggest.js';

/** The JSON type of a value, in the words of an input's `type`. */
function typeOf(value: unknown): InputType | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as InputType;
}

/** What an input must be: its declared `type`, else the type of its default (none: anything). */
function expectedType(decl: InputDeclSpec): { type: InputType; from: string } | undefined {
  if (decl.type !== undefined) return { type: decl.type, from: '' };
  if (decl.default === undefined || decl.default === null) return undefined;
  const t = typeOf(decl.default) as InputType;
  // A default of 8 says "a number": 8.5 is as good, so an integer default asks only for a number.
  return { type: t === 'integer' ? 'number' : t, from: ' (the type of its default)' };
}

const fits = (value: unknown, type: InputType): boolean => {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
};

const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

/**
 * @throws BatonError BATON_E_MISSING_INPUT when a required input is absent, BATON_E_UNKNOWN_INPUT when a
 * key is not declared, BATON_E_WRONG_TYPE when the input is not an object or a value has the wrong type.
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
  const problems: Array<{ code: ErrorCode; text: string }> = [];
  for (const [key, value] of Object.entries(input)) {
    const decl = declared[key];
    if (decl === undefined) {
      const hint = didYouMean(key, Object.keys(declared));
      problems.push({
        code: 'BATON_E_UNKNOWN_INPUT',
        text: `workflow ${spec.name} has no input "${key}"${hint ? `: ${hint}` : ''} (its inputs: ${Object.keys(declared).join(', ')})`,
      });
      continue;
    }
    const want = expectedType(decl);
    if (value !== undefined && want && !fits(value, want.type))
      problems.push({
        code: 'BATON_E_WRONG_TYPE',
        text: `input "${key}" of workflow ${spec.name} must be ${article(want.type)}${want.from}, not ${typeOf(value)} ${shown(value)}`,
      });
  }
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
    problems.push({
      code: 'BATON_E_MISSING_INPUT',
      text: `workflow ${spec.name} needs input ${list.join(', ')}: pass --input '{"${missing[0]}": ...}'`,
    });
  }
  if (problems.length > 0) throw new BatonError(problems[0]!.code, problems.map((p) => p.text).join('; '));
  return input;
}

const article = (type: InputType) =>
  type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
