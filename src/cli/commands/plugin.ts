// `baton plugin build | test | register | list`: build a pattern plugin from its AssemblyScript folder
// (the project's own scripts/build-plugins.js), run the conformance suite over it with the scenarios
// beside its manifest, store it in the store (--store / BATON_STORE, else the data directory's) and the
// data directory's plugin folder, or upload it to a server (PluginService).

import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BatonError } from '../../errors/registry.js';
import {
  compareVersions,
  installPlugin,
  listInstalled,
  loadPlugin,
  readManifest,
  WorkerPool,
  type LoadedPlugin,
} from '../../wasm/index.js';
import { findScenarios, loadScenarios, runConformance, SCENARIO_FILES } from '../../conformance/index.js';
import { paint, type Output } from '../io.js';
import { serverAddress } from '../remote.js';
import { storeLabel, storeUrl } from '../store-option.js';
import { DEFAULT_NAMESPACE } from '../../runtime/engine.js';
import { publishPlugin } from '../../runtime/plugin-cache.js';
import { openStore } from '../../app.js';
import type { Store } from '../../store/store.js';
import { builtinPluginsDir } from '../../runtime/pattern-plugins.js';

type BuildPlugin = (dir: string, outDir: string) => Promise<string>;

const SCRIPT = join('scripts', 'build-plugins.js');

/** Where `baton plugin build DIR` writes when no --out is given. */
export const DEFAULT_BUILD_DIR = 'build';

/** The project's build script, the same one `npm run build:plugins` runs (it needs assemblyscript). */
async function buildScript(): Promise<BuildPlugin> {
  // src/cli/commands (tsx) and dist/src/cli/commands sit at different depths below the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, SCRIPT)) && dirname(dir) !== dir) dir = dirname(dir);
  const path = join(dir, SCRIPT);
  try {
    const mod = (await import(pathToFileURL(path).href)) as { buildPlugin: BuildPlugin };
    return mod.buildPlugin;
  } catch (e) {
    throw new BatonError(
      'BATON_E_PLUGIN_BUILD',
      `cannot load the plugin build script ${path} (it ships with Baton's sources and needs the assemblyscript package): ${(e as Error).message}`,
    );
  }
}

/** Builds the plugin source folder `dir` into `outDir`; returns the built manifest's path. */
async function build(dir: string, outDir: string): Promise<string> {
  for (const f of ['manifest.json', join('assembly', 'index.ts')]) {
    if (!existsSync(join(dir, f)))
      throw new BatonError('BATON_E_PLUGIN_BUILD', `${join(dir, f)}: missing (a plugin folder needs ${f})`);
  }
  const buildPlugin = await buildScript();
  try {
    return await buildPlugin(dir, outDir);
  } catch (e) {
    throw new BatonError('BATON_E_PLUGIN_BUILD', (e as Error).message.trimEnd());
  }
}

/**
 * The built manifest `target` names: a manifest.json (or the .wasm beside one), a built folder, or a
 * source folder, which is built into a temp folder first (`cleanup` removes it).
 */
async function builtManifest(target: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const none = { cleanup: async () => {} };
  const abs = resolve(target);
  if (!existsSync(abs)) throw new BatonError('BATON_E_PLUGIN_NOT_FOUND', `${target}: no such file or folder`);
  if (!statSync(abs).isDirectory()) {
    return { path: abs.endsWith('.wasm') ? join(dirname(abs), 'manifest.json') : abs, ...none };
  }
  if (existsSync(join(abs, 'assembly', 'index.ts'))) {
    const out = await mkdtemp(join(tmpdir(), 'baton-plugin-'));
    try {
      return { path: await build(abs, out), cleanup: () => rm(out, { recursive: true, force: true }) };
    } catch (e) {
      await rm(out, { recursive: true, force: true });
      throw e;
    }
  }
  return { path: join(abs, 'manifest.json'), ...none };
}

/** Loads a built plugin through the whole loader checklist in a sandbox pool, then closes the pool. */
async function withLoaded<T>(target: string, fn: (p: LoadedPlugin) => Promise<T>): Promise<T> {
  const { path, cleanup } = await builtManifest(target);
  const pool = new WorkerPool();
  try {
    return await fn(await loadPlugin(path, { runner: pool }));
  } finally {
    await pool.close();
    await cleanup();
  }
}

export async function pluginBuildCommand(dir: string, opts: { out?: string }, o: Output): Promise<number> {
  const out = resolve(opts.out ?? join(dir, DEFAULT_BUILD_DIR));
  const path = await build(resolve(dir), out);
  const m = JSON.parse(await readFile(path, 'utf8')) as { name: string; version: string; sha256: string };
  o.out(`${paint(o, 'green', '✓')} built ${m.name}@${m.version} -> ${path} (sha256 ${m.sha256})`);
  return 0;
}

/**
 * The scenarios file for `target`: `--scenarios`, else conformance.yaml/.json in the folder given (a
 * source or built folder), else beside the manifest.
 */
function scenariosFor(target: string, manifest: string, given: string | undefined): string {
  if (given !== undefined) return resolve(given);
  const abs = resolve(target);
  const dirs =
    existsSync(abs) && statSync(abs).isDirectory() ? [abs, dirname(manifest)] : [dirname(manifest)];
  for (const d of dirs) {
    const found = findScenarios(d);
    if (found !== undefined) return found;
  }
  throw new BatonError(
    'BATON_E_CONFORMANCE_SCENARIOS',
    `${target}: no ${SCENARIO_FILES.join(' / ')} beside manifest.json: the conformance suite needs the runs ` +
      'to exercise the plugin with (docs/writing-a-pattern.md, "The conformance suite"), or pass --scenarios FILE',
  );
}

/**
 * Runs the conformance suite (src/conformance) over a plugin with the scenarios beside it and prints
 * the report: one line per check; exit 1 when a check failed.
 */
export async function pluginTestCommand(
  target: string,
  opts: { scenarios?: string; json?: boolean },
  o: Output,
): Promise<number> {
  const { path, cleanup } = await builtManifest(target);
  try {
    // The manifest is read first so a broken one is reported as the loader's error, not the suite's.
    await readManifest(path);
    const under = loadScenarios(scenariosFor(target, path, opts.scenarios), path);
    const report = await runConformance(under);
    if (opts.json) {
      o.out(JSON.stringify(report, null, 2));
    } else {
      for (const c of report.checks) {
        const mark = c.ok ? paint(o, 'green', '✓') : paint(o, 'red', '✗');
        o.out(`${mark} ${c.check}: ${c.detail}`);
      }
      const failed = report.checks.filter((c) => !c.ok).length;
      if (failed === 0) o.out(`${report.plugin}: all ${report.checks.length} conformance checks passed`);
      else o.err(`${report.plugin}: ${failed} of ${report.checks.length} conformance checks failed`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** Opens the command's store (as the run commands do) for `fn`, and closes it. */
async function withStore<T>(
  opts: { dataDir: string; store?: string },
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(storeUrl(opts), opts.dataDir);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function pluginRegisterCommand(
  target: string,
  opts: { dataDir: string; store?: string; server?: string },
  o: Output,
): Promise<number> {
  const address = serverAddress(opts);
  if (address !== undefined) {
    const { path, cleanup } = await builtManifest(target);
    try {
      // Checked here too (schema, named file) so a broken manifest is reported before any upload.
      const manifest = await readManifest(path);
      const manifestText = (await readFileNamed(path, 'plugin manifest')).toString('utf8');
      const wasm = await readFileNamed(join(dirname(path), manifest.wasm), 'plugin module');
      const { RemotePlugins } = await import('../../api/plugin-client.js');
      const client = new RemotePlugins(address);
      try {
        const r = await client.upload(manifestText, wasm);
        const id = `${r.plugin.name}@${r.plugin.version}`;
        o.out(
          `${paint(o, 'green', '✓')} ${r.created ? 'registered' : 'already registered'} ${id} on ${address} (sha256 ${r.plugin.sha256})`,
        );
      } catch (e) {
        throw e instanceof BatonError ? new BatonError(e.code, `${path}: ${e.message}`) : e;
      } finally {
        client.close();
      }
    } finally {
      await cleanup();
    }
    return 0;
  }
  const dir = join(opts.dataDir, 'plugins');
  return withLoaded(target, async (loaded) => {
    const bytes = loaded.code.bytes;
    // The store first (every instance on it can load the plugin from there), then this folder's copy.
    const published = await withStore(opts, (store) =>
      publishPlugin({ store, ns: DEFAULT_NAMESPACE, dir }, loaded.manifest, bytes),
    );
    const r = await installPlugin(dir, loaded.manifest, bytes);
    o.out(
      `${paint(o, 'green', '✓')} ${r.created || published ? 'registered' : 'already registered'} ${loaded.id} in ${dirname(r.path)} and the ${storeLabel(opts)} (sha256 ${loaded.code.sha256})`,
    );
    return 0;
  });
}

async function readFileNamed(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new BatonError(
      'BATON_E_PLUGIN_NOT_FOUND',
      `${what} ${path} cannot be read (${(e as Error).message})`,
    );
  }
}

export async function pluginListCommand(
  opts: { dataDir: string; store?: string; server?: string; json?: boolean; kind?: string },
  o: Output,
): Promise<number> {
  if (opts.kind !== undefined && opts.kind !== 'pattern' && opts.kind !== 'hook')
    throw new BatonError('BATON_E_USAGE', `--kind "${opts.kind}" is not a plugin kind (pattern or hook)`);
  const address = serverAddress(opts);
  let rows: Array<{
    name: string;
    version: string;
    kind: string;
    sha256: string;
    sizeBytes: number;
    builtin?: boolean;
  }>;
  if (address !== undefined) {
    const { RemotePlugins } = await import('../../api/plugin-client.js');
    const client = new RemotePlugins(address);
    try {
      rows = await client.list(opts.kind ?? '');
    } finally {
      client.close();
    }
  } else {
    // The built-in patterns first (found first by a bare name), then the data directory's plugins.
    const builtin = (await listInstalled(builtinPluginsDir())).map((p) => ({
      ...p.manifest,
      sizeBytes: p.sizeBytes,
      builtin: true,
    }));
    const installed: typeof rows = (await listInstalled(join(opts.dataDir, 'plugins'))).map((p) => ({
      ...p.manifest,
      sizeBytes: p.sizeBytes,
      builtin: false,
    }));
    // With --store, also what other instances registered there (without one, the folder holds it all).
    if (storeUrl(opts) !== undefined) {
      const have = new Set(installed.map((r) => `${r.name}@${r.version}`));
      const stored = await withStore(opts, (store) => store.listPlugins(DEFAULT_NAMESPACE));
      for (const p of stored) {
        const m = p.manifest as { kind?: unknown };
        if (!have.has(`${p.name}@${p.version}`))
          installed.push({
            name: p.name,
            version: p.version,
            kind: String(m.kind),
            sha256: p.sha256,
            sizeBytes: p.sizeBytes,
            builtin: false,
          });
      }
    }
    installed.sort((a, b) =>
      a.name === b.name ? compareVersions(b.version, a.version) : a.name < b.name ? -1 : 1,
    );
    rows = [...builtin, ...installed].filter((p) => opts.kind === undefined || p.kind === opts.kind);
  }
  if (opts.json) {
    o.out(
      JSON.stringify(
        rows.map(({ name, version, kind, sha256, sizeBytes, builtin }) => ({
          name,
          version,
          kind,
          sha256,
          sizeBytes,
          ...(builtin !== undefined && { builtin }),
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  if (rows.length === 0) {
    o.err(`no plugins ${address === undefined ? `in ${join(opts.dataDir, 'plugins')}` : `on ${address}`}`);
    return 0;
  }
  for (const r of rows) {
    o.out(
      `${`${r.name}@${r.version}`.padEnd(32)} ${r.kind.padEnd(8)} ${r.sha256.slice(0, 12)}  ${`${r.sizeBytes} bytes`.padEnd(14)}${r.builtin ? '  built-in' : ''}`.trimEnd(),
    );
  }
  if (address === undefined && !rows.some((r) => !r.builtin))
    o.err(`no plugins installed in ${join(opts.dataDir, 'plugins')} (the built-in patterns above need none)`);
  return 0;
}
