// What every validation rule works from: the spec, its task graph (built once), where things are
// written, and the one list the rules push located diagnostics into.

import type { ErrorCode } from '../errors/registry.js';
import type { Diagnostic, DocPath, SourceLocator } from '../spec/diagnostic.js';
import type { WorkflowSpec } from '../spec/schema.js';
import { errorAt, type Detail } from '../spec/report.js';
import { closestMatch, didYouMean } from '../spec/suggest.js';
import type { AgentRegistry } from './agent-registry.js';
import { buildGraph, topoOrder, type TaskGraph } from './graph.js';
import { layer, type Layering } from './levels.js';

export interface ValidationContext {
  readonly spec: WorkflowSpec;
  readonly locator: SourceLocator;
  readonly graph: TaskGraph;
  /** A topological order; `complete` is false when there is a cycle. */
  readonly topo: { readonly order: Int32Array; readonly complete: boolean };
  readonly layering: Layering;
  readonly registry: AgentRegistry | undefined;
  readonly unreadable: Unreadable;
  readonly diagnostics: Diagnostic[];
  /** Pushes an error located at `path` (at its key when `atKey`). */
  report(code: ErrorCode, path: DocPath, message: string, detail?: Detail, atKey?: boolean): void;
  /** `did you mean "x"?`, while the budget lasts: a file with thousands of typos must stay fast. */
  suggest(word: string, candidates: Iterable<string>): string | undefined;
}

/**
 * Names the file declares in parts that could not be read (a task whose id had the wrong form, an agent
 * without a type): a reference to one is not reported as unknown, the part itself already is.
 */
export interface Unreadable {
  readonly tasks: ReadonlySet<string>;
  readonly agents: ReadonlySet<string>;
  /** `agents:` itself could not be read: no agent name is known to be unknown. */
  readonly everyAgent: boolean;
  /** A task without a readable id (`- agent: a`, `id: [x]`): any task name may be the one it meant. */
  readonly everyTask: boolean;
}

export const NOTHING_UNREADABLE: Unreadable = {
  tasks: new Set(),
  agents: new Set(),
  everyAgent: false,
  everyTask: false,
};

/** Fuzzy matching against unread names stops here: a file with thousands of broken ids must stay fast. */
const UNREAD_FUZZY_LIMIT = 50;

/**
 * Whether a reference may mean a declaration that could not be read: its very name, or one a typo
 * away (`agent: web_search` for the unreadable `web search:`), which fixing the declaration may fix.
 */
export function isUnread(ctx: ValidationContext, kind: 'tasks' | 'agents', name: string): boolean {
  const u = ctx.unreadable;
  if (kind === 'agents' ? u.everyAgent : u.everyTask) return true;
  const names = u[kind];
  if (names.size === 0) return false;
  return names.has(name) || (names.size <= UNREAD_FUZZY_LIMIT && closestMatch(name, names) !== undefined);
}

/** Fuzzy matching is O(candidates) per word: a 100,000-task file with many typos gets a few hints. */
const SUGGESTION_BUDGET = 100;

export const taskPath = (position: number, ...rest: Array<string | number>): DocPath => [
  'workflow',
  'tasks',
  position,
  ...rest,
];

export function createContext(
  spec: WorkflowSpec,
  locator: SourceLocator,
  registry: AgentRegistry | undefined,
  unreadable: Unreadable = NOTHING_UNREADABLE,
): ValidationContext {
  const graph = buildGraph(spec);
  const topo = topoOrder(graph);
  const diagnostics: Diagnostic[] = [];
  let suggestions = 0;
  return {
    spec,
    locator,
    graph,
    topo,
    layering: layer(graph, topo.order),
    registry,
    unreadable,
    diagnostics,
    report(code, path, message, detail = {}, atKey = false) {
      diagnostics.push(errorAt(code, message, locator.locate(path, atKey), path, detail));
    },
    suggest(word, candidates) {
      return suggestions++ < SUGGESTION_BUDGET ? didYouMean(word, candidates) : undefined;
    },
  };
}

/** `"a", "b" and "c"` for messages. */
export function quoteList(items: readonly string[]): string {
  const q = items.map((s) => `"${s}"`);
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}
