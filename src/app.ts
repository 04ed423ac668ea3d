// The composition root: builds the embedded default (SQLite store in a data directory, in-process bus),
// or what URLs name (the PostgreSQL store, the Redis Streams bus), and the engine over them. The only
// module that picks concrete store, bus and agent adapters.

import { join } from 'node:path';
import { BusInvalidArgumentError, type Bus } from './bus/bus.js';
import { parseBusUrl, type BusTarget } from './bus/bus-url.js';
import { openMemoryBus } from './bus/memory/memory-bus.js';
import { openRedisBus } from './bus/redis/redis-bus.js';
import { MEMORY, openSqliteStore } from './store/sqlite/sqlite-store.js';
import { openPostgresStore } from './store/postgres/postgres-store.js';
import { parseStoreUrl } from './store/store-url.js';
import { DEFAULT_NAMESPACE, Engine, type EngineOptions } from './runtime/engine.js';
import type { Store } from './store/store.js';
import { builtinPluginsDir, PatternPlugins } from './runtime/pattern-plugins.js';
import { InThreadRunner, WorkerPool } from './wasm/index.js';
import { RunHookHost } from './runtime/run-hooks.js';
import { ExecHookRunner } from './hooks/hook-exec.js';
import { HttpHookRunner } from './hooks/hook-http.js';
import { WasmHookRunner } from './hooks/hook-wasm.js';
import type { AsyncHookQueue, GlobalHooks, HookKind, HookLogSink, HookRunner } from './hooks/hook-model.js';
import { StoreGlobalHooks } from './hooks/global-hooks.js';
import { StoreHookLog } from './hooks/hook-log.js';
import { BusHookQueue } from './hooks/hook-queue.js';
import { StoreAgentStats, type AgentStatsSource } from './hooks/agent-stats.js';
import { AgentAdapters, type EndpointAdapterFactory } from './agents/adapter-registry.js';
import { moduleAdapter } from './agents/in-process.js';
import {
  A2AConnections,
  A2ACredentials,
  a2aAdapters,
  DEFAULT_LIMITS,
  type A2ALimits,
} from './agents/a2a/index.js';

export const DEFAULT_DATA_DIR = '.baton';
/** The environment variable naming the A2A credentials file when no flag or config key does. */
export const A2A_CREDENTIALS_ENV = 'BATON_A2A_CREDENTIALS';

export interface App {
  readonly store: Store;
  readonly bus: Bus;
  readonly engine: Engine;
  /** The plugin folder runs load from (<data dir>/plugins), its sandbox and the engine's view of it. */
  readonly plugins: AppPlugins;
  /** The hook runners by kind (exec, http, wasm): what runs a hook here (TestHook, the async queue). */
  readonly hookRunners: ReadonlyMap<HookKind, HookRunner>;
  close(): Promise<void>;
}

export interface AppPlugins {
  readonly dir: string;
  readonly runner: WorkerPool;
  readonly patterns: PatternPlugins;
  /** Hook plugins (kind hook) that wasm hooks name; refresh() it with `patterns` after a change. */
  readonly hooks: PatternPlugins;
}

/** Where hooks come from and go besides a workflow's own (docs/hooks.md). */
export interface AppHooks {
  /** The namespace's global hooks, bound to each run when it starts; default: the store's workflow_hooks. */
  readonly global?: GlobalHooks;
  /** Where every hook execution is logged; default: the store's hook_executions. */
  readonly logs?: HookLogSink;
  /**
   * Where async hooks go (any instance runs them); 'bus': the app's bus (BusHookQueue; someone must run
   * a HookQueueConsumer, as `baton serve` does). Without one they run in this process.
   */
  readonly queue?: AsyncHookQueue | 'bus';
  /** Agent records for pre_task hooks (context.stats); default: projected from the store's journals. */
  readonly stats?: AgentStatsSource;
  /** Names of environment variables exec hooks also get (config `hook_env`). */
  readonly env?: readonly string[];
  /** The secret webhooks are signed with; default: env BATON_HOOK_SECRET. */
  readonly secret?: string;
}

/**
 * Opens the store a URL names (store/store-url.ts): `postgres://...` the PostgreSQL store, `sqlite:DIR`
 * the SQLite store in DIR; without one, the SQLite store of the data directory.
 */
export async function openStore(url: string | undefined, dataDir: string = DEFAULT_DATA_DIR): Promise<Store> {
  const location = parseStoreUrl(url ?? `sqlite:${dataDir}`);
  return location.kind === 'postgres'
    ? openPostgresStore(location)
    : openSqliteStore({ dataDir: location.dataDir });
}

/** Opens the bus a bus string names; a Redis that cannot be reached fails with BATON_E_BUS_UNAVAILABLE. */
export async function openBus(url: string): Promise<Bus> {
  let target: BusTarget;
  try {
    target = parseBusUrl(url);
  } catch (error) {
    throw new BusInvalidArgumentError(`bus: ${(error as Error).message}`, { cause: error });
  }
  return target.kind === 'memory' ? openMemoryBus() : openRedisBus(target);
}

/** How remote A2A agents are reached: credentials (a secrets file; BATON_A2A_TOKEN_* are always read), limits. */
export interface A2AAppOptions {
  /**
   * A YAML/JSON file mapping credential names to secrets, read when the app opens (the commands that run
   * agents pass --a2a-credentials, serve's a2a_credentials, or BATON_A2A_CREDENTIALS).
   */
  readonly credentialsFile?: string;
  readonly limits?: Partial<A2ALimits>;
  /** Shared connections (tests and benchmarks pass their own fetch this way). */
  readonly connections?: A2AConnections;
}

export interface AppOptions extends Omit<EngineOptions, 'store' | 'bus' | 'adapters' | 'hookHost'> {
  readonly hooks?: AppHooks;
  readonly dataDir?: string;
  /** Where runs are stored (a store URL); default: SQLite in `dataDir`. Plugins are cached in `dataDir` either way. */
  readonly store?: string;
  /**
   * `memory` (default) or `redis://HOST:PORT[/DB][?prefix=PREFIX]` (bus/bus-url.ts); or a Bus shared with
   * other apps (tests of several instances in one process), closed by its opener, not by this app.
   */
  readonly bus?: string | Bus;
  /** Adapters for agents with a queue endpoint or none (the worker hub, handlers registered in process). */
  readonly adapterFor?: EndpointAdapterFactory;
  readonly a2a?: A2AAppOptions;
}
/** The agent adapters of this process, by endpoint kind. */
async function agentAdapters(options: AppOptions): Promise<AgentAdapters> {
  const adapters = new AgentAdapters();
  if (options.adapterFor) adapters.register('queue', options.adapterFor).register('none', options.adapterFor);
  // Module paths were made absolute when the run was prepared (runtime/children.ts).
  adapters.register('module', (_id, spec) =>
    spec.endpoint && 'module' in spec.endpoint ? moduleAdapter(spec.endpoint, '/') : undefined,
  );
  const connections =
    options.a2a?.connections ??
    new A2AConnections({ credentials: await A2ACredentials.load(options.a2a?.credentialsFile) });
  adapters.register('a2a', a2aAdapters(connections, { ...DEFAULT_LIMITS, ...options.a2a?.limits }));
  return adapters
    .explain('queue', (id, spec) => {
      const queue = spec.endpoint && 'queue' in spec.endpoint ? spec.endpoint.queue : '?';
      return `agent "${id}" takes tasks from worker queue "${queue}", which only a server (baton serve) has`;
    })
    .explain(
      'none',
      (id, spec) =>
        `agent "${id}" (type ${spec.type}) has no endpoint, no registered adapter, and no worker serving it`,
    );
}

export async function openApp(options: AppOptions = {}): Promise<App> {
  const {
    dataDir = DEFAULT_DATA_DIR,
    store: storeUrl,
    bus: busUrl = 'memory',
    adapterFor: _adapterFor,
    a2a: _a2a,
    hooks: hookOptions = {},
    ...engineOptions
  } = options;
  const adapters = await agentAdapters(options);
  // The bus first: a Redis that is not there fails the start before the store is opened.
  const shared = typeof busUrl === 'string' ? undefined : busUrl;
  const bus = shared ?? (await openBus(busUrl as string));
  let store: Store;
  try {
    store = await openStore(storeUrl, dataDir);
  } catch (error) {
    if (!shared) await bus.close();
    throw error;
  }
  // The built-in patterns (supervisor, handoff, ...) are this package's own builds in dist/plugins: trusted,
  // they run in-thread, and they are found first, so a bare `supervisor` is always the built-in. Plugins
  // installed in <data dir>/plugins run sandboxed (the pool starts with the first call).
  const trusted = new InThreadRunner();
  const pool = new WorkerPool();
  const dir = join(dataDir, 'plugins');
  // The store holds every plugin registered through any instance; <data dir>/plugins caches them.
  const catalog = { store, ns: engineOptions.namespace ?? DEFAULT_NAMESPACE, dir };
  const patterns = new PatternPlugins(
    [
      { dir: builtinPluginsDir(), runner: trusted },
      { dir, runner: pool },
    ],
    catalog,
  );
  // wasm hooks are hook plugins found like patterns (built-ins first, then the folder, then the store).
  const hookPlugins = new PatternPlugins(
    [
      { dir: builtinPluginsDir(), runner: trusted },
      { dir, runner: pool },
    ],
    catalog,
    'hook',
  );
  const secret = hookOptions.secret ?? process.env.BATON_HOOK_SECRET;
  const runners = {
    exec: new ExecHookRunner(hookOptions.env === undefined ? {} : { env: hookOptions.env }),
    http: new HttpHookRunner(secret === undefined ? {} : { secret }),
    wasm: new WasmHookRunner((ref) => hookPlugins.load(ref)),
  };
  const queue = hookOptions.queue === 'bus' ? new BusHookQueue(bus) : hookOptions.queue;
  const hooks = new RunHookHost({
    runners,
    global: hookOptions.global ?? new StoreGlobalHooks(store),
    logs: hookOptions.logs ?? new StoreHookLog(store),
    stats: hookOptions.stats ?? new StoreAgentStats(store),
    ...(queue === undefined ? {} : { queue }),
  });
  // The instance files let `baton resume` take over at once a run whose process was killed on this host.
  const instanceDir = dataDir === MEMORY ? undefined : join(dataDir, 'instances');
  const engine = new Engine({
    store,
    bus,
    patternPlugins: patterns,
    hookHost: hooks,
    instanceDir,
    adapters,
    ...engineOptions,
  });
  return {
    store,
    bus,
    engine,
    plugins: { dir, runner: pool, patterns, hooks: hookPlugins },
    hookRunners: new Map<HookKind, HookRunner>(Object.entries(runners) as [HookKind, HookRunner][]),
    async close() {
      await engine.close();
      await pool.close();
      await trusted.close();
      if (!shared) await bus.close();
      await store.close();
    },
  };
}
