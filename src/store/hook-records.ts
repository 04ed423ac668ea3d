// What the Store keeps for hooks: the namespace's global hooks (the `workflow_hooks` table of the
// specification, plus the namespace and the run options Baton's hooks carry) and the hook execution log
// (`hook_executions`, purged after a retention). The store does not interpret triggers, kinds or verdicts.

import { BatonError } from '../errors/registry.js';

/** A global hook as created: every field of the spec's table, the namespace, and Baton's run options. */
export interface NewHookRecord {
  readonly ns: string;
  /** A uuid the caller generates (the spec's table defaults it; both adapters take the caller's). */
  readonly hookId: string;
  /** Unique within the namespace. */
  readonly name: string;
  readonly trigger: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly alwaysRun: boolean;
  readonly timeoutMs: number;
  readonly enabled: boolean;
  readonly priority: number;
  /** 'exec' | 'http' | 'wasm', or null to infer it from the command. */
  readonly kind: string | null;
  /** 'blocking' | 'async', or null for the trigger's default. */
  readonly mode: string | null;
  /** 'open' | 'closed', or null for the trigger's default. */
  readonly fail: string | null;
  /** { agent?, task?, tool? } globs, or null for every subject. */
  readonly matcher: Readonly<Record<string, string>> | null;
  /** ms since the epoch. */
  readonly createdAt: number;
}

export interface HookRecord extends NewHookRecord {
  readonly updatedAt: number;
}

/** Everything updateHook replaces (callers read, change, write back). */
export type HookRecordUpdate = Omit<NewHookRecord, 'ns' | 'hookId' | 'name' | 'createdAt'> & {
  readonly updatedAt: number;
};

/** One logged execution of one hook. */
export interface NewHookExecutionRecord {
  readonly ns: string;
  readonly runId: string;
  readonly hook: string;
  readonly trigger: string;
  readonly mode: string;
  readonly inputDigest: string;
  readonly verdict: string;
  readonly message: string | null;
  /** JSON (already truncated by the caller), or null. */
  readonly output: unknown;
  readonly durationMs: number;
  readonly error: string | null;
  /** ms since the epoch. */
  readonly at: number;
}

export interface HookExecutionRecord extends NewHookExecutionRecord {
  /** Grows with every record of the store: the page order (newest first). */
  readonly id: number;
}

export interface HookExecutionQuery {
  readonly runId?: string;
  readonly hook?: string;
  /** 1..MAX_PAGE, default DEFAULT_PAGE. */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface HookExecutionPage {
  /** Newest first. */
  readonly executions: readonly HookExecutionRecord[];
  readonly nextCursor?: string;
}

/** Thrown by createHook when the name is already used in the namespace. */
export class HookExistsError extends BatonError {
  constructor(
    readonly ns: string,
    readonly hookName: string,
  ) {
    super('BATON_E_HOOK_EXISTS', `hook "${hookName}" already exists in namespace "${ns}"`);
  }
}

// ── Rows, as both stores' SQL reads them ────────────────────────────────────────────────────────

/**
 * A workflow_hooks row as PostgreSQL (booleans) or SQLite (0/1) returns it. The specification's columns
 * are nullable with defaults: a row written by hand may hold nulls, read as those defaults.
 */
export interface HookRow {
  namespace: string;
  hook_id: string;
  name: string;
  trigger: string;
  command: string;
  args: string | null;
  always_run: boolean | number | null;
  timeout_ms: number | null;
  enabled: boolean | number | null;
  priority: number | null;
  kind: string | null;
  mode: string | null;
  fail: string | null;
  matcher: string | null;
  created_at: number | string;
  updated_at: number | string;
}

const flag = (v: boolean | number | null, otherwise: boolean): boolean =>
  v === null ? otherwise : v === true || v === 1;

export const hookFromRow = (r: HookRow): HookRecord => ({
  ns: r.namespace,
  hookId: r.hook_id,
  name: r.name,
  trigger: r.trigger,
  command: r.command,
  args: r.args === null ? [] : (JSON.parse(r.args) as string[]),
  alwaysRun: flag(r.always_run, false),
  timeoutMs: r.timeout_ms ?? 30_000,
  enabled: flag(r.enabled, true),
  priority: r.priority ?? 100,
  kind: r.kind,
  mode: r.mode,
  fail: r.fail,
  matcher: r.matcher === null ? null : (JSON.parse(r.matcher) as Record<string, string>),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** A hook_executions row (PostgreSQL returns BIGINT columns as strings). */
export interface HookExecutionRow {
  id: number | string;
  namespace: string;
  run_id: string;
  hook: string;
  trigger: string;
  mode: string;
  input_digest: string;
  verdict: string;
  message: string | null;
  output: string | null;
  duration_ms: number;
  error: string | null;
  at: number | string;
}

export const executionFromRow = (r: HookExecutionRow): HookExecutionRecord => ({
  id: Number(r.id),
  ns: r.namespace,
  runId: r.run_id,
  hook: r.hook,
  trigger: r.trigger,
  mode: r.mode,
  inputDigest: r.input_digest,
  verdict: r.verdict,
  message: r.message,
  output: r.output === null ? null : (JSON.parse(r.output) as unknown),
  durationMs: r.duration_ms,
  error: r.error,
  at: Number(r.at),
});
