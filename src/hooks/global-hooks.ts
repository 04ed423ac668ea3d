// A namespace's global hooks, kept in the store's workflow_hooks table: GlobalHooks for the engine (the
// hooks a run starting now binds to) and GlobalHookAdmin for HookService and `baton hook` (validated
// create, update, delete). A change applies to runs that start afterwards: a run journals its hooks.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BatonError } from '../errors/registry.js';
import { type HookRecord, type NewHookRecord, type Store } from '../store/store.js';
import { HookMatcher, HookTrigger } from '../spec/schema.js';
import { fault } from '../telemetry/faults.js';
import {
  HOOK_TRIGGERS,
  hookConfig,
  type GlobalHooks,
  type HookConfig,
  type HookTrigger as Trigger,
} from './hook-model.js';

/** A global hook as a client gives it (snake_case, as in a workflow's `hooks:` list). */
export const GlobalHookInput = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
  trigger: HookTrigger,
  command: z.string().min(1).max(8192),
  args: z.array(z.string().max(8192)).max(256).default([]),
  always_run: z.boolean().default(false),
  timeout_ms: z.number().int().min(1).max(3_600_000).default(30_000),
  enabled: z.boolean().default(true),
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(100),
  kind: z.enum(['exec', 'http', 'wasm']).optional(),
  mode: z.enum(['blocking', 'async']).optional(),
  fail: z.enum(['open', 'closed']).optional(),
  matcher: HookMatcher.optional(),
});
export type GlobalHookInput = z.input<typeof GlobalHookInput>;

function invalid(e: z.ZodError, what: string): BatonError {
  const issues = e.issues.map((i) => `${i.path.join('.') || '(hook)'}: ${i.message}`).join('; ');
  return new BatonError('BATON_E_HOOK_REQUEST_INVALID', `${what}: ${issues}`);
}

/** Validates a client's hook, filling the spec's defaults. */
export function parseGlobalHook(input: unknown): z.output<typeof GlobalHookInput> {
  const parsed = GlobalHookInput.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, 'invalid global hook');
  return parsed.data;
}

const isTrigger = (t: string): t is Trigger => (HOOK_TRIGGERS as readonly string[]).includes(t);

/** A stored row as the engine runs it; undefined for a row naming no trigger Baton knows (written by hand). */
export function toHookConfig(r: HookRecord): HookConfig | undefined {
  if (!isTrigger(r.trigger)) return undefined;
  const kind = r.kind === 'exec' || r.kind === 'http' || r.kind === 'wasm' ? r.kind : undefined;
  const mode = r.mode === 'blocking' || r.mode === 'async' ? r.mode : undefined;
  const fail = r.fail === 'open' || r.fail === 'closed' ? r.fail : undefined;
  return hookConfig(
    {
      id: r.hookId,
      name: r.name,
      trigger: r.trigger,
      command: r.command,
      args: r.args,
      always_run: r.alwaysRun,
      timeout_ms: r.timeoutMs,
      enabled: r.enabled,
      priority: r.priority,
      ...(kind !== undefined && { kind }),
      ...(mode !== undefined && { mode }),
      ...(fail !== undefined && { fail }),
      ...(r.matcher !== null && { matcher: r.matcher }),
    },
    'global',
  );
}

function toRecordFields(h: z.output<typeof GlobalHookInput>) {
  return {
    trigger: h.trigger,
    command: h.command,
    args: h.args,
    alwaysRun: h.always_run,
    timeoutMs: h.timeout_ms,
    enabled: h.enabled,
    priority: h.priority,
    kind: h.kind ?? null,
    mode: h.mode ?? null,
    fail: h.fail ?? null,
    matcher: h.matcher === undefined || Object.keys(h.matcher).length === 0 ? null : h.matcher,
  };
}

function known(r: HookRecord): HookConfig[] {
  const c = toHookConfig(r);
  if (c !== undefined) return [c];
  fault('hooks', `global hook "${r.name}" (namespace "${r.ns}") skipped`, `unknown trigger "${r.trigger}"`);
  return [];
}

/**
 * The engine's view: every global hook of the namespace (enabled or not), as HookConfigs. Runs started
 * together (a burst of StartRun, a fan-out of children) share one read: a call joins a read of its
 * namespace that is not sent yet, so what it returns was read after the call was made (a hook created
 * before a start is always seen by it), and a thousand starts cost one query, not a thousand.
 */
export class StoreGlobalHooks implements GlobalHooks {
  /** By namespace: the read to be sent at the end of this microtask turn. */
  readonly #unsent = new Map<string, Promise<readonly HookConfig[]>>();

  constructor(private readonly store: Store) {}

  list(namespace: string): Promise<readonly HookConfig[]> {
    let read = this.#unsent.get(namespace);
    if (read === undefined) {
      read = Promise.resolve()
        .then(() => {
          this.#unsent.delete(namespace); // later calls send a read of their own
          return this.store.listHooks(namespace);
        })
        .then((rows) => rows.flatMap(known));
      this.#unsent.set(namespace, read);
    }
    return read;
  }
}

/** A global hook as its managers see it: the engine's HookConfig and when it was made and last changed. */
export interface StoredHook {
  readonly config: HookConfig;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const stored = (r: HookRecord): StoredHook[] =>
  known(r).map((config) => ({ config, createdAt: r.createdAt, updatedAt: r.updatedAt }));

const notFound = (ns: string, name: string) =>
  new BatonError('BATON_E_HOOK_NOT_FOUND', `no global hook "${name}" in namespace "${ns}"`);

/** Managing global hooks: what HookService and `baton hook` (local store) call. */
export class GlobalHookAdmin {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async create(ns: string, input: unknown): Promise<StoredHook> {
    const h = parseGlobalHook(input);
    const row: NewHookRecord = {
      ns,
      hookId: randomUUID(),
      name: h.name,
      ...toRecordFields(h),
      createdAt: this.now(),
    };
    await this.store.createHook(row); // HookExistsError (BATON_E_HOOK_EXISTS) when the name is taken
    return stored({ ...row, updatedAt: row.createdAt })[0]!;
  }

  async get(ns: string, name: string): Promise<StoredHook> {
    const r = await this.store.getHook(ns, name);
    const found = r === undefined ? undefined : stored(r)[0];
    if (found === undefined) throw notFound(ns, name);
    return found;
  }

  async list(ns: string, trigger?: string): Promise<StoredHook[]> {
    if (trigger !== undefined && !isTrigger(trigger))
      throw new BatonError(
        'BATON_E_HOOK_REQUEST_INVALID',
        `unknown trigger "${trigger}"; one of ${HOOK_TRIGGERS.join(', ')}`,
      );
    return (await this.store.listHooks(ns, trigger === undefined ? {} : { trigger })).flatMap(stored);
  }

  /**
   * Replaces the hook's definition (clients read it, change it, send it back; what is left out takes its
   * default). Its id and creation time stay.
   */
  async update(ns: string, name: string, input: unknown): Promise<StoredHook> {
    const given: Record<string, unknown> =
      typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
    if ('name' in given && given['name'] !== name)
      throw new BatonError('BATON_E_HOOK_REQUEST_INVALID', `a hook's name cannot change ("${name}")`);
    const h = parseGlobalHook({ ...given, name });
    const r = await this.store.getHook(ns, name);
    if (r === undefined) throw notFound(ns, name);
    const updatedAt = this.now();
    if (!(await this.store.updateHook(ns, name, { ...toRecordFields(h), updatedAt })))
      throw notFound(ns, name);
    return stored({ ...r, ...toRecordFields(h), updatedAt })[0]!;
  }

  async delete(ns: string, name: string): Promise<void> {
    if (!(await this.store.deleteHook(ns, name))) throw notFound(ns, name);
  }
}
