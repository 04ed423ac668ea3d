// The composition root: builds the embedded default (SQLite store in a data directory, in-process bus)
// and the engine over them. The only module that picks concrete store and bus adapters.

import { join } from 'node:path';
import { openMemoryBus } from './bus/memory/memory-bus.js';
import { openSqliteStore } from './store/sqlite/sqlite-store.js';
import { Engine, type EngineOptions } from './runtime/engine.js';
import type { Bus } from './bus/bus.js';
import type { Store } from './store/store.js';
import { builtinPluginsDir, PatternPlugins } from './runtime/pattern-plugins.js';
import { InThreadRunner, WorkerPool } from './wasm/index.js';

export const DEFAULT_DATA_DIR = '.baton';

export interface App {
  readonly store: Store;
  readonly bus: Bus;
  readonly engine: Engine;
  /** The plugin folder runs load from (<data dir>/plugins), its sandbox and the engine's view of it. */
  readonly plugins: AppPlugins;
  close(): Promise<void>;
}

export interface AppPlugins {
  readonly dir: string;
  readonly runner: WorkerPool;
  readonly patterns: PatternPlugins;
}

export async function openApp(
  /** `bus`: one shared with other apps (tests of several instances in one process); closed by its opener. */
  options: { dataDir?: string; bus?: Bus } & Omit<EngineOptions, 'store' | 'bus'> = {},
): Promise<App> {
  const { dataDir = DEFAULT_DATA_DIR, bus: shared, ...engineOptions } = options;
  const store = await openSqliteStore({ dataDir });
  const bus = shared ?? openMemoryBus();
  // The built-in patterns (supervisor, handoff, ...) are this package's own builds in dist/plugins: trusted,
  // they run in-thread, and they are found first, so a bare `supervisor` is always the built-in. Plugins
  // installed in <data dir>/plugins run sandboxed (the pool starts with the first call).
  const trusted = new InThreadRunner();
  const pool = new WorkerPool();
  const dir = join(dataDir, 'plugins');
  const patterns = new PatternPlugins([
    { dir: builtinPluginsDir(), runner: trusted },
    { dir, runner: pool },
  ]);
  const engine = new Engine({ store, bus, patternPlugins: patterns, ...engineOptions });
  return {
    store,
    bus,
    engine,
    plugins: { dir, runner: pool, patterns },
    async close() {
      await engine.close();
      await pool.close();
      await trusted.close();
      if (!shared) await bus.close();
      await store.close();
    },
  };
}
