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
