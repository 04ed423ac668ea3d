// Guards what comes after the YAML parser. js-yaml shares an aliased object instead of copying it, so
// a "billion laughs" file is a small graph that any recursive walk (zod's included) would expand
// exponentially. One iterative walk counts every value each time it is reached and bounds nesting.

import type { ErrorCode } from '../errors/registry.js';
import type { DocPath } from './diagnostic.js';

export interface BudgetProblem {
  readonly code: Extract<ErrorCode, 'BATON_E_YAML_ALIAS_LIMIT' | 'BATON_E_YAML_TOO_DEEP'>;
  readonly message: string;
  readonly expected: string;
  /** Where the walk was when the budget ran out. */
  readonly path: DocPath;
}

/** A mapping or list being walked, and how far through its entries the walk is. */
interface Level {
  readonly value: object;
  /** The mapping's keys; null for a list. */
  readonly keys: readonly string[] | null;
  /** The key or index this level sits at in its parent. */
  readonly at: string | number;
  /** Reached before by another path: this is where an alias was used. */
  readonly shared: boolean;
  next: number;
}

const level = (value: object, at: string | number, shared: boolean): Level => ({
  value,
  keys: Array.isArray(value) ? null : Object.keys(value),
  at,
  shared,
  next: 0,
});

/** The first place where `root` has more than `maxNodes` values in all, or nests deeper than `maxDepth`. */
export function checkValueBudget(
  root: unknown,
  maxNodes: number,
  maxDepth: number,
): BudgetProblem | undefined {
  const problem = walk(root, maxNodes, maxDepth, false);
  // Spotting alias uses takes a set of every object seen: worth it only once the budget has run out.
  return problem?.code === 'BATON_E_YAML_ALIAS_LIMIT' ? walk(root, maxNodes, maxDepth, true) : problem;
}

function walk(
  root: unknown,
  maxNodes: number,
  maxDepth: number,
  spotAliases: boolean,
): BudgetProblem | undefined {
  if (root === null || typeof root !== 'object') return undefined;
  let nodes = 1;
  const seen = spotAliases ? new Set<object>([root]) : undefined;
  const levels: Level[] = [level(root, '', false)];
  while (levels.length > 0) {
    const top = levels[levels.length - 1]!;
    const size = top.keys === null ? (top.value as unknown[]).length : top.keys.length;
    if (top.next === size) {
      levels.pop();
      continue;
    }
    const i = top.next++;
    const at = top.keys === null ? i : top.keys[i]!;
    if (++nodes > maxNodes) {
      return {
        code: 'BATON_E_YAML_ALIAS_LIMIT',
        message: `the document expands to more than ${maxNodes} values (an alias counts its anchor again)`,
        expected: `at most ${maxNodes} values`,
        path: aliasUse(levels) ?? pathOf(levels, at),
      };
    }
    // A child of the root sits at depth 1.
    if (levels.length > maxDepth) {
      return {
        code: 'BATON_E_YAML_TOO_DEEP',
        message: `the document nests deeper than ${maxDepth} levels`,
        expected: `at most ${maxDepth} levels of nesting`,
        path: pathOf(levels, at),
      };
    }
    const child: unknown = (top.value as Record<string | number, unknown>)[at];
    if (child !== null && typeof child === 'object') {
      const shared = seen?.has(child) ?? false;
      if (!shared) seen?.add(child);
      levels.push(level(child, at, shared));
    }
  }
  return undefined;
}

function pathOf(levels: readonly Level[], at: string | number): DocPath {
  const path: Array<string | number> = [];
  for (let i = 1; i < levels.length; i++) path.push(levels[i]!.at);
  path.push(at);
  return path;
}

/** The path to the outermost alias use on the walk's current path: where an expansion blew up. */
function aliasUse(levels: readonly Level[]): DocPath | undefined {
  const first = levels.findIndex((l) => l.shared);
  return first === -1 ? undefined : levels.slice(1, first + 1).map((l) => l.at);
}
