// zod issues to located Diagnostics: one per problem, in the words of the workflow language.
// Unions are resolved to the branch the author evidently meant, so `endpoint: {modul: x}` reads
// `unknown key "modul" (did you mean "module"?)`, not a wall of nested alternatives.

import type { z } from 'zod';
import type { Diagnostic, DocPath, SourceLocator } from './diagnostic.js';
import { describeFound, shown, wrongTypeHint } from './found.js';
import { errorAt, type Detail } from './report.js';
import { allowedKeys, branchKeys, describeSchema, schemasAt } from './schema-shape.js';
import { closestMatch, didYouMean } from './suggest.js';
import type { ErrorCode } from '../errors/registry.js';

type Issue = z.core.$ZodIssue;

interface Context {
  readonly schema: z.ZodType;
  /** The document as parsed, before zod: what the author wrote. */
  readonly input: unknown;
  readonly locator: SourceLocator;
}

/** A diagnostic before it is placed, with what it suggests (so a typo's MISSING_KEY can be dropped). */
interface Finding {
  readonly code: ErrorCode;
  readonly message: string;
  readonly path: DocPath;
  /** Where to point: the node at `path`, or the key it is written under. */
  readonly at: 'value' | 'key';
  readonly detail?: Detail;
  readonly missingKey?: string;
  readonly suggestedKey?: string;
}

/** Every issue as a Diagnostic, ordered by place; identical ones (an anchor used twice) reported once. */
export function zodDiagnostics(
  issues: readonly Issue[],
  schema: z.ZodType,
  input: unknown,
  locator: SourceLocator,
): Diagnostic[] {
  const ctx: Context = { schema, input, locator };
  const findings = issues.flatMap((issue) => fromIssue(ctx, issue, []));
  // A misspelt required key shows up twice, as unknown and as missing; the unknown one says it all.
  const suggested = new Set(
    findings
      .filter((f) => f.suggestedKey !== undefined)
      .map((f) => pathKey([...f.path.slice(0, -1), f.suggestedKey!])),
  );
  // zod still runs length checks on a value of the wrong type (`when: []`); the type is the problem.
  const mistyped = new Set(
    findings.filter((f) => f.code === 'BATON_E_WRONG_TYPE').map((f) => pathKey(f.path)),
  );
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const f of findings) {
    if (f.missingKey !== undefined && suggested.has(pathKey([...f.path, f.missingKey]))) continue;
    if (f.code === 'BATON_E_INVALID_VALUE' && mistyped.has(pathKey(f.path))) continue;
    const d = errorAt(f.code, f.message, locator.locate(f.path, f.at === 'key'), f.path, f.detail);
    const id = `${d.code}:${d.line}:${d.col}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}

const pathKey = (path: DocPath): string => JSON.stringify(path);

function fromIssue(ctx: Context, issue: Issue, base: DocPath): Finding[] {
  const path: DocPath = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  switch (issue.code) {
    case 'unrecognized_keys':
      return unrecognizedKeys(ctx, path, issue.keys);
    case 'invalid_type':
      return [wrongType(ctx, path, issue)];
    case 'invalid_union':
      return fromUnion(ctx, path, issue);
    case 'invalid_value':
      return [notAChoice(ctx, path, issue.values.map(String))];
    case 'too_small':
    case 'too_big':
      return [outOfRange(ctx, path, issue)];
    case 'invalid_format':
      return [
        badFormat(
          ctx,
          path,
          issue.format === 'url' ? 'a URL such as https://agents.example.com/research' : issue.message,
          'value',
        ),
      ];
    case 'invalid_key':
      return [badFormat(ctx, path, issue.issues[0]?.message ?? issue.message, 'key')];
    default:
      // Quantity parsers (params.baton = 'invalid_value') and any other refinement say why in their message.
      return [
        invalidValue(path, `invalid ${keyName(path)}: ${issue.message}`, {
          expected: describeSchema(schemasAt(ctx.schema, path), keyName(path)),
          found: describeFound(valueAt(ctx.input, path)),
        }),
      ];
  }
}

function invalidValue(path: DocPath, message: string, detail: Detail): Finding {
  return { code: 'BATON_E_INVALID_VALUE', message, path, at: 'value', detail };
}

/**
 * Keys the object at `path` does not take. Under a union zod may report the one branch that nearly
 * fit; a key that another branch takes is then a clash of branches (module with a2a), not a typo.
 */
function unrecognizedKeys(ctx: Context, path: DocPath, keys: readonly string[]): Finding[] {
  const schemas = schemasAt(ctx.schema, path);
  const allowed = allowedKeys(schemas);
  const unknown = keys.filter((k) => !allowed.includes(k));
  const findings = unknown.map((k) => unknownKey(path, k, allowed));
  if (unknown.length < keys.length) findings.push(conflictingKeys(ctx, path, branchKeys(schemas)));
  return findings;
}

function conflictingKeys(ctx: Context, path: DocPath, choices: readonly string[]): Finding {
  const value = valueAt(ctx.input, path);
  const written = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  const clash = written.filter((k) => choices.includes(k));
  return {
    code: 'BATON_E_CONFLICTING_KEYS',
    message: `${clash.map((k) => shown(k)).join(' and ')} cannot be used together in ${keyName(path)}`,
    path,
    at: 'value',
    detail: { expected: `exactly one of ${choices.join(', ')}`, found: describeFound(value) },
  };
}

function unknownKey(path: DocPath, key: string, allowed: readonly string[]): Finding {
  return {
    code: 'BATON_E_UNKNOWN_KEY',
    message: `unknown key ${shown(key)}${path.length > 0 ? ` in ${keyName(path)}` : ''}`,
    path: [...path, key],
    at: 'key',
    detail: { expected: `one of ${allowed.join(', ')}`, hint: didYouMean(key, allowed) },
    suggestedKey: closestMatch(key, allowed),
  };
}

/** A required key is absent: reported at the mapping that lacks it. */
function missingKey(ctx: Context, parent: DocPath, key: string): Finding {
  return {
    code: 'BATON_E_MISSING_KEY',
    message: `missing required key ${shown(key)}${parent.length > 0 ? ` in ${keyName(parent)}` : ''}`,
    path: parent,
    at: 'value',
    detail: { expected: `${key}: ${describeSchema(schemasAt(ctx.schema, [...parent, key]), key)}` },
    missingKey: key,
  };
}

function wrongType(ctx: Context, path: DocPath, issue: Issue & { code: 'invalid_type' }): Finding {
  const value = valueAt(ctx.input, path);
  const last = path[path.length - 1];
  if (value === undefined && typeof last === 'string') return missingKey(ctx, path.slice(0, -1), last);
  if (issue.expected === 'int' && typeof value === 'number') {
    return invalidValue(path, `${keyName(path)} must be a whole number`, {
      expected: 'a whole number',
      found: describeFound(value),
    });
  }
  return typeMismatch(ctx, path, value);
}

function typeMismatch(ctx: Context, path: DocPath, value: unknown): Finding {
  const schemas = schemasAt(ctx.schema, path);
  const expected = describeSchema(schemas, keyName(path));
  const found = describeFound(value);
  if (path.length === 0 && (value === null || value === undefined)) {
    const keys = allowedKeys(schemas).map((k) => `"${k}:"`);
    return {
      code: 'BATON_E_WRONG_TYPE',
      message: 'the document is empty',
      path,
      at: 'value',
      detail: { expected: `a mapping with ${keys.join(', ')}`, found },
    };
  }
  const message = `expected ${expected}, found ${found}`;
  return {
    code: 'BATON_E_WRONG_TYPE',
    message,
    path,
    at: 'value',
    detail: { expected, found, hint: wrongTypeHint(value, schemas) },
  };
}

function notAChoice(ctx: Context, path: DocPath, choices: readonly string[]): Finding {
  const value = valueAt(ctx.input, path);
  const written = typeof value === 'string' ? shown(value) : describeFound(value);
  return invalidValue(path, `${written} is not a valid ${keyName(path)}`, {
    expected: `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`,
    found: describeFound(value),
    hint: typeof value === 'string' ? didYouMean(value, choices) : undefined,
  });
}

function outOfRange(ctx: Context, path: DocPath, issue: Issue & { code: 'too_small' | 'too_big' }): Finding {
  const value = valueAt(ctx.input, path);
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const unit = unitOf(issue.origin, limit);
  if (issue.origin === 'string' && small && limit === 1) {
    return invalidValue(path, `${keyName(path)} must not be empty`, {
      expected: 'a non-empty string',
      found: describeFound(value),
    });
  }
  const relation = small
    ? issue.inclusive
      ? 'at least'
      : 'more than'
    : issue.inclusive
      ? 'at most'
      : 'less than';
  const bound = `${relation} ${limit}${unit}`;
  const verb = unit === '' ? 'must be' : 'must have';
  return invalidValue(path, `${keyName(path)} ${verb} ${bound}`, {
    expected: bound,
    found: describeFound(value),
  });
}

/** What a size limit counts: characters of a string, items of a list; a number's limit has no unit. */
function unitOf(origin: string, limit: number): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array') return limit === 1 ? ' item' : ' items';
  return '';
}

function badFormat(ctx: Context, path: DocPath, expected: string, at: 'value' | 'key'): Finding {
  const value = at === 'key' ? path[path.length - 1] : valueAt(ctx.input, path);
  const written = typeof value === 'string' ? shown(value) : describeFound(value);
  return { ...invalidValue(path, `${written} is not ${expected}`, { expected, found: written }), at };
}

/**
 * A union failed. Branches that reject the value's kind outright (a string where a mapping came) are
 * out; if one branch is left, its issues are the author's; if none, it is a type mismatch; if several
 * object branches are left (Endpoint: module | a2a | queue), the keys written decide.
 */
function fromUnion(ctx: Context, path: DocPath, issue: Issue & { code: 'invalid_union' }): Finding[] {
  const value = valueAt(ctx.input, path);
  const last = path[path.length - 1];
  if (value === undefined && typeof last === 'string') return [missingKey(ctx, path.slice(0, -1), last)];
  const fitting = issue.errors.filter(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  );
  if (fitting.length === 0) return [typeMismatch(ctx, path, value)];
  if (fitting.length === 1) return fitting[0]!.flatMap((i) => fromIssue(ctx, i, path));
  const written = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  const recognised = fitting.map((branch) => {
    const unknown = new Set(
      branch.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : [])),
    );
    return written.filter((k) => !unknown.has(k));
  });
  const best = Math.max(...recognised.map((r) => r.length));
  const winners = fitting.filter((_, i) => recognised[i]!.length === best);
  if (best > 0 && winners.length === 1) return winners[0]!.flatMap((i) => fromIssue(ctx, i, path));
  const schemas = schemasAt(ctx.schema, path);
  const allowed = allowedKeys(schemas);
  const unknown = written.filter((k) => !allowed.includes(k));
  if (unknown.length > 0) return unknown.map((k) => unknownKey(path, k, allowed));
  const choices = branchKeys(schemas);
  if (best > 0) return [conflictingKeys(ctx, path, choices)];
  const message = `${keyName(path)} needs one of the keys ${choices.join(', ')}`;
  return [
    {
      code: 'BATON_E_MISSING_KEY',
      message,
      path,
      at: 'value',
      detail: { expected: `exactly one of ${choices.join(', ')}` },
    },
  ];
}

/** The value the author wrote at `path`, or undefined where there is none. */
function valueAt(root: unknown, path: DocPath): unknown {
  let v = root;
  for (const segment of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, segment))
      return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}

/** How a message names a place: `depends_on`, `tasks[2]`, or `the document`. */
function keyName(path: DocPath): string {
  let name = '';
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i]!;
    name = typeof segment === 'number' ? `[${segment}]${name}` : `${segment}${name}`;
    if (typeof segment === 'string') return name;
  }
  return name === '' ? 'the document' : name;
}
