// The closed, ordered list of hook triggers and the shapes every hook kind shares (SPEC §4.1).
// The one definition both halves of the hooks system code against; a workflow's `hooks:` entry
// becomes a HookConfig through compileHook (defaults filled, kind inferred).
import type { HookSpec } from '../spec/schema.js';

export const HOOK_TRIGGERS = [
  'session_start',
  'session_restore',
  'pre_task',
  'pre_search',
  'pre_edit',
  'pre_command',
  'post_command',
  'post_edit',
  'post_task',
  'notification',
  'session_end',
] as const;
export type HookTrigger = (typeof HOOK_TRIGGERS)[number];
export type HookKind = 'exec' | 'http' | 'wasm';
export type HookMode = 'blocking' | 'async';
export type VerdictOutcome = 'allow' | 'warn' | 'deny' | 'transform';

/** A hook as the engine runs it: from a workflow's `hooks:` list or the workflow_hooks table. */
export interface HookConfig {
  readonly id?: string; // workflow_hooks.hook_id (uuid) for global hooks
  readonly name: string;
  readonly trigger: HookTrigger;
  readonly command: string; // exec: program; http: URL; wasm: "name@version" of a registered hook plugin
  readonly args: readonly string[];
  readonly always_run: boolean;
  readonly timeout_ms: number;
  readonly enabled: boolean;
  readonly priority: number; // ascending
  readonly kind: HookKind; // given, or inferred by hookKind(command)
  readonly mode: HookMode; // default: 'async' for notification, else 'blocking'
  readonly fail: 'open' | 'closed'; // default: 'closed' for pre_* triggers, else 'open'
  readonly matcher?: { readonly agent?: string; readonly task?: string; readonly tool?: string }; // glob-ish: '*' wildcards
  readonly source: 'workflow' | 'global';
}

/** What a hook answers. `patch` only for transform: a JSON merge patch (RFC 7386) of what the trigger guards. */
export interface HookVerdict {
  readonly verdict: VerdictOutcome;
  readonly message?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly patch?: unknown;
}

/** One call of one hook. `idempotencyKey` is stable across replays/crashes: `${runId}/${trigger}/${subject}/${hook.name}`. */
export interface HookInvocation {
  readonly trigger: HookTrigger;
  readonly namespace: string;
  readonly runId: string;
  readonly workflow: string;
  readonly task?: string; // attempt key e.g. "research[2]"
  readonly agent?: string;
  readonly attempt?: number;
  readonly tool?: string; // pre/post search|edit|command
  readonly context: Readonly<Record<string, unknown>>; // the trigger's documented context (docs/hooks.md)
  readonly idempotencyKey: string;
  readonly traceparent?: string;
}

/** Runs one kind of hook; never throws for the hook's own failure: returns a deny/warn per `fail` (the caller records the error). */
export interface HookRunner {
  readonly kind: HookKind;
  run(
    hook: HookConfig,
    inv: HookInvocation,
    signal: AbortSignal,
  ): Promise<HookVerdict & { readonly error?: string }>;
}

/** One execution, as logged (sync or async), kept 7 days by default. */
export interface HookExecution {
  readonly namespace: string;
  readonly runId: string;
  readonly hook: string;
  readonly trigger: HookTrigger;
  readonly mode: HookMode;
  readonly inputDigest: string; // sha256 hex of the invocation's JSON
  readonly verdict: VerdictOutcome | 'error';
  readonly message?: string;
  readonly output?: unknown; // the verdict's context/patch, truncated to 64 KiB
  readonly durationMs: number;
  readonly error?: string;
  readonly at: string; // ISO time
}

/** Where executions are logged (hooks-ops implements it over the store). */
export interface HookLogSink {
  record(e: HookExecution): Promise<void>;
}
/** The namespace's global hooks (hooks-ops implements it over the workflow_hooks table). */
export interface GlobalHooks {
  list(namespace: string): Promise<readonly HookConfig[]>;
}
/** Async hooks go here (hooks-ops implements it over the bus: memory or Redis Streams consumer group). */
export interface AsyncHookQueue {
  enqueue(hook: HookConfig, inv: HookInvocation): Promise<void>;
}

// A plugin reference, optionally scoped like plugin names (`acme/guard@1.0.0`); a path never matches.
const WASM_REF = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)?@[0-9][^\s/]*$/i;

/** The kind a command names: an http(s) URL is a webhook, `name@version` a hook plugin, else a program. */
export function hookKind(command: string): HookKind {
  if (/^https?:\/\//i.test(command)) return 'http';
  if (WASM_REF.test(command)) return 'wasm';
  return 'exec';
}

/** The mode a trigger's hooks get when none is given: notifications never hold a run up. */
export function defaultMode(trigger: HookTrigger): HookMode {
  return trigger === 'notification' ? 'async' : 'blocking';
}

/** What a hook's own failure (crash, timeout, bad answer) means when none is given: pre_* guard, so they fail closed. */
export function defaultFail(trigger: HookTrigger): 'open' | 'closed' {
  return trigger.startsWith('pre_') ? 'closed' : 'open';
}

/** The fields a hook may leave out, filled as documented; shared by workflow and global hooks. */
export interface HookFields {
  readonly id?: string;
  readonly name: string;
  readonly trigger: HookTrigger;
  readonly command: string;
  readonly args?: readonly string[];
  readonly always_run?: boolean;
  readonly timeout_ms?: number;
  readonly enabled?: boolean;
  readonly priority?: number;
  readonly kind?: HookKind;
  readonly mode?: HookMode;
  readonly fail?: 'open' | 'closed';
  readonly matcher?: HookConfig['matcher'];
}

/** A HookConfig with every default filled (timeout 30 s, priority 100, enabled, kind inferred). */
export function hookConfig(f: HookFields, source: HookConfig['source']): HookConfig {
  return {
    ...(f.id !== undefined ? { id: f.id } : {}),
    name: f.name,
    trigger: f.trigger,
    command: f.command,
    args: f.args ?? [],
    always_run: f.always_run ?? false,
    timeout_ms: f.timeout_ms ?? 30_000,
    enabled: f.enabled ?? true,
    priority: f.priority ?? 100,
    kind: f.kind ?? hookKind(f.command),
    mode: f.mode ?? defaultMode(f.trigger),
    fail: f.fail ?? defaultFail(f.trigger),
    ...(f.matcher !== undefined ? { matcher: f.matcher } : {}),
    source,
  };
}

/** A workflow's `hooks:` entry as the engine runs it. The older `tasks: [a, b]` limit becomes a task matcher. */
export function compileHook(h: HookSpec): HookConfig {
  const matcher = { ...h.matcher };
  if (h.tasks !== undefined && h.tasks.length > 0 && matcher.task === undefined) {
    matcher.task = h.tasks.length === 1 ? h.tasks[0] : `{${h.tasks.join(',')}}`;
  }
  return hookConfig(
    {
      name: h.name,
      trigger: h.trigger,
      command: h.command,
      args: h.args,
      always_run: h.always_run,
      timeout_ms: h.timeout_ms,
      enabled: h.enabled,
      priority: h.priority,
      ...(h.kind !== undefined ? { kind: h.kind } : {}),
      ...(h.mode !== undefined ? { mode: h.mode } : {}),
      ...(h.fail !== undefined ? { fail: h.fail } : {}),
      ...(Object.keys(matcher).length > 0 ? { matcher } : {}),
    },
    'workflow',
  );
}
