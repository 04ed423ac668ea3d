// Reads the zod schema itself, so diagnostics say what a place accepts without a second hand-kept
// list: the schemas at a document path, the keys an object allows, and a description of a schema.

import { z } from 'zod';
import type { DocPath } from './diagnostic.js';
import { ID_PATTERN } from './schema.js';

/** Looks through wrappers (optional, default, ...) and transforms to the schema of the input as written. */
function inputSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let inner = unwrapOnce(s); inner !== s; inner = unwrapOnce(s)) s = inner;
  return s;
}

function unwrapOnce(s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodPipe) return s.in as z.ZodType;
  if (
    s instanceof z.ZodOptional ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodDefault ||
    s instanceof z.ZodPrefault ||
    s instanceof z.ZodReadonly ||
    s instanceof z.ZodCatch
  ) {
    return s.unwrap() as z.ZodType;
  }
  return s;
}

/** The schemas that may apply at `path` under `root`: several where a union leaves it open. */
export function schemasAt(root: z.ZodType, path: DocPath): z.ZodType[] {
  let current = [root];
  for (const segment of path) current = current.flatMap((s) => childSchemas(inputSchema(s), segment));
  return current;
}

function childSchemas(s: z.ZodType, segment: string | number): z.ZodType[] {
  if (s instanceof z.ZodUnion)
    return (s.options as z.ZodType[]).flatMap((o) => childSchemas(inputSchema(o), segment));
  if (s instanceof z.ZodObject) {
    const child = (s.shape as Record<string, z.ZodType>)[String(segment)];
    return child === undefined || typeof segment !== 'string' ? [] : [child];
  }
  if (s instanceof z.ZodArray) return typeof segment === 'number' ? [s.element as z.ZodType] : [];
  if (s instanceof z.ZodRecord) return typeof segment === 'string' ? [s.valueType as z.ZodType] : [];
  return [];
}

/** The keys an object schema allows (for a union of objects, the keys of every branch), in schema order. */
export function allowedKeys(schemas: readonly z.ZodType[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemas) {
    const s = inputSchema(schema);
    if (s instanceof z.ZodObject) for (const k of Object.keys(s.shape)) keys.add(k);
    else if (s instanceof z.ZodUnion) for (const k of allowedKeys(s.options as z.ZodType[])) keys.add(k);
  }
  return [...keys];
}

/** What tells a union's object branches apart: each branch's required keys (Endpoint: module, a2a, queue). */
export function branchKeys(schemas: readonly z.ZodType[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemas) {
    const s = inputSchema(schema);
    if (s instanceof z.ZodUnion) for (const k of branchKeys(s.options as z.ZodType[])) keys.add(k);
    else if (s instanceof z.ZodObject) {
      const shape: Record<string, z.ZodType> = s.shape;
      for (const [k, v] of Object.entries(shape)) if (!isOptionalInput(v)) keys.add(k);
    }
  }
  return [...keys];
}

/** A key the author may leave out: optional, or filled in by a default. */
const isOptionalInput = (s: z.ZodType): boolean =>
  s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault;

/** Whether a value of the given kind could be accepted (a quick test for hints, not a validation). */
export function accepts(
  schemas: readonly z.ZodType[],
  kind: 'string' | 'boolean' | 'number' | 'array',
): boolean {
  const type = { string: z.ZodString, boolean: z.ZodBoolean, number: z.ZodNumber, array: z.ZodArray }[kind];
  return schemas.some((schema) => {
    const s = inputSchema(schema);
    return s instanceof z.ZodUnion ? accepts(s.options as z.ZodType[], kind) : s instanceof type;
  });
}

const isId = (s: z.ZodType): boolean =>
  s instanceof z.ZodString &&
  (s._zod.def.checks ?? []).some(
    (c) => (c._zod.def as { pattern?: RegExp }).pattern?.source === ID_PATTERN.source,
  );

const isWholeNumber = (s: z.ZodType): boolean =>
  s instanceof z.ZodNumber && (s.format === 'safeint' || s.format === 'int32');

/**
 * What a schema accepts, for a person: "a list of task ids", "true or false or a whole number",
 * `one of "hybrid", "graph", "event_driven"`. `key` names the place, so a list of ids under
 * `agents` reads "agent ids" and elsewhere "task ids".
 */
export function describeSchema(schemas: readonly z.ZodType[], key?: string): string {
  const parts = new Set<string>();
  let note: string | undefined;
  for (const schema of schemas) {
    note ??= descriptionOf(schema);
    const s = inputSchema(schema);
    if (s instanceof z.ZodUnion) parts.add(describeSchema(s.options as z.ZodType[], key));
    else parts.add(describeOne(s, key));
  }
  const text = [...parts].join(' or ');
  if (note === undefined) return text;
  return note.startsWith('e.g.') ? `${text}, ${note}` : `${text} (${note})`;
}

function describeOne(s: z.ZodType, key: string | undefined): string {
  if (s instanceof z.ZodEnum) return `one of ${s.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (s instanceof z.ZodArray) return `a list of ${plural(inputSchema(s.element as z.ZodType), key)}`;
  if (isId(s)) return 'an id';
  if (s instanceof z.ZodString) return 'a string';
  if (isWholeNumber(s)) return 'a whole number';
  if (s instanceof z.ZodNumber) return 'a number';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodObject || s instanceof z.ZodRecord) return 'a mapping';
  return 'a value';
}

function plural(s: z.ZodType, key: string | undefined): string {
  if (s instanceof z.ZodUnion)
    return [...new Set((s.options as z.ZodType[]).map((o) => plural(inputSchema(o), key)))].join(' or ');
  if (isId(s)) return key === 'agents' ? 'agent ids' : 'task ids';
  if (s instanceof z.ZodString) return 'strings';
  if (s instanceof z.ZodNumber) return 'numbers';
  if (s instanceof z.ZodObject || s instanceof z.ZodRecord) return 'mappings';
  return 'values';
}

/** A `.meta({ description })` on the schema or on any wrapper around it. */
function descriptionOf(schema: z.ZodType): string | undefined {
  for (let s = schema; ;) {
    const description = z.globalRegistry.get(s)?.description;
    if (description !== undefined) return description;
    const inner = unwrapOnce(s);
    if (inner === s) return undefined;
    s = inner;
  }
}
