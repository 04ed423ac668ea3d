// The readable part of a document that failed its schema: the document without the smallest pieces
// that had problems, so the checks after the schema (references, the graph, capabilities, quotas) still
// run on the rest and one pass reports every problem it can.
//
// What is left out: a key the schema does not take; a value that is wrong (and, when its key is
// required, the mapping or list item holding it, and so on up). A list item left out shifts the items
// after it, so paths into the readable part are mapped back to paths into the file (`toSource`). A
// required key that only the root could hold (a workflow's name) may get a stand-in instead.
//
// Each round parses the document again and leaves out what is still wrong: a required key left out
// comes back as missing, and its holder goes in the next round. Rounds are bounded by the nesting, and
// untouched parts of the document are shared, not copied.

import type { z } from 'zod';
import type { DocPath } from './diagnostic.js';
import { allowedKeys, schemasAt } from './schema-shape.js';
import { closestMatch } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** One piece of the file the readable part does not have (or has a stand-in for). */
export interface Dropped {
  /** Where it is in the file. */
  readonly path: DocPath;
  /** What the file has there (for a dropped task, its id is `written.id`). */
  readonly written: unknown;
  /** A key the schema does not take; `meant` is the key it is closest to, if any (a typo). */
  readonly unknownKey?: { readonly meant?: string };
  /** Not left out but replaced by a stand-in (a required key that had no holder to drop). */
  readonly standIn?: true;
}

export interface ReadablePart<T> {
  readonly value: T;
  /** A path into `value` as the path into the file. */
  readonly toSource: (path: DocPath) => DocPath;
  /** What was left out, in no particular order. */
  readonly dropped: readonly Dropped[];
}

/** A value for a required key that cannot be left out, or undefined when there is none. */
export type StandIn = (path: DocPath) => { readonly value: unknown } | undefined;

/** Deeper than the deepest document the loader accepts: every round goes up at least one level. */
const MAX_ROUNDS = 72;

interface Edit {
  readonly children: Map<string | number, Edit>;
  /** Leave this node out, or put this value in its place. */
  action?: { readonly drop: true } | { readonly standIn: unknown };
  /** For a list that lost items: index in the readable part -> index in the file. */
  kept?: number[];
}

const newEdit = (): Edit => ({ children: new Map() });

/**
 * The readable part of `doc` given the `issues` its schema reported, or undefined when nothing is left
 * to check (the problem reached the root). Pure; never mutates `doc`.
 */
export function readablePart<T>(
  schema: z.ZodType<T>,
  doc: unknown,
  issues: readonly Issue[],
  standIn: StandIn = () => undefined,
): ReadablePart<T> | undefined {
  const root = newEdit();
  const dropped = new Map<string, Dropped>();
  let current = apply(doc, root);
  let pending: readonly Issue[] = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let progress = false;
    for (const issue of pending) {
      for (const target of targetsOf(schema, current.value, issue)) {
        const path = current.toSource(target.path);
        const replacement = target.missing ? standIn(path) : undefined;
        const at = replacement === undefined && target.missing ? path.slice(0, -1) : path;
        if (at.length === 0) return undefined;
        const key = JSON.stringify(at);
        const before = dropped.get(key);
        if (before?.standIn) return undefined; // a stand-in the schema rejects: give up
        progress ||= before === undefined || replacement !== undefined;
        mark(root, at, replacement === undefined ? { drop: true } : { standIn: replacement.value });
        dropped.set(key, {
          path: at,
          written: valueAt(doc, at),
          ...(target.unknownKey ? { unknownKey: target.unknownKey } : {}),
          ...(replacement === undefined ? {} : { standIn: true }),
        });
      }
    }
    if (!progress) return undefined; // nothing new to leave out
    current = apply(doc, root);
    const again = schema.safeParse(current.value);
    if (again.success)
      return { value: again.data, toSource: current.toSource, dropped: [...dropped.values()] };
    pending = again.error.issues;
  }
  return undefined;
}

interface Target {
  readonly path: DocPath;
  /** The key at `path` is absent: its holder goes, unless it gets a stand-in. */
  readonly missing: boolean;
  readonly unknownKey?: { readonly meant?: string };
}

function targetsOf(schema: z.ZodType, value: unknown, issue: Issue): Target[] {
  const path: DocPath = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(schemasAt(schema, path));
    return issue.keys.map((k) => {
      const meant = closestMatch(k, allowed);
      return { path: [...path, k], missing: false, unknownKey: meant === undefined ? {} : { meant } };
    });
  }
  const last = path[path.length - 1];
  const missing = typeof last === 'string' && !hasPath(value, path);
  return [{ path, missing }];
}

function mark(root: Edit, path: DocPath, action: NonNullable<Edit['action']>): void {
  let node = root;
  for (const segment of path) {
    let child = node.children.get(segment);
    if (child === undefined) node.children.set(segment, (child = newEdit()));
    node = child;
  }
  node.action = action;
}

/** The document with the edits applied (edited nodes copied, the rest shared), and its path mapping. */
function apply(doc: unknown, root: Edit): { value: unknown; toSource: (path: DocPath) => DocPath } {
  const value = applyAt(doc, root);
  const toSource = (path: DocPath): DocPath => {
    const out: Array<string | number> = [];
    let node: Edit | undefined = root;
    for (const segment of path) {
      const source = typeof segment === 'number' && node?.kept ? (node.kept[segment] ?? segment) : segment;
      out.push(source);
      node = node?.children.get(source);
    }
    return out;
  };
  return { value, toSource };
}

function applyAt(value: unknown, edit: Edit): unknown {
  if (edit.action !== undefined && 'standIn' in edit.action) return edit.action.standIn;
  if (edit.children.size === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    const kept: number[] = [];
    value.forEach((item, i) => {
      const child = edit.children.get(i);
      if (child?.action !== undefined && 'drop' in child.action) return;
      out.push(child === undefined ? item : applyAt(item, child));
      kept.push(i);
    });
    edit.kept = kept.length === value.length ? undefined : kept;
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const child = edit.children.get(k);
    if (child?.action !== undefined && 'drop' in child.action) continue;
    setOwn(out, k, child === undefined ? v : applyAt(v, child));
  }
  // A stand-in for a key the file does not have at all.
  for (const [k, child] of edit.children) {
    if (typeof k === 'string' && !Object.hasOwn(out, k) && child.action && 'standIn' in child.action)
      setOwn(out, k, child.action.standIn);
  }
  return out;
}

/** As the YAML loader made it: a key `__proto__` is a key like any other, not the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function hasPath(root: unknown, path: DocPath): boolean {
  let v = root;
  for (const segment of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, segment))
      return false;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return true;
}

function valueAt(root: unknown, path: DocPath): unknown {
  let v = root;
  for (const segment of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[segment];
  }
  return v;
}
