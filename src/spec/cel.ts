// CEL expressions in workflow files (https://cel.dev): compile once, report syntax and type errors at
// their offset, list the tasks and variables an expression reads, and evaluate with JSON values.

import { Environment, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import { BatonError } from '../errors/registry.js';

/** Every variable an expression can use somewhere; CEL_SCOPES says where each one exists. */
export const CEL_VARIABLES = [
  'input',
  'tasks',
  'item',
  'index',
  'event',
  'output',
  'iteration',
  'round',
  'messages',
] as const;
export type CelVariable = (typeof CEL_VARIABLES)[number];

/** The variables available at one place of a workflow file. */
export interface CelScope {
  /** Where such expressions are written, for messages ("an event filter"). */
  readonly place: string;
  readonly variables: readonly CelVariable[];
}

const scope = (place: string, ...extra: CelVariable[]): CelScope => ({
  place,
  variables: ['input', 'tasks', ...extra],
});

/** `input` (the run's input) and `tasks` (id -> { output, status, attempts }) exist everywhere. */
export const CEL_SCOPES = {
  /** `when`, `for_each`, and `input` of a task that does not fan out. */
  task: scope('a task'),
  /** `input` of a fan-out task: evaluated once per item. */
  fanOut: scope('a fan-out task', 'item', 'index'),
  /** `on.filter` and `wait_for.filter`. */
  eventFilter: scope('an event filter', 'event'),
  /** `emits[].data` and `compensate.input`: evaluated after the task finished, over its `output`. */
  completion: scope('emits data or compensate input', 'output'),
  repeatUntil: scope('repeat.until', 'output', 'iteration'),
  blockUntil: scope("a block's until", 'round', 'messages'),
} as const satisfies Record<string, CelScope>;

/** A name an expression uses and the 0-based offset of its first use in the expression. */
export interface CelRef {
  readonly name: string;
  readonly offset: number;
}

export interface CelCompiled {
  readonly ok: true;
  readonly source: string;
  readonly scope: CelScope;
  /** Task ids read as `tasks.<id>` or `tasks["<id>"]`, first use of each, in source order. */
  readonly taskRefs: readonly CelRef[];
  /** `tasks` is used other than by a literal id (`tasks[name]`, `size(tasks)`): any task may be read. */
  readonly readsAllTasks: boolean;
  /** Top-level variables used, first use of each, in source order. */
  readonly variables: readonly CelRef[];
  /** The variables used that do not exist in `scope`. */
  readonly outOfScope: readonly CelRef[];
  readonly program: ParseResult;
}

/** The expression does not compile: a syntax error, an unknown function or a type mismatch. */
export interface CelError {
  readonly ok: false;
  readonly source: string;
  readonly message: string;
  /** 0-based offset in the expression where the problem starts. */
  readonly offset: number;
}

export const isCelError = (r: CelCompiled | CelError): r is CelError => !r.ok;

// One environment for every place: all variables are declared `dyn` so the type checker still finds
// unknown functions and impossible operations, while scope rules are applied from our own AST walk.
const env = new Environment({ homogeneousAggregateLiterals: false });
for (const v of CEL_VARIABLES) env.registerVariable(v, 'dyn');

type Analysis = Omit<CelCompiled, 'scope' | 'outOfScope'> | CelError;

// Workflows repeat the same expressions (and the engine re-compiles a spec on every resume): cache
// the scope-independent part by text. First-in-first-out eviction keeps the cache bounded.
const CACHE_LIMIT = 10_000;
const cache = new Map<string, Analysis>();

/** Compiles `expr` for the place described by `scope`. Never throws. */
export function compileCel(expr: string, scope: CelScope): CelCompiled | CelError {
  let a = cache.get(expr);
  if (a === undefined) {
    a = analyse(expr);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(expr, a);
  }
  if (!a.ok) return a;
  const allowed = scope.variables as readonly string[];
  return { ...a, scope, outOfScope: a.variables.filter((v) => !allowed.includes(v.name)) };
}

function analyse(source: string): Analysis {
  let program: ParseResult;
  try {
    program = env.parse(source);
    const checked = program.check();
    // Unknown variables are reported from the walk below, per scope, with every name at once.
    if (!checked.valid && checked.error && checked.error.code !== 'unknown_variable') {
      return celError(source, checked.error);
    }
    return { ok: true, source, program, ...references(program.ast) };
  } catch (e) {
    return celError(source, e);
  }
}

function celError(source: string, e: unknown): CelError {
  return { ok: false, source, ...describe(e) };
}

/** The library's errors carry a one-line summary and a range; anything else is described plainly. */
function describe(e: unknown): { message: string; offset: number } {
  // The parser and the walks recurse: a chain of thousands of operators overflows the stack, which is
  // the expression's size, not a fault of Baton.
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return {
      message:
        'the expression is too large to compile (operators chained or nested thousands deep): split it, or compute the value in an agent',
      offset: 0,
    };
  const { summary, range } = (e ?? {}) as { summary?: string; range?: { start: number } };
  return { message: summary ?? (e instanceof Error ? e.message : String(e)), offset: range?.start ?? 0 };
}

/** Names bound by a macro (`list.map(x, ...)`, `cel.bind(v, init, ...)`), innermost first. */
interface Bound {
  readonly name: string;
  readonly next: Bound | undefined;
}

const isBound = (b: Bound | undefined, name: string): boolean => {
  for (let x = b; x; x = x.next) if (x.name === name) return true;
  return false;
};

/** Macros whose first argument names the iteration variable for the arguments after it. */
const ITERATION_MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Walks the AST without recursion, collecting task ids and free variables. */
function references(root: ASTNode): Pick<CelCompiled, 'taskRefs' | 'readsAllTasks' | 'variables'> {
  const tasks: CelRef[] = [];
  const vars: CelRef[] = [];
  let readsAllTasks = false;
  const stack: Array<[ASTNode, Bound | undefined]> = [[root, undefined]];
  const push = (bound: Bound | undefined, ...nodes: ASTNode[]) => {
    for (const n of nodes) stack.push([n, bound]);
  };
  const isTasks = (n: ASTNode, bound: Bound | undefined) =>
    n.op === 'id' && n.args === 'tasks' && !isBound(bound, 'tasks');

  while (stack.length > 0) {
    const [node, bound] = stack.pop()!;
    switch (node.op) {
      case 'value':
        break;
      case 'id':
        // `cel` is the namespace constant of cel.bind, not a variable.
        if (isBound(bound, node.args) || node.args === 'cel') break;
        vars.push({ name: node.args, offset: node.start });
        if (node.args === 'tasks') readsAllTasks = true;
        break;
      case '.':
      case '.?': {
        const [target, field] = node.args;
        if (isTasks(target, bound)) {
          vars.push({ name: 'tasks', offset: target.start });
          tasks.push({ name: field, offset: target.start });
        } else push(bound, target);
        break;
      }
      case '[]':
      case '[?]': {
        const [target, key] = node.args;
        if (isTasks(target, bound) && key.op === 'value' && typeof key.args === 'string') {
          vars.push({ name: 'tasks', offset: target.start });
          tasks.push({ name: key.args, offset: target.start });
        } else push(bound, target, key);
        break;
      }
      case 'call':
        push(bound, ...node.args[1]);
        break;
      case 'rcall': {
        const [name, receiver, args] = node.args;
        const first = args[0];
        const isBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel';
        if (first?.op === 'id' && (isBind || ITERATION_MACROS.has(name))) {
          const inner: Bound = { name: first.args, next: bound };
          if (isBind) push(bound, ...args.slice(1, 2));
          else push(bound, receiver);
          push(inner, ...args.slice(isBind ? 2 : 1));
        } else push(bound, receiver, ...args);
        break;
      }
      case 'list':
        push(bound, ...node.args);
        break;
      case 'map':
        for (const [k, v] of node.args) push(bound, k, v);
        break;
      case '!_':
      case '-_':
        push(bound, node.args);
        break;
      default:
        push(bound, ...node.args);
    }
  }
  return { taskRefs: firstUses(tasks), readsAllTasks, variables: firstUses(vars) };
}

/** Source order, one entry per name (its first use). */
function firstUses(refs: CelRef[]): CelRef[] {
  refs.sort((a, b) => a.offset - b.offset);
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(r.name) && seen.add(r.name));
}

/** Values for an expression's variables, as JSON-like JS values (numbers, strings, arrays, objects). */
export type CelVars = Partial<Record<CelVariable, unknown>>;

/**
 * Evaluates a compiled expression. Whole JSON numbers become CEL ints (so `output.count + 1` works);
 * the result comes back JSON-friendly: ints as numbers (as decimal strings beyond 2^53), maps as
 * objects, timestamps as ISO strings, durations as "1.5s", bytes as base64.
 * @throws BatonError BATON_E_CEL_EVALUATION when the expression fails (missing key, wrong type, ...).
 */
export function evaluateCel(compiled: CelCompiled, vars: CelVars): unknown {
  const context: Record<string, unknown> = {};
  for (const { name } of compiled.variables) {
    const v = vars[name as CelVariable];
    // Only the tasks an expression names are converted: the map of all outputs can be large.
    context[name] = name === 'tasks' && !compiled.readsAllTasks ? pickTasks(v, compiled.taskRefs) : v;
  }
  let result: unknown;
  try {
    result = compiled.program(copyTree(context, toCel) as Record<string, unknown>);
  } catch (e) {
    const { message, offset } = describe(e);
    const where = `at column ${offset + 1} of ${JSON.stringify(compiled.source)}`;
    throw new BatonError('BATON_E_CEL_EVALUATION', `${message} (${where})`, { cause: e });
  }
  return copyTree(result, fromCel);
}

function pickTasks(all: unknown, refs: readonly CelRef[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  if (typeof all !== 'object' || all === null) return picked;
  for (const { name } of refs) {
    if (Object.prototype.hasOwnProperty.call(all, name)) {
      setKey(picked, name, (all as Record<string, unknown>)[name]);
    }
  }
  return picked;
}

const toCel = (v: unknown): unknown => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v);

function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return bigintToJson(v);
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null) return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    let bin = '';
    for (const byte of v) bin += String.fromCharCode(byte);
    return btoa(bin);
  }
  // uint values carry a bigint in valueOf(); a type value (`type(x)`) is named by its tag; durations
  // print their CEL form ("1.5s").
  const prim: unknown = v.valueOf();
  if (typeof prim === 'bigint') return bigintToJson(prim);
  const typeName = /^\[object Type<(.+)>\]$/.exec(Object.prototype.toString.call(v))?.[1];
  return typeName ?? (v as { toString(): string }).toString();
}

const bigintToJson = (b: bigint): number | string =>
  b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();

const isContainer = (v: unknown): v is object =>
  Array.isArray(v) ||
  v instanceof Map ||
  (typeof v === 'object' &&
    v !== null &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null));

// An own "__proto__" key (JSON.parse makes those) must stay data, never become a prototype.
function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true });
  else o[k] = v;
}

/** Copies arrays, Maps and plain objects without recursion (outputs may nest deeply); `leaf` maps the rest. */
function copyTree(root: unknown, leaf: (v: unknown) => unknown): unknown {
  const holder: Record<string, unknown> = {};
  const stack: Array<[unknown, Record<string, unknown>, string]> = [[root, holder, 'v']];
  while (stack.length > 0) {
    const [src, parent, key] = stack.pop()!;
    if (!isContainer(src)) {
      setKey(parent, key, leaf(src));
    } else if (Array.isArray(src)) {
      const out: unknown[] = new Array<unknown>(src.length);
      setKey(parent, key, out);
      const slots = out as unknown as Record<string, unknown>;
      for (let i = src.length - 1; i >= 0; i--) stack.push([src[i], slots, String(i)]);
    } else {
      const out: Record<string, unknown> = {};
      setKey(parent, key, out);
      const entries = src instanceof Map ? [...src.entries()] : Object.entries(src);
      // Pushed last-first so keys are set in their original order.
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], out, String(entries[i]![0])]);
    }
  }
  return holder.v;
}
