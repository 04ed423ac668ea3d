// The HTTP gateway's check of JSON nesting, before the body is turned into a message: @bufbuild's
// fromJson refuses a google.protobuf.Value nested past 100 levels with its own message ("maximum
// recursion depth of 100 reached", naming no field), and the gRPC edge (request-check.ts) refuses one
// past MAX_JSON_DEPTH as BATON_E_JSON_TOO_DEEP naming the request field. This walks the parsed body
// along the request type, without recursion into the JSON values themselves (a body may nest a million
// levels), so the gateway refuses deep JSON exactly as gRPC does, whatever the depth.

import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { ApiError } from './errors.js';
import { MAX_JSON_DEPTH } from './limits.js';

const JSON_TYPES = new Set(['google.protobuf.Struct', 'google.protobuf.ListValue', 'google.protobuf.Value']);

/** Request messages nest only a few levels outside JSON; deeper is left to fromJson to refuse. */
const MAX_MESSAGE_DEPTH = 32;

/** Objects and arrays nested in `value` (a scalar is 0), counted up to just past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
  }
  return deepest;
}

/** Throws BATON_E_JSON_TOO_DEEP naming the request field whose JSON value nests past MAX_JSON_DEPTH. */
export function checkJsonDepth(desc: DescMessage, body: unknown): void {
  const at = deepField(desc, body, '', 0);
  if (at !== undefined)
    throw new ApiError('BATON_E_JSON_TOO_DEEP', `nests deeper than ${MAX_JSON_DEPTH} levels`, {
      fieldPath: at,
    });
}

function deepField(desc: DescMessage, body: unknown, prefix: string, level: number): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || level > MAX_MESSAGE_DEPTH)
    return undefined;
  for (const [key, value] of Object.entries(body)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field) continue;
    const path = prefix === '' ? field.name : `${prefix}.${field.name}`;
    const found = inField(field, value, path, level);
    if (found !== undefined) return found;
  }
  return undefined;
}

function inField(field: DescField, value: unknown, path: string, level: number): string | undefined {
  const check = (message: DescMessage, v: unknown, at: string): string | undefined =>
    JSON_TYPES.has(message.typeName)
      ? jsonDepth(v) > MAX_JSON_DEPTH
        ? at
        : undefined
      : deepField(message, v, at, level + 1);
  if (field.fieldKind === 'message') return check(field.message, value, path);
  if (field.fieldKind === 'list' && field.listKind === 'message' && Array.isArray(value)) {
    // A repeated JSON field is named as the edge names it: the field, with the item's index.
    for (let i = 0; i < value.length; i++) {
      const found = check(field.message, value[i], `${path}.${i}`);
      if (found !== undefined) return found;
    }
  }
  if (field.fieldKind === 'map' && field.mapKind === 'message' && value !== null && typeof value === 'object')
    for (const v of Object.values(value)) {
      const found = check(field.message, v, path);
      if (found !== undefined) return found;
    }
  return undefined;
}
