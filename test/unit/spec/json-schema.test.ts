// The JSON Schema that editors use: derived from the zod schema, it accepts every valid fixture and
// rejects unknown keys. Checked with a small validator for the keywords the schema uses.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../../src/spec/json-schema.js';
import { YAML_SCHEMA } from '../../../src/spec/yaml-source.js';

type Schema = Record<string, unknown>;

/** Errors of `value` against `schema`, for the keywords zod emits (no $ref: the schema is inlined). */
function validate(schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const type = schema.type as string | string[] | undefined;
  const kind = Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : Number.isInteger(value)
        ? 'integer'
        : typeof value;
  const types = type === undefined ? undefined : Array.isArray(type) ? type : [type];
  if (types && !types.some((t) => t === kind || (t === 'number' && kind === 'integer')))
    return [`${at}: ${kind} is not ${types.join('|')}`];
  if (schema.anyOf) {
    const branches = (schema.anyOf as Schema[]).map((s) => validate(s, value, at));
    if (branches.every((b) => b.length > 0))
      errors.push(`${at}: no branch of anyOf matches (${branches.flat().join('; ')})`);
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) errors.push(`${at}: not in enum`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${at}: too short`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      errors.push(`${at}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: below minimum`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errors.push(`${at}: too few items`);
    if (schema.items)
      value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, `${at}[${i}]`)));
  }
  if (kind === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema.propertyNames) errors.push(...validate(schema.propertyNames as Schema, k, `${at}{${k}}`));
      if (props[k]) errors.push(...validate(props[k], v, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unknown key ${k}`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties as Schema, v, `${at}.${k}`));
    }
  }
  return errors;
}

const schema = workflowJsonSchema();
const VALID = join(import.meta.dirname, '../../fixtures/valid');
const readYaml = (file: string): unknown =>
  load(readFileSync(join(VALID, file), 'utf8'), { schema: YAML_SCHEMA });

describe('workflowJsonSchema', () => {
  it('is draft 2020-12 with a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('Baton workflow');
  });

  it.each(readdirSync(VALID).filter((f) => f.endsWith('.yaml')))('accepts the valid fixture %s', (file) => {
    expect(validate(schema, readYaml(file))).toEqual([]);
  });

  it('rejects an unknown key, a missing key and a wrong type', () => {
    const doc = readYaml('research_and_analysis.yaml') as {
      workflow: Record<string, unknown> & { tasks: Array<Record<string, unknown>> };
    };
    doc.workflow.tasks[0]!.dependson = [];
    doc.workflow.tasks[1]!.depends_on = 'decompose';
    delete doc.workflow.name;
    expect(validate(schema, doc)).toEqual([
      '$.workflow: missing name',
      '$.workflow.tasks[0]: unknown key dependson',
      '$.workflow.tasks[1].depends_on: string is not array',
    ]);
  });

  it('closes every object the workflow language defines (free-form config aside)', () => {
    const open: string[] = [];
    const stack: Array<{ s: unknown; at: string }> = [{ s: schema, at: '$' }];
    while (stack.length > 0) {
      const { s, at } = stack.pop()!;
      if (s === null || typeof s !== 'object') continue;
      const node = s as Schema;
      if (node.type === 'object' && node.properties && node.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(node)) stack.push({ s: v, at: `${at}/${k}` });
    }
    expect(open).toEqual([]);
  });
});
