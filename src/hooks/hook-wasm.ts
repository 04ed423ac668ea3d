// wasm hooks: a registered hook plugin (`name@version`, kind hook) called through its `hook_run` export
// under plugin ABI v1 (hook.proto), sandboxed like pattern plugins: the worker pool's memory limit and a
// watchdog at the smaller of the plugin's time limit and the hook's timeout.

import { z } from 'zod';
import { BatonError } from '../errors/registry.js';
import { ABI_VERSION, parseAnswer, type LoadedPlugin } from '../wasm/index.js';
import type { HookConfig, HookInvocation, HookRunner, HookVerdict } from './hook-model.js';
import { failed } from './hook-verdict.js';

/** Finds and loads (verifying its bytes) the hook plugin a `name@version` reference names. */
export type HookPluginResolver = (ref: string) => Promise<LoadedPlugin>;

/** HookRunResponse (hook.proto) as JSON: outcome continue | warn | abort, a message, a patch. */
const HookRunResponse = z.object({
  outcome: z.enum(['continue', 'warn', 'abort']),
  message: z.string().optional(),
  patch: z.unknown().optional(),
});

export class WasmHookRunner implements HookRunner {
  readonly kind = 'wasm' as const;
  constructor(private readonly resolve: HookPluginResolver) {}

  /** What the hook's journal entry names: the plugin's id and the sha256 of the bytes that ran. */
  async ref(hook: HookConfig): Promise<string> {
    const p = await this.resolve(hook.command);
    return `${p.id} sha256:${p.code.sha256}`;
  }

  async run(
    hook: HookConfig,
    inv: HookInvocation,
    signal: AbortSignal,
  ): Promise<HookVerdict & { error?: string }> {
    try {
      const plugin = await this.resolve(hook.command);
      if (plugin.manifest.kind !== 'hook') {
        throw new BatonError(
          'BATON_E_PLUGIN_EXPORTS',
          `plugin ${plugin.id} is a ${plugin.manifest.kind}, not a hook`,
        );
      }
      const code = { ...plugin.code, timeoutMs: Math.min(plugin.code.timeoutMs, hook.timeout_ms) };
      const input = JSON.stringify({
        abi_version: ABI_VERSION,
        trigger: inv.trigger,
        context: inv,
        now_ms: Date.now(),
        seed: seedOf(inv.idempotencyKey),
      });
      const call = plugin.runner.call(code, 'hook_run', input);
      const text = await abortable(call, signal);
      const r = parseAnswer(HookRunResponse, text, plugin.id, 'hook_run');
      const message = r.message !== undefined && r.message !== '' ? { message: r.message } : {};
      if (r.outcome === 'abort') return { verdict: 'deny', ...message };
      if (r.outcome === 'warn') return { verdict: 'warn', ...message };
      return r.patch !== undefined
        ? { verdict: 'transform', patch: r.patch, ...message }
        : { verdict: 'allow', ...message };
    } catch (e) {
      return failed(hook, (e as Error).message);
    }
  }
}

/** A stable seed per invocation (FNV-1a of its idempotency key): the plugin's only randomness. */
function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('abandoned: the engine stopped'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('abandoned: the engine stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
