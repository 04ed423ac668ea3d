// The plugin folder of a data directory (<data dir>/plugins): one sub-folder per name@version holding
// manifest.json and plugin.wasm. The engine loads from it, PluginService and `baton plugin register`
// write to it. Writes are atomic (a hidden temp folder renamed into place) and a name@version is
// immutable: the same bytes again are a no-op, other bytes are refused.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BatonError } from '../errors/registry.js';
import { readManifest } from './loader.js';
import { pluginId, type PluginManifest } from './manifest.js';

/** A plugin found in a plugin folder. */
export interface InstalledPlugin {
  readonly manifest: Readonly<PluginManifest>;
  /** The manifest's path. */
  readonly path: string;
  /** When it was written into the folder (the manifest's mtime), ms since the Unix epoch. */
  readonly installedAt: number;
  /** The module's size (0 when its file is missing: the loader reports that when it is used). */
  readonly sizeBytes: number;
}

/** The folder a name@version is stored in: `acme/auction@1.2.0` -> `acme__auction@1.2.0` (as the build names it). */
export const pluginFolder = (name: string, version: string): string =>
  `${name.replace('/', '__')}@${version}`;

/**
 * Every plugin in `dir` whose manifest parses, in folder order. Hidden folders (writes in progress)
 * are skipped; so is a folder whose manifest cannot be read (the loader reports it when it is used).
 */
export async function listInstalled(dir: string): Promise<InstalledPlugin[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const out: InstalledPlugin[] = [];
  for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const path = join(dir, d.name, 'manifest.json');
    if (!existsSync(path)) continue;
    const manifest = await readManifest(path).catch(() => null);
    if (manifest === null) continue;
    const installedAt = (await stat(path)).mtimeMs;
    const module = await stat(resolve(dir, d.name, manifest.wasm)).catch(() => null);
    out.push({ manifest, path, installedAt, sizeBytes: module?.size ?? 0 });
  }
  return out;
}

/** The stored plugin name@version, if any. */
export async function findInstalled(
  dir: string,
  name: string,
  version: string,
): Promise<InstalledPlugin | undefined> {
  return (await listInstalled(dir)).find((p) => p.manifest.name === name && p.manifest.version === version);
}

/**
 * Stores a verified plugin (the caller ran the loader's checklist) as `dir/<folder>/`. Returns false
 * when the same bytes are already stored under its name@version.
 * @throws BatonError BATON_E_PLUGIN_EXISTS when other bytes are stored under that name@version.
 */
export async function installPlugin(
  dir: string,
  manifest: Readonly<PluginManifest>,
  bytes: Uint8Array,
): Promise<{ created: boolean; path: string }> {
  const id = pluginId(manifest);
  const before = await findInstalled(dir, manifest.name, manifest.version);
  if (before !== undefined) return { created: !sameBytes(before, manifest, id), path: before.path };
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.upload-${randomBytes(6).toString('hex')}`);
  const final = join(dir, pluginFolder(manifest.name, manifest.version));
  try {
    await mkdir(temp);
    await writeFile(join(temp, 'plugin.wasm'), bytes);
    const stored = { ...manifest, wasm: 'plugin.wasm' };
    await writeFile(join(temp, 'manifest.json'), JSON.stringify(stored, null, 2) + '\n');
    try {
      await rename(temp, final);
    } catch (e) {
      // Another upload of the same name@version won the race (the folder exists): judge against it.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      const winner = await findInstalled(dir, manifest.name, manifest.version);
      if (winner === undefined)
        throw new BatonError('BATON_E_PLUGIN_EXISTS', `${final} is taken by another plugin`);
      return { created: !sameBytes(winner, manifest, id), path: winner.path };
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return { created: true, path: join(final, 'manifest.json') };
}

/** Throws unless `stored` holds the bytes `manifest` pins; returns true (the same plugin). */
function sameBytes(stored: InstalledPlugin, manifest: Readonly<PluginManifest>, id: string): true {
  if (stored.manifest.sha256 === manifest.sha256) return true;
  throw new BatonError(
    'BATON_E_PLUGIN_EXISTS',
    `plugin ${id} is already stored with other bytes (sha256 ${stored.manifest.sha256}, these have ${manifest.sha256}); ` +
      'a version is immutable: bump the version to store the change',
  );
}

/**
 * Removes name@version from `dir`: renamed out of sight first (a reader never sees half a plugin),
 * then deleted. Returns false when it was not stored.
 */
export async function removePlugin(dir: string, name: string, version: string): Promise<boolean> {
  const found = await findInstalled(dir, name, version);
  if (found === undefined) return false;
  const folder = join(found.path, '..');
  const trash = join(dir, `.delete-${randomBytes(6).toString('hex')}`);
  await rename(folder, trash);
  await rm(trash, { recursive: true, force: true });
  return true;
}
