// How a value that was written is described back to its author ("found a string "decompose"") and
// the fix to suggest when a value has the wrong type.

import type { z } from 'zod';
import { accepts } from './schema-shape.js';

const MAX_SHOWN = 40;

/** `a string "decompose"`, `a number 5`, `a list of 2 items`, `a mapping with keys a, b`, `nothing`. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (an empty value)';
  if (typeof value === 'string') return `a string ${shown(value)}`;
  if (typeof value === 'number') return `a number ${value}`;
  if (typeof value === 'boolean') return `a boolean ${value}`;
  if (Array.isArray(value))
    return value.length === 1 ? 'a list of 1 item' : `a list of ${value.length} items`;
  // Parsed YAML holds nothing else: what is left is a mapping.
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty mapping' : `a mapping with keys ${shownKeys(keys)}`;
}

/** A string as it would be written in YAML flow style, shortened when long. */
export function shown(s: string): string {
  return JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s);
}

function shownKeys(keys: readonly string[]): string {
  return keys.length > 4 ? `${keys.slice(0, 4).join(', ')}, ...` : keys.join(', ');
}

/** The usual slips: a string for a list, a number for a string or back, YAML 1.1 booleans, empty keys. */
export function wrongTypeHint(value: unknown, schemas: readonly z.ZodType[]): string | undefined {
  if (value === null) return 'give the key a value, or remove it';
  if ((typeof value === 'number' || typeof value === 'boolean') && accepts(schemas, 'string')) {
    return `quote it: "${String(value)}"`;
  }
  if (typeof value !== 'string') return undefined;
  if (accepts(schemas, 'array')) {
    const items = value.split(',').map((s) => s.trim());
    return `write ${JSON.stringify(items).replaceAll('","', '", "')}`;
  }
  if (accepts(schemas, 'boolean') && /^(yes|no|on|off|true|false)$/i.test(value)) {
    return 'write true or false, without quotes (YAML 1.2 reads yes, no, on and off as strings)';
  }
  if (accepts(schemas, 'number') && value.trim() !== '' && Number.isFinite(Number(value))) {
    return `write ${value.trim()} without quotes`;
  }
  return undefined;
}
