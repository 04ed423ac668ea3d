// The WASM plugin host (ABI v1, docs/plugin-abi.md): the loader's checklist, the sandboxed worker pool
// and the trusted in-thread runner behind one PluginRunner interface, and typed pattern plugins.

export {
  ABI_MARKER,
  HOST_ABI,
  parseAnswer,
  REQUIRED_EXPORTS,
  type DescribeResponse,
  type PluginExport,
} from './abi.js';
export { InThreadRunner } from './in-thread.js';
export {
  loadPlugin,
  readManifest,
  sha256,
  verifyPlugin,
  type LoadedPlugin,
  type LoadOptions,
} from './loader.js';
export { HOST_LIMITS, parseManifest, pluginId, type PluginManifest } from './manifest.js';
export {
  ABI_VERSION,
  PatternPlugin,
  type PatternInitInput,
  type PatternSetupOut,
  type PatternStepInput,
} from './pattern-plugin.js';
export type { PluginCode, PluginLog, PluginRunner } from './runner.js';
export { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';
export {
  findInstalled,
  installPlugin,
  listInstalled,
  pluginFolder,
  removePlugin,
  type InstalledPlugin,
} from './plugin-store.js';
export { compareVersions, parsePluginRef, resolveVersion } from './plugin-version.js';
