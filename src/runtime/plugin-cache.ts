// Plugins shared through the store: `publishPlugin` puts a verified plugin's bytes in the store (by
// sha256) beside the local plugin folder, and `cachePlugin` copies one from the store into an
// instance's plugin folder (atomic, immutable: wasm/plugin-store.ts) when the folder lacks it, so any
// instance over the same store can load the plugin a run is bound to. The bytes are checked against
// their manifest's sha256 before anything is written.

import { BatonError } from '../errors/registry.js';
import type { Store, StoredPlugin } from '../store/store.js';
import {
  installPlugin,
  parseManifest,
  parsePluginRef,
  resolveVersion,
  sha256,
  type PluginManifest,
} from '../wasm/index.js';

/** Where an instance's store-backed plugins live: the store, its namespace, and the folder caching them. */
export interface PluginCatalog {
  readonly store: Store;
  readonly ns: string;
  /** The plugin folder copies are written to (<data dir>/plugins). */
  readonly dir: string;
}

/** Stores a plugin the loader's checklist accepted; false when the store had these bytes already. */
export function publishPlugin(
  c: PluginCatalog,
  manifest: Readonly<PluginManifest>,
  wasm: Uint8Array,
): Promise<boolean> {
  const { name, version, sha256: sum } = manifest;
  return c.store.putPlugin(c.ns, {
    name,
    version,
    sha256: sum,
    manifest: { ...manifest, wasm: 'plugin.wasm' },
    wasm,
  });
}

/**
 * Copies into the folder the stored plugin with these bytes (a run's binding), if the store has it and
 * it is name@version. Returns whether it is in the folder now.
 */
export async function cacheBound(
  c: PluginCatalog,
  b: { name: string; version: string; sha256: string },
): Promise<boolean> {
  const stored = await c.store.getPlugin(c.ns, b.sha256);
  if (stored === undefined || stored.name !== b.name || stored.version !== b.version) return false;
  await write(c, stored);
  return true;
}

/**
 * Copies into the folder the stored plugin a reference resolves to among the store's versions
 * (`name`, `name@1.2`, `name@1.2.3`: wasm/plugin-version.ts). Returns whether one was copied.
 */
export async function cacheByRef(c: PluginCatalog, ref: string): Promise<boolean> {
  const { name, version } = parsePluginRef(ref);
  const versions = (await c.store.listPlugins(c.ns)).filter((p) => p.name === name);
  const chosen = resolveVersion(
    versions.map((p) => p.version),
    version,
  );
  const entry = versions.find((p) => p.version === chosen);
  if (entry === undefined) return false;
  const stored = await c.store.getPlugin(c.ns, entry.sha256);
  if (stored === undefined || stored.name !== name) return false; // deleted meanwhile
  await write(c, stored);
  return true;
}

async function write(c: PluginCatalog, stored: StoredPlugin): Promise<void> {
  const id = `${stored.name}@${stored.version}`;
  const manifest = parseManifest(stored.manifest, `the stored manifest of plugin ${id}`);
  const actual = sha256(stored.wasm);
  if (actual !== stored.sha256 || manifest.sha256 !== stored.sha256) {
    throw new BatonError(
      'BATON_E_PLUGIN_HASH',
      `plugin ${id} in the store (namespace "${c.ns}"): its bytes have sha256 ${actual}, but it is stored as ${stored.sha256} ` +
        `(manifest: ${manifest.sha256}); it was not copied to ${c.dir}`,
    );
  }
  await installPlugin(c.dir, manifest, stored.wasm);
}
