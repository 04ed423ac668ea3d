// The runtime's side of pattern plugins: finds a workflow's pattern among the plugin folders, calls its
// pattern_init before the run starts (the answer is journaled in RunStarted as the run's binding), and
// answers the AskPattern commands of decide() by calling pattern_step through the host. A resumed run
// is bound to the exact bytes it started with: gone or changed bytes refuse the resume. With a plugin
// catalog (the store), a plugin missing from the folders is copied from the store into the data
// directory's folder first (runtime/plugin-cache.ts), so any instance can run what another registered.

import { fault } from '../telemetry/faults.js';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AskPattern, PatternBinding, PatternDecision } from '../core/index.js';
import { BatonError } from '../errors/registry.js';
import type { WorkflowSpec } from '../spec/schema.js';
import {
  listInstalled,
  loadPlugin,
  parsePluginRef,
  PatternPlugin,
  resolveVersion,
  type LoadedPlugin,
  type PatternStepInput,
  type PluginRunner,
} from '../wasm/index.js';
import { cacheBound, cacheByRef, type PluginCatalog } from './plugin-cache.js';

/** A folder of built plugins (each `<dir>/<plugin>/manifest.json`) and the runner its plugins get. */
export interface PluginSource {
  readonly dir: string;
  /** The sandbox pool for untrusted plugins; the in-thread runner only for the project's own builds. */
  readonly runner: PluginRunner;
}

interface Installed {
  readonly version: string;
  readonly path: string;
  readonly runner: PluginRunner;
}

/**
 * Where the built-in pattern plugins are (`npm run build:plugins` writes them): the package's
 * dist/plugins, found from this module both as source (src/runtime) and compiled (dist/src/runtime).
 */
export function builtinPluginsDir(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return basename(root) === 'dist' ? join(root, 'plugins') : join(root, 'dist', 'plugins');
}

/** The trigger as pattern.proto's Trigger: each kind with its own fields (ABI 1.0 sends `output` only). */
function pluginTrigger(t: AskPattern['trigger']): PatternStepInput['trigger'] {
  const base = {
    kind: t.kind,
    task: t.task,
    key: t.key,
    round: t.round,
    ...(t.agent === null ? {} : { agent: t.agent }),
  };
  switch (t.kind) {
    case 'failed':
      return { ...base, error: t.error!, attempts: t.attempts! };
    case 'delegated':
      return { ...base, results: t.results! };
    default:
      return { ...base, output: t.output };
  }
}

export class PatternPlugins {
  /** name -> installed versions, from the folders in order (an earlier folder wins a tie). */
  private index: Map<string, Installed[]> | null = null;
  private readonly loaded = new Map<string, Promise<PatternPlugin>>();

  /**
   * @param catalog the store's plugins; its `dir` must be one of `sources` (the folder copies are
   * written to and then found in).
   */
  constructor(
    private readonly sources: readonly PluginSource[],
    private readonly catalog?: PluginCatalog,
    /** The kind of plugin this finds: pattern plugins, or hook plugins (wasm hooks, loaded by load()). */
    private readonly kind: 'pattern' | 'hook' = 'pattern',
  ) {}

  private readonly raw = new Map<string, Promise<LoadedPlugin>>();

  /**
   * The installed plugin a reference names, loaded and verified (a hook plugin: hooks/hook-wasm.ts
   * calls its hook_run). A plugin registered on another instance is copied from the store first.
   */
  load(ref: string): Promise<LoadedPlugin> {
    let p = this.raw.get(ref);
    if (p === undefined) {
      p = (async () => {
        let entry = await this.find(ref);
        if (entry === undefined && (await this.fromCatalog((c) => cacheByRef(c, ref), ref)))
          entry = await this.find(ref);
        if (entry === undefined) {
          throw new BatonError('BATON_E_PLUGIN_NOT_FOUND', `no ${this.kind} plugin "${ref}" is installed`);
        }
        return loadPlugin(entry.path, { runner: entry.runner });
      })();
      // Not cached: it may be registered later. The caller awaiting `p` gets the error too.
      p.catch((e: unknown) => {
        this.raw.delete(ref);
        fault('plugins', `loading ${this.kind} plugin ${ref}`, e);
      });
      this.raw.set(ref, p);
    }
    return p;
  }

  /**
   * Forgets what was scanned and loaded: the next reference reads the folders again. Called after a
   * plugin is stored or deleted (PluginService); a run keeps the sha256 it was bound to regardless.
   */
  refresh(): void {
    this.index = null;
    this.loaded.clear();
    this.raw.clear();
  }

  /** Whether the pattern reference (`acme/auction@1.2.0`, or a bare name) is installed, without loading it. */
  async has(ref: string): Promise<boolean> {
    if ((await this.find(ref)) !== undefined) return true;
    return this.fromCatalog((c) => cacheByRef(c, ref), ref);
  }

  /** Copies a plugin from the store into the folder; true when the reference is installed now. */
  private async fromCatalog(copy: (c: PluginCatalog) => Promise<boolean>, ref: string): Promise<boolean> {
    if (this.catalog === undefined || !(await copy(this.catalog))) return false;
    this.index = null; // rescan: the folder has a new plugin (what was loaded stays loaded)
    return (await this.find(ref)) !== undefined;
  }

  /**
   * Loads the plugin `name` (the whole loader checklist) and calls its pattern_init for `spec`. The
   * plugin's own refusal (e.g. a bad pattern_config) is part of the binding: the run fails at its start
   * with it, journaled. A plugin that cannot be loaded or fails the call throws instead: no run exists.
   */
  async bind(ref: string, spec: WorkflowSpec, seed: number, now: number): Promise<PatternBinding> {
    const plugin = await this.plugin(ref);
    const m = plugin.loaded.manifest;
    const id = { name: m.name, version: m.version, sha256: plugin.loaded.code.sha256 };
    const r = await plugin.init({
      workflow: spec.name,
      tasks: spec.tasks.map((t) => ({
        id: t.id,
        ...(t.agent === undefined ? {} : { agent: t.agent }),
        depends_on: t.depends_on,
        conditional: t.when !== undefined,
      })),
      agents: Object.entries(spec.agents).map(([agent, a]) => ({ id: agent, capabilities: a.capabilities })),
      config: spec.pattern_config ?? {},
      seed,
      now_ms: now,
    });
    if ('code' in r) {
      const code = /^BATON_E_/.test(r.code) ? r.code : 'BATON_E_PATTERN_CONFIG';
      const message = code === r.code ? r.message : `${r.code}: ${r.message}`;
      return { ...id, error: { code, message: `${m.name}: ${message}` } };
    }
    return { ...id, setup: r };
  }

  /**
   * Checks that the bytes a run was bound to are still installed, before the run is resumed.
   * @throws BatonError BATON_E_PLUGIN_NOT_FOUND or BATON_E_PLUGIN_HASH, naming the run's plugin.
   */
  async verify(binding: PatternBinding): Promise<void> {
    await this.boundPlugin(binding);
  }

  /** pattern_step for an AskPattern; a plugin failure becomes the `fail` verdict that fails the run. */
  async ask(
    binding: PatternBinding,
    c: AskPattern,
    seed: number,
  ): Promise<{ state: unknown; decision: PatternDecision }> {
    try {
      const plugin = await this.boundPlugin(binding);
      return await plugin.step({
        state: c.state,
        trigger: pluginTrigger(c.trigger),
        now_ms: c.at,
        seed,
        step: c.step,
      });
    } catch (e) {
      if (!(e instanceof BatonError)) throw e;
      return {
        state: c.state,
        decision: { op: 'fail', error: { code: e.code, message: `${c.key}: ${e.message}` } },
      };
    }
  }

  private async boundPlugin(b: PatternBinding): Promise<PatternPlugin> {
    const id = `${b.name}@${b.version}`;
    if ((await this.find(id)) === undefined && !(await this.fromCatalog((c) => cacheBound(c, b), id))) {
      throw new BatonError(
        'BATON_E_PLUGIN_NOT_FOUND',
        `plugin ${id}, which the run was started with, is not installed: restore it to resume the run`,
      );
    }
    return this.plugin(id, b.sha256);
  }

  /**
   * The installed plugin a reference names: `@1.2.3` exactly, `@1.2` the highest 1.2.x, a bare name
   * the highest release (wasm/plugin-version.ts).
   */
  private async find(ref: string): Promise<Installed | undefined> {
    const { name, version } = parsePluginRef(ref);
    const all = (await this.scan()).get(name) ?? [];
    const chosen = resolveVersion(
      all.map((i) => i.version),
      version,
    );
    return all.find((i) => i.version === chosen);
  }

  private plugin(ref: string, expectSha256?: string): Promise<PatternPlugin> {
    const cacheKey = `${ref}\u0000${expectSha256 ?? ''}`;
    let p = this.loaded.get(cacheKey);
    if (p === undefined) {
      p = this.find(ref).then(async (entry) => {
        if (entry === undefined) {
          throw new BatonError('BATON_E_PATTERN_UNKNOWN', `no pattern plugin "${ref}" is installed`);
        }
        const loaded: LoadedPlugin = await loadPlugin(entry.path, {
          runner: entry.runner,
          ...(expectSha256 === undefined ? {} : { expectSha256 }),
        });
        return new PatternPlugin(loaded);
      });
      // A failed load is not cached: the next run retries (the bytes may have been restored).
      p.catch((e: unknown) => {
        this.loaded.delete(cacheKey);
        fault('plugins', `loading plugin ${cacheKey}`, e);
      });
      this.loaded.set(cacheKey, p);
    }
    return p;
  }

  private async scan(): Promise<Map<string, Installed[]>> {
    if (this.index !== null) return this.index;
    const index = new Map<string, Installed[]>();
    for (const source of this.sources) {
      for (const { manifest: m, path } of await listInstalled(source.dir)) {
        if (m.kind !== this.kind) continue;
        const versions = index.get(m.name) ?? [];
        if (!versions.some((v) => v.version === m.version)) {
          versions.push({ version: m.version, path, runner: source.runner });
        }
        index.set(m.name, versions);
      }
    }
    this.index = index;
    return index;
  }
}
